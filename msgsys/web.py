"""Wires the web side: extensions, blueprints, template helpers and security headers."""
from __future__ import annotations

from flask import Flask, g, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from msgsys import converters, permissions
from msgsys.content.sample import sample_notice
from msgsys.locales import LOCALES, language_name, native_name

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str):
    from msgsys import db
    from msgsys.auth.models import User

    uid, _sep, epoch = user_id.partition(":")
    user = db.session().get(User, int(uid)) if uid.isdigit() and len(uid) < 11 else None
    # A deactivated user, or a session from before a sign-out, ends on the very next request.
    if user is None or not user.active or str(user.session_epoch) != epoch:
        return None
    return user


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    if request.endpoint and not request.endpoint.startswith(("public.", "static", "api.feed")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Register extensions and every domain's routes."""
    from msgsys import queues
    from msgsys.admin import routes as admin_routes
    from msgsys.api import routes as api_routes
    from msgsys.audit import sentences as audit_sentences
    from msgsys.auth import routes as auth_routes
    from msgsys.content import routes as content_routes
    from msgsys.policy import routes as policy_routes
    from msgsys.public import routes as public_routes
    from msgsys.translation import routes as translation_routes
    from msgsys.workflow import routes as workflow_routes

    converters.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_message = None
    auth_routes.init_app(app)
    admin_routes.init_app(app)
    content_routes.init_app(app)
    workflow_routes.init_app(app)
    policy_routes.init_app(app)
    translation_routes.init_app(app)
    api_routes.init_app(app, csrf)
    public_routes.init_app(app)
    audit_sentences.init_app(app)
    # Globals, not context: macros imported without context call them too.
    app.jinja_env.globals.update(language_name=language_name, sample_notice=sample_notice)
    app.after_request(_security_headers)
    queues.init_app(app)  # what waits for the signed-in user: the navigation's counts, the sent-back reason

    @app.context_processor
    def _helpers():
        return {
            "can": lambda action, **kw: permissions.can(current_user, action, **kw),
            "LOCALES": LOCALES,
            "native_name": native_name,
            "current_locale": str(g.get("locale") or _current_locale()),
        }


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale())
