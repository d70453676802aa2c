"""`msgsys policy seed`: the advisory rules drawn from the sources."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from msgsys import db


@click.group("policy", cls=AppGroup)
def policy_group() -> None:
    """Advisory policy rules."""


@policy_group.command("seed")
def policy_seed() -> None:
    """Add the rules drawn from the sources (those not yet present)."""
    from msgsys.policy import service as policy

    with db.transaction() as s:
        added = policy.seed_rules(s)
    click.echo(f"{added} rules added")


def init_app(app) -> None:
    """Register the policy commands."""
    app.cli.add_command(policy_group)
