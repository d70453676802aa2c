"""Background work: periodic jobs every domain registers, run by Celery beat or an in-process loop."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from flask import Flask

log = logging.getLogger(__name__)

# Each job takes no arguments, runs inside an app context and is safe to run concurrently
# (it claims rows before acting on them), so any number of workers may run it.
PERIODIC: dict[str, Callable[[], object]] = {}


def periodic(name: str):
    """Register a function as a periodic job."""

    def decorate(fn):
        PERIODIC[name] = fn
        return fn

    return decorate


def run_periodic(app: Flask) -> dict[str, object]:
    """Run every periodic job once; one job failing does not stop the others."""
    results: dict[str, object] = {}
    for name, job in list(PERIODIC.items()):
        with app.app_context():
            try:
                results[name] = job()
            except Exception:  # logged, retried on the next tick
                log.exception("periodic job %s failed", name)
                results[name] = "error"
    return results


class InProcessWorker(threading.Thread):
    """The embedded worker: one thread in the web process, ticking every few seconds."""

    def __init__(self, app: Flask, interval: float = 5.0) -> None:
        super().__init__(name="msgsys-worker", daemon=True)
        self.app, self.interval, self.stopping = app, interval, threading.Event()

    def run(self) -> None:
        """Tick until stopped."""
        while not self.stopping.is_set():
            run_periodic(self.app)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        """Ask the loop to end after the current tick."""
        self.stopping.set()
