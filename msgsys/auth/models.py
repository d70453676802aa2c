"""Accounts and API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from msgsys.clock import now


class User(SQLModel, table=True):
    """A person with an account: author, approver, translator or admin."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    roles: str = Field(default="", max_length=100)  # comma-separated, see permissions.ROLES
    locales: str = Field(default="", max_length=50)  # translator locales, comma-separated
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=now)
    last_login_at: datetime | None = None
    # Part of every session's id: raising it ends every session of the account at once
    # (sign-out, password change, deactivation), even a copied session cookie.
    session_epoch: int = Field(default=0)

    @property
    def role_set(self) -> frozenset[str]:
        """The roles this user holds."""
        return frozenset(r for r in self.roles.split(",") if r)

    @property
    def locale_set(self) -> frozenset[str]:
        """The locales this user translates."""
        return frozenset(l for l in self.locales.split(",") if l)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(default="", max_length=80)
    prefix: str = Field(max_length=12)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=now)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
