"""`msgsys sms count`: what a text costs as an SMS; `msgsys fake-twilio`: a local fake Twilio API;
`msgsys subscribers import|export`: subscribers as CSV."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from msgsys import db
from msgsys.cli_helpers import fail, user_or_fail
from msgsys.errors import DomainError
from msgsys.locales import LOCALES
from msgsys.sms.models import SUBSCRIBER_STATES


@click.group("sms")
def sms_group() -> None:
    """SMS tools."""


@sms_group.command("count")
@click.argument("text")
@click.option("--locale", type=click.Choice(LOCALES), default=None)
def count_command(text: str, locale: str | None) -> None:
    """Print encoding, segments, characters and the text as it would be sent, as JSON."""
    from msgsys.sms.encoding import count_sms

    click.echo(json.dumps(count_sms(text, locale).as_dict(), ensure_ascii=False))


@click.command("fake-twilio")
@click.option("--port", default=0, show_default=True, type=int, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--verbose", is_flag=True, help="Log every request.")
@with_appcontext
def fake_twilio_command(port: int, verbose: bool) -> None:
    """Serve a fake Twilio API on 127.0.0.1 until interrupted (for trying the twilio backend and benchmarks)."""
    from msgsys.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

    settings = current_app.config["MSGSYS"]
    fake = FakeTwilio(
        port=port,
        account_sid=settings.twilio_account_sid or DEFAULT_ACCOUNT_SID,
        auth_token=settings.twilio_auth_token or DEFAULT_AUTH_TOKEN,
        verbose=verbose,
    )
    click.echo(f"fake Twilio at {fake.url} (account {fake.account_sid}); use MSGSYS_TWILIO_API_BASE={fake.url}")
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass


@click.group("subscribers", cls=AppGroup)
def subscribers_group() -> None:
    """SMS subscribers: import a list with its consent source, export them."""


@subscribers_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="", metavar="NAME",
              help="Where the list and its consent come from (an organisation, a campaign). Required unless the file "
                   "has a source column; a cell of that column wins over this option.")
@click.option("--consent-text", default="", metavar="TEXT",
              help="The exact text the people on the list agreed to, in their language. Required unless the file has a "
                   "consent_text column; a cell of that column wins over this option.")
@click.option("--by", "email", default="", metavar="EMAIL", help="The admin who runs the import, recorded in the audit log.")
def import_command(path: Path, source: str, consent_text: str, email: str) -> None:
    """Import phone numbers from a UTF-8 CSV file with a header row.

    Columns: number (with its country code, +502...), locale (es, quc or en), and optionally region, consent_text and
    source. Imported numbers become ACTIVE at once, with the consent source "import" and the named source: their
    consent was recorded where the list came from, so no confirmation text is sent. Numbers already known are left
    as they are (an opted-out number stays opted out). The whole file is checked first: every bad row is reported
    by line, and if there is one, nothing is imported (exit status 2).
    """
    from msgsys.clock import now
    from msgsys.sms import csvio

    try:
        with db.transaction() as s:
            report = csvio.import_subscribers(s, data=path.read_bytes(), source=source, consent_text=consent_text,
                                              now=now(), actor=user_or_fail(s, email))
    except DomainError as exc:
        problems = exc.details.get("problems", []) if isinstance(exc.details, dict) else []
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        fail(exc.message)
    click.echo(f"{report.added} number(s) imported as active subscribers from {path.name}")
    if report.known:
        lines = ", ".join(str(n) for n in report.known[:20]) + (" ..." if len(report.known) > 20 else "")
        click.echo(f"{len(report.known)} number(s) already known, left as they were (lines {lines})")


@subscribers_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write (default: standard output).")
@click.option("--state", type=click.Choice(SUBSCRIBER_STATES), default=None, help="Only subscribers in this state.")
def export_command(output: Path | None, state: str | None) -> None:
    """Write subscribers as UTF-8 CSV: number, locale, country, region, state, consent_source, consent_source_name,
    consent_at (UTC). Erased numbers are never written. Not an import file: an import takes its own columns."""
    from msgsys.sms import csvio

    if output is None:
        csvio.export_subscribers(db.session(), sys.stdout, state=state or "")
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        written = csvio.export_subscribers(db.session(), out, state=state or "")
    click.echo(f"wrote {written} subscriber(s) to {output}", err=True)


def init_app(app) -> None:
    """Register the SMS commands."""
    app.cli.add_command(sms_group)
    app.cli.add_command(fake_twilio_command)
    app.cli.add_command(subscribers_group)
