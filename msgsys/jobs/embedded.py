"""The embedded worker: a thread in the web process that runs the periodic jobs every few seconds."""
from __future__ import annotations

import threading

from flask import Flask

from msgsys.jobs import run_periodic


class EmbeddedWorker(threading.Thread):
    """Runs every periodic job, then waits `interval` seconds, until stopped."""

    def __init__(self, app: Flask, interval: float = 5.0) -> None:
        super().__init__(name="msgsys-embedded-worker", daemon=True)
        self.app, self.interval, self.stopping = app, interval, threading.Event()

    def run(self) -> None:
        """Tick until stopped."""
        while not self.stopping.is_set():
            run_periodic(self.app)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        """Ask the loop to end after the current tick."""
        self.stopping.set()
