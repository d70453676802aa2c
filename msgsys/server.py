"""`msgsys run`: gunicorn serving the app in one process, with the embedded worker beside it."""
from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication

from msgsys.jobs.embedded import EmbeddedWorker


class _Server(BaseApplication):
    """Gunicorn with its settings given here rather than read from a command line."""

    def __init__(self, app: Flask, options: dict) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, *, host: str, port: int, with_worker: bool) -> None:
    """Serve until interrupted. One process, so SQLite has a single writer; threads answer requests."""

    def start_worker(_worker) -> None:
        if with_worker:
            EmbeddedWorker(app).start()

    _Server(app, {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": 8,
        "accesslog": "-",
        "post_worker_init": start_worker,
    }).run()
