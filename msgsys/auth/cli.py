"""`msgsys users ...`: accounts and API tokens."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from msgsys import db
from msgsys.cli_helpers import fail, user_or_fail
from msgsys.errors import DomainError


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Accounts and API tokens."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", "roles", required=True, help="author, approver, translator, admin (comma-separated for several)")
@click.option("--locales", default="", help="translator locales, e.g. es,quc")
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_add(email: str, roles: str, locales: str, name: str, password: str) -> None:
    """Create an account."""
    from msgsys.auth import service

    try:
        with db.transaction() as s:
            user = service.create_user(s, email=email, password=password, roles=roles, locales=locales, name=name, label="cli")
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"added {user.email} ({user.roles}{' ' + user.locales if user.locales else ''})")


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="cli")
def users_token(email: str, name: str) -> None:
    """Print a new API token for a user (shown once)."""
    from msgsys.auth import service

    if not email:
        fail("give the user's email")
    try:
        with db.transaction() as s:
            issued = service.issue_token(s, user=user_or_fail(s, email), name=name, label="cli")
    except DomainError as exc:
        fail(exc.message)
    click.echo(issued.secret)


@users_group.command("revoke-token")
@click.argument("token_id", type=int)
def users_revoke_token(token_id: int) -> None:
    """Revoke an API token by its id."""
    from msgsys.auth import service

    try:
        with db.transaction() as s:
            service.revoke_token(s, token_id=token_id, label="cli")
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"revoked token {token_id}")


@users_group.command("list")
def users_list() -> None:
    """List accounts."""
    from msgsys.auth import service

    for u in service.list_users(db.session()):
        click.echo(f"{u.id}\t{u.email}\t{u.roles}\t{u.locales or '-'}\t{'active' if u.active else 'deactivated'}")


def init_app(app) -> None:
    """Register the account commands."""
    app.cli.add_command(users_group)
