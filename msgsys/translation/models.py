"""Translations of source versions, their revisions, the glossary."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel, UniqueConstraint

from msgsys.clock import now
from msgsys.content.models import TEXT_FIELDS

TRANSLATION_STATES: tuple[str, ...] = ("draft", "in_review", "changes_requested", "approved", "outdated")
FIELDS = TEXT_FIELDS  # a translation carries the same fields as its source version


class Translation(SQLModel, table=True):
    """One source version carried into one locale."""

    __table_args__ = (UniqueConstraint("version_id", "locale"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="messageversion.id", index=True)
    locale: str = Field(max_length=8, index=True)
    state: str = Field(default="draft", max_length=20, index=True)
    # The two tables reference each other, so these links are created after both tables (use_alter).
    current_revision_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey(
        "translationrevision.id", use_alter=True, name="fk_translation_current_revision")))
    # What recipients get: only ever a revision a second translator approved for this exact source version.
    approved_revision_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey(
        "translationrevision.id", use_alter=True, name="fk_translation_approved_revision")))
    carried_from_id: int | None = Field(default=None, foreign_key="translation.id")
    outdated_fields: str = Field(default="", max_length=40)  # comma-separated fields whose source changed
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    review_reason: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=now)

    @property
    def outdated_list(self) -> list[str]:
        """Fields whose source text changed since the carried-over translation."""
        return [f for f in self.outdated_fields.split(",") if f]


class TranslationRevision(SQLModel, table=True):
    """One saved text of a translation; never changed once written."""

    __table_args__ = (UniqueConstraint("translation_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    translation_id: int = Field(foreign_key="translation.id", index=True)
    number: int
    title: str = Field(default="", max_length=200)
    body: str = Field(default="")
    sms_text: str = Field(default="", max_length=1600)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_label: str = Field(default="", max_length=254)
    origin: str = Field(default="web", max_length=120)  # web, api, import:<file>, carried
    created_at: datetime = Field(default_factory=now)


class GlossaryTerm(SQLModel, table=True):
    """A term and the translation it must have in one locale (asylum → asilo)."""

    __table_args__ = (UniqueConstraint("locale", "source_term"),)

    id: int | None = Field(default=None, primary_key=True)
    locale: str = Field(max_length=8, index=True)
    source_term: str = Field(max_length=120)
    required_translation: str = Field(max_length=120)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=now)
