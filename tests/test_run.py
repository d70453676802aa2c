"""`msgsys run` brings the system up as `make run` does: migrations, demo data, the web answering."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def running(tmp_path):
    """`msgsys db upgrade`, `msgsys demo` and `msgsys run` as `make run` does, on a throwaway SQLite file."""
    msgsys = str(Path(sys.executable).with_name("msgsys"))
    env = {**os.environ, "MSGSYS_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}", "MSGSYS_ENV": "development"}
    env.pop("MSGSYS_REDIS_URL", None)
    subprocess.run([msgsys, "db", "upgrade"], env=env, check=True, capture_output=True)
    demo = subprocess.run([msgsys, "demo"], env=env, check=True, capture_output=True, text=True)
    port = _free_port()
    proc = subprocess.Popen([msgsys, "run", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield base, demo.stdout, proc
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


def test_run_serves_the_officers_ui_and_the_public_site(running):
    base, demo_output, _proc = running
    assert "approver@demo.msgsys" in demo_output and "/login" in demo_output
    assert urllib.request.urlopen(f"{base}/login", timeout=5).status == 200
    public = urllib.request.urlopen(f"{base}/es/", timeout=5).read().decode()
    assert "Do not approach the border until instructed" in public or "No se acerque" in public
