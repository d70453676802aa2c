"""A SQLite database locked by another writer past the busy timeout: 503 with Retry-After, and nothing changed.

SQLite is the embedded default's database, so this runs on a SQLite file on both CI passes.
"""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest

from msgsys import migrate
from msgsys.db import make_engine
from tests.factories import login, make_token, make_user, post_form
from tests.security.conftest import diff_snapshots, snapshot

CAMPAIGN = {"slug": "heat-2026", "title": "Heat", "objective": "", "source_locale": "en", "target_locales": ["es"],
            "audience_countries": ["GT"]}


@pytest.fixture
def database_url(_migrated_template, tmp_path):
    """A migrated SQLite file, whichever database the rest of the suite runs on."""
    path = tmp_path / "busy.sqlite3"
    if isinstance(_migrated_template, Path):
        shutil.copy(_migrated_template, path)
    else:
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def config(config):
    """A short busy timeout, and no Redis (refused with SQLite)."""
    config.pop("REDIS_URL", None)
    config["SQLITE_BUSY_TIMEOUT"] = 0.2
    return config


@contextmanager
def write_lock(database_url: str):
    """Another connection holding SQLite's write lock, as a long write in another thread would."""
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_a_page_whose_write_finds_the_database_locked_answers_503_and_saves_nothing(app, client, session, database_url):
    author = make_user(session, roles="author")
    login(client, author.email)
    before = snapshot(app)
    with write_lock(database_url):
        response = post_form(client, "/admin/campaigns", CAMPAIGN)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    assert "busy" in response.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []
    # Once the lock is gone the same form works.
    assert post_form(client, "/admin/campaigns", CAMPAIGN).status_code == 302


def test_an_api_write_that_finds_the_database_locked_answers_503_json_and_saves_nothing(app, client, session, database_url):
    author = make_user(session, roles="author")
    headers = {"Authorization": f"Bearer {make_token(session, author)}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    before = snapshot(app)
    with write_lock(database_url):
        response = client.post("/api/v1/campaigns", json=CAMPAIGN, headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "busy"
    assert diff_snapshots(before, snapshot(app)) == []
    assert client.post("/api/v1/campaigns", json=CAMPAIGN, headers=headers).status_code == 201


def test_other_database_errors_are_not_taken_for_a_busy_database(tmp_path):
    from msgsys.errors import database_is_busy

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    sqlite3.connect(tmp_path / "x.sqlite3").execute("CREATE TABLE t (x)")
    errors = []
    with write_lock(url):
        for sql in ("INSERT INTO t VALUES (1)", "SELECT * FROM missing"):
            try:
                sqlite3.connect(tmp_path / "x.sqlite3", timeout=0).execute(sql)
            except sqlite3.OperationalError as exc:
                errors.append(exc)
    locked, missing = errors
    assert database_is_busy(locked) and not database_is_busy(missing)


def test_a_partners_read_is_answered_while_another_write_holds_the_lock(app, client, session, database_url, clock):
    reader = make_user(session, roles="author")
    headers = {"Authorization": f"Bearer {make_token(session, reader)}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # records the token's use
    clock.advance(seconds=30)
    with write_lock(database_url):
        assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
        assert client.get("/api/v1/me", headers=headers).get_json()["email"] == reader.email
