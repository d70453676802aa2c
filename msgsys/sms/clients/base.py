"""What every SMS provider client offers: send one message, look up what was sent, and two kinds of error."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SendResult:
    """The provider accepted a message: its id (a Twilio SID, "SM...") and its status then ("queued")."""

    sid: str
    status: str


@dataclass(frozen=True)
class SentMessage:
    """A message the provider holds, as its message list shows it; used to settle an ambiguous send."""

    sid: str
    status: str
    to: str
    sender: str
    body: str
    date_created: datetime | None
    date_sent: datetime | None
    error_code: int | None = None


class SmsError(Exception):
    """A send or lookup the provider did not complete."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code  # the provider's error code (Twilio: 20429, 21211, ...), when it gave one
        self.status = status  # the HTTP status, when there was an answer


class RetryableError(SmsError):
    """Try again later: rate limited (429/20429), a provider fault (5xx), a timeout or a broken connection.

    `ambiguous` is True when the provider may have accepted the message anyway (the request reached it but no
    clear answer came back): look it up with `lookup_messages` before sending again, or it may arrive twice.
    """

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None, ambiguous: bool = False):
        super().__init__(message, code=code, status=status)
        self.ambiguous = ambiguous


class PermanentError(SmsError):
    """Sending this message again will fail the same way (21211 invalid number, 21610 opted out, 21614 not a mobile)."""


class SmsClient:
    """One SMS provider behind one small interface, chosen by MSGSYS_SMS_BACKEND."""

    name = "base"

    def send(self, *, to: str, body: str, sender: str, status_callback: str | None) -> SendResult:
        """Hand one message to the provider; raise RetryableError or PermanentError when it is not accepted."""
        raise NotImplementedError

    def lookup_messages(self, *, to: str, sender: str, since: datetime) -> list[SentMessage]:
        """Messages from `sender` to `to` sent since `since` (UTC), newest first, to settle an ambiguous send."""
        raise NotImplementedError
