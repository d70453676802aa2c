"""The JSON API under /api/v1: validate, call a service, serialise."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from msgsys.api.auth import api_user, authenticate_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate():
    authenticate_request()


@bp.get("/me")
def me():
    """Who this token acts as."""
    user = api_user()
    return jsonify({"id": user.id, "email": user.email, "roles": sorted(user.role_set), "locales": sorted(user.locale_set)})


def init_app(app: Flask, csrf) -> None:
    """Register the API; it authenticates by bearer token, so it is exempt from CSRF."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
