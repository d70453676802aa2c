"""What every API view module shares: the /api/v1 blueprint, its token check, and small helpers.

The view modules (routes, translation_routes, ...) import this one and never each other.
"""
from __future__ import annotations

from flask import Blueprint, current_app, request

from msgsys import permissions
from msgsys.api import operations
from msgsys.api.auth import api_user, authenticate_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate():
    # An operation declared public is documented without security; nothing else is served without a token.
    op = operations.of_endpoint(current_app, request.endpoint)
    if op is not None and op.public:
        return
    authenticate_request()


def may_read() -> None:
    """Refuse a token whose roles do not include reading drafts."""
    # Drafts are for staff; a token without a staff role (a partner's, say) reads only published feeds.
    permissions.require(api_user(), "officer.view", subject_type="api")
