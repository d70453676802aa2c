"""Keywords as data: what one texted word does, per language, and how a body is read as one.

A body is a keyword only when it is one word: case, accents, punctuation around it and apostrophes
(`'`, `’`, `ʼ`, ...) do not matter (`Alto.`, `álto`, ` STOP `, `K’ICHE’`); a word inside a sentence,
an emoji, an empty, huge or binary body is no keyword. Keywords in a language that needs a native
speaker's sign-off (K'iche') are written pending and never match until a translator of that language
who did not add them approves them. The stop words of every language work for everyone.
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.clock import now
from msgsys.errors import Conflict, InvalidTransition, NotFound, ValidationError
from msgsys.locales import LOCALES, language_name
from msgsys.policy.review import APPROVAL_LOCALES
from msgsys.sms.models import KEYWORD_ACTIONS, Keyword

# The longest body still read as a keyword; anything longer is a message, whatever it says.
MAX_KEYWORD_BODY = 40
APOSTROPHES = "'’ʼ‘`´′"  # as msgsys.policy.textfold reads them: K'iche' comes typed with any of these
_DROP = str.maketrans("", "", APOSTROPHES)

# The starting set. K'iche' has none on purpose: no K'iche' word may be written by anyone but an admin
# and take effect before a K'iche' translator approves it. Language words are codes, kept under `en`.
SEED: dict[str, tuple[tuple[str, str, str], ...]] = {
    "en": tuple(("stop", w, "") for w in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"))
    + tuple(("start", w, "") for w in ("START", "YES", "UNSTOP"))
    + (("help", "HELP", ""), ("help", "INFO", ""), ("join", "JOIN", ""), ("latest", "NEWS", ""),
       ("language", "EN", "en"), ("language", "ES", "es"), ("language", "QUC", "quc"), ("language", "K'ICHE'", "quc")),
    "es": tuple(("stop", w, "") for w in ("ALTO", "PARAR", "BAJA", "DETENER", "CANCELAR"))
    + tuple(("start", w, "") for w in ("SI", "ALTA", "INICIO"))
    + (("help", "AYUDA", ""), ("join", "UNIRSE", ""), ("latest", "NOTICIAS", "")),
    "quc": (),
}


def fold(body: object) -> str | None:
    """The form a body is matched in (upper case, no accents, no apostrophes or punctuation), or None when it is no keyword."""
    if not isinstance(body, str) or len(body) > MAX_KEYWORD_BODY * 4:
        return None
    text = body.strip()
    if not text or len(text) > MAX_KEYWORD_BODY or any(ch.isspace() for ch in text):
        return None  # empty, or a sentence: a keyword in a sentence is not a keyword
    out = []
    for ch in unicodedata.normalize("NFKD", text.translate(_DROP)):
        kind = unicodedata.category(ch)
        if kind == "Mn" or kind.startswith("P"):
            continue  # accents, and punctuation around or inside the word (`Alto.`, `K-ICHE`)
        if not ch.isalnum() or not ch.isascii():
            return None  # an emoji, a control character or binary noise: not a word we know
        out.append(ch.upper())
    return "".join(out) or None


def needs_approval(locale: str) -> bool:
    """True when a keyword in this locale waits for a translator of the locale before it matches."""
    return locale in APPROVAL_LOCALES


def in_force() -> sa.ColumnElement[bool]:
    """The SQL condition of a keyword that matches: no pending or rejected one, whoever wrote it."""
    return col(Keyword.status).in_(("not_required", "approved"))


def match(session: Session, body: object, *, locale: str | None = None) -> Keyword | None:
    """The keyword this body is, preferring the recipient's language when two languages share a word; None for no keyword."""
    folded = fold(body)
    if folded is None:
        return None
    found = session.exec(select(Keyword).where(Keyword.folded == folded, in_force()).order_by(col(Keyword.id))).all()
    if not found:
        return None
    return next((k for k in found if k.locale == locale), found[0])


def _snapshot(keyword: Keyword) -> dict:
    return {k: getattr(keyword, k) for k in ("locale", "word", "action", "target_locale", "status")}


def _validated(*, locale: str, word: str, action: str, target_locale: str) -> tuple[str, str]:
    if locale not in LOCALES:
        raise ValidationError(_("Unknown language %(locale)s.", locale=locale), details={"field": "locale"})
    if action not in KEYWORD_ACTIONS:
        raise ValidationError(_("Unknown keyword action %(action)s.", action=action), details={"field": "action"})
    if action == "language" and target_locale not in LOCALES:
        raise ValidationError(_("A language keyword needs the language it switches to."), details={"field": "target_locale"})
    if action != "language" and target_locale:
        raise ValidationError(_("Only a language keyword switches language."), details={"field": "target_locale"})
    word = (word or "").strip()
    folded = fold(word)
    if folded is None:
        raise ValidationError(_("A keyword is one word of letters or digits (at most %(n)d characters).", n=MAX_KEYWORD_BODY),
                              details={"field": "word"})
    return word, folded


def add_keyword(session: Session, *, locale: str, word: str, action: str, target_locale: str = "",
                actor: User | None, label: str | None = None) -> Keyword:
    """Add a keyword (admins; the seed as `actor=None`); audited. One in an approval locale waits for approval."""
    if actor is not None:
        permissions.require(actor, "keyword.manage", subject_type="keyword")
    word, folded = _validated(locale=locale, word=word, action=action, target_locale=target_locale)
    live = col(Keyword.status).in_(("not_required", "approved", "pending"))  # a rejected word may be added again
    clash = session.exec(select(Keyword).where(Keyword.folded == folded, live)).first()
    if clash is not None:
        raise Conflict(_("%(word)s is already a keyword (%(language)s, %(action)s).", word=word, language=language_name(clash.locale),
                         action=clash.action), details={"field": "word"})
    keyword = Keyword(locale=locale, word=word, folded=folded, action=action, target_locale=target_locale,
                      status="pending" if needs_approval(locale) else "not_required",
                      created_by_id=actor.id if actor is not None else None)
    session.add(keyword)
    session.flush()
    audit.record(session, actor=actor, label=label, action="keyword.create", subject_type="keyword", subject_id=keyword.id,
                 after=_snapshot(keyword))
    return keyword


def approve_keyword(session: Session, *, keyword_id: int, actor: User) -> Keyword:
    """Let a pending keyword match (a translator of its language who did not add it); audited."""
    keyword = session.get(Keyword, keyword_id)
    if keyword is None:
        raise NotFound(_("No keyword %(id)s.", id=keyword_id))
    permissions.require(actor, "keyword.approve", locale=keyword.locale, author_id=keyword.created_by_id,
                        subject_type="keyword", subject_id=keyword_id)
    before = _snapshot(keyword)
    # A conditional update, not a read then a write: of two reviewers at once, one approves.
    claimed = session.execute(sa.update(Keyword).where(Keyword.id == keyword_id, Keyword.status == "pending")
                              .values(status="approved", reviewed_by_id=actor.id, reviewed_at=now()))
    session.refresh(keyword)
    if claimed.rowcount != 1:
        raise InvalidTransition(_("This keyword is not waiting for approval."), details={"status": keyword.status})
    audit.record(session, actor=actor, action="keyword.approve", subject_type="keyword", subject_id=keyword_id,
                 before=before, after=_snapshot(keyword))
    return keyword


def pending_keywords(session: Session) -> list[Keyword]:
    """Keywords waiting for a translator's approval, oldest first."""
    return list(session.exec(select(Keyword).where(Keyword.status == "pending").order_by(col(Keyword.id))).all())


def keywords_of(session: Session, locale: str) -> list[Keyword]:
    """Every keyword of a language, by action then word."""
    return list(session.exec(select(Keyword).where(Keyword.locale == locale)
                             .order_by(col(Keyword.action), col(Keyword.folded))).all())


def seed_keywords(session: Session, *, label: str = "seed") -> int:
    """Add the starting keywords that are missing; returns how many it added (running it again adds none)."""
    added = 0
    for locale, rows in SEED.items():
        for action, word, target in rows:
            folded = fold(word)
            if session.exec(select(Keyword).where(Keyword.folded == folded)).first() is None:
                add_keyword(session, locale=locale, word=word, action=action, target_locale=target, actor=None, label=label)
                added += 1
    return added
