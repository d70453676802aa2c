"""`msgsys campaigns load`: campaign content from files."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from msgsys import db
from msgsys.cli_helpers import describe, fail, user_or_fail
from msgsys.errors import DomainError


@click.group("campaigns", cls=AppGroup)
def campaigns_group() -> None:
    """Campaign content files."""


@campaigns_group.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--author", "author_email", default="", help="submit the loaded versions as this author (default: the import itself)")
def campaigns_load(paths: tuple[Path, ...], author_email: str) -> None:
    """Load campaign files (or folders of them); loading again changes nothing."""
    from msgsys.content import loader

    try:
        with db.transaction() as s:
            reports = loader.load_paths(s, list(paths), author=user_or_fail(s, author_email))
    except DomainError as exc:
        fail(describe(exc))
    for r in reports:
        click.echo(f"{r.campaign}: {len(r.created)} new, {len(r.updated)} updated, {len(r.unchanged)} unchanged")


def init_app(app) -> None:
    """Register the campaign commands."""
    app.cli.add_command(campaigns_group)
