"""`msgsys sms count`: what a text costs as an SMS; `msgsys fake-twilio`: a local fake Twilio API."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from msgsys.locales import LOCALES


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


def init_app(app) -> None:
    """Register the SMS commands."""
    app.cli.add_command(sms_group)
    app.cli.add_command(fake_twilio_command)
