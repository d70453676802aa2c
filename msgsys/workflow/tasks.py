"""Periodic work of the workflow: scheduled go-live and expiry."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from msgsys import db
from msgsys.clock import now
from msgsys.content.models import MessageVersion
from msgsys.jobs import periodic
from msgsys.workflow import service


def _due(at) -> sa.ColumnElement[bool]:
    """Versions whose go-live has come or whose expiry has passed."""
    going_live = sa.and_(MessageVersion.state == "approved", MessageVersion.go_live_at <= at)
    ending = sa.and_(col(MessageVersion.state).in_(["published", "approved"]), MessageVersion.expires_at <= at)
    return sa.or_(going_live, ending)


@periodic("content.schedule")
def scheduled_transitions() -> dict[str, int]:
    """Publish what is due and retire what has expired, in one transaction; each version is taken by one worker."""
    with db.transaction() as s:
        if not db.claim_rows(s, MessageVersion, where=[_due(now())]):
            return {"published": 0, "expired": 0}
        # Until this transaction ends the claimed versions are its alone (row locks on PostgreSQL, the write
        # lock on SQLite): a worker running the same job now gets none of them, and once this one commits
        # they are no longer due.
        return service.run_schedule(s)
