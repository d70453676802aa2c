"""Typed domain errors, mapped to HTTP responses in one place."""
from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as NotFoundHTTP


class DomainError(Exception):
    """A refusal the user should see, with a stable code."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(DomainError):
    """Input that does not fit; nothing was changed."""

    code, status = "validation_error", 422


class PermissionDenied(DomainError):
    """The actor may not do this."""

    code, status = "permission_denied", 403


class Unauthorized(DomainError):
    """No valid credentials."""

    code, status = "unauthorized", 401


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code, status = "not_found", 404


class Conflict(DomainError):
    """The request clashes with existing data (a duplicate, say)."""

    code, status = "conflict", 409


class InvalidTransition(DomainError):
    """A state change the workflow does not allow."""

    code, status = "invalid_transition", 409


class PolicyViolation(DomainError):
    """Content breaks a blocking advisory-policy rule."""

    code, status = "policy_violation", 422


class Busy(DomainError):
    """The database stayed locked by other writes for the whole busy timeout; nothing was changed."""

    code, status = "busy", 503
    retry_after = 5  # seconds; sent as Retry-After


def database_is_busy(err: BaseException) -> bool:
    """True for SQLite's "database is locked" (SQLITE_BUSY, its extended codes included)."""
    orig = getattr(err, "orig", err)
    return isinstance(orig, sqlite3.OperationalError) and (getattr(orig, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


# What a person is told for an HTTP-level refusal, in their language, instead of Werkzeug's English defaults.
HTTP_MESSAGES = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    401: _l("Sign in to see this page."),
    403: _l("You are not allowed to see this page."),
    404: _l("There is no page at this address. Check the address, or start again from the home page."),
    405: _l("This address only takes a form sent from its page. Go back to the page and use its buttons."),
    413: _l("What you sent is larger than this site accepts. Send a smaller file or a shorter text."),
    415: _l("This kind of content cannot be sent here."),
    429: _l("Too many attempts. Wait a few minutes and try again."),
    500: _l("Something went wrong on our side. Try again in a few minutes; if it happens again, tell an administrator."),
    503: _l("The service is busy. Try again in a few seconds."),
}
# The page heading for each status.
HEADINGS = {
    400: _l("Something is not right"),
    401: _l("Sign in needed"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Page not found"),
    409: _l("This cannot be done now"),
    413: _l("Too large"),
    422: _l("This cannot be accepted"),
    429: _l("Too many attempts"),
    503: _l("Busy"),
}
# Paths of the officers' and translators' pages; every other page a person meets is the public site's.
OFFICER_PREFIXES = ("/admin", "/translate", "/account", "/login", "/logout")


def http_message(err: HTTPException) -> str:
    """The sentence a person reads for an HTTP-level refusal: the one a view gave (abort(404, "No rule X.")), else ours."""
    default = type(err).description
    if err.description and err.description != default and err.code != 429:
        return str(err.description)
    known = HTTP_MESSAGES.get(err.code or 500)
    return str(known) if known else _("This request could not be completed (%(code)s %(name)s).", code=err.code, name=err.name)


def _on_public_site() -> bool:
    from flask_login import current_user

    if request.path.startswith(OFFICER_PREFIXES):
        return False
    if request.blueprint is not None:
        return request.blueprint == "public"
    # An unknown address is the public site's, unless someone signed in (an officer) mistyped it.
    try:
        return not current_user.is_authenticated
    except Exception:  # the account could not be read (the database is busy, say): the page still answers
        return True


def error_page(status: int, message: str, details: Any = None):
    """A refusal as a page in the site's layout (the public site's or the officers'), with its status."""
    heading = str(HEADINGS.get(status) or (HEADINGS[400] if status < 500 else _("Something went wrong")))
    template = "public/error.html" if _on_public_site() else "error.html"
    return render_template(template, status=status, heading=heading, message=message, details=details), status


def error_payload(code: str, message: str, details: Any = None) -> dict:
    """The JSON body of every API error."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def http_error_code(err: HTTPException) -> str:
    """The stable code an HTTP-level refusal carries in the JSON envelope (`method_not_allowed`, ...)."""
    return "rate_limited" if err.code == 429 else (err.name or "error").lower().replace(" ", "_")


def _matches_with_any_method(err: HTTPException) -> bool:
    """Werkzeug answers 405 when a converter refuses a value on a path another method shares; check it really matches."""
    from flask import current_app

    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in getattr(err, "valid_methods", None) or ():
        try:
            adapter.match(request.path, method=method)
            return True
        except HTTPException:
            continue
    return False


def init_app(app: Flask) -> None:
    """Register the one mapping from errors to responses."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        if _wants_json():
            return jsonify(error_payload(err.code, err.message, err.details)), err.status
        return error_page(err.status, err.message, err.details)

    @app.errorhandler(IntegrityError)
    def _integrity(_err: IntegrityError):
        # Two requests raced past a uniqueness check; the database kept exactly one.
        from msgsys import db

        db.session().rollback()
        return _domain(Conflict(_("This conflicts with a change made at the same moment. Reload and try again.")))

    @app.errorhandler(OperationalError)
    def _operational(err: OperationalError):
        if not database_is_busy(err):
            raise err  # anything else stays a server error, logged as one
        # Another process held SQLite's write lock past the busy timeout: this request's work was rolled back.
        from msgsys import db

        db.session().rollback()
        busy = Busy(_("The system is busy with other changes and saved nothing. Try again in a few seconds."))
        response = make_response(_domain(busy))
        response.headers["Retry-After"] = str(busy.retry_after)
        return response

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        message = _("The form expired or was not sent from this site. Reload the page and try again.")
        if _wants_json():
            return jsonify(error_payload("csrf_failed", message)), 400
        return error_page(400, message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if err.code == 405 and not _matches_with_any_method(err):
            err = NotFoundHTTP()  # e.g. an id out of range: it names nothing, whatever the method
        message = http_message(err)
        if _wants_json():
            return jsonify(error_payload(http_error_code(err), message)), err.code
        return error_page(err.code, message)
