"""Asserting that a refused step changed nothing, as another connection sees the database.

The test's session is committed after the refusal, so anything the refused code wrote before it gave up
would be visible; the comparison is made on a connection of its own, as tests/security/conftest.py's
`snapshot` does (here with the schema reflected once per app, since some tests take hundreds of snapshots).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.security.conftest import diff_snapshots

__all__ = ["committed", "diff_snapshots", "refused"]


def committed(app) -> dict[str, list[dict]]:
    """Every row of every table but the refusals' audit events, read through a connection of its own."""
    engine = app.extensions["msgsys.engine"]
    meta = app.extensions.get("tests.reflected")
    if meta is None:
        meta = app.extensions["tests.reflected"] = sa.MetaData()
        meta.reflect(engine)
    out: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for table in sorted(meta.tables.values(), key=lambda t: t.name):
            if table.name == "alembic_version":
                continue
            query = sa.select(table).order_by(*(list(table.primary_key.columns) or list(table.columns)))
            if table.name == "auditevent":
                query = query.where(table.c.action != "permission.denied")
            out[table.name] = [dict(r) for r in conn.execute(query).mappings().all()]
    return out


def refused(app, session, call, error, match: str | None = None):
    """Run `call`, expect `error` (matching `match`), commit, and assert that no table changed; return the error.

    Refusals themselves are audited (permission.denied); those events are not counted as changes.
    """
    before = committed(app)
    with pytest.raises(error, match=match) as info:
        call()
    session.commit()
    assert diff_snapshots(before, committed(app)) == []
    return info.value
