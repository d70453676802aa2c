"""The `msgsys` command: the app's own commands (run, db, demo) and every domain's command group, assembled."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, routes_command, shell_command, with_appcontext

from msgsys import create_app, db
from msgsys.cli_helpers import fail


def _create_app():
    from msgsys.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # settings that cannot run: say why, without a traceback
        fail(str(exc))


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """msgsys: multilingual public messaging (campaigns, approval, translation, the public site, SMS tools)."""


main.add_command(shell_command)
main.add_command(routes_command)


def init_app(app) -> None:
    """Attach msgsys's commands to the app, so `msgsys` and `flask` both find them: the app's own, then each domain's."""
    from msgsys.auth import cli as auth_cli
    from msgsys.content import cli as content_cli
    from msgsys.policy import cli as policy_cli
    from msgsys.sms import cli as sms_cli
    from msgsys.translation import cli as translation_cli

    for command in (run_command, db_group, demo_command):
        app.cli.add_command(command)
    for domain in (auth_cli, content_cli, policy_cli, translation_cli, sms_cli):
        domain.init_app(app)


@click.command("run")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
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

    def listening(base: str) -> None:
        click.echo(f"msgsys is listening at {base}\n"
                   f"  officers' UI: {base}/admin/\n"
                   f"  public site:  {base}/es/  ({base}/quc/, {base}/en/)\n"
                   "Stop it with Ctrl+C.")
        sys.stdout.flush()

    serve(app, host=host, port=port, with_worker=worker and embedded, on_listening=listening)


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations (to the latest by default)."""
    from msgsys import migrate
    from msgsys.policy import service as policy
    from msgsys.sms import keywords

    migrate.upgrade(db.engine(), revision)
    click.echo(f"database at revision {migrate.current(db.engine())}")
    if revision == "head":
        with db.transaction() as s:
            added = policy.seed_rules(s)
            words = keywords.seed_keywords(s)
        if added:
            click.echo(f"seeded {added} advisory policy rules from the sources")
        if words:
            click.echo(f"seeded {words} SMS keywords")


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


@click.command("demo")
@with_appcontext
@click.option("--host", default=None, help="The host `msgsys run` serves on (default: the address in MSGSYS_PUBLIC_BASE_URL).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="The port `msgsys run` serves on.")
def demo_command(host: str | None, port: int | None) -> None:
    """Create demo users (printing fresh passwords), load the demo campaigns and say who does what next."""
    from msgsys import demo
    from msgsys.server import base_url

    if host is None and port is None:
        base = current_app.config["MSGSYS"].public_base_url.rstrip("/")
    else:
        base = base_url(host or "127.0.0.1", port or 5000)
    logins = demo.load_demo()
    click.echo(f"\nmsgsys demo data is loaded. Sign in at {base}/login with:")
    for email, roles, password in logins:
        click.echo(f"  {email:34} {password}   ({roles})")
    click.echo("These passwords are new each time `msgsys demo` runs.\n\nNext steps:")
    for line in demo.next_steps(db.session(), base):
        click.echo(f"  {line}")
    click.echo("")
