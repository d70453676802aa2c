"""What the public sees: published notices, resolved into the reader's language."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.errors import NotFound
from msgsys.clock import now
from msgsys.translation.readers import Resolved, resolve


@dataclass(frozen=True)
class Notice:
    """A published message as one reader gets it."""

    message: Message
    campaign: Campaign
    version: MessageVersion
    text: Resolved


def started():
    """A campaign's messages reach the public from its start date (UTC) on."""
    return or_(col(Campaign.starts_on).is_(None), col(Campaign.starts_on) <= now().date())


def _published(session: Session, *, kind: str | None = None, message_id: int | None = None) -> list[tuple[MessageVersion, Message, Campaign]]:
    query = (
        select(MessageVersion, Message, Campaign)
        .join(Message, Message.id == MessageVersion.message_id)
        .join(Campaign, Campaign.id == Message.campaign_id)
        .where(MessageVersion.state == "published", col(Message.channels).contains("web"), started())
        .order_by(col(MessageVersion.published_at).desc(), col(MessageVersion.id).desc())
    )
    if kind:
        query = query.where(Message.kind == kind)
    if message_id is not None:
        query = query.where(Message.id == message_id)
    return list(session.exec(query).all())


def notices(session: Session, *, locale: str, kind: str | None = None) -> list[Notice]:
    """Every published web notice in the reader's language (or the nearest one approved)."""
    found = []
    for version, message, campaign in _published(session, kind=kind):
        text = resolve(session, version=version, locale=locale)
        if text is not None:
            found.append(Notice(message, campaign, version, text))
    return found


def active_advisory(session: Session, *, locale: str) -> Notice | None:
    """The newest published advisory, shown on every page."""
    advisories = notices(session, locale=locale, kind="advisory")
    return advisories[0] if advisories else None


def notice(session: Session, *, message_id: int, locale: str) -> Notice:
    """One published notice, or NotFound (drafts and retired versions are never shown)."""
    for version, message, campaign in _published(session, message_id=message_id):
        text = resolve(session, version=version, locale=locale)
        if text is not None:
            return Notice(message, campaign, version, text)
    raise NotFound("No such notice.")
