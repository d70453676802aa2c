"""The worker runs the periodic jobs, through Celery on a real broker (Redis on CI's second run)."""
from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from msgsys import worker
from msgsys.tasks import make_celery


@pytest.fixture
def probe(app):
    calls = []

    def job():
        from flask import current_app

        calls.append(current_app.config["MSGSYS"].database_url)
        return len(calls)

    worker.PERIODIC["test-probe"] = job
    yield calls
    worker.PERIODIC.pop("test-probe", None)


def test_periodic_task_runs_registered_jobs_through_the_broker(app, probe):
    celery = make_celery(app)
    with start_worker(celery, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        result = celery.tasks["msgsys.periodic"].apply_async()
        import time

        deadline = time.monotonic() + 20
        while not probe and time.monotonic() < deadline:
            time.sleep(0.05)
    assert probe == [app.config["MSGSYS"].database_url]
    assert result.id


def test_one_failing_job_does_not_stop_the_others(app, probe):
    def broken():
        raise RuntimeError("boom")

    worker.PERIODIC["test-broken"] = broken
    try:
        results = worker.run_periodic(app)
    finally:
        worker.PERIODIC.pop("test-broken")
    assert results["test-broken"] == "error" and results["test-probe"] == 1


def test_in_process_worker_ticks_until_stopped(app, probe):
    thread = worker.InProcessWorker(app, interval=0.01)
    thread.start()
    import time

    deadline = time.monotonic() + 5
    while len(probe) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.stop()
    thread.join(timeout=5)
    assert len(probe) >= 2 and not thread.is_alive()
