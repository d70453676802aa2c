"""`msgsys run`: gunicorn serving the app in one process, with the embedded worker beside it."""
from __future__ import annotations

import ipaddress
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication

from msgsys.jobs.embedded import EmbeddedWorker

# Where to point a browser when the server listens on every interface.
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def base_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for a server bound to host:port."""
    host = _WILDCARDS.get(host, host)
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:  # a name such as localhost
        pass
    return f"http://{host}:{port}"


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


def serve(app: Flask, *, host: str, port: int, with_worker: bool, on_listening: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted. One process, so SQLite has a single writer; threads answer requests.

    `on_listening` gets the address once the socket listens, with the port it got (port 0 takes any free one).
    """

    def start_worker(_worker) -> None:
        if with_worker:
            EmbeddedWorker(app).start()

    def when_ready(arbiter) -> None:
        if on_listening is not None:
            on_listening(base_url(host, arbiter.LISTENERS[0].sock.getsockname()[1]))

    _Server(app, {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": 8,
        "accesslog": "-",
        "post_worker_init": start_worker,
        "when_ready": when_ready,
        # No control socket: its default path is shared by every gunicorn of this user, so two instances
        # (another PORT, the tests) would take it from each other; nothing here uses it.
        "control_socket_disable": True,
    }).run()
