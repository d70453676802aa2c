"""`msgsys sms count`: what a text costs as an SMS."""
from __future__ import annotations

import json

import click

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


def init_app(app) -> None:
    """Register the SMS commands."""
    app.cli.add_command(sms_group)
