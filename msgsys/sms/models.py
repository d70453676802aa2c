"""SMS recipients: subscribers with their consent and history, keywords as data, inbound messages.

A subscriber's number is the only personal datum kept; erasing it (msgsys.sms.service.erase) leaves
the row, its locale, country, state and history, so counts stay true.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from msgsys.clock import now

SUBSCRIBER_STATES: tuple[str, ...] = ("pending", "active", "opted_out")
CONSENT_SOURCES: tuple[str, ...] = ("sms_keyword", "web_form", "import")
KEYWORD_ACTIONS: tuple[str, ...] = ("stop", "start", "help", "join", "language", "latest")
# Where a keyword stands with its approval; only `not_required` and `approved` keywords ever match.
KEYWORD_STATUSES: tuple[str, ...] = ("not_required", "pending", "approved", "rejected")


class Subscriber(SQLModel, table=True):
    """One phone number (E.164) that asked for notices, in one language, with the consent it gave."""

    id: int | None = Field(default=None, primary_key=True)
    phone: str | None = Field(default=None, max_length=16, unique=True, index=True)  # None once erased
    locale: str = Field(max_length=8)
    country: str = Field(default="", max_length=2, index=True)  # ISO code, from the number
    region: str = Field(default="", max_length=80)
    state: str = Field(default="pending", max_length=20, index=True)  # see SUBSCRIBER_STATES
    consent_source: str = Field(default="", max_length=20)  # see CONSENT_SOURCES; "" when never given (a STOP first)
    consent_source_name: str = Field(default="", max_length=200)  # for imports: whose list it came from
    consent_at: datetime | None = None
    consent_text: str = Field(default="", max_length=2000)  # exactly what they were shown, in their language
    consent_locale: str = Field(default="", max_length=8)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    erased_at: datetime | None = None


class SubscriberEvent(SQLModel, table=True):
    """One change to a subscriber (state or language), kept for ever: the history an admin reads."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    at: datetime = Field(default_factory=now)
    change: str = Field(max_length=20)  # state, locale, erase
    before: str = Field(default="", max_length=20)
    after: str = Field(default="", max_length=20)
    cause: str = Field(default="", max_length=40)  # sms:stop, sms:start, twilio:opt_out_type, admin, ...
    message_sid: str | None = Field(default=None, max_length=64)
    actor_id: int | None = Field(default=None, foreign_key="user.id")


class Keyword(SQLModel, table=True):
    """One word a recipient may text, in one language, and what it does."""

    __table_args__ = (UniqueConstraint("locale", "folded"),)

    id: int | None = Field(default=None, primary_key=True)
    locale: str = Field(max_length=8, index=True)
    word: str = Field(max_length=40)  # as written by whoever added it
    folded: str = Field(max_length=40, index=True)  # what matching compares (msgsys.sms.keywords.fold)
    action: str = Field(max_length=20)  # see KEYWORD_ACTIONS
    target_locale: str = Field(default="", max_length=8)  # for `language`: the locale it switches to
    status: str = Field(default="not_required", max_length=20, index=True)  # see KEYWORD_STATUSES
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=now)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None


class InboundMessage(SQLModel, table=True):
    """One SMS a number sent us, kept once per Twilio MessageSid (a retried webhook finds it here)."""

    id: int | None = Field(default=None, primary_key=True)
    message_sid: str = Field(max_length=64, unique=True, index=True)
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id", index=True)
    from_number: str | None = Field(default=None, max_length=16)  # None once erased
    body: str | None = Field(default=None, max_length=1600)  # None once erased
    action: str = Field(default="", max_length=20)  # the keyword's action; "" for free text officers read
    received_at: datetime = Field(default_factory=now, index=True)


class SandboxMessage(SQLModel, table=True):
    """One message the sandbox backend "sent": kept in the database so the admin outbox shows it from any process."""

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=64, unique=True, index=True)  # "SM..." as Twilio would answer
    to: str = Field(max_length=16, index=True)  # E.164; the rows go when the number is erased
    sender: str = Field(default="", max_length=64)
    body: str = Field(max_length=1600)  # as handed to the backend; the outbox shows it folded as a phone gets it
    status: str = Field(default="sent", max_length=20)
    created_at: datetime = Field(default_factory=now, index=True)
