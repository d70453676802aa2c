"""Campaigns, messages and their immutable versions."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from msgsys.clock import now

KINDS: tuple[str, ...] = ("advisory", "pathway", "counter_rumor", "info")
CHANNELS: tuple[str, ...] = ("web", "sms")
COUNTRIES: tuple[str, ...] = ("GT", "HN", "SV", "MX", "US")
TEXT_FIELDS: tuple[str, ...] = ("title", "body", "sms_text")  # what a version (and each translation) says
VERSION_STATES: tuple[str, ...] = ("draft", "in_review", "changes_requested", "approved", "published", "retired")
# How an approved version goes live beside its translations: at once (each language keeps its last approved
# translation until the new one is approved), or together (held until every target language is approved).
PUBLICATIONS: tuple[str, ...] = ("now", "together")


class Campaign(SQLModel, table=True):
    """A set of messages with one objective, source locale and audience."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    title: str = Field(max_length=200)
    objective: str = Field(default="", max_length=2000)
    source_locale: str = Field(default="en", max_length=8)
    target_locales: str = Field(default="", max_length=50)  # comma-separated
    audience_countries: str = Field(default="", max_length=50)  # comma-separated ISO codes
    starts_on: date | None = None
    ends_on: date | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    sample_note: str = Field(default="", max_length=500)  # set for sample content, shown wherever it appears
    created_at: datetime = Field(default_factory=now)

    @property
    def target_list(self) -> list[str]:
        """Target locales as a list."""
        return [c for c in self.target_locales.split(",") if c]

    @property
    def country_list(self) -> list[str]:
        """Audience countries as a list."""
        return [c for c in self.audience_countries.split(",") if c]


class Message(SQLModel, table=True):
    """One message of a campaign, known by its key; its text lives in versions."""

    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=80)
    kind: str = Field(max_length=20)
    channels: str = Field(default="web,sms", max_length=20)
    created_at: datetime = Field(default_factory=now)

    @property
    def channel_list(self) -> list[str]:
        """Channels as a list."""
        return [c for c in self.channels.split(",") if c]


class MessageVersion(SQLModel, table=True):
    """A numbered version of a message. Once submitted, its content never changes."""

    __table_args__ = (UniqueConstraint("message_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    number: int
    state: str = Field(default="draft", max_length=20, index=True)
    title: str = Field(max_length=200)
    body: str = Field(default="")
    sms_text: str = Field(default="", max_length=1600)
    change_note: str = Field(default="", max_length=500)
    content_hash: str = Field(max_length=64)
    go_live_at: datetime | None = Field(default=None, index=True)
    expires_at: datetime | None = Field(default=None, index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_label: str = Field(default="", max_length=254)
    based_on_id: int | None = Field(default=None, foreign_key="messageversion.id")
    created_at: datetime = Field(default_factory=now)
    submitted_at: datetime | None = None
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    review_reason: str = Field(default="", max_length=2000)
    published_at: datetime | None = None
    retired_at: datetime | None = None
    retire_reason: str = Field(default="", max_length=2000)
    superseded_by_id: int | None = Field(default=None, foreign_key="messageversion.id")
    # A correction makes the translations of earlier versions stop at once (marked by the author or the approver).
    correction: bool = Field(default=False)
    publication: str = Field(default="now", max_length=10)  # one of PUBLICATIONS, chosen by the approver


class ImmutableVersionError(RuntimeError):
    """Raised when code tries to change the content of a submitted version."""


_CONTENT_FIELDS = ("title", "body", "sms_text", "go_live_at", "expires_at", "content_hash", "message_id", "number", "author_id")


def _guard_immutable_versions(session, _flush_context, _instances) -> None:
    # The last line of defence for invariant 3: whatever the code path, a submitted version's content never changes.
    from sqlalchemy import inspect

    for obj in session.dirty:
        if not isinstance(obj, MessageVersion):
            continue
        state = inspect(obj)
        original_state = state.attrs.state.history.deleted or state.attrs.state.history.unchanged or [obj.state]
        if original_state[0] == "draft":
            continue
        changed = [f for f in _CONTENT_FIELDS if state.attrs[f].history.has_changes()]
        if changed:
            raise ImmutableVersionError(f"version {obj.id} was submitted; its {', '.join(changed)} cannot change")


def install_guards() -> None:
    """Register the immutability guard on every session (idempotent)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", _guard_immutable_versions):
        event.listen(Session, "before_flush", _guard_immutable_versions)
