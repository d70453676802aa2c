"""Asserting that a refused step changed nothing, as another connection sees the database.

The test's session is committed after the refusal, so anything the refused code wrote before it gave up
would be visible; the comparison is made on a connection of its own, as tests/security/conftest.py's
`snapshot` does.
"""
from __future__ import annotations

import pytest

from tests.security.conftest import diff_snapshots, snapshot

__all__ = ["committed", "diff_snapshots", "refused"]


def committed(app) -> dict[str, list[dict]]:
    """Every row of every table but the refusals' audit events, read through a connection of its own."""
    return snapshot(app, ignore_denials=True)


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
