"""Twilio's webhooks: `POST /sms/inbound` (an SMS someone sent us) and `POST /sms/status/<delivery id>` (what became
of one we sent). Set them in Twilio's console as MSGSYS_PUBLIC_BASE_URL + /sms/inbound, and as each message's
StatusCallback.

Every request must carry Twilio's X-Twilio-Signature for the exact URL Twilio called, checked with the SDK's
RequestValidator and the account's auth token; a forged, unsigned or altered request gets 403 and changes nothing,
and so does every request while no TWILIO_AUTH_TOKEN is configured. That URL is MSGSYS_PUBLIC_BASE_URL + path +
query, never the request's own Host header: only a proxy listed in MSGSYS_TRUSTED_PROXIES may name the scheme and
host (X-Forwarded-Proto, X-Forwarded-Host). A signed request with a missing or malformed parameter gets 400 with the
reason, and changes nothing either. No form, no cookie: the endpoints are exempt from CSRF and set no session.

The status callback: deliveries (one row per outbound message) do not exist yet; the broadcast issue adds them and
will record MessageStatus and ErrorCode on them here. Until then every verified callback answers 204, its status is
logged, and the one thing applied is error 21610 (the recipient replied STOP to Twilio): the `To` number is opted out.
"""
from __future__ import annotations

import ipaddress
import logging

from flask import Blueprint, Flask, Response, current_app, request
from flask_babel import gettext as _
from twilio.request_validator import RequestValidator

from msgsys import db
from msgsys.clock import now
from msgsys.errors import ValidationError
from msgsys.sms import replies, service

bp = Blueprint("sms_webhooks", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)
INBOUND_PARAMS = ("MessageSid", "From", "Body")
STATUS_PARAMS = ("MessageSid", "MessageStatus")


def _last(value: str | None) -> str:
    """The value the nearest proxy set when a header came through several ("https, http")."""
    return (value or "").split(",")[-1].strip()


def _from_trusted_proxy() -> bool:
    settings = current_app.config["MSGSYS"]
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(net, strict=False) for net in settings.trusted_proxies)


def public_url() -> str:
    """The URL Twilio called, as it signed it: the configured public base URL (or what a trusted proxy forwarded),
    then the path and query."""
    base = current_app.config["MSGSYS"].public_base_url.rstrip("/")
    proto, host = _last(request.headers.get("X-Forwarded-Proto")), _last(request.headers.get("X-Forwarded-Host"))
    if proto in ("http", "https") and host and _from_trusted_proxy():
        base = f"{proto}://{host}{request.script_root}"
    query = request.query_string.decode("utf-8", "replace")
    return base + request.path + (f"?{query}" if query else "")


def _verified() -> bool:
    token = current_app.config["MSGSYS"].twilio_auth_token
    if not token:
        log.warning("refused a Twilio webhook: no TWILIO_AUTH_TOKEN is configured to verify it")
        return False
    signature = request.headers.get("X-Twilio-Signature", "")
    if signature and RequestValidator(token).validate(public_url(), request.form, signature):
        return True
    log.warning("refused a Twilio webhook with a missing or wrong signature for %s", public_url())
    return False


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _forbidden() -> Response:
    return _plain(403, _("This request is not signed by Twilio for this address."))


def _missing(names: tuple[str, ...]) -> Response | None:
    absent = [name for name in names if name not in request.form]
    if not absent:
        return None
    return _plain(400, _("Missing parameter: %(names)s.", names=", ".join(absent)))


@bp.post("/inbound")
def inbound():
    """One SMS someone sent to our number: applied once per MessageSid, answered with TwiML in their language."""
    if not _verified():
        return _forbidden()
    missing = _missing(INBOUND_PARAMS)
    if missing is not None:
        return missing
    form = request.form
    try:
        with db.transaction() as s:
            result = service.handle_twilio_inbound(s, from_number=form["From"], body=form["Body"],
                                                   message_sid=form["MessageSid"],
                                                   opt_out_type=form.get("OptOutType", ""), now=now())
            text = replies.reply_for(s, result)
    except ValidationError as err:
        return _plain(400, err.message)
    return Response(replies.twiml(text), status=200, content_type="text/xml; charset=utf-8")


@bp.post("/status/<id:delivery_id>")
def status(delivery_id: int):
    """Twilio's status callback for one delivery; 204 (see the module's note on deliveries)."""
    if not _verified():
        return _forbidden()
    missing = _missing(STATUS_PARAMS)
    if missing is not None:
        return missing
    form = request.form
    try:
        with db.transaction() as s:
            service.record_status(s, delivery_id=delivery_id, message_sid=form["MessageSid"],
                                  status=form["MessageStatus"], error_code=form.get("ErrorCode", ""),
                                  to=form.get("To", ""), now=now())
    except ValidationError as err:
        return _plain(400, err.message)
    return Response(status=204)


def init_app(app: Flask) -> None:
    """Register the webhooks; Twilio posts no CSRF token, its signature stands in for one."""
    from msgsys.web import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
