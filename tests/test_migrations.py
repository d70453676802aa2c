"""Migrations build the whole schema from empty, and agree with the models."""
from __future__ import annotations

import sqlalchemy as sa

from msgsys import migrate
from tests.conftest import PG_URL, empty_database




def test_migrations_from_empty_match_the_models(tmp_path):
    engine = empty_database(tmp_path, "migtest")
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) is not None
    assert migrate.pending_changes(engine) == [], "a model changed without a migration: run `msgsys db revision -m ...`"
    tables = set(sa.inspect(engine).get_table_names())
    assert {"user", "apitoken", "auditevent"} <= tables

    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.pending_changes(engine) == []
    if PG_URL:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA migtest CASCADE"))
    engine.dispose()


def test_db_upgrade_command_on_an_empty_database(tmp_path, monkeypatch):
    from msgsys import create_app

    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision" in result.output
    check = app.test_cli_runner().invoke(args=["db", "check"])
    assert check.exit_code == 0 and "schema matches" in check.output
