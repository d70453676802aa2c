"""`make run` brings the system up at the address MSGSYS_HOST and PORT name: migrations, demo data, the web answering,
and every address it prints is that one."""
from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from msgsys import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_run(tmp_path):
    """`PORT=<free port> make run` on a throwaway SQLite file; yields (base URL, a function returning the output so far)."""
    port = _free_port()
    venv = Path(sys.executable).parent.parent
    env = {**os.environ, "PORT": str(port), "MSGSYS_HOST": "127.0.0.1", "MSGSYS_ENV": "development",
           "MSGSYS_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}"}
    env.pop("MSGSYS_REDIS_URL", None)
    env.pop("MSGSYS_PUBLIC_BASE_URL", None)
    # The venv is this one and already installed, and the catalogs are compiled by the suite's own set-up: what is
    # tested here is the rest of `make run`. (-o: do not remake the install stamp; MO=: no catalogs to compile.)
    command = ["make", "--no-print-directory", f"VENV={venv}", "-o", f"{venv}/bin/.installed", "MO=", "run"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen: list[str] = []

    def output(until: str = "", timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while until not in "".join(seen) and time.monotonic() < deadline and proc.poll() is None:
            try:
                seen.append(lines.get(timeout=0.2))
            except queue.Empty:
                pass
        while not lines.empty():
            seen.append(lines.get())
        return "".join(seen)

    yield f"http://127.0.0.1:{port}", output
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_make_run_serves_at_PORT_and_prints_only_that_address(make_run):
    base, output = make_run
    printed = output(until=f"msgsys is listening at {base}\n")
    assert f"msgsys is listening at {base}\n" in printed, printed
    officers = urllib.request.urlopen(f"{base}/admin/", timeout=10)  # signed out: the sign-in page
    assert officers.status == 200 and officers.url == f"{base}/login?next=%2Fadmin%2F"
    public = urllib.request.urlopen(f"{base}/es/", timeout=10).read().decode()
    # The demo's Spanish texts wait for a Spanish reviewer, so the Spanish site shows the advisory in English.
    assert "Do not approach the border until instructed" in public

    printed = output()
    assert f"Sign in at {base}/login" in printed
    assert f"officers' UI: {base}/admin/" in printed and f"public site:  {base}/es/" in printed
    assert "reviewer-es@demo.msgsys: review the" in printed and f"{base}/translate/?state=in_review" in printed
    urls = re.findall(r"https?://[^\s),]+", printed)
    assert len(urls) >= 8 and all(u.startswith(base) for u in urls), urls
