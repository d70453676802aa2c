"""A partner's read does not write: an API token's last use is recorded at most once a minute."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from msgsys.auth.models import ApiToken
from msgsys.db import make_engine
from tests.factories import make_token, make_user


def _last_used(database_url: str):
    """The token's last use as committed, read through an engine of its own."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(ApiToken.last_used_at)).scalar_one()
    finally:
        engine.dispose()


def test_reads_within_a_minute_record_the_use_once_and_a_read_after_it_again(client, session, clock, database_url):
    headers = {"Authorization": f"Bearer {make_token(session, make_user(session, roles='author'))}"}
    assert _last_used(database_url) is None
    first = clock.now()

    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(database_url) == first
    clock.advance(seconds=59)
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    assert _last_used(database_url) == first  # the second read wrote nothing

    clock.advance(seconds=2)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(database_url) == first + timedelta(seconds=61)


def test_a_read_within_the_minute_sends_no_write_to_the_database(app, client, session, clock):
    headers = {"Authorization": f"Bearer {make_token(session, make_user(session, roles='author'))}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(seconds=30)
    writes = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            writes.append(statement)

    engine = app.extensions["msgsys.engine"]
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert writes == []
