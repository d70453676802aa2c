"""Translations: starting, editing, reviewing, carrying over to new source versions, resolving a language."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.content.service import MAX_SMS, MAX_TITLE, text_fields
from msgsys.text import clean_text
from msgsys.content.markup import MAX_BODY_CHARS
from msgsys.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, PolicyViolation, ValidationError
from msgsys.locales import LOCALES, language_name
from msgsys.policy import review as policy_review
from msgsys.policy import service as policy
from msgsys.translation.checks import CheckResult, Issue, check_field, from_violations
from msgsys.translation.models import FIELDS, GlossaryTerm, Translation, TranslationRevision
from msgsys.translation.readers import Resolved, resolve  # noqa: F401  (what readers get: one rule for every channel)
from msgsys.workflow import engine
from msgsys.workflow.engine import Move, System, Transition, apply_transition
from msgsys.workflow.transitions import TRANSLATIONS, VERSIONS

TRANSLATABLE_STATES = ("approved", "published")


def _context(session: Session, version: MessageVersion) -> tuple[Message, Campaign]:
    message = session.get(Message, version.message_id)
    return message, session.get(Campaign, message.campaign_id)


def get(session: Session, translation_id: int) -> Translation:
    """A translation by id, or NotFound."""
    translation = session.get(Translation, translation_id)
    if translation is None:
        raise NotFound(_("No such translation."))
    return translation


def find(session: Session, version: MessageVersion, locale: str) -> Translation | None:
    """The translation of a version into a locale, if started."""
    return session.exec(select(Translation).where(Translation.version_id == version.id, Translation.locale == locale)).first()


def revision(session: Session, revision_id: int | None) -> TranslationRevision | None:
    """A revision by id."""
    return session.get(TranslationRevision, revision_id) if revision_id else None


def revisions(session: Session, translation: Translation) -> list[TranslationRevision]:
    """A translation's revisions, newest first."""
    return list(session.exec(select(TranslationRevision).where(TranslationRevision.translation_id == translation.id).order_by(col(TranslationRevision.number).desc())).all())


def start(session: Session, *, actor: User | None, version: MessageVersion, locale: str, label: str | None = None) -> Translation:
    """Open (or return) the translation of an approved source version into one of its campaign's target locales."""
    if actor is not None:
        permissions.require(actor, "translation.edit", locale=locale, subject_type="version", subject_id=version.id)
    message, campaign = _context(session, version)
    if locale not in LOCALES or locale == campaign.source_locale or locale not in campaign.target_list:
        raise ValidationError(_("This campaign is not translated into %(language)s.", language=language_name(locale)),
                              details={"field": "locale"})
    if version.state not in TRANSLATABLE_STATES:
        raise InvalidTransition(_("Translation starts once the source version is approved."))
    existing = find(session, version, locale)
    if existing is not None:
        return existing
    translation = Translation(version_id=version.id, locale=locale, state=TRANSLATIONS.initial)
    session.add(translation)
    session.flush()
    audit.record(session, actor=actor, label=label, action="translation.start", subject_type="translation", subject_id=translation.id,
                 after={"version": version.id, "locale": locale, "state": translation.state})
    return translation


def clean(data: dict) -> dict:
    """Validate translated fields with the same limits as the source."""
    return {
        "title": clean_text(data.get("title"), "title", MAX_TITLE),
        "body": clean_text(data.get("body"), "body", MAX_BODY_CHARS),
        "sms_text": clean_text(data.get("sms_text"), "sms_text", MAX_SMS),
    }


def save(session: Session, *, actor: User | None, translation: Translation, data: dict, origin: str = "web",
         label: str | None = None, confirmed: Iterable[str] | None = None) -> TranslationRevision:
    """Write a new revision; the translation is a draft again (`reopen`; an approved revision keeps serving recipients).

    `confirmed` names the outdated fields the translator has looked at again (all of them when None,
    as in the editor, which shows the source change beside each one).
    """
    if actor is not None:
        permissions.require(actor, "translation.edit", locale=translation.locale, subject_type="translation", subject_id=translation.id)
    _require_live_source(session, translation)
    fields = clean(data)
    number = (session.exec(select(func.max(TranslationRevision.number)).where(TranslationRevision.translation_id == translation.id)).one() or 0) + 1
    rev = TranslationRevision(translation_id=translation.id, number=number, author_id=actor.id if actor else None,
                              author_label=actor.email if actor else (label or origin), origin=origin[:120], **fields)
    session.add(rev)
    session.flush()
    translation.current_revision_id = rev.id
    translation.outdated_fields = "" if confirmed is None else ",".join(f for f in translation.outdated_list if f not in set(confirmed))
    session.add(translation)
    audit.record(session, actor=actor, label=label, action="translation.edit", subject_type="translation", subject_id=translation.id,
                 before={"state": translation.state}, after={"revision": number, "origin": rev.origin})
    if translation.state != "draft":  # new text: whatever was under review or approved, it is a draft again
        apply_transition(session, TRANSLATIONS, translation, System("save", label=label or origin, user=actor), "reopen")
    return rev


def glossary(session: Session, locale: str) -> list[GlossaryTerm]:
    """A locale's glossary, by term."""
    return list(session.exec(select(GlossaryTerm).where(GlossaryTerm.locale == locale).order_by(GlossaryTerm.source_term)).all())


def add_term(session: Session, *, actor: User, locale: str, source_term: str, required_translation: str, note: str = "") -> GlossaryTerm:
    """Add a glossary term (translators of that locale)."""
    permissions.require(actor, "translation.edit", locale=locale, subject_type="glossary")
    source_term = clean_text(source_term, "source_term", 120, required=True)
    required_translation = clean_text(required_translation, "required_translation", 120, required=True)
    note = clean_text(note, "note", 500)
    if session.exec(select(GlossaryTerm).where(GlossaryTerm.locale == locale, func.lower(GlossaryTerm.source_term) == source_term.lower())).first():
        raise Conflict(_("The glossary already has %(term)s.", term=source_term))
    term = GlossaryTerm(locale=locale, source_term=source_term, required_translation=required_translation, note=note)
    session.add(term)
    session.flush()
    audit.record(session, actor=actor, action="glossary.add", subject_type="glossary", subject_id=term.id, after={"locale": locale, "term": source_term, "translation": required_translation})
    return term


def check_texts(session: Session, *, message: Message, version: MessageVersion, locale: str, texts: dict[str, str]) -> CheckResult:
    """Check translated texts against their source, the glossary and the policy rules of the locale."""
    terms = [(t.source_term, t.required_translation) for t in glossary(session, locale)]
    used = text_fields(message, version.sms_text, texts.get("sms_text"))
    result = CheckResult()
    for f in used:
        result.issues += check_field(f, getattr(version, f), texts.get(f) or "", glossary=terms)
    result.issues += from_violations(policy.check(session, fields={f: texts.get(f) or "" for f in used}, locale=locale, kind=message.kind))
    return result


def check(session: Session, translation: Translation, rev: TranslationRevision | None = None) -> CheckResult:
    """Every blocking problem and warning of a translation's current (or given) revision."""
    rev = rev or revision(session, translation.current_revision_id)
    version = session.get(MessageVersion, translation.version_id)
    message, _campaign = _context(session, version)
    texts = {f: getattr(rev, f) for f in FIELDS} if rev else {}
    result = check_texts(session, message=message, version=version, locale=translation.locale, texts=texts)
    result.issues += [Issue(f, "outdated", _("The source of this field changed; check the translation against it and save it again."), True)
                      for f in translation.outdated_list]
    return result


def source_changes(session: Session, translation: Translation) -> list[str]:
    """For a carried-over translation, the fields whose source text differs from the version it was made for."""
    previous = previous_source(session, translation)
    if previous is None:
        return []
    version = session.get(MessageVersion, translation.version_id)
    return [f for f in FIELDS if getattr(previous, f) != getattr(version, f)]


def _require_live_source(session: Session, translation: Translation) -> None:
    version = session.get(MessageVersion, translation.version_id)
    if version.state not in TRANSLATABLE_STATES:
        raise InvalidTransition(_("Version %(n)d of the source is no longer in use; translate its current version.", n=version.number))


def writers(session: Session, translation: Translation) -> dict[int, set[int]]:
    """Everyone who wrote a revision after the last approved one, with those revisions' numbers: none of them may review it."""
    approved = revision(session, translation.approved_revision_id)
    return writers_among([(r.author_id, r.number) for r in revisions(session, translation)], approved.number if approved else None)


def writers_among(revisions: Iterable[tuple[int | None, int]], approved_number: int | None) -> dict[int, set[int]]:
    """writers() over (author id, revision number) pairs already read: who wrote since the last approved revision."""
    found: dict[int, set[int]] = {}
    for author_id, number in revisions:
        if author_id and (approved_number is None or number > approved_number):
            found.setdefault(author_id, set()).add(number)
    return found


def statement_confirmation_needed(session: Session, translation: Translation) -> bool:
    """True when approving this translation needs the reviewer's word that it tells people not to approach the border.

    An advisory must carry that statement. In a language whose policy rules need a native translator's approval
    (K'iche'), no rule can check it until such a required-statement rule is approved; until then a person does.
    """
    if not policy_review.needs_approval(translation.locale):
        return False
    message, _campaign = _context(session, session.get(MessageVersion, translation.version_id))
    return message.kind == "advisory" and not policy_review.statement_rule_in_force(session, locale=translation.locale, kind=message.kind)


def transition(session: Session, *, actor: User | System | None, translation: Translation, name: str, reason: str = "",
               confirm_required_statement: bool = False) -> Translation:
    """Take one step of the translation table: submit, approve or request changes (or, for the system, its own rows).

    Approving needs `confirm_required_statement` where statement_confirmation_needed says so; the audit event keeps it.
    """
    return apply_transition(session, TRANSLATIONS, translation, actor, name, reason=reason,
                            confirm_required_statement=confirm_required_statement)


def steps_for(session: Session, *, translation: Translation, user: User) -> list[Transition]:
    """The steps this user may take on this translation now (the same rules transition applies, writers included)."""
    return engine.steps_for(session, TRANSLATIONS, translation, user)


def _author_of(session: Session, translation: Translation) -> int | None:
    rev = revision(session, translation.current_revision_id)
    return rev.author_id if rev else None


def _checked(session: Session, translation: Translation) -> list[dict]:
    result = check(session, translation)
    if result.blocking:
        raise PolicyViolation(_("This translation cannot go forward: %(n)d problem(s) to fix.", n=len(result.blocking)),
                              details={"violations": [i.as_dict() for i in result.issues]})
    return [i.as_dict() for i in result.warnings]


def _current_number(session: Session, translation: Translation) -> dict:
    rev = revision(session, translation.current_revision_id)
    return {"revision": rev.number if rev else None}


TRANSLATIONS.bind(
    author_of=_author_of,
    locale_of=lambda _session, translation: translation.locale,
    writers=writers,
    policy=_checked,
    audit_after=_current_number,
)


@TRANSLATIONS.on("check", "*")
def _live_source(move: Move) -> None:
    _require_live_source(move.session, move.subject)


@TRANSLATIONS.on("check", "approve")
def _statement_confirmed(move: Move) -> None:
    """A K'iche' advisory needs the reviewer's word for the required statement until a rule checks it."""
    if not statement_confirmation_needed(move.session, move.subject):
        return
    if move.context.get("confirm_required_statement") is not True:
        raise ValidationError(
            _("Confirm that this text tells people not to approach the border until instructed: no approved %(language)s rule checks it yet.",
              language=language_name(move.subject.locale)),
            details={"field": "confirm_required_statement"},
        )
    move.audit["confirmed_required_statement"] = True


@TRANSLATIONS.on("apply", "approve", "request_changes")
def _reviewed(move: Move) -> None:
    translation = move.subject
    translation.reviewed_by_id, translation.reviewed_at, translation.review_reason = move.person.id, move.at, move.reason


@TRANSLATIONS.on("apply", "approve")
def _approved(move: Move) -> None:
    move.subject.approved_revision_id, move.subject.outdated_fields = move.subject.current_revision_id, ""


@TRANSLATIONS.on("apply", "carry_over")
def _carried(move: Move) -> None:
    move.audit.update(move.context.get("carried", {}))


@VERSIONS.on("after", "approve")
def carry_over(move: Move) -> list[Translation]:
    """When a new source version is approved, bring the previous version's translations over as outdated."""
    session, version = move.session, move.subject
    previous = session.exec(
        select(MessageVersion).where(MessageVersion.message_id == version.message_id, MessageVersion.number < version.number,
                                     col(MessageVersion.state).in_(["approved", "published", "retired"]))
        .order_by(col(MessageVersion.number).desc())
    ).first()
    if previous is None:
        return []
    carried = []
    for old in session.exec(select(Translation).where(Translation.version_id == previous.id)).all():
        if find(session, version, old.locale) is not None:
            continue
        old_rev = revision(session, old.approved_revision_id or old.current_revision_id)
        if old_rev is None:
            continue
        changed = [f for f in FIELDS if getattr(previous, f) != getattr(version, f)]
        new = Translation(version_id=version.id, locale=old.locale, state=TRANSLATIONS.initial, carried_from_id=old.id,
                          outdated_fields=",".join(changed))
        session.add(new)
        session.flush()
        rev = TranslationRevision(translation_id=new.id, number=1, title=old_rev.title, body=old_rev.body, sms_text=old_rev.sms_text,
                                  author_id=old_rev.author_id, author_label=old_rev.author_label, origin="carried")
        session.add(rev)
        session.flush()
        new.current_revision_id = rev.id
        apply_transition(session, TRANSLATIONS, new, System("carry-over"), "carry_over",
                         carried={"from": old.id, "version": version.id, "locale": old.locale, "changed": changed})
        carried.append(new)
    return carried


def previous_source(session: Session, translation: Translation) -> MessageVersion | None:
    """For a carried-over translation, the source version it was made for."""
    if not translation.carried_from_id:
        return None
    old = session.get(Translation, translation.carried_from_id)
    return session.get(MessageVersion, old.version_id) if old else None


@dataclass(frozen=True)
class Suggestion:
    """A translation memory match: an approved translation of a similar source text."""

    source: str
    translation: str
    score: int  # 0..100


def suggestions(session: Session, *, locale: str, field: str, source_text: str, limit: int = 3) -> list[Suggestion]:
    """Exact and close matches from approved translations in this locale, best first."""
    if field not in FIELDS or not source_text.strip():
        return []
    rows = session.exec(
        select(getattr(MessageVersion, field), getattr(TranslationRevision, field))
        .join(Translation, Translation.version_id == MessageVersion.id)
        .join(TranslationRevision, TranslationRevision.id == Translation.approved_revision_id)
        .where(Translation.locale == locale)
    ).all()
    seen, found = set(), []
    for src, tgt in rows:
        if not tgt or (src, tgt) in seen:
            continue
        seen.add((src, tgt))
        score = round(difflib.SequenceMatcher(a=source_text, b=src, autojunk=False).ratio() * 100)
        if score >= 60:
            found.append(Suggestion(src, tgt, score))
    return sorted(found, key=lambda s: -s.score)[:limit]


def queue(session: Session, *, user: User, locale: str, state: str | None = None) -> list[tuple[Translation, MessageVersion]]:
    """Translations (and approved source versions still untranslated) in a locale, for the editor's list."""
    if not permissions.can(user, "translation.edit", locale=locale):
        raise PermissionDenied(_("You do not translate %(language)s.", language=language_name(locale)))
    query = select(Translation, MessageVersion).join(MessageVersion, MessageVersion.id == Translation.version_id).where(Translation.locale == locale)
    if state:
        query = query.where(Translation.state == state)
    return list(session.exec(query.order_by(col(Translation.id).desc())).all())
