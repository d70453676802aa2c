"""Webhook posts signed as Twilio signs them (the SDK's RequestValidator.compute_signature), and their TwiML read back."""
from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

TOKEN = "test-twilio-auth-token"
BASE = "https://sms.example.org"  # the public base URL Twilio is configured with; unlike the test client's host
GT = "+50255512345"
_sids = itertools.count(1)


def sid() -> str:
    """A fresh Twilio-shaped MessageSid."""
    return f"SM{next(_sids):032x}"


def number(n: int) -> str:
    """The n-th of many valid Guatemalan numbers."""
    return f"+5025{n:07d}"


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    """X-Twilio-Signature for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, params)


class Twilio:
    """Posts to the app's webhooks through the Flask test client, each signed for the public URL."""

    def __init__(self, client, *, base: str = BASE, token: str = TOKEN):
        self.client, self.base, self.token = client, base, token

    def post(self, path: str, params: dict, *, signed_url: str | None = None, token: str | None = None, **kw):
        """POST form `params`; signed for `signed_url` (default: the public URL of `path`), or unsigned with token=""."""
        headers = dict(kw.pop("headers", {}))
        key = self.token if token is None else token
        if key:
            headers["X-Twilio-Signature"] = sign(signed_url or self.base + path, params, key)
        return self.client.post(path, data=params, headers=headers, **kw)

    def inbound(self, body, frm: str = GT, *, message_sid: str | None = None, **extra):
        """One SMS from `frm`, as Twilio posts it to /sms/inbound."""
        params = {"MessageSid": message_sid or sid(), "AccountSid": "AC" + "0" * 32, "From": frm, "To": "+15005550006",
                  "Body": body, "NumMedia": "0", **extra}
        return self.post("/sms/inbound", params)

    def text(self, body, frm: str = GT, **extra) -> str | None:
        """The reply's text to one SMS (None for an empty <Response/>); the webhook must answer 200 TwiML."""
        response = self.inbound(body, frm, **extra)
        assert response.status_code == 200, response.get_data(as_text=True)
        return reply(response)


def reply(response) -> str | None:
    """The one <Message> of a TwiML answer, or None for an empty <Response/>."""
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def committed(app, sql: str, **params) -> list:
    """Rows as committed, read on a connection of its own."""
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def state_of(app, phone: str = GT) -> str | None:
    """The subscriber's state as committed (None: no subscriber)."""
    rows = committed(app, "SELECT state FROM subscriber WHERE phone = :p", p=phone)
    return rows[0][0] if rows else None


def locale_of(app, phone: str = GT) -> str | None:
    rows = committed(app, "SELECT locale FROM subscriber WHERE phone = :p", p=phone)
    return rows[0][0] if rows else None
