"""Periodic work of the workflow: scheduled go-live and expiry."""
from __future__ import annotations

from msgsys import db
from msgsys.clock import now
from msgsys.content.models import MessageVersion
from msgsys.jobs import periodic
from msgsys.workflow import service


@periodic("content.schedule")
def scheduled_transitions() -> dict[str, int]:
    """Publish what is due and retire what has expired, in one transaction; each version is taken by one worker."""
    with db.transaction() as s:
        ids = db.claim_rows(s, MessageVersion, where=[service.due(now())])
        if not ids:
            return {"published": 0, "expired": 0}
        # Until this transaction ends the claimed versions are its alone (row locks on PostgreSQL, the write
        # lock on SQLite): a worker running the same job now gets none of them, and once this one commits
        # they are no longer due. run_schedule acts on these and on nothing else that is due.
        return service.run_schedule(s, ids)
