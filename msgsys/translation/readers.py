"""What readers get, per language, across versions: the one rule every channel (public pages, feeds, SMS) uses.

For a published version V and a reader of locale L, along L's fallback chain (msgsys.locales.chain), the first
language with text wins; within one language:

- V's own approved translation, if there is one;
- otherwise, unless V is a correction, the approved translation of the version V replaced when it went live (and
  so on back, through versions that were published and then superseded, never past a correction nor past a
  version withdrawn or expired), so an edit does not drop Spanish or K'iche' readers back to English;
- the campaign's source language is always V itself.

Invariant 1 holds: the text served is always a revision a second translator approved for the exact version it
translates; `Resolved.version_number` says which version that is. A version approved to publish "together" stays
unpublished (its predecessor stays live in every language) until every target language is approved.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.locales import LOCALES, chain
from msgsys.translation.models import Translation, TranslationRevision

MAX_LINEAGE = 50  # how far back an untranslated language may reach for its last approved translation


@dataclass(frozen=True)
class Resolved:
    """The text a reader gets: in which language, translating which version."""

    locale: str
    requested: str
    title: str
    body: str
    sms_text: str
    translation_id: int | None
    version_id: int
    version_number: int
    current_number: int  # the version that is live (the source readers get)

    @property
    def fell_back(self) -> bool:
        """True when the reader's own language was not available."""
        return self.locale != self.requested

    @property
    def earlier(self) -> bool:
        """True when this is the translation of an earlier version, kept until the new one's is approved."""
        return self.version_number != self.current_number


def _campaign(session: Session, version: MessageVersion) -> Campaign:
    message = session.get(Message, version.message_id)
    return session.get(Campaign, message.campaign_id)


def predecessor(session: Session, version: MessageVersion) -> MessageVersion | None:
    """The published version this one replaced when it went live (None after a withdrawal, expiry or first version)."""
    return session.exec(
        select(MessageVersion).where(MessageVersion.superseded_by_id == version.id, col(MessageVersion.published_at).is_not(None))
        .order_by(col(MessageVersion.number).desc())
    ).first()


def lineage(session: Session, version: MessageVersion) -> list[MessageVersion]:
    """`version`, then the versions whose translations may still serve beside it, newest first.

    The walk stops at a correction (its own translations count, older ones do not) and where a version was not
    replaced by a newer one going live (withdrawn, expired, or the first).
    """
    found = [version]
    while not found[-1].correction and len(found) < MAX_LINEAGE:
        older = predecessor(session, found[-1])
        if older is None or older.id in {v.id for v in found}:
            break
        found.append(older)
    return found


def _approved(session: Session, version: MessageVersion, locale: str) -> tuple[Translation, TranslationRevision] | None:
    translation = session.exec(select(Translation).where(Translation.version_id == version.id, Translation.locale == locale)).first()
    if translation is None or not translation.approved_revision_id:
        return None
    return translation, session.get(TranslationRevision, translation.approved_revision_id)


def resolve_in(session: Session, candidates: list[MessageVersion], *, locale: str, source_locale: str) -> Resolved | None:
    """The text a reader of `locale` gets when candidates[0] is live and `candidates` its lineage."""
    live = candidates[0]
    requested = locale if locale in LOCALES else "en"
    for code in chain(requested):
        if code == source_locale:
            return Resolved(code, locale, live.title, live.body, live.sms_text, None, live.id, live.number, live.number)
        for version in candidates:
            found = _approved(session, version, code)
            if found is not None:
                translation, rev = found
                return Resolved(code, locale, rev.title or version.title, rev.body, rev.sms_text, translation.id,
                                version.id, version.number, live.number)
    return None


def resolve(session: Session, *, version: MessageVersion, locale: str) -> Resolved | None:
    """What a reader of `locale` gets of a live (published) version: see the module's rule."""
    return resolve_in(session, lineage(session, version), locale=locale, source_locale=_campaign(session, version).source_locale)


def published_version(session: Session, message_id: int) -> MessageVersion | None:
    """The live version of a message, if any."""
    return session.exec(select(MessageVersion).where(MessageVersion.message_id == message_id, MessageVersion.state == "published")).first()


def locales_of(campaign: Campaign) -> list[str]:
    """The campaign's source language, then its target languages."""
    return [campaign.source_locale, *[c for c in campaign.target_list if c != campaign.source_locale]]


def translations_complete(session: Session, version: MessageVersion) -> bool:
    """True when every target language of the campaign has an approved translation of this version."""
    campaign = _campaign(session, version)
    return all(_approved(session, version, code) is not None for code in locales_of(campaign)[1:])


@dataclass(frozen=True)
class Outlook:
    """For one language: what readers get today, and what they would get once a version under review goes live."""

    locale: str
    today: Resolved | None
    at_once: Resolved | None  # approved to publish at once, not a correction
    as_correction: Resolved | None  # approved at once as a correction


def preview(session: Session, version: MessageVersion) -> list[Outlook]:
    """Per language, what readers would get if this version were approved: for the approver to choose how it goes live."""
    campaign = _campaign(session, version)
    live = published_version(session, version.message_id)
    before = lineage(session, live) if live is not None and live.id != version.id else []
    rows = []
    for code in locales_of(campaign):
        today = resolve_in(session, before, locale=code, source_locale=campaign.source_locale) if before else None
        at_once = resolve_in(session, [version, *before], locale=code, source_locale=campaign.source_locale)
        as_correction = resolve_in(session, [version], locale=code, source_locale=campaign.source_locale)
        rows.append(Outlook(code, today, at_once, as_correction))
    return rows


@dataclass(frozen=True)
class LocaleStatus:
    """For one language of a message: what readers get now, and the newest version's translation in that language."""

    locale: str
    now: Resolved | None
    newest: MessageVersion | None  # the newest approved or published version (held, scheduled or live)
    translation: Translation | None  # its translation into this language (None: not started)
    is_source: bool


def status(session: Session, message: Message) -> list[LocaleStatus]:
    """Per language of the message's campaign: which version in which language readers get now, and what is pending."""
    campaign = session.get(Campaign, message.campaign_id)
    live = published_version(session, message.id)
    candidates = lineage(session, live) if live is not None else []
    newest = session.exec(
        select(MessageVersion).where(MessageVersion.message_id == message.id, col(MessageVersion.state).in_(["approved", "published"]))
        .order_by(col(MessageVersion.number).desc())
    ).first()
    rows = []
    for code in locales_of(campaign):
        now_text = resolve_in(session, candidates, locale=code, source_locale=campaign.source_locale) if candidates else None
        translation = None
        if newest is not None and code != campaign.source_locale:
            translation = session.exec(select(Translation).where(Translation.version_id == newest.id, Translation.locale == code)).first()
        rows.append(LocaleStatus(code, now_text, newest, translation, code == campaign.source_locale))
    return rows
