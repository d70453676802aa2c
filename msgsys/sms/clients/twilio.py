"""The `twilio` backend: the real Twilio SDK, its answers turned into SendResult, RetryableError or PermanentError."""
from __future__ import annotations

import json
from datetime import datetime
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from msgsys.sms.clients.base import PermanentError, RetryableError, SendResult, SentMessage, SmsClient, SmsError

DEFAULT_TIMEOUT = 15.0  # seconds for one HTTP request to Twilio; the SDK's default is to wait forever


class RebasedHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending every request to another API base (the local fake Twilio in tests).

    Why this way: a custom HttpClient passed as `Client(http_client=...)` is the SDK's documented extension point,
    and every request (sends, list pages, next-page links built from `next_page_uri`) passes through it with its
    full URL. `edge`/`region` only pick another *.twilio.com host, and changing `client.api.base_url` would reach
    into one generated domain class. Auth, headers, form encoding and error parsing stay the SDK's own.
    """

    def __init__(self, api_base: str = "", timeout: float = DEFAULT_TIMEOUT):
        super().__init__(timeout=timeout)
        self.api_base = api_base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        """Send the request to `api_base` (scheme, host and any path prefix) instead of Twilio's host."""
        if self.api_base:
            base = urlsplit(self.api_base)
            parts = urlsplit(url)
            url = urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


class TwilioClient(SmsClient):
    """Sends through Twilio's Programmable Messaging API with the official SDK."""

    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, api_base: str = "", timeout: float = DEFAULT_TIMEOUT):
        self.sdk = Client(account_sid, auth_token, http_client=RebasedHttpClient(api_base, timeout))

    def send(self, *, to: str, body: str, sender: str, status_callback: str | None) -> SendResult:
        """Create the message at Twilio; its SID and first status ("queued" or "accepted") come back."""
        try:
            message = self.sdk.messages.create(to=to, body=body, status_callback=status_callback, **_sender(sender))
        except Exception as exc:  # noqa: BLE001 - every failure is sorted into the two kinds callers handle
            _raise_sorted(exc, sending=True)
        return SendResult(sid=message.sid, status=message.status)

    def lookup_messages(self, *, to: str, sender: str, since: datetime) -> list[SentMessage]:
        """Twilio's message list filtered by To, From and DateSent>=since, newest first."""
        try:
            # A Messaging Service sends from one of its numbers: only the To filter then applies.
            found = self.sdk.messages.list(to=to, date_sent_after=since, **({} if _is_service(sender) else {"from_": sender}))
        except Exception as exc:  # noqa: BLE001
            _raise_sorted(exc, sending=False)
        return [
            SentMessage(
                sid=m.sid,
                status=m.status,
                to=m.to,
                sender=m.from_,
                body=m.body,
                date_created=m.date_created,
                date_sent=m.date_sent,
                error_code=m.error_code,
            )
            for m in found
        ]


def _raise_sorted(exc: Exception, *, sending: bool) -> NoReturn:
    """Raise an SDK or network failure as RetryableError or PermanentError; anything else (a bug) as it is."""
    sorted_exc = _sort(exc, sending=sending)
    if sorted_exc is None:
        raise exc
    raise sorted_exc from exc


def _sort(exc: Exception, *, sending: bool) -> SmsError | None:
    """RetryableError (try later) or PermanentError (never again) for an SDK or network failure, else None."""
    if isinstance(exc, TwilioRestException):
        return _by_status(exc.status, exc.code, exc.msg, sending=sending)
    if isinstance(exc, TwilioServiceException):  # the newer RFC 9457 error body some Twilio APIs answer with
        return _by_status(exc.status, exc.code, exc.detail or exc.title, sending=sending)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return RetryableError(f"Twilio did not accept the connection in time: {exc}")
    if isinstance(exc, requests.exceptions.Timeout):
        # the request went out; Twilio may have created the message and only the answer is missing
        return RetryableError(f"Twilio did not answer in time: {exc}", ambiguous=sending)
    if isinstance(exc, requests.exceptions.ConnectionError):
        refused = _connection_refused(exc)
        return RetryableError(f"no connection to Twilio: {exc}", ambiguous=sending and not refused)
    if isinstance(exc, TwilioException) and len(exc.args) > 1 and hasattr(exc.args[1], "status_code"):
        # a list page that is not 200 comes as a bare TwilioException carrying the response
        response = exc.args[1]
        try:
            payload = json.loads(response.text)
        except ValueError:
            payload = {}
        code = payload.get("code") if isinstance(payload, dict) else None
        message = payload.get("message", exc.args[0]) if isinstance(payload, dict) else exc.args[0]
        return _by_status(response.status_code, code, message, sending=sending)
    return None


def _by_status(status: int, code: int | None, message: str, *, sending: bool) -> SmsError:
    if status == 429 or code == 20429:
        return RetryableError(message, code=code, status=status)
    if status >= 500:
        # Twilio may have created the message before failing to answer: settle it before sending again
        return RetryableError(message, code=code, status=status, ambiguous=sending)
    return PermanentError(message, code=code, status=status)


def _connection_refused(exc: requests.exceptions.ConnectionError) -> bool:
    """True when no connection was made at all, so nothing can have reached Twilio."""
    from urllib3.exceptions import NewConnectionError

    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError)


def _is_service(sender: str) -> bool:
    return sender.startswith("MG")


def _sender(sender: str) -> dict:
    """The SDK's argument for who sends: a Messaging Service SID, or a From number."""
    return {"messaging_service_sid": sender} if _is_service(sender) else {"from_": sender}
