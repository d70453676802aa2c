"""Advisory policy rules, versioned: an edit makes a new version and retires the old one."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from msgsys.clock import now


class PolicyRule(SQLModel, table=True):
    """One rule: a forbidden phrase, a required statement, a link allowlist or an SMS length limit."""

    id: int | None = Field(default=None, primary_key=True)
    rule_key: str = Field(max_length=40, index=True)  # stable across versions of the same rule
    version: int = Field(default=1)
    active: bool = Field(default=True, index=True)
    rule_type: str = Field(max_length=30)
    pattern: str = Field(max_length=2000)
    severity: str = Field(default="block", max_length=10)
    locale: str = Field(default="*", max_length=8)
    kinds: str = Field(default="", max_length=100)  # comma-separated; empty = every kind
    description: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=now)
