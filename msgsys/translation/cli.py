"""`msgsys catalog export|import`: content catalogs for translators' own tools."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from msgsys import db
from msgsys.cli_helpers import describe, fail, user_or_fail
from msgsys.errors import DomainError


@click.group("catalog", cls=AppGroup)
def catalog_group() -> None:
    """Content catalogs (gettext PO), one per campaign and locale."""


@catalog_group.command("export")
@click.option("--campaign", "slug", required=True)
@click.option("--locale", required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(slug: str, locale: str, output: Path) -> None:
    """Write the campaign's catalog for one locale."""
    from msgsys.content import service as content
    from msgsys.translation import catalog

    try:
        data = catalog.export_catalog(db.session(), campaign=content.get_campaign(db.session(), slug), locale=locale)
    except DomainError as exc:
        fail(exc.message)
    output.write_bytes(data)
    click.echo(f"wrote {output}")


@catalog_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
# Required: the revisions are recorded as this person's, so the four-eyes rule keeps them from approving their own file.
@click.option("--as", "email", required=True, metavar="EMAIL",
              help="The translator who wrote the file; the new revisions are theirs, and another translator reviews them.")
def import_command(path: Path, email: str) -> None:
    """Check a catalog entry by entry and apply it whole, or print each problem and change nothing."""
    from msgsys.translation import catalog

    if not email.strip():
        raise click.UsageError("--as needs the email of the translator who wrote the file.")
    try:
        with db.transaction() as s:
            report = catalog.import_catalog(s, data=path.read_bytes(), actor=user_or_fail(s, email), origin=f"import:{path.name}")
    except DomainError as exc:
        fail(describe(exc))
    click.echo(f"{report.campaign} ({report.locale}): {len(report.applied)} message(s) imported for review; "
               f"{report.skipped_fuzzy} fuzzy and {report.skipped_empty} empty entries left as they were")
    if report.left_draft:
        click.echo(f"saved as drafts, not submitted (entries still fuzzy): {', '.join(report.left_draft)}")


def init_app(app) -> None:
    """Register the catalog commands."""
    app.cli.add_command(catalog_group)
