"""Moving message versions through the workflow: review, approval, publication, retirement."""
from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import timezone

from flask_babel import gettext as _
from sqlmodel import Session, col, or_, select

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.clock import now
from msgsys.content.models import TEXT_FIELDS, Campaign, Message, MessageVersion
from msgsys.content.service import text_fields
from msgsys.errors import InvalidTransition, PermissionDenied, ValidationError
from msgsys.policy import service as policy
from msgsys.text import clean_reason
from msgsys.workflow.transitions import VERSION_TRANSITIONS, Transition, available, writer_refusal


def policy_violations(session: Session, version: MessageVersion):
    """What the active policy rules say about a version's text."""
    message = session.get(Message, version.message_id)
    campaign = session.get(Campaign, message.campaign_id)
    fields = {f: getattr(version, f) for f in text_fields(message, version.sms_text)}
    return policy.check(session, fields=fields, locale=campaign.source_locale, kind=message.kind)


def transition(session: Session, *, actor: User | None, version: MessageVersion, name: str, reason: str = "", label: str | None = None) -> MessageVersion:
    """Take one step of the table for a version, checking state, permission, four eyes, reason and policy."""
    step = VERSION_TRANSITIONS.get(name)
    if step is None:
        raise InvalidTransition(_("There is no step called %(name)s.", name=name))
    if version.state not in step.sources:
        raise InvalidTransition(
            _("A version in state %(state)s cannot be %(action)s.", state=version.state, action=name),
            details={"state": version.state, "allowed_from": sorted(step.sources)},
        )
    if step.permission is not None:
        if actor is None:
            raise PermissionDenied(_("You need to sign in."))
        permissions.require(actor, step.permission, subject_type="version", subject_id=version.id,
                            author_id=version.author_id if step.four_eyes else None)
        if step.own_only and version.author_id is not None and version.author_id != actor.id:
            permissions.deny(actor, step.permission, _("Only the author of this version can submit it."),
                             subject_type="version", subject_id=version.id)
        if step.four_eyes:
            wrote = writers(session, version)
            refused = writer_refusal(step, user=actor, writers=wrote)
            if refused:
                permissions.deny(actor, step.permission, refused, subject_type="version", subject_id=version.id,
                                 wrote_versions=sorted(wrote[actor.id]))
    elif actor is not None:
        raise PermissionDenied(_("Only the scheduler takes this step."))
    reason = clean_reason(reason, required=step.needs_reason)
    if name == "approve":
        newer = _newer_published(session, version)
        if newer is not None:
            raise InvalidTransition(_("Version %(n)d is already published; this older version would replace it. Restore it as a new draft instead.", n=newer.number))
        if _expired(version, now()):
            raise ValidationError(
                _("This version's expiry (expires_at, %(when)s UTC) has passed: approving it would publish an expired message. Make a new version with a later expiry.",
                  when=version.expires_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")),
                details={"field": "expires_at"},
            )
    warnings = policy.enforce(policy_violations(session, version)) if step.checks_policy else []
    return _apply(session, step, version=version, actor=actor, reason=reason, warnings=warnings, label=label)


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

    Maps each person to the numbers of the versions they wrote. Counted are the authors of
    - every version of the message since the last approved one before this (as translations count every reviser),
    - the versions this one descends from (edits, restores, restores of restores) back to the nearest approved one,
    - every never-approved version of the message saying the same (a re-save or re-typing of unapproved text).
    Text someone else approved once is not held against its writer: reviewing a change to it is ordinary review.
    """
    versions = {v.id: v for v in session.exec(select(MessageVersion).where(MessageVersion.message_id == version.message_id)).all()}
    versions[version.id] = version
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
    return available(state=version.state, user=user, author_id=version.author_id, writers=writers(session, version))


def _expired(version: MessageVersion, at) -> bool:
    return version.expires_at is not None and version.expires_at <= at


def submit_import(session: Session, *, version: MessageVersion, label: str) -> MessageVersion:
    """Submit a version a file import wrote (no person to act as); the policy still decides."""
    if version.state != "draft":
        raise InvalidTransition(_("Only a draft can be submitted."))
    warnings = policy.enforce(policy_violations(session, version))
    return _apply(session, VERSION_TRANSITIONS["submit"], version=version, actor=None, reason="", warnings=warnings, label=label)


def _apply(session: Session, step: Transition, *, version: MessageVersion, actor, reason: str, warnings, label=None) -> MessageVersion:
    before = version.state
    at = now()
    version.state = step.target
    if step.name == "submit":
        version.submitted_at = at
    elif step.name in ("approve", "request_changes"):
        version.reviewed_by_id, version.reviewed_at, version.review_reason = actor.id, at, reason
    elif step.name == "publish":
        version.published_at = at
    elif step.target == "retired":
        version.retired_at, version.retire_reason = at, reason or step.name
    session.add(version)
    after = {"state": version.state, "hash": version.content_hash}
    if warnings:
        after["warnings"] = [w.as_dict() for w in warnings]
    audit.record(session, actor=actor, label=label or ("scheduler" if actor is None else None), action=f"version.{step.name}",
                 subject_type="version", subject_id=version.id, before={"state": before}, after=after, note=reason)
    session.flush()
    if step.name == "approve":
        from msgsys.translation import service as translations

        translations.carry_over(session, version=version)
        if version.go_live_at is None or version.go_live_at <= at:
            _publish(session, version, actor=actor)  # published by the approval itself: the approver is who did it
    if step.name == "publish":
        _supersede_older(session, version, actor=actor)
    return version


def _newer_published(session: Session, version: MessageVersion) -> MessageVersion | None:
    return session.exec(
        select(MessageVersion).where(MessageVersion.message_id == version.message_id, MessageVersion.number > version.number,
                                     MessageVersion.state == "published")
    ).first()


def _publish(session: Session, version: MessageVersion, *, actor: User | None = None) -> None:
    """Put an approved version live (actor None: the scheduler); an expired one never goes live."""
    if _expired(version, now()):
        return  # the expiry pass retires it
    newer = _newer_published(session, version)
    if newer is not None:  # a newer version went live first: this one never replaces it
        version.superseded_by_id = newer.id
        _apply(session, VERSION_TRANSITIONS["supersede"], version=version, actor=actor,
               reason=_("superseded by version %(n)d", n=newer.number), warnings=[])
        return
    _apply(session, VERSION_TRANSITIONS["publish"], version=version, actor=actor, reason="", warnings=[])


def _supersede_older(session: Session, version: MessageVersion, *, actor: User | None = None) -> None:
    """A newer published version retires the older published (or still approved, older) ones."""
    older = session.exec(
        select(MessageVersion).where(
            MessageVersion.message_id == version.message_id,
            MessageVersion.id != version.id,
            MessageVersion.number < version.number,
            col(MessageVersion.state).in_(["published", "approved"]),
        )
    ).all()
    for old in older:
        old.superseded_by_id = version.id
        _apply(session, VERSION_TRANSITIONS["supersede"], version=old, actor=actor, reason=_("superseded by version %(n)d", n=version.number), warnings=[])


def run_schedule(session: Session) -> dict[str, int]:
    """Publish approved versions whose go-live has come; retire those whose expiry has passed."""
    at = now()
    published = expired = 0
    due = session.exec(
        select(MessageVersion).where(MessageVersion.state == "approved", MessageVersion.go_live_at != None, MessageVersion.go_live_at <= at,  # noqa: E711
                                     or_(MessageVersion.expires_at == None, MessageVersion.expires_at > at))  # noqa: E711  (expired: retired below, never published)
        .order_by(MessageVersion.message_id, MessageVersion.number)
        .with_for_update(skip_locked=True)  # concurrent workers each take different rows (PostgreSQL)
    ).all()
    for version in due:
        session.refresh(version)
        if version.state == "approved" and not _expired(version, at):  # another worker may have taken it meanwhile
            _publish(session, version)
            published += 1
    ending = session.exec(
        select(MessageVersion).where(col(MessageVersion.state).in_(["published", "approved"]), MessageVersion.expires_at != None, MessageVersion.expires_at <= at)  # noqa: E711
        .with_for_update(skip_locked=True)
    ).all()
    for version in ending:
        _apply(session, VERSION_TRANSITIONS["expire"], version=version, actor=None, reason=_("expired"), warnings=[])
        expired += 1
    return {"published": published, "expired": expired}


def review_queue(session: Session, *, user: User) -> list[MessageVersion]:
    """Versions waiting for review that this user may review (not their own, nor carrying their unapproved writing), oldest first."""
    waiting = session.exec(select(MessageVersion).where(MessageVersion.state == "in_review").order_by(col(MessageVersion.submitted_at))).all()
    return [v for v in waiting if permissions.can(user, "version.approve", author_id=v.author_id)
            and writer_refusal(VERSION_TRANSITIONS["approve"], user=user, writers=writers(session, v)) is None]


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
