"""Test fixtures: a fresh, migrated database per test, on SQLite or PostgreSQL, and Redis when configured.

MSGSYS_TEST_DATABASE_URL=postgresql+psycopg://... runs the suite on PostgreSQL (schema built by the
migrations, tables emptied between tests); MSGSYS_TEST_REDIS_URL=redis://... puts rate limits and the
queue on Redis. Without them everything runs on SQLite files, as the embedded default does.
"""
from __future__ import annotations

import contextvars
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient

from msgsys import create_app, migrate
from msgsys.clock import FrozenClock
from msgsys.db import make_engine

PG_URL = os.environ.get("MSGSYS_TEST_DATABASE_URL", "")


def empty_database(tmp_path, name: str) -> sa.Engine:
    """An engine on a database with no tables: a file under tmp_path, or a schema of its own on PostgreSQL."""
    if not PG_URL:
        return make_engine(f"sqlite:///{tmp_path / (name + '.sqlite3')}")
    engine = sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={name}"})
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    return engine
REDIS_URL = os.environ.get("MSGSYS_TEST_REDIS_URL", "")
START = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory):
    """Build the schema once by running the migrations; each test gets a copy (SQLite) or a truncation (PostgreSQL)."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(_migrated_template, tmp_path):
    """A migrated, empty database for this test alone."""
    if PG_URL:
        _truncate_all(PG_URL)
        yield PG_URL
        return
    path = tmp_path / "msgsys.sqlite3"
    shutil.copy(_migrated_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def clock():
    """A clock the test moves by hand."""
    return FrozenClock(START)


@pytest.fixture
def config(database_url, clock, tmp_path):
    """Overrides every test app gets; tests may add to them before asking for `app`."""
    cfg = {
        "ENV": "testing",
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "CLOCK": clock,
        "RATELIMIT_KEY_PREFIX": "t" + uuid.uuid4().hex[:12],
        "SERVER_NAME": "msgsys.test",
        # Still argon2id, at the lowest cost: hashing at full cost would be most of the suite's time.
        "PASSWORD_PROFILE": "CHEAPEST",
    }
    if REDIS_URL:
        cfg["REDIS_URL"] = REDIS_URL
    return cfg


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server, not inside the test's app context."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context() and "db_session" in g:
            g.db_session.expire_all()  # the test's own session then sees what the request wrote
        return response


@pytest.fixture
def app(config):
    """A fresh app on this test's database."""
    application = create_app(config)
    application.test_client_class = IsolatedClient
    yield application
    application.extensions["msgsys.engine"].dispose()


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session inside an app context, for setting up and checking data."""
    from msgsys import db

    with app.app_context():
        yield db.session()


@pytest.fixture
def runner(app):
    """The msgsys CLI against this test's app."""
    return app.test_cli_runner()


def pytest_sessionfinish(session, exitstatus):
    """On CI a skipped test is a failure: every service and browser the suite needs must be there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"FAILED: {skipped} test(s) skipped on CI; install or start what they need.", red=True)
        session.exitstatus = 1
