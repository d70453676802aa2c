"""What every API view module shares: the /api/v1 blueprint, its token check, and small helpers.

The view modules (routes, translation_routes, ...) import this one and never each other.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from msgsys import permissions
from msgsys.api import schemas
from msgsys.api.auth import api_user, authenticate_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    authenticate_request()


def ok(model, status: int = 200):
    """A response model as JSON with its status."""
    return jsonify(schemas.dump(model)), status


def may_read() -> None:
    """Refuse a token whose roles do not include reading drafts."""
    # Drafts are for staff; a token without a staff role (a partner's, say) reads only published feeds.
    permissions.require(api_user(), "officer.view", subject_type="api")
