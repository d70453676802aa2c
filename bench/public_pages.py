"""Public pages on slow phones: bytes per page (gzip as a proxy for the wire) and server time per request.

Run by hand: .venv/bin/python bench/public_pages.py  (uses a throwaway SQLite database with the demo data)
"""
from __future__ import annotations

import gzip
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Load the demo, then fetch every public page many times and report sizes and timings."""
    from msgsys import create_app, migrate
    from msgsys.db import engine
    from msgsys.demo import load_demo

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"})
        with app.app_context():
            migrate.upgrade(engine())
            load_demo()
        client = app.test_client()
        pages = ["/en/", "/es/", "/quc/"] + [f"/{loc}/n/{i}" for loc in ("en", "es", "quc") for i in (1, 6, 12)]
        print(f"{'page':16} {'bytes':>7} {'gzip':>6} {'median ms':>10} {'p95 ms':>8}")
        for page in pages:
            body = client.get(page).data
            times = []
            for _ in range(200):
                start = time.perf_counter()
                client.get(page)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            print(f"{page:16} {len(body):7d} {len(gzip.compress(body)):6d} {statistics.median(times):10.2f} {times[int(len(times) * 0.95)]:8.2f}")
        css = client.get("/static/public.css").data
        print(f"{'public.css':16} {len(css):7d} {len(gzip.compress(css)):6d}")


if __name__ == "__main__":
    main()
