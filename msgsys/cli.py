"""The `msgsys` command: run, db, users, demo."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, routes_command, shell_command, with_appcontext

from msgsys import create_app, db
from msgsys.errors import DomainError


def _create_app():
    from msgsys.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # settings that cannot run: say why, without a traceback
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """msgsys: multilingual public messaging (campaigns, approval, translation, web, feeds, SMS)."""


main.add_command(shell_command)
main.add_command(routes_command)


def init_app(app) -> None:
    """Attach msgsys's commands to the app, so `msgsys` and `flask` both find them."""
    from msgsys.sms import cli as sms_cli
    from msgsys.translation import cli as translation_cli

    for command in (run_command, db_group, users_group, demo_command, campaigns_group, policy_group):
        app.cli.add_command(command)
    translation_cli.init_app(app)
    sms_cli.init_app(app)


def fail(message: str) -> None:
    """Print an error and exit non-zero, having changed nothing."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def user_or_fail(session, email: str):
    """The user with this email (None when none is given), or exit with an error."""
    from msgsys.auth import service as users

    if not email:
        return None
    user = users.find_user(session, email)
    if user is None:
        fail(f"no user with the email {email}")
    return user


def describe(exc: DomainError) -> str:
    """A refusal with each of its problems or policy violations on a line of its own."""
    details = exc.details if isinstance(exc.details, dict) else {}
    lines = [exc.message, *(f"  {p}" for p in details.get("problems", []))]
    for v in details.get("violations", []):
        lines.append(f"  - [{'block' if v.get('blocking') else 'warn'}] {v.get('field') or '-'}: {v['message']}")
    return "\n".join(lines)


@click.command("run")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=True, help="Run the in-process worker beside the web server.")
def run_command(host: str, port: int, worker: bool) -> None:
    """Serve the app with gunicorn in one process and, on the embedded default, run the worker in it too."""
    from msgsys.server import serve

    app = current_app._get_current_object()
    embedded = app.config["MSGSYS"].embedded
    if worker and not embedded:
        click.echo("worker: start Celery workers separately (see README: make worker)")
    elif worker:
        click.echo("worker: in-process (embedded default)")
    click.echo(f"msgsys is running at http://{host}:{port}/admin/  (public site: http://{host}:{port}/)")
    serve(app, host=host, port=port, with_worker=worker and embedded)


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations (to the latest by default)."""
    from msgsys import migrate

    from msgsys.policy import service as policy

    migrate.upgrade(db.engine(), revision)
    click.echo(f"database at revision {migrate.current(db.engine())}")
    if revision == "head":
        with db.transaction() as s:
            added = policy.seed_rules(s)
        if added:
            click.echo(f"seeded {added} advisory policy rules from the sources")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from msgsys import migrate

    migrate.revision(db.engine(), message)


@db_group.command("check")
def db_check() -> None:
    """Exit non-zero when the models differ from the migrated schema."""
    from msgsys import migrate

    diff = migrate.pending_changes(db.engine())
    if diff:
        for change in diff:
            click.echo(f"  {change}")
        fail("the models have changes no migration covers; run `msgsys db revision -m ...`")
    click.echo("schema matches the models")


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


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create demo users (printing fresh passwords) and load the demo campaigns."""
    from msgsys import demo

    logins = demo.load_demo()
    base = current_app.config["MSGSYS"].public_base_url
    click.echo(f"\nmsgsys demo data is loaded. Sign in at {base}/login with:")
    for email, roles, password in logins:
        click.echo(f"  {email:34} {password}   ({roles})")
    click.echo("These passwords are new each time `msgsys demo` runs.\n")


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
