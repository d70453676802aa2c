"""Celery on Redis for production: tasks take ids and delegate to the same service functions."""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from msgsys.worker import run_periodic

PERIODIC_SECONDS = 15.0


def make_celery(app: Flask) -> Celery:
    """A Celery app bound to the Flask app: every task runs inside its app context."""

    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    settings = app.config["MSGSYS"]
    broker = app.config.get("CELERY_BROKER_URL") or settings.redis_url or "memory://"
    celery = Celery(app.import_name, task_cls=AppTask, broker=broker)
    celery.conf.update(
        task_acks_late=True,  # a crashed worker's task is redelivered; the database makes redelivery harmless
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={"msgsys-periodic": {"task": "msgsys.periodic", "schedule": PERIODIC_SECONDS}},
        timezone="UTC",
    )

    @celery.task(name="msgsys.periodic")
    def periodic() -> dict:
        """Run every registered periodic job once (go-live, expiry, queued deliveries)."""
        return {k: str(v) for k, v in run_periodic(app).items()}

    app.extensions["msgsys.celery"] = celery
    return celery
