"""Moving message versions through the workflow: review, approval, publication, retirement.

The rows are in msgsys.workflow.transitions (VERSIONS); this module binds that table to versions and
hangs the version steps' own checks and side effects on it; msgsys.workflow.engine takes every step.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from datetime import timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from msgsys import db, permissions
from msgsys.auth.models import User
from msgsys.clock import now
from msgsys.content.models import PUBLICATIONS, TEXT_FIELDS, Campaign, Message, MessageVersion
from msgsys.content.service import text_fields
from msgsys.errors import InvalidTransition, ValidationError
from msgsys.policy import service as policy
from msgsys.workflow import engine
from msgsys.workflow.engine import Move, System, Transition, apply_transition
from msgsys.translation import readers
from msgsys.workflow.transitions import TRANSLATIONS, VERSIONS


def policy_violations(session: Session, version: MessageVersion):
    """What the active policy rules say about a version's text."""
    message = session.get(Message, version.message_id)
    campaign = session.get(Campaign, message.campaign_id)
    fields = {f: getattr(version, f) for f in text_fields(message, version.sms_text)}
    return policy.check(session, fields=fields, locale=campaign.source_locale, kind=message.kind)


def transition(session: Session, *, actor: User | System | None, version: MessageVersion, name: str, reason: str = "",
               **context) -> MessageVersion:
    """Take one step of the version table (see msgsys.workflow.engine.apply_transition for what is checked)."""
    return apply_transition(session, VERSIONS, version, actor, name, reason=reason, **context)


def _once_approved(version: MessageVersion) -> bool:
    # Retired versions were all approved once: only approved or published versions retire.
    return version.state in ("approved", "published", "retired")


def _text_key(version: MessageVersion) -> str:
    """A hash of what a version says (title, web text, SMS text), blind to Unicode forms and runs of white space."""
    def norm(text: str | None) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").split())

    return hashlib.sha256(json.dumps([norm(getattr(version, f)) for f in TEXT_FIELDS], ensure_ascii=False).encode()).hexdigest()


def writers(session: Session, version: MessageVersion) -> dict[int, set[int]]:
    """Everyone whose writing this version may carry without anyone else having approved it: none of them may review it.

    Maps each person to the numbers of the versions they wrote (see writers_among for who counts).
    """
    versions = {v.id: v for v in session.exec(select(MessageVersion).where(MessageVersion.message_id == version.message_id)).all()}
    return writers_among(versions, version)


def writers_among(versions: dict[int, MessageVersion], version: MessageVersion) -> dict[int, set[int]]:
    """writers() over the message's versions already read (by id). Counted are the authors of
    - every version of the message since the last approved one before this (as translations count every reviser),
    - the versions this one descends from (edits, restores, restores of restores) back to the nearest approved one,
    - every never-approved version of the message saying the same (a re-save or re-typing of unapproved text).
    Text someone else approved once is not held against its writer: reviewing a change to it is ordinary review.
    """
    versions = {**versions, version.id: version}
    last_approved = max((v.number for v in versions.values() if v.number < version.number and _once_approved(v)), default=0)
    carried = {v.id for v in versions.values() if last_approved < v.number <= version.number}
    lineage: set[int] = set()
    ancestor = versions.get(version.based_on_id)
    while ancestor is not None and ancestor.id not in lineage and not _once_approved(ancestor):
        lineage.add(ancestor.id)
        ancestor = versions.get(ancestor.based_on_id)
    carried |= lineage
    said = _text_key(version)
    carried |= {v.id for v in versions.values() if not _once_approved(v) and _text_key(v) == said}
    found: dict[int, set[int]] = {}
    for v in (versions[i] for i in carried):
        if v.author_id is not None:
            found.setdefault(v.author_id, set()).add(v.number)
    return found


def steps_for(session: Session, *, version: MessageVersion, user: User) -> list[Transition]:
    """The steps this user may take on this version now, for buttons and API hints (the same rules transition applies)."""
    return [t for t in engine.steps_for(session, VERSIONS, version, user) if t.name != "publish_now" or held(session, version)]


def _expired(version: MessageVersion, at) -> bool:
    return version.expires_at is not None and version.expires_at <= at


def _warnings(session: Session, version: MessageVersion) -> list[dict]:
    return [w.as_dict() for w in policy.enforce(policy_violations(session, version))]


VERSIONS.bind(
    author_of=lambda _session, version: version.author_id,
    writers=writers,
    policy=_warnings,
    audit_after=lambda _session, version: {"hash": version.content_hash},
)


@VERSIONS.on("check", "approve")
def _approvable(move: Move) -> None:
    """An older version never replaces a newer one that is live, and an expired one is never approved."""
    version = move.subject
    newer = _newer_published(move.session, version)
    if newer is not None:
        raise InvalidTransition(_("Version %(n)d is already published; this older version would replace it. Restore it as a new draft instead.", n=newer.number))
    if _expired(version, move.at):
        raise ValidationError(
            _("This version's expiry (expires_at, %(when)s UTC) has passed: approving it would publish an expired message. Make a new version with a later expiry.",
              when=version.expires_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")),
            details={"field": "expires_at"},
        )


@VERSIONS.on("check", "approve")
def _publication_chosen(move: Move) -> None:
    """How it goes live beside its translations: at once (the default) or together with them."""
    publication = move.context.get("publication") or "now"
    if publication not in PUBLICATIONS:
        raise ValidationError(_("Choose how this version goes live: at once, or together with its translations."),
                              details={"field": "publication"})


@VERSIONS.on("check", "publish_now")
def _only_held(move: Move) -> None:
    """Publishing ahead of the translations (and of a later go-live: the approver says now) is for a version held for them."""
    version = move.subject
    if version.publication != "together":
        raise InvalidTransition(_("This version is not waiting for its translations."))
    if _expired(version, move.at):
        raise InvalidTransition(_("This version has expired; it can no longer be published."))
    newer = _newer_published(move.session, version)
    if newer is not None:
        raise InvalidTransition(_("Version %(n)d is already published; this older version would replace it. Restore it as a new draft instead.", n=newer.number))


@VERSIONS.on("apply", "approve")
def _publication(move: Move) -> None:
    version = move.subject
    version.publication = move.context.get("publication") or "now"
    version.correction = bool(version.correction or move.context.get("correction"))
    move.audit.update({"publication": version.publication, "correction": version.correction})


@VERSIONS.on("apply", "submit", "submit_import")
def _submitted(move: Move) -> None:
    move.subject.submitted_at = move.at


@VERSIONS.on("apply", "approve", "request_changes")
def _reviewed(move: Move) -> None:
    version = move.subject
    version.reviewed_by_id, version.reviewed_at, version.review_reason = move.person.id, move.at, move.reason


@VERSIONS.on("apply", "publish", "publish_now")
def _published(move: Move) -> None:
    move.subject.published_at = move.at


@VERSIONS.on("apply", "retire", "expire", "supersede")
def _retired(move: Move) -> None:
    version = move.subject
    version.retired_at, version.retire_reason = move.at, move.reason or move.step.name
    if move.step.name == "supersede":
        version.superseded_by_id = move.context["by"].id


@VERSIONS.on("after", "approve")
def _publish_when_due(move: Move) -> None:
    version = move.subject
    if version.go_live_at is None or version.go_live_at <= move.at:
        _publish(move.session, version, actor=System("approval", user=move.person))  # the approver is who did it


def held(session: Session, version: MessageVersion) -> bool:
    """True for an approved version waiting (as the approver chose) until every target language is approved."""
    return version.state == "approved" and version.publication == "together" and not readers.translations_complete(session, version)


@TRANSLATIONS.on("after", "approve")
def _publish_together(move: Move) -> None:
    """The last translation a held version waited for is approved: the version goes live with all of them, when due."""
    session = move.session
    version = session.get(MessageVersion, move.subject.version_id)
    if version.state == "approved" and version.publication == "together" and not held(session, version):
        if version.go_live_at is None or version.go_live_at <= move.at:
            _publish(session, version, actor=System("approval", user=move.person))


@VERSIONS.on("after", "publish", "publish_now")
def _supersede_older(move: Move) -> None:
    """A newer published version retires the older published (or still approved, older) ones."""
    version = move.subject
    older = move.session.exec(
        select(MessageVersion).where(
            MessageVersion.message_id == version.message_id,
            MessageVersion.id != version.id,
            MessageVersion.number < version.number,
            col(MessageVersion.state).in_(["published", "approved"]),
        )
    ).all()
    actor = move.actor if isinstance(move.actor, System) else System("approval", user=move.person)  # publish_now: a person's
    for old in older:
        try:
            _supersede(move.session, old, by=version, actor=actor)
        except InvalidTransition:
            continue  # retired meanwhile (expired or withdrawn in another transaction): nothing left to supersede


def _supersede(session: Session, version: MessageVersion, *, by: MessageVersion, actor: System) -> None:
    apply_transition(session, VERSIONS, version, actor, "supersede", reason=_("superseded by version %(n)d", n=by.number), by=by)


def _newer_published(session: Session, version: MessageVersion) -> MessageVersion | None:
    return session.exec(
        select(MessageVersion).where(MessageVersion.message_id == version.message_id, MessageVersion.number > version.number,
                                     MessageVersion.state == "published")
    ).first()


def _publish(session: Session, version: MessageVersion, *, actor: System) -> bool:
    """Put an approved version live; True when it went live. An expired one never does (the expiry retires it),
    nor one held for its translations."""
    if _expired(version, now()) or held(session, version):
        return False
    newer = _newer_published(session, version)
    if newer is not None:  # a newer version went live first: this one never replaces it
        _supersede(session, version, by=newer, actor=actor)
        return False
    apply_transition(session, VERSIONS, version, actor, "publish")
    return True


def due(at) -> sa.ColumnElement[bool]:
    """Versions whose go-live has come or whose expiry has passed: what the scheduler claims."""
    going_live = sa.and_(col(MessageVersion.state).in_(VERSIONS["publish"].sources), MessageVersion.go_live_at <= at)
    ending = sa.and_(col(MessageVersion.state).in_(VERSIONS["expire"].sources), MessageVersion.expires_at <= at)
    return sa.or_(going_live, ending)


def run_schedule(session: Session, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Publish the versions among `ids` whose go-live has come; retire those whose expiry has passed.

    The caller has claimed these rows (msgsys.db.claim_rows) for this transaction: that claim is what keeps
    two workers from acting on the same version, so nothing else is locked or read again here. Without
    `ids`, the due versions are claimed here first.
    """
    at = now()
    if ids is None:
        ids = db.claim_rows(session, MessageVersion, where=[due(at)])
    scheduler = System("scheduler")
    versions = sorted((v for v in (session.get(MessageVersion, i) for i in ids) if v is not None),
                      key=lambda v: (v.message_id, v.number))  # older first: a newer one going live then retires it
    published = expired = 0
    for version in versions:
        if version.state in VERSIONS["publish"].sources and version.go_live_at is not None and version.go_live_at <= at:
            published += _publish(session, version, actor=scheduler)
    for version in versions:
        if version.state in VERSIONS["expire"].sources and _expired(version, at):
            apply_transition(session, VERSIONS, version, scheduler, "expire", reason=_("expired"))
            expired += 1
    return {"published": published, "expired": expired}


def review_queue(session: Session, *, user: User) -> list[MessageVersion]:
    """Versions waiting for review that this user may review (not their own, nor carrying their unapproved writing), oldest first."""
    waiting = session.exec(select(MessageVersion).where(MessageVersion.state == "in_review").order_by(col(MessageVersion.submitted_at))).all()
    return [v for v in waiting if permissions.can(user, "version.approve", author_id=v.author_id)  # cheap, before counting writers
            and engine.refusal(VERSIONS, VERSIONS["approve"], state=v.state, actor=user, author_id=v.author_id,
                               writers=writers(session, v)) is None]


def schedule(session: Session) -> list[tuple[object, str, MessageVersion]]:
    """Upcoming go-lives and expiries, in time order: (when, what, version)."""
    at = now()
    items = []
    for v in session.exec(select(MessageVersion).where(col(MessageVersion.state).in_(["approved", "in_review"]), MessageVersion.go_live_at != None)).all():  # noqa: E711
        if v.go_live_at >= at:
            items.append((v.go_live_at, "go_live", v))
    for v in session.exec(select(MessageVersion).where(col(MessageVersion.state).in_(["approved", "published"]), MessageVersion.expires_at != None)).all():  # noqa: E711
        if v.expires_at >= at:
            items.append((v.expires_at, "expiry", v))
    return sorted(items, key=lambda item: (item[0], item[2].id))
