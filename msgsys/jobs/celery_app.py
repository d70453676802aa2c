"""Celery on Redis for production: tasks take ids and delegate to the same functions the embedded worker runs.

`celery -A msgsys.jobs.celery_app worker --beat` starts a worker with the periodic scheduler.
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from msgsys.config import ConfigError
from msgsys.jobs import run_periodic

PERIODIC_SECONDS = 15.0
# The broker of every Celery app built in the test suite, unless the test chooses one (CELERY_BROKER_URL):
# a test that queues a task without meaning to fails at once, naming the mistake, instead of reaching a real queue.
UNSTUBBED_TEST_BROKER = "you-forgot-to-stub-the-queue://"


def _broker(app: Flask) -> str:
    settings = app.config["MSGSYS"]
    if app.config.get("CELERY_BROKER_URL"):
        return app.config["CELERY_BROKER_URL"]
    if settings.env == "testing":
        return UNSTUBBED_TEST_BROKER
    if not settings.redis_url:
        raise ConfigError("Celery workers need MSGSYS_REDIS_URL; without it `msgsys run` runs the jobs in its own process.")
    return settings.redis_url


def make_celery(app: Flask) -> Celery:
    """A Celery app bound to the Flask app: every task runs inside its app context."""

    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=AppTask, broker=_broker(app))
    celery.conf.update(
        task_acks_late=True,  # a crashed worker's task is redelivered; the database makes redelivery harmless
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={"msgsys-periodic": {"task": "msgsys.periodic", "schedule": PERIODIC_SECONDS}},
        timezone="UTC",
    )

    @celery.task(name="msgsys.periodic", shared=False)  # shared, a later Celery app would get this one's Flask app
    def periodic() -> dict:
        """Run every registered periodic job once (go-live, expiry, queued deliveries)."""
        return {k: str(v) for k, v in run_periodic(app).items()}

    app.extensions["msgsys.celery"] = celery
    return celery


def __getattr__(name: str) -> Celery:
    # `celery -A msgsys.jobs.celery_app` asks this module for `app`, then `celery`. The Flask app (and with it
    # the settings from the environment) is built only then, not when tests or the web tier import make_celery.
    if name != "celery":
        raise AttributeError(name)
    from msgsys import create_app

    globals()["celery"] = app = make_celery(create_app())
    return app
