"""The default backend: nothing leaves the machine; each message is kept in this client's outbox list.

The outbox lives in memory for now, one list per client object, so whoever builds the client keeps it for as long
as the messages should be seen; it is not shared between processes and is gone on restart.
"""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone

import phonenumbers

from msgsys.sms.clients.base import PermanentError, SendResult, SentMessage, SmsClient


class SandboxClient(SmsClient):
    """Accepts every message to a valid E.164 number and keeps it; refuses others as Twilio does (21211)."""

    name = "sandbox"

    def __init__(self) -> None:
        self.outbox: list[SentMessage] = []
        self._lock = threading.Lock()

    def send(self, *, to: str, body: str, sender: str, status_callback: str | None) -> SendResult:
        """Keep the message; it counts as sent at once (no status callback follows)."""
        if not _is_e164(to):
            raise PermanentError(f"The 'To' number {to} is not a valid phone number.", code=21211, status=400)
        now = datetime.now(timezone.utc)
        message = SentMessage(
            sid="SM" + uuid.uuid4().hex, status="sent", to=to, sender=sender, body=body, date_created=now, date_sent=now
        )
        with self._lock:
            self.outbox.append(message)
        return SendResult(sid=message.sid, status=message.status)

    def lookup_messages(self, *, to: str, sender: str, since: datetime) -> list[SentMessage]:
        """Kept messages from `sender` to `to` since `since`, newest first."""
        with self._lock:
            found = [m for m in self.outbox if m.to == to and m.sender == sender and m.date_sent >= since]
        return found[::-1]


def _is_e164(number: str) -> bool:
    if not number.startswith("+"):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164
    ) == number
