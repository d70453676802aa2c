"""Writing and reading audit events."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from msgsys.audit.models import AuditEvent
from msgsys.auth.models import User


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    subject_type: str,
    subject_id: Any = "",
    before: Any = None,
    after: Any = None,
    note: str = "",
    label: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session's transaction."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else (label or "system"),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id or ""),
        before=_dump(before),
        after=_dump(after),
        note=note[:2000],
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page can filter on."""

    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def list_events(session: Session, *, filt: AuditFilter, page: int = 1, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and the total that match."""
    query = select(AuditEvent)
    if filt.actor:
        query = query.where(col(AuditEvent.actor_label).contains(filt.actor.strip().lower()))
    if filt.action:
        query = query.where(col(AuditEvent.action).startswith(filt.action.strip()))
    if filt.subject_type:
        query = query.where(AuditEvent.subject_type == filt.subject_type)
    if filt.subject_id:
        query = query.where(AuditEvent.subject_id == filt.subject_id)
    if filt.since:
        query = query.where(AuditEvent.at >= filt.since)
    if filt.until:
        query = query.where(AuditEvent.at <= filt.until)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = max(page, 1)
    rows = session.exec(
        query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def history(session: Session, *, subject_type: str, subject_ids: list[str]) -> list[AuditEvent]:
    """Every event about the given subjects, oldest first."""
    if not subject_ids:
        return []
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, col(AuditEvent.subject_id).in_(subject_ids))
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
    )


def version_history(session: Session, version_id: int) -> list[AuditEvent]:
    """Everything that happened to one message version and to its translations, oldest first."""
    from msgsys.translation.models import Translation

    translation_ids = [str(i) for i in session.exec(select(Translation.id).where(Translation.version_id == version_id)).all()]
    about_translations = sa.and_(AuditEvent.subject_type == "translation", col(AuditEvent.subject_id).in_(translation_ids)) \
        if translation_ids else sa.false()
    about_version = sa.and_(AuditEvent.subject_type == "version", AuditEvent.subject_id == str(version_id))
    return list(session.exec(select(AuditEvent).where(sa.or_(about_version, about_translations))
                             .order_by(col(AuditEvent.at), col(AuditEvent.id))).all())
