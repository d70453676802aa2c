"""Background jobs: the periodic jobs every domain registers, and running them once.

Two runners call `run_periodic`: the embedded loop (`msgsys.jobs.embedded`, a thread in the web process, the
default) and Celery beat on Redis (`msgsys.jobs.celery_app`, production).
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Callable

from flask import Flask

log = logging.getLogger(__name__)

# Each job takes no arguments, runs inside an app context and is safe to run concurrently
# (it claims rows before acting on them, see db.claim_rows), so any number of workers may run it.
PERIODIC: dict[str, Callable[[], object]] = {}


def periodic(name: str):
    """Register a function as a periodic job."""

    def decorate(fn):
        PERIODIC[name] = fn
        return fn

    return decorate


def _failures(app: Flask) -> Counter:
    return app.extensions.setdefault("msgsys.job_failures", Counter())


def failure_counts(app: Flask) -> dict[str, int]:
    """How many times each periodic job has failed in this process since it started."""
    return dict(_failures(app))


def run_periodic(app: Flask) -> dict[str, object]:
    """Run every periodic job once; a failing job is logged with its traceback and counted, and the others still run."""
    results: dict[str, object] = {}
    for name, job in list(PERIODIC.items()):
        with app.app_context():
            try:
                results[name] = job()
            except Exception:  # retried on the next tick
                failures = _failures(app)
                failures[name] += 1
                log.exception("periodic job %s failed (%d failures so far)", name, failures[name])
                results[name] = "error"
    return results
