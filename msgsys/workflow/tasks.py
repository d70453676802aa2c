"""Periodic work of the workflow: scheduled go-live and expiry."""
from __future__ import annotations

from msgsys import db
from msgsys.worker import periodic
from msgsys.workflow import service


@periodic("content.schedule")
def scheduled_transitions() -> dict[str, int]:
    """Publish what is due and retire what has expired, in one transaction."""
    with db.transaction() as s:
        return service.run_schedule(s)
