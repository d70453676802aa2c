"""Advisory policy rules, versioned: an edit makes a new version and retires the old one.

A rule in a locale whose rules need a native translator's approval (K'iche') is written as a
pending version: it is not in force until a translator of that locale, not its author, approves it.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from msgsys.clock import now

# Where a version stands with its approval. Only `approved` versions of such locales may be in force;
# every other locale's versions are `not_required` and in force as soon as they are written.
RULE_STATUSES: tuple[str, ...] = ("not_required", "pending", "approved", "rejected", "withdrawn")


class PolicyRule(SQLModel, table=True):
    """One rule: a forbidden phrase, a required statement, a link allowlist or an SMS length limit."""

    id: int | None = Field(default=None, primary_key=True)
    rule_key: str = Field(max_length=40, index=True)  # stable across versions of the same rule
    version: int = Field(default=1)
    active: bool = Field(default=True, index=True)  # in force: what the checker applies
    rule_type: str = Field(max_length=30)
    pattern: str = Field(max_length=2000)
    severity: str = Field(default="block", max_length=10)
    locale: str = Field(default="*", max_length=8)
    kinds: str = Field(default="", max_length=100)  # comma-separated; empty = every kind
    description: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=now)
    status: str = Field(default="not_required", max_length=20, index=True)  # see RULE_STATUSES
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    review_reason: str = Field(default="", max_length=2000)
