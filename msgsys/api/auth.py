"""Bearer-token authentication for the JSON API (never the session cookie)."""
from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from msgsys import db
from msgsys.auth import service as users
from msgsys.errors import Unauthorized


def authenticate_request() -> None:
    """Set g.api_user from `Authorization: Bearer <token>`, or raise Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(_("Send an API token as 'Authorization: Bearer <token>'."))
    with db.transaction() as s:
        g.api_user = users.user_for_token(s, secret.strip())


def api_user():
    """The user the current API request acts as."""
    return g.api_user
