"""Campaigns, messages and drafts: the rules for creating and editing content."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.content.markup import MAX_BODY_CHARS
from msgsys.content.models import CHANNELS, COUNTRIES, KINDS, TEXT_FIELDS, Campaign, Message, MessageVersion
from msgsys.errors import Conflict, InvalidTransition, NotFound, ValidationError
from msgsys.locales import LOCALES
from msgsys import permissions
from msgsys.text import clean_text
from msgsys.times import TimeError, parse_day, parse_time

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TITLE = 200
MAX_SMS = 1600
def _codes(values, allowed: tuple[str, ...], field: str) -> list[str]:
    items = values.split(",") if isinstance(values, str) else list(values or [])
    items = [v.strip() for v in items if v and v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise ValidationError(
            _("Unknown %(field)s: %(values)s (known: %(known)s).", field=field, values=", ".join(unknown), known=", ".join(allowed)),
            details={"field": field},
        )
    return list(dict.fromkeys(items))


def _aware(value: datetime | str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except TimeError as exc:
        raise ValidationError(_("%(field)s: %(problem)s", field=field, problem=str(exc)), details={"field": field}) from None


# Campaigns ---------------------------------------------------------------------------------

def create_campaign(session: Session, *, actor: User | None, data: dict, label: str | None = None) -> Campaign:
    """Create a campaign after checking every field."""
    if actor is not None:
        permissions.require(actor, "campaign.create", subject_type="campaign")
    slug = (data.get("slug") or "").strip()
    if not SLUG.match(slug) or len(slug) > 80:
        raise ValidationError(_("The slug must be lowercase letters, digits and hyphens."), details={"field": "slug"})
    if session.exec(select(Campaign).where(Campaign.slug == slug)).first() is not None:
        raise Conflict(_("A campaign with the slug %(slug)s already exists.", slug=slug), details={"field": "slug"})
    source = data.get("source_locale") or "en"
    _codes([source], LOCALES, "source_locale")
    targets = [c for c in _codes(data.get("target_locales") or [], LOCALES, "target_locales") if c != source]
    campaign = Campaign(
        slug=slug,
        title=clean_text(data.get("title"), "title", MAX_TITLE, required=True),
        objective=clean_text(data.get("objective"), "objective", 2000),
        source_locale=source,
        target_locales=",".join(targets),
        audience_countries=",".join(_codes(data.get("audience_countries") or [], COUNTRIES, "audience_countries")),
        starts_on=_date(data.get("starts_on"), "starts_on"),
        ends_on=_date(data.get("ends_on"), "ends_on"),
        owner_id=actor.id if actor else None,
        sample_note=clean_text(data.get("sample_note"), "sample_note", 500),
    )
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise ValidationError(_("The campaign ends before it starts."), details={"field": "ends_on"})
    session.add(campaign)
    session.flush()
    audit.record(session, actor=actor, label=label, action="campaign.create", subject_type="campaign", subject_id=campaign.id, after={"slug": slug, "title": campaign.title})
    return campaign


def _date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return parse_day(value)
    except TimeError as exc:
        raise ValidationError(str(exc), details={"field": field}) from None


def get_campaign(session: Session, slug: str) -> Campaign:
    """A campaign by slug, or NotFound."""
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None:
        raise NotFound(_("No campaign %(slug)s.", slug=slug))
    return campaign


def list_campaigns(session: Session) -> list[Campaign]:
    """All campaigns, newest first."""
    return list(session.exec(select(Campaign).order_by(col(Campaign.created_at).desc(), col(Campaign.id).desc())).all())


# Messages ----------------------------------------------------------------------------------

def create_message(session: Session, *, actor: User | None, campaign: Campaign, data: dict, label: str | None = None) -> Message:
    """Add a message (key, kind, channels) to a campaign."""
    if actor is not None:
        permissions.require(actor, "message.create", subject_type="campaign", subject_id=campaign.id)
    key = (data.get("key") or "").strip()
    if not SLUG.match(key) or len(key) > 80:
        raise ValidationError(_("The key must be lowercase letters, digits and hyphens."), details={"field": "key"})
    kind = data.get("kind") or ""
    if kind not in KINDS:
        raise ValidationError(_("Unknown message kind %(kind)s.", kind=kind or "''"), details={"field": "kind"})
    channels = _codes(data["channels"] if data.get("channels") is not None else ["web", "sms"], CHANNELS, "channels")
    if not channels:
        raise ValidationError(_("Choose at least one channel."), details={"field": "channels"})
    if session.exec(select(Message).where(Message.campaign_id == campaign.id, Message.key == key)).first():
        raise Conflict(_("This campaign already has a message %(key)s.", key=key), details={"field": "key"})
    message = Message(campaign_id=campaign.id, key=key, kind=kind, channels=",".join(channels))
    session.add(message)
    session.flush()
    audit.record(session, actor=actor, label=label, action="message.create", subject_type="message", subject_id=message.id, after={"campaign": campaign.slug, "key": key, "kind": kind})
    return message


def get_message(session: Session, message_id: int) -> Message:
    """A message by id, or NotFound."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(_("No such message."))
    return message


def messages_of(session: Session, campaign: Campaign) -> list[Message]:
    """A campaign's messages, by key."""
    return list(session.exec(select(Message).where(Message.campaign_id == campaign.id).order_by(Message.key)).all())


def campaign_of(session: Session, message: Message) -> Campaign:
    """The campaign a message belongs to."""
    return session.get(Campaign, message.campaign_id)


# Versions ----------------------------------------------------------------------------------

def content_hash(fields: dict) -> str:
    """A stable hash of a version's content (what recipients would get)."""
    def norm(value):
        # The same moment hashes the same however its offset was written.
        return value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) else value or ""

    canonical = {k: norm(fields.get(k)) for k in ("title", "body", "sms_text", "go_live_at", "expires_at")}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def text_fields(message: Message, *sms_texts: str | None) -> list[str]:
    """The fields a message's text is made of, for checks, translation and catalogs.

    The SMS text counts when the message goes by SMS, and also whenever one of the given SMS
    texts is not empty: it shows in the public advisory banner even for a web-only message.
    """
    with_sms = "sms" in message.channel_list or any(sms_texts)
    return [f for f in TEXT_FIELDS if f != "sms_text" or with_sms]


def clean_fields(message: Message, data: dict) -> dict:
    """Validate a version's fields; refuse oversized or hostile text with a clear error."""
    fields = {
        "title": clean_text(data.get("title"), "title", MAX_TITLE, required=True),
        "body": clean_text(data.get("body"), "body", MAX_BODY_CHARS, required="web" in message.channel_list),
        "sms_text": clean_text(data.get("sms_text"), "sms_text", MAX_SMS, required="sms" in message.channel_list),
        "change_note": clean_text(data.get("change_note"), "change_note", 500),
        # The author marks a correction: once live, earlier versions' translations stop at once.
        "correction": data.get("correction") is True,
        "go_live_at": _aware(data.get("go_live_at"), "go_live_at"),
        "expires_at": _aware(data.get("expires_at"), "expires_at"),
    }
    if fields["go_live_at"] and fields["expires_at"] and fields["expires_at"] <= fields["go_live_at"]:
        raise ValidationError(_("The expiry must come after the go-live time."), details={"field": "expires_at"})
    return fields


def versions_of(session: Session, message: Message) -> list[MessageVersion]:
    """Every version of a message, newest first."""
    return list(session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id).order_by(col(MessageVersion.number).desc())).all())


def latest_version(session: Session, message: Message) -> MessageVersion | None:
    """The highest-numbered version, or None."""
    return session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id).order_by(col(MessageVersion.number).desc())).first()


def published_version(session: Session, message: Message) -> MessageVersion | None:
    """The version recipients see now, or None."""
    return session.exec(
        select(MessageVersion).where(MessageVersion.message_id == message.id, MessageVersion.state == "published")
        .order_by(col(MessageVersion.number).desc())
    ).first()


def get_version(session: Session, version_id: int) -> MessageVersion:
    """A version by id, or NotFound."""
    version = session.get(MessageVersion, version_id)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def new_version(session: Session, *, actor: User | None, message: Message, data: dict, based_on: MessageVersion | None = None, label: str | None = None) -> MessageVersion:
    """A new draft version; the only way content changes once a version is submitted."""
    if actor is not None:
        permissions.require(actor, "version.draft", subject_type="message", subject_id=message.id)
    fields = clean_fields(message, data)
    number = (session.exec(select(func.max(MessageVersion.number)).where(MessageVersion.message_id == message.id)).one() or 0) + 1
    based_on = based_on or latest_version(session, message)
    version = MessageVersion(
        message_id=message.id, number=number, state="draft", content_hash=content_hash(fields),
        author_id=actor.id if actor else None, author_label=actor.email if actor else (label or "system"),
        based_on_id=based_on.id if based_on else None, **fields,
    )
    session.add(version)
    session.flush()
    audit.record(session, actor=actor, label=label, action="version.create", subject_type="version", subject_id=version.id,
                 after={"message": message.id, "number": number, "state": "draft", "hash": version.content_hash})
    return version


def update_draft(session: Session, *, actor: User, version: MessageVersion, data: dict) -> MessageVersion:
    """Edit a draft in place; a submitted version is immutable and refuses."""
    permissions.require(actor, "version.draft", subject_type="version", subject_id=version.id)
    if version.state != "draft":
        raise InvalidTransition(_("Version %(n)d was submitted and cannot change; edit it to make a new version.", n=version.number))
    if version.author_id is not None and version.author_id != actor.id:
        raise InvalidTransition(_("Only the author of a draft edits it in place; your edit makes a new version."))
    message = session.get(Message, version.message_id)
    fields = clean_fields(message, data)
    before = {"hash": version.content_hash}
    for key, value in fields.items():
        setattr(version, key, value)
    version.content_hash = content_hash(fields)
    session.add(version)
    audit.record(session, actor=actor, action="version.edit", subject_type="version", subject_id=version.id, before=before, after={"hash": version.content_hash})
    return version


def edits_in_place(version: MessageVersion, actor: User) -> bool:
    """True when an edit by `actor` changes this version itself (their own draft); otherwise it makes a new draft."""
    return version.state == "draft" and version.author_id is not None and version.author_id == actor.id


def edit(session: Session, *, actor: User, version: MessageVersion, data: dict) -> MessageVersion:
    """Save an edit: in place for one's own draft, otherwise as a new draft version."""
    if edits_in_place(version, actor):
        return update_draft(session, actor=actor, version=version, data=data)
    message = session.get(Message, version.message_id)
    return new_version(session, actor=actor, message=message, data=data, based_on=version)


def restore(session: Session, *, actor: User, version: MessageVersion) -> MessageVersion:
    """Bring an old version back as a new draft."""
    message = session.get(Message, version.message_id)
    data = {k: getattr(version, k) for k in ("title", "body", "sms_text", "go_live_at", "expires_at", "correction")}
    data["change_note"] = _("Restored from version %(n)d", n=version.number)
    return new_version(session, actor=actor, message=message, data=data, based_on=version)


@dataclass(frozen=True)
class MessageRow:
    """A message with its newest and published versions, for lists."""

    message: Message
    latest: MessageVersion | None
    published: MessageVersion | None


def message_rows(session: Session, campaign: Campaign) -> list[MessageRow]:
    """Each message of a campaign with its latest and published version."""
    return [MessageRow(m, latest_version(session, m), published_version(session, m)) for m in messages_of(session, campaign)]


def state_counts(session: Session) -> dict[int, dict[str, int]]:
    """Per campaign, how many messages have their newest version in each state."""
    newest = (
        select(MessageVersion.message_id, func.max(MessageVersion.number).label("n"))
        .group_by(MessageVersion.message_id).subquery()
    )
    rows = session.exec(
        select(Message.campaign_id, MessageVersion.state, func.count())
        .join(MessageVersion, MessageVersion.message_id == Message.id)
        .join(newest, (newest.c.message_id == MessageVersion.message_id) & (newest.c.n == MessageVersion.number))
        .group_by(Message.campaign_id, MessageVersion.state)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, state, n in rows:
        counts.setdefault(campaign_id, {})[state] = n
    return counts
