"""Background jobs: the periodic jobs run through Celery on a real broker (Redis on CI's second run) and in the
embedded worker; a failing job is logged with its traceback and counted; a test that forgets to stub the queue fails.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

import pytest
from celery.contrib.testing.worker import start_worker

from msgsys import create_app, jobs
from msgsys.jobs.celery_app import UNSTUBBED_TEST_BROKER, make_celery
from msgsys.jobs.embedded import EmbeddedWorker
from tests.conftest import REDIS_URL


@pytest.fixture
def probe(app):
    calls = []

    def job():
        from flask import current_app

        calls.append(current_app.config["MSGSYS"].database_url)
        return len(calls)

    jobs.PERIODIC["test-probe"] = job
    yield calls
    jobs.PERIODIC.pop("test-probe", None)


@pytest.fixture
def apps_seen(app):
    seen = []

    def job():
        from flask import current_app

        seen.append(current_app._get_current_object())

    jobs.PERIODIC["test-apps-seen"] = job
    yield seen
    jobs.PERIODIC.pop("test-apps-seen", None)


@pytest.fixture
def broken():
    def job():
        raise RuntimeError("boom: the job broke")

    jobs.PERIODIC["test-broken"] = job
    yield
    jobs.PERIODIC.pop("test-broken", None)


def test_periodic_task_runs_registered_jobs_through_the_broker(app, probe):
    app.config["CELERY_BROKER_URL"] = REDIS_URL or "memory://"  # this test means to use a queue
    celery = make_celery(app)
    with start_worker(celery, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        celery.tasks["msgsys.periodic"].apply_async()
        deadline = time.monotonic() + 20
        while not probe and time.monotonic() < deadline:
            time.sleep(0.05)
    # The job ran once, in a worker process's app for this very database: what a user would notice.
    assert probe == [app.config["MSGSYS"].database_url]


def test_a_test_that_queues_a_task_without_stubbing_the_queue_fails_loudly(app):
    celery = make_celery(app)
    assert celery.conf.broker_url == UNSTUBBED_TEST_BROKER
    with pytest.raises(KeyError, match="you-forgot-to-stub-the-queue"):
        celery.tasks["msgsys.periodic"].delay()


def test_each_celery_app_runs_the_jobs_of_its_own_flask_app(app, config, apps_seen):
    other = create_app(config)
    try:
        first, second = make_celery(app), make_celery(other)
        second.tasks["msgsys.periodic"].apply()
        first.tasks["msgsys.periodic"].apply()
    finally:
        other.extensions["msgsys.engine"].dispose()
    assert apps_seen == [other, app]


def test_a_failing_job_is_logged_with_its_traceback_and_counted_and_the_others_still_run(app, probe, broken, caplog):
    with caplog.at_level(logging.ERROR, logger="msgsys.jobs"):
        results = jobs.run_periodic(app)
        jobs.run_periodic(app)
    assert results["test-broken"] == "error" and results["test-probe"] == 1 and len(probe) == 2
    assert jobs.failure_counts(app) == {"test-broken": 2}
    failed = [r for r in caplog.records if "test-broken" in r.getMessage()]
    assert len(failed) == 2 and failed[-1].exc_info is not None
    assert "RuntimeError: boom: the job broke" in caplog.text and "Traceback" in caplog.text
    assert "2 failures so far" in failed[-1].getMessage()


def test_the_embedded_worker_ticks_until_stopped(app, probe):
    thread = EmbeddedWorker(app, interval=0.01)
    thread.start()
    deadline = time.monotonic() + 5
    while len(probe) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.stop()
    thread.join(timeout=5)
    assert len(probe) >= 2 and not thread.is_alive()


def test_the_celery_command_finds_the_app_and_its_periodic_task(tmp_path):
    """`celery -A msgsys.jobs.celery_app` (make worker) loads msgsys's Celery app from the environment."""
    env = {**os.environ, "MSGSYS_ENV": "development", "MSGSYS_REDIS_URL": REDIS_URL or "redis://127.0.0.1:6379/15",
           "MSGSYS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    script = ("from celery.app.utils import find_app; app = find_app('msgsys.jobs.celery_app'); "
              "print(app.conf.broker_url, 'msgsys.periodic' in app.tasks, sorted(app.conf.beat_schedule))")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [env["MSGSYS_REDIS_URL"], "True", "['msgsys-periodic']"]


def test_celery_workers_without_redis_are_refused(app):
    from msgsys.config import ConfigError

    production_like = type(app.config["MSGSYS"])(env="development", database_url=app.config["MSGSYS"].database_url)
    app.config["MSGSYS"] = production_like
    with pytest.raises(ConfigError, match="MSGSYS_REDIS_URL"):
        make_celery(app)
