"""What waits for each person: the queries behind the dashboard and the counts in the navigation.

One section per kind of work, each read with one query (or two, when four eyes needs the writers of the
candidates, read for all of them at once), so a long queue costs no more queries than a short one:

- authors: their drafts, and their versions sent back (changes requested) that nobody has taken up yet;
- approvers: versions in review they may review (never their own, nor ones carrying their unapproved
  writing), and approved versions held for their translations that they may put live now;
- translators, per language they translate: untranslated source versions, outdated translations,
  translations sent back (by someone else) and translations in review written by someone else;
- admins: policy rules and keywords waiting for a K'iche' translator's approval (translators of that
  language see the ones they may approve).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from msgsys import permissions
from msgsys.auth.models import User
from msgsys.clock import now
from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.locales import LOCALES
from msgsys.policy import review as policy_review
from msgsys.policy.models import PolicyRule
from msgsys.sms import keywords as sms_keywords
from msgsys.sms.models import Keyword
from msgsys.translation.models import Translation, TranslationRevision
from msgsys.translation import service as translations
from msgsys.translation.service import TRANSLATABLE_STATES
from msgsys.workflow import engine
from msgsys.workflow import service as workflow
from msgsys.workflow.transitions import TRANSLATIONS, VERSIONS

# A version still being worked on: what an author answers a request for changes with passes through these.
_OPEN_STATES = ("draft", "in_review")
_MAX_LINEAGE = 200  # based_on chains are short; this only stops a malformed loop


@dataclass(frozen=True)
class SentBack:
    """A version an approver sent back: who asked for changes, when, and why."""

    version: MessageVersion
    reviewer: str  # the approver's email ("" when the account is gone)

    @property
    def reason(self) -> str:
        """What the approver asked to change."""
        return self.version.review_reason

    @property
    def at(self) -> datetime | None:
        """When the changes were requested."""
        return self.version.reviewed_at


@dataclass(frozen=True)
class VersionItem:
    """A message version waiting for someone, with where it belongs."""

    version: MessageVersion
    message: Message
    campaign: Campaign
    when: datetime | None
    sent_back: SentBack | None = None  # the version sent back that this one answers (or is)


@dataclass(frozen=True)
class TranslationItem:
    """A source version to translate, or a translation waiting for a translator, in one language."""

    locale: str
    version: MessageVersion
    message: Message
    campaign: Campaign
    when: datetime | None
    translation: Translation | None = None
    reviewer: str = ""  # who sent it back, for translations sent back


@dataclass
class LocaleQueue:
    """One language's translation work for one translator."""

    locale: str
    untranslated: list[TranslationItem] = field(default_factory=list)
    outdated: list[TranslationItem] = field(default_factory=list)
    sent_back: list[TranslationItem] = field(default_factory=list)
    to_review: list[TranslationItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Everything waiting in this language."""
        return len(self.untranslated) + len(self.outdated) + len(self.sent_back) + len(self.to_review)


@dataclass
class Waiting:
    """Everything waiting for one person. A section is None when none of their roles has it."""

    drafts: list[VersionItem] | None = None
    sent_back: list[VersionItem] | None = None
    review: list[VersionItem] | None = None
    held: list[VersionItem] | None = None
    translations: list[LocaleQueue] | None = None
    rules: list[PolicyRule] | None = None
    keywords: list[Keyword] | None = None

    @property
    def translation_total(self) -> int:
        """Translation work in every language of this translator."""
        return sum(q.total for q in self.translations or ())

    @property
    def total(self) -> int:
        """Everything waiting, across sections."""
        lists = (self.drafts, self.sent_back, self.review, self.held, self.rules, self.keywords)
        return sum(len(items or ()) for items in lists) + self.translation_total

    @property
    def counts(self) -> dict[str, int]:
        """What the navigation shows beside each area's link."""
        return {"dashboard": self.total, "review": len(self.review or ()), "translations": self.translation_total,
                "policy": len(self.rules or ())}


def waiting(session: Session, user: User) -> Waiting:
    """Everything waiting for this user, newest first in each section, in the sections their roles have."""
    result = Waiting()
    if permissions.can(user, "version.draft"):
        result.drafts = drafts(session, user)
        result.sent_back = sent_back_versions(session, user)
    if permissions.can(user, "version.approve"):
        result.review, result.held = approvals(session, user)
    locales = [code for code in LOCALES if permissions.can(user, "translation.edit", locale=code)]
    if locales:
        result.translations = translation_work(session, user, locales)
    signs_off = [code for code in locales if code in policy_review.APPROVAL_LOCALES]  # K'iche': its rules and keywords
    if permissions.can(user, "policy.manage") or any(permissions.can(user, "policy.approve", locale=c) for c in signs_off):
        result.rules = pending_rules(session, user)
    if permissions.can(user, "keyword.manage") or any(permissions.can(user, "keyword.approve", locale=c) for c in signs_off):
        result.keywords = pending_keywords(session, user)
    return result


# Authors -------------------------------------------------------------------------------------------

def _with_context():
    return (select(MessageVersion, Message, Campaign)
            .join(Message, col(Message.id) == MessageVersion.message_id)
            .join(Campaign, col(Campaign.id) == Message.campaign_id))


def drafts(session: Session, user: User) -> list[VersionItem]:
    """The user's drafts, newest first, each with the request for changes it answers, if any."""
    rows = session.exec(_with_context().where(MessageVersion.state == "draft", MessageVersion.author_id == user.id)
                        .order_by(col(MessageVersion.created_at).desc(), col(MessageVersion.id).desc())).all()
    answered = sent_back_answered(session, [version for version, _m, _c in rows])
    return [VersionItem(v, m, c, v.created_at, answered.get(v.id)) for v, m, c in rows]


def sent_back_versions(session: Session, user: User) -> list[VersionItem]:
    """The user's versions an approver sent back and nobody has made a new version of yet, newest request first."""
    later = aliased(MessageVersion)
    reviewer = aliased(User)
    taken_up = select(later.id).where(later.based_on_id == MessageVersion.id).exists()
    rows = session.exec(
        select(MessageVersion, Message, Campaign, reviewer.email)
        .join(Message, col(Message.id) == MessageVersion.message_id)
        .join(Campaign, col(Campaign.id) == Message.campaign_id)
        .outerjoin(reviewer, reviewer.id == MessageVersion.reviewed_by_id)
        .where(MessageVersion.state == "changes_requested", MessageVersion.author_id == user.id, ~taken_up)
        .order_by(col(MessageVersion.reviewed_at).desc(), col(MessageVersion.id).desc())
    ).all()
    return [VersionItem(v, m, c, v.reviewed_at, SentBack(v, email or "")) for v, m, c, email in rows]


# Sent back, and what answers it ---------------------------------------------------------------------

def _versions_of(session: Session, message_ids: Iterable[int]) -> dict[int, dict[int, MessageVersion]]:
    """Every version of these messages, by message and id: one query."""
    ids = sorted(set(message_ids))
    found: dict[int, dict[int, MessageVersion]] = {i: {} for i in ids}
    if ids:
        for v in session.exec(select(MessageVersion).where(col(MessageVersion.message_id).in_(ids))).all():
            found[v.message_id][v.id] = v
    return found


def _sent_back_ancestor(versions: dict[int, MessageVersion], version: MessageVersion) -> MessageVersion | None:
    """The nearest version sent back that this one was made from, through drafts (and versions in review)."""
    seen: set[int] = set()
    ancestor = versions.get(version.based_on_id) if version.based_on_id else None
    while ancestor is not None and ancestor.id not in seen and len(seen) < _MAX_LINEAGE:
        if ancestor.state == "changes_requested":
            return ancestor
        if ancestor.state not in _OPEN_STATES:
            return None  # back to approved text: nothing sent back lies between
        seen.add(ancestor.id)
        ancestor = versions.get(ancestor.based_on_id) if ancestor.based_on_id else None
    return None


def _reviewers(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.email).where(col(User.id).in_(wanted))).all())


def sent_back_answered(session: Session, versions: list[MessageVersion]) -> dict[int, SentBack]:
    """For each of these versions still open (draft, in review), the version sent back it answers, if any."""
    open_versions = [v for v in versions if v.state in _OPEN_STATES and v.based_on_id]
    if not open_versions:
        return {}
    by_message = _versions_of(session, (v.message_id for v in open_versions))
    found = {v.id: a for v in open_versions if (a := _sent_back_ancestor(by_message[v.message_id], v)) is not None}
    emails = _reviewers(session, (a.reviewed_by_id for a in found.values()))
    return {vid: SentBack(a, emails.get(a.reviewed_by_id, "")) for vid, a in found.items()}


def sent_back_of(session: Session, version: MessageVersion | None) -> SentBack | None:
    """The request for changes a version shows at the top of its editor: its own, when it was sent back, or the one
    it answers (a draft or a version in review made from a version sent back, through drafts)."""
    if version is None:
        return None
    if version.state == "changes_requested":
        return SentBack(version, _reviewers(session, [version.reviewed_by_id]).get(version.reviewed_by_id, ""))
    return sent_back_answered(session, [version]).get(version.id)


# Approvers -----------------------------------------------------------------------------------------

def approvals(session: Session, user: User) -> tuple[list[VersionItem], list[VersionItem]]:
    """Versions in review this user may review, and approved versions held for their translations that this user may
    put live now (both newest first): the same four-eyes rule the steps apply."""
    in_review = session.exec(_with_context().where(MessageVersion.state == "in_review")
                             .order_by(col(MessageVersion.submitted_at).desc(), col(MessageVersion.id).desc())).all()
    held_rows = []
    if "publish_now" in VERSIONS:  # versions held for their translations exist where this step does
        at = now()
        held_rows = session.exec(_with_context().where(
            MessageVersion.state == "approved", MessageVersion.publication == "together",
            sa.or_(col(MessageVersion.go_live_at).is_(None), col(MessageVersion.go_live_at) <= at),
            sa.or_(col(MessageVersion.expires_at).is_(None), col(MessageVersion.expires_at) > at),
        ).order_by(col(MessageVersion.reviewed_at).desc(), col(MessageVersion.id).desc())).all()
    # Cheap checks first (role, own work); the writers of the rest are read at once for all of them.
    in_review = [row for row in in_review if permissions.can(user, "version.approve", author_id=row[0].author_id)]
    held_rows = [row for row in held_rows if permissions.can(user, "version.approve", author_id=row[0].author_id)]
    by_message = _versions_of(session, (row[0].message_id for row in (*in_review, *held_rows)))

    def allowed(version: MessageVersion, step: str) -> bool:
        writers = workflow.writers_among(by_message[version.message_id], version)
        return engine.refusal(VERSIONS, VERSIONS[step], state=version.state, actor=user, author_id=version.author_id,
                              writers=writers) is None

    review = [(v, m, c) for v, m, c in in_review if allowed(v, "approve")]
    answered = {v.id: a for v, _m, _c in review if (a := _sent_back_ancestor(by_message[v.message_id], v)) is not None}
    emails = _reviewers(session, (a.reviewed_by_id for a in answered.values()))
    review_items = [VersionItem(v, m, c, v.submitted_at,
                                SentBack(answered[v.id], emails.get(answered[v.id].reviewed_by_id, "")) if v.id in answered else None)
                    for v, m, c in review]
    held_items = [VersionItem(v, m, c, v.reviewed_at) for v, m, c in held_rows if allowed(v, "publish_now")]
    return review_items, held_items


# Translators ---------------------------------------------------------------------------------------

def _targets(locale: str) -> sa.ColumnElement[bool]:
    """Campaigns translated into this locale (target_locales is a comma-separated list)."""
    padded = sa.literal(",") + col(Campaign.target_locales) + sa.literal(",")
    return sa.and_(padded.like(f"%,{locale},%"), Campaign.source_locale != locale)


def _untranslated(session: Session, locale: str) -> list[TranslationItem]:
    """Each message's newest approved or published version (what translators work from) not yet started in `locale`."""
    newest = (select(MessageVersion.message_id, func.max(MessageVersion.number).label("n"))
              .where(col(MessageVersion.state).in_(TRANSLATABLE_STATES)).group_by(MessageVersion.message_id).subquery())
    started = select(Translation.id).where(Translation.version_id == MessageVersion.id, Translation.locale == locale).exists()
    rows = session.exec(
        _with_context()
        .join(newest, sa.and_(newest.c.message_id == MessageVersion.message_id, newest.c.n == MessageVersion.number))
        .where(col(MessageVersion.state).in_(TRANSLATABLE_STATES), _targets(locale), ~started)
    ).all()
    return [TranslationItem(locale, v, m, c, v.published_at or v.reviewed_at or v.created_at) for v, m, c in rows]


def translation_work(session: Session, user: User, locales: list[str]) -> list[LocaleQueue]:
    """Per language the user translates: untranslated, outdated, sent back and to review (newest first)."""
    queues = {code: LocaleQueue(code, untranslated=_untranslated(session, code)) for code in locales}
    current, approved, reviewer = aliased(TranslationRevision), aliased(TranslationRevision), aliased(User)
    rows = session.exec(
        select(Translation, MessageVersion, Message, Campaign, current.author_id, current.created_at, approved.number,
               reviewer.email)
        .join(MessageVersion, col(MessageVersion.id) == Translation.version_id)
        .join(Message, col(Message.id) == MessageVersion.message_id)
        .join(Campaign, col(Campaign.id) == Message.campaign_id)
        .outerjoin(current, current.id == Translation.current_revision_id)
        .outerjoin(approved, approved.id == Translation.approved_revision_id)
        .outerjoin(reviewer, reviewer.id == Translation.reviewed_by_id)
        .where(col(Translation.locale).in_(locales), col(Translation.state).in_(("outdated", "changes_requested", "in_review")),
               col(MessageVersion.state).in_(TRANSLATABLE_STATES))
    ).all()
    in_review = [r for r in rows if r[0].state == "in_review"
                 and permissions.can(user, "translation.approve", locale=r[0].locale, author_id=r[4])]
    revisions: dict[int, list[tuple[int | None, int]]] = {}
    if in_review:
        for tid, author_id, number in session.exec(
                select(TranslationRevision.translation_id, TranslationRevision.author_id, TranslationRevision.number)
                .where(col(TranslationRevision.translation_id).in_([r[0].id for r in in_review]))).all():
            revisions.setdefault(tid, []).append((author_id, number))
    reviewable = {r[0].id for r in in_review}
    for t, v, m, c, author_id, written_at, approved_number, email in rows:
        queue = queues[t.locale]
        if t.state == "outdated":
            queue.outdated.append(TranslationItem(t.locale, v, m, c, t.created_at, t))
        elif t.state == "changes_requested" and t.reviewed_by_id != user.id:  # who sent it back waits for someone else
            queue.sent_back.append(TranslationItem(t.locale, v, m, c, t.reviewed_at, t, email or ""))
        elif t.id in reviewable:
            writers = translations.writers_among(revisions.get(t.id, []), approved_number)
            if engine.refusal(TRANSLATIONS, TRANSLATIONS["approve"], state=t.state, actor=user, author_id=author_id,
                              locale=t.locale, writers=writers) is None:
                queue.to_review.append(TranslationItem(t.locale, v, m, c, written_at, t))
    for queue in queues.values():
        for items in (queue.untranslated, queue.outdated, queue.sent_back, queue.to_review):
            items.sort(key=_newest_first)
    return [queues[code] for code in locales]


def _newest_first(item: TranslationItem):
    when = item.when
    return (when is None, -(when.timestamp() if when else 0), -item.version.id)


# Admins (and the translators who approve rules and keywords) -----------------------------------------

def pending_rules(session: Session, user: User) -> list[PolicyRule]:
    """Rule versions waiting for a translator's approval, newest first: all of them for an admin, else those this user
    may approve."""
    rules = policy_review.pending_rules(session)
    if not permissions.can(user, "policy.manage"):
        rules = [r for r in rules if policy_review.refusal(user, r) is None]
    return sorted(rules, key=lambda r: r.id, reverse=True)


def pending_keywords(session: Session, user: User) -> list[Keyword]:
    """Keywords waiting for a translator's approval, newest first: all of them for an admin, else those this user may
    approve."""
    found = sms_keywords.pending_keywords(session)
    if not permissions.can(user, "keyword.manage"):
        found = [k for k in found if permissions.can(user, "keyword.approve", locale=k.locale, author_id=k.created_by_id)]
    return sorted(found, key=lambda k: k.id, reverse=True)


# The request's view ---------------------------------------------------------------------------------

def current() -> Waiting | None:
    """What waits for the signed-in user, read once per request (the navigation and the dashboard share it)."""
    from flask import g
    from flask_login import current_user

    from msgsys import db

    if not getattr(current_user, "is_authenticated", False):
        return None
    if "waiting" not in g:
        g.waiting = waiting(db.session(), current_user)
    return g.waiting


def nav_counts() -> dict[str, int]:
    """The counts beside the navigation's links; none when the database cannot answer (an error page still shows)."""
    import logging

    try:
        found = current()
    except sa.exc.SQLAlchemyError:
        logging.getLogger(__name__).warning("navigation counts unavailable", exc_info=True)
        return {}
    return found.counts if found is not None else {}


def init_app(app) -> None:
    """Template helpers: `nav_counts()` for the navigation, `sent_back(version)` for the editor and version pages."""
    from msgsys import db

    app.add_template_global(nav_counts, "nav_counts")
    app.add_template_global(lambda version: sent_back_of(db.session(), version), "sent_back")
