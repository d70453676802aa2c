"""msgsys: multilingual public-messaging content system."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then the overrides given."""
    from msgsys import cli, db, errors, i18n, models, web
    from msgsys.clock import SystemClock
    from msgsys.config import load_settings
    from msgsys.sms import routes as sms_routes
    from msgsys.sms import webhooks as sms_webhooks

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings = load_settings(app.instance_path, overrides=config_overrides)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MSGSYS=settings,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        REMEMBER_COOKIE_SECURE=settings.env == "production",
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,  # above the 2 MB catalog limit, so that limit's own message is shown
        TESTING=settings.env == "testing",
    )
    app.config.update(settings.extra)
    app.extensions["msgsys.clock"] = settings.extra.get("CLOCK") or SystemClock()

    models.load_all()
    import msgsys.workflow.tasks  # noqa: F401  (registers periodic jobs)
    import msgsys.translation.service  # noqa: F401  (binds the translation table; carries translations over on approval)
    db.init_app(app, settings.database_url)
    i18n.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    sms_routes.init_app(app)  # the SMS admin pages; the subscribe form's rate limits (after the limiter, in web)
    sms_webhooks.init_app(app)
    cli.init_app(app)
    return app
