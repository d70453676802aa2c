"""Entry point for `celery -A msgsys.celery_worker worker --beat`: one Flask app, one Celery app."""
from msgsys import create_app
from msgsys.tasks import make_celery

flask_app = create_app()
celery = make_celery(flask_app)
