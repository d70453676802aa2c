"""The audit log: one row for every state change and every refused attempt."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from msgsys.clock import now


class AuditEvent(SQLModel, table=True):
    """Who did what to which thing, when, from which state to which."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_label: str = Field(default="system", max_length=254)
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=40, index=True)
    subject_id: str = Field(default="", max_length=64)
    before: str | None = None  # JSON
    after: str | None = None  # JSON
    note: str = Field(default="", max_length=2000)
