"""The default backend: nothing leaves the machine; each message is kept in the outbox an admin reads.

Inside the app the outbox is the `sandboxmessage` table, written in a short transaction of its own (as a provider
keeps its own log), so every request, worker and process sees what was "sent", and a restart loses nothing. Send
outside any open write transaction, as every provider call is made (SQLite would make this write wait for it).
A client used outside any app (a unit test of the client alone) keeps its messages in a list instead.
"""
from __future__ import annotations

import threading
import uuid
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Session, col, select

from msgsys.clock import now as clock_now
from msgsys.sms.clients.base import PermanentError, SendResult, SentMessage, SmsClient
from msgsys.sms.models import SandboxMessage

MAX_BODY = 1600  # Twilio refuses a longer body (21617); so does the sandbox, so it teaches the same limit


class SandboxClient(SmsClient):
    """Accepts every message to a valid E.164 number and keeps it; refuses others as Twilio does (21211, 21617)."""

    name = "sandbox"

    def __init__(self, engine: sa.Engine | None = None) -> None:
        self._engine = engine
        self._memory: list[SentMessage] = []
        self._lock = threading.Lock()

    def _store(self) -> sa.Engine | None:
        """The database the outbox lives in: the one given, else the current app's; None outside any app."""
        if self._engine is not None:
            return self._engine
        return current_app.extensions["msgsys.engine"] if has_app_context() else None

    def send(self, *, to: str, body: str, sender: str, status_callback: str | None) -> SendResult:
        """Keep the message; it counts as sent at once (no status callback follows)."""
        if not _is_e164(to):
            raise PermanentError(f"The 'To' number {to} is not a valid phone number.", code=21211, status=400)
        if len(body) > MAX_BODY:
            raise PermanentError("The concatenated message body exceeds the 1600 character limit.", code=21617, status=400)
        at = clock_now()
        message = SentMessage(sid="SM" + uuid.uuid4().hex, status="sent", to=to, sender=sender, body=body,
                              date_created=at, date_sent=at)
        engine = self._store()
        if engine is None:
            with self._lock:
                self._memory.append(message)
        else:
            with Session(engine) as s:
                s.add(SandboxMessage(sid=message.sid, to=to, sender=sender[:64], body=body, status=message.status,
                                     created_at=at))
                s.commit()
        return SendResult(sid=message.sid, status=message.status)

    def lookup_messages(self, *, to: str, sender: str, since: datetime) -> list[SentMessage]:
        """Kept messages from `sender` to `to` since `since`, newest first."""
        engine = self._store()
        if engine is None:
            with self._lock:
                found = [m for m in self._memory if m.to == to and m.sender == sender and m.date_sent >= since]
            return found[::-1]
        with Session(engine) as s:
            rows = s.exec(select(SandboxMessage).where(SandboxMessage.to == to, SandboxMessage.sender == sender,
                                                       SandboxMessage.created_at >= since)
                          .order_by(col(SandboxMessage.created_at).desc(), col(SandboxMessage.id).desc())).all()
        return [_sent(r) for r in rows]

    @property
    def outbox(self) -> list[SentMessage]:
        """Every kept message, oldest first."""
        engine = self._store()
        if engine is None:
            with self._lock:
                return list(self._memory)
        with Session(engine) as s:
            rows = s.exec(select(SandboxMessage).order_by(col(SandboxMessage.created_at), col(SandboxMessage.id))).all()
        return [_sent(r) for r in rows]


def outbox_page(session: Session, *, page: int, per_page: int = 50) -> tuple[list[SandboxMessage], int]:
    """One page of the outbox, newest first, and how many messages it holds."""
    total = session.exec(select(sa.func.count()).select_from(SandboxMessage)).one()
    rows = session.exec(select(SandboxMessage).order_by(col(SandboxMessage.created_at).desc(), col(SandboxMessage.id).desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def forget_number(session: Session, number: str | None) -> int:
    """Delete every kept message to a number (its erasure); returns how many went."""
    if not number:
        return 0
    return session.execute(sa.delete(SandboxMessage).where(SandboxMessage.to == number)).rowcount


def _sent(row: SandboxMessage) -> SentMessage:
    return SentMessage(sid=row.sid, status=row.status, to=row.to, sender=row.sender, body=row.body,
                       date_created=row.created_at, date_sent=row.created_at)


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
