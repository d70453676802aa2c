"""Audit events as sentences in the reader's language: "Ana approved version 3".

`sentence` is the one function that turns an event (its action, who took it, what it was about, the JSON kept
before and after, the note) into a translated sentence; `Describer` looks up the people and subjects an event
names (a User's name, a version's number, a translation's language) before asking it. Every action the code
records has a sentence of its own (tests/test_sentences.py finds the actions in the code); an action without one
still gets a plain sentence, never a bare code.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session

from msgsys.locales import language_name


@dataclass(frozen=True)
class Subject:
    """What an event was about, as far as a sentence needs it."""

    kind: str  # the event's subject_type
    id: str = ""
    number: int | None = None  # a version's number (of the version, or of a translation's source version)
    locale: str = ""  # a translation's, keyword's, glossary's or rule's language
    label: str = ""  # a person's name, a message key, a campaign title, a rule key, a keyword
    previous: int | None = None  # carry-over: the number of the version the translation came from
    self_actor: bool = False  # the subject is the account of whoever acted


@dataclass
class _Event:
    """What the sentence builders read."""

    actor: str
    subject: Subject
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    note: str = ""

    @property
    def language(self) -> str:
        return language_name(self.subject.locale or self.after.get("locale") or self.before.get("locale"))

    @property
    def number(self) -> int | None:
        return self.subject.number if self.subject.number is not None else _int(self.after.get("number"))

    def phrase(self) -> str:
        """The subject in running text: "version 3", "the Spanish translation of version 3"."""
        return subject_phrase(self.subject, self.after or self.before)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _noted(text: str, note: str) -> str:
    """A sentence followed by what its author wrote (a reason, a comment)."""
    note = (note or "").strip()
    return _("%(event)s: %(note)s", event=text, note=note) if note else text


def _readable(code: str) -> str:
    """A code made into words, for actions and subjects nothing else names ("publish later")."""
    return code.replace(".", " ").replace("_", " ").replace("-", " ").strip()


# --- subjects --------------------------------------------------------------------------------------

def subject_phrase(subject: Subject, data: dict | None = None) -> str:
    """The subject of an event in running text, in the interface's language."""
    data = data or {}
    kind, n = subject.kind, subject.number
    language = language_name(subject.locale) if subject.locale else ""
    if kind == "version":
        return _("version %(n)d", n=n) if n is not None else _("a version")
    if kind == "translation":
        if language and n is not None:
            return _("the %(language)s translation of version %(n)d", language=language, n=n)
        return _("the %(language)s translation", language=language) if language else _("a translation")
    if kind == "message":
        return _("the message %(key)s", key=subject.label) if subject.label else _("a message")
    if kind == "campaign":
        return _("the campaign %(title)s", title=subject.label) if subject.label else _("a campaign")
    if kind == "user":
        return _("the account of %(user)s", user=subject.label) if subject.label else _("an account")
    if kind == "api_token":
        return _("an API token of %(user)s", user=subject.label) if subject.label else _("an API token")
    if kind == "policy_rule":
        version = _int(data.get("version"))
        if version is not None:
            return _("version %(n)d of policy rule %(key)s", n=version, key=subject.label or subject.id)
        return _("policy rule %(key)s", key=subject.label or subject.id)
    if kind == "keyword":
        if subject.label and language:
            return _("the %(language)s keyword %(word)s", language=language, word=subject.label)
        return _("the keyword %(word)s", word=subject.label) if subject.label else _("a keyword")
    if kind == "subscriber":
        return _("subscriber %(id)s", id=subject.id) if subject.id else _("a subscriber")
    if kind == "glossary":
        return _("the %(language)s glossary", language=language) if language else _("a glossary")
    return _("%(thing)s %(id)s", thing=_readable(kind), id=subject.id).strip()


def _state_label(kind: str, state: Any) -> str:
    from msgsys.content.forms import STATE_LABELS as VERSION_STATES
    from msgsys.translation.forms import STATE_LABELS as TRANSLATION_STATES

    labels = {"version": VERSION_STATES, "translation": TRANSLATION_STATES, "subscriber": _subscriber_states()}.get(kind, {})
    return str(labels.get(state, _readable(str(state))))


def _subscriber_states() -> dict[str, str]:
    return {"pending": _("waiting for confirmation"), "active": _("subscribed"), "opted_out": _("opted out")}


# --- what each action says -------------------------------------------------------------------------

def _approved(e: _Event) -> str:
    text = _("%(actor)s approved %(subject)s", actor=e.actor, subject=e.phrase())
    if e.after.get("confirmed_required_statement"):
        text = _("%(event)s, after checking by hand that it carries the required statement", event=text)
    return _noted(text, e.note)


def _carried(e: _Event) -> str:
    old, n = e.subject.previous, e.number
    if old is not None and n is not None:
        return _("%(actor)s brought the %(language)s translation over from version %(old)d to version %(n)d",
                 actor=e.actor, language=e.language, old=old, n=n)
    return _("%(actor)s brought the %(language)s translation over from an earlier version", actor=e.actor, language=e.language)


def _user_updated(e: _Event) -> str:
    from msgsys.admin.forms import ROLE_LABELS

    before, after = e.before, e.after
    if after.get("active") and before.get("active") is False:
        return _("%(actor)s reactivated the account of %(user)s", actor=e.actor, user=e.subject.label)
    roles = ", ".join(str(ROLE_LABELS.get(r, r)) for r in str(after.get("roles") or "").split(",") if r) or _("none")
    languages = ", ".join(language_name(code) for code in str(after.get("locales") or "").split(",") if code) or _("none")
    return _("%(actor)s changed the account of %(user)s: roles %(roles)s; languages %(languages)s",
             actor=e.actor, user=e.subject.label, roles=roles, languages=languages)


def _password(e: _Event) -> str:
    if e.subject.self_actor:
        return _("%(actor)s changed their password", actor=e.actor)
    return _("%(actor)s set a new password for %(user)s", actor=e.actor, user=e.subject.label)


def _rule_created(e: _Event) -> str:
    text = _("%(actor)s created policy rule %(key)s", actor=e.actor, key=e.subject.label)
    return _pending_rule(text, e)


def _rule_updated(e: _Event) -> str:
    text = _("%(actor)s wrote %(subject)s", actor=e.actor, subject=e.phrase())
    return _pending_rule(text, e)


def _pending_rule(text: str, e: _Event) -> str:
    if e.after.get("status") == "pending":
        return _("%(event)s; it waits for the approval of a translator of %(language)s",
                 event=text, language=language_name(e.after.get("locale")))
    return text


def _keyword_created(e: _Event) -> str:
    text = _("%(actor)s added %(subject)s", actor=e.actor, subject=e.phrase())
    if e.after.get("status") == "pending":
        return _("%(event)s; it waits for the approval of a translator of %(language)s", event=text, language=e.language)
    return text


def _subscriber_state(e: _Event) -> str:
    was, now = e.before.get("state"), e.after.get("state")
    phrase = e.phrase()
    if now == "pending" and not was:
        return _("%(actor)s signed up %(subject)s, who has yet to confirm", actor=e.actor, subject=phrase)
    if now == "active":
        return _("%(actor)s made %(subject)s an active subscriber", actor=e.actor, subject=phrase)
    if now == "opted_out":
        return _("%(actor)s recorded that %(subject)s opted out: nothing more is sent to them", actor=e.actor, subject=phrase)
    return _("%(actor)s moved %(subject)s from %(from)s to %(to)s", actor=e.actor, subject=phrase,
             **{"from": _state_label("subscriber", was), "to": _state_label("subscriber", now)})


def _subscriber_locale(e: _Event) -> str:
    return _("%(actor)s switched %(subject)s from %(old)s to %(new)s", actor=e.actor, subject=e.phrase(),
             old=language_name(e.before.get("locale")), new=language_name(e.after.get("locale")))


def _denied(e: _Event) -> str:
    action = str(e.after.get("action") or "")
    tried = attempt(action, e)
    return _("Permission denied: %(actor)s tried to %(what)s", actor=e.actor, what=tried)


SENTENCES: dict[str, Callable[[_Event], str]] = {
    # Message versions (msgsys.content.service and the workflow engine's VERSIONS table).
    "version.create": lambda e: _("%(actor)s drafted %(subject)s", actor=e.actor, subject=e.phrase()),
    "version.edit": lambda e: _("%(actor)s edited the draft of %(subject)s", actor=e.actor, subject=e.phrase()),
    "version.submit": lambda e: _("%(actor)s submitted %(subject)s for review", actor=e.actor, subject=e.phrase()),
    "version.submit_import": lambda e: _("%(actor)s submitted %(subject)s for review", actor=e.actor, subject=e.phrase()),
    "version.approve": _approved,
    "version.request_changes": lambda e: _noted(_("%(actor)s asked for changes to %(subject)s", actor=e.actor, subject=e.phrase()), e.note),
    "version.retire": lambda e: _noted(_("%(actor)s retired %(subject)s", actor=e.actor, subject=e.phrase()), e.note),
    "version.publish": lambda e: _("%(actor)s published %(subject)s", actor=e.actor, subject=e.phrase()),
    "version.publish_now": lambda e: _("%(actor)s published %(subject)s without waiting for its translations", actor=e.actor, subject=e.phrase()),
    "version.expire": lambda e: _("%(actor)s took %(subject)s down: it expired", actor=e.actor, subject=e.phrase()),
    "version.supersede": lambda e: _("%(actor)s retired %(subject)s: a newer version went live", actor=e.actor, subject=e.phrase()),
    # Translations (msgsys.translation.service and the TRANSLATIONS table).
    "translation.start": lambda e: _("%(actor)s started %(subject)s", actor=e.actor, subject=e.phrase()),
    "translation.edit": lambda e: _("%(actor)s saved revision %(r)d of %(subject)s", actor=e.actor, r=_int(e.after.get("revision")) or 0,
                                    subject=e.phrase()),
    "translation.submit": lambda e: _("%(actor)s submitted %(subject)s for review", actor=e.actor, subject=e.phrase()),
    "translation.submit_import": lambda e: _("%(actor)s submitted %(subject)s for review", actor=e.actor, subject=e.phrase()),
    "translation.approve": _approved,
    "translation.request_changes": lambda e: _noted(_("%(actor)s asked for changes to %(subject)s", actor=e.actor, subject=e.phrase()),
                                                    e.note),
    "translation.reopen": lambda e: _("%(actor)s saved new text, so %(subject)s is a draft again", actor=e.actor, subject=e.phrase()),
    "translation.carry_over": _carried,
    "glossary.add": lambda e: _("%(actor)s added “%(term)s” to the %(language)s glossary", actor=e.actor,
                                term=e.after.get("term", ""), language=e.language),
    # Campaigns and messages.
    "campaign.create": lambda e: _("%(actor)s created the campaign %(title)s", actor=e.actor,
                                   title=e.after.get("title") or e.subject.label),
    "message.create": lambda e: _("%(actor)s added the message %(key)s", actor=e.actor, key=e.after.get("key") or e.subject.label),
    # Accounts and tokens (msgsys.auth.service).
    "user.create": lambda e: _("%(actor)s created the account of %(user)s", actor=e.actor, user=e.subject.label),
    "user.update": _user_updated,
    "user.deactivate": lambda e: _("%(actor)s deactivated the account of %(user)s", actor=e.actor, user=e.subject.label),
    "user.password": _password,
    "user.login": lambda e: _("%(actor)s signed in", actor=e.actor),
    "user.logout": lambda e: _("%(actor)s signed out", actor=e.actor),
    "token.create": lambda e: _("%(actor)s issued an API token for %(user)s", actor=e.actor, user=e.subject.label),
    "token.revoke": lambda e: _("%(actor)s revoked %(subject)s", actor=e.actor, subject=e.phrase()),
    # Policy rules (msgsys.policy.service, msgsys.policy.review, migration 0005).
    "policy.create": _rule_created,
    "policy.update": _rule_updated,
    "policy.deactivate": lambda e: _("%(actor)s switched off policy rule %(key)s", actor=e.actor, key=e.subject.label),
    "policy.withdraw": lambda e: _("%(actor)s withdrew %(subject)s, which was waiting for approval", actor=e.actor, subject=e.phrase()),
    "policy.approve": lambda e: _noted(_("%(actor)s approved %(subject)s: it is in force now", actor=e.actor, subject=e.phrase()), e.note),
    "policy.reject": lambda e: _noted(_("%(actor)s rejected %(subject)s", actor=e.actor, subject=e.phrase()), e.note),
    "policy.hold": lambda e: _("%(actor)s took %(subject)s out of force until a translator of %(language)s approves it",
                               actor=e.actor, subject=e.phrase(), language=language_name(e.subject.locale or "quc")),
    # SMS keywords and subscribers (msgsys.sms).
    "keyword.create": _keyword_created,
    "keyword.approve": lambda e: _("%(actor)s approved %(subject)s", actor=e.actor, subject=e.phrase()),
    "subscriber.state": _subscriber_state,
    "subscriber.locale": _subscriber_locale,
    "subscriber.erase": lambda e: _("%(actor)s erased the number and messages of %(subject)s", actor=e.actor, subject=e.phrase()),
    # Refusals (msgsys.permissions.deny).
    "permission.denied": _denied,
}


def _generic(action: str, e: _Event) -> str:
    """An action nobody wrote a sentence for: still a sentence, with the states when the event kept them."""
    was, now = e.before.get("state"), e.after.get("state")
    text = _("%(actor)s did “%(what)s” to %(subject)s", actor=e.actor, what=_readable(action), subject=e.phrase())
    if was and now and was != now:
        return _("%(event)s (from %(from)s to %(to)s)", event=text,
                 **{"from": _state_label(e.subject.kind, was), "to": _state_label(e.subject.kind, now)})
    return _noted(text, e.note)


# What someone was refused, in the infinitive ("tried to approve version 3"): the actions of msgsys.permissions,
# and the engine's steps only the system takes (a person trying one is refused as `<subject type>.<step>`).
ATTEMPTS: dict[str, Callable[[_Event], str]] = {
    "officer.view": lambda e: _("open the officers' pages"),
    "user.manage": lambda e: _("manage accounts"),
    "audit.view": lambda e: _("read the audit log"),
    "policy.manage": lambda e: _("change the policy rules"),
    "policy.approve": lambda e: _("approve %(subject)s", subject=e.phrase()),
    "policy.reject": lambda e: _("reject %(subject)s", subject=e.phrase()),
    "sender.manage": lambda e: _("manage the SMS senders"),
    "partner.manage": lambda e: _("manage the partner organizations"),
    "campaign.create": lambda e: _("create a campaign"),
    "campaign.edit": lambda e: _("edit a campaign"),
    "message.create": lambda e: _("add a message"),
    "version.draft": lambda e: _("write a new version"),
    "version.submit": lambda e: _("submit %(subject)s for review", subject=e.phrase()),
    "version.approve": lambda e: _("approve %(subject)s", subject=e.phrase()),
    "version.request_changes": lambda e: _("ask for changes to %(subject)s", subject=e.phrase()),
    "version.retire": lambda e: _("retire %(subject)s", subject=e.phrase()),
    "version.submit_import": lambda e: _("submit %(subject)s for review", subject=e.phrase()),
    "version.publish": lambda e: _("publish %(subject)s", subject=e.phrase()),
    "version.publish_now": lambda e: _("publish %(subject)s", subject=e.phrase()),
    "version.expire": lambda e: _("retire %(subject)s", subject=e.phrase()),
    "version.supersede": lambda e: _("retire %(subject)s", subject=e.phrase()),
    "rumor.manage": lambda e: _("manage rumors"),
    "broadcast.plan": lambda e: _("plan a broadcast"),
    "broadcast.approve": lambda e: _("approve a broadcast"),
    "translation.edit": lambda e: _translate_attempt(e),
    "translation.submit": lambda e: _("submit %(subject)s for review", subject=e.phrase()),
    "translation.approve": lambda e: _("approve %(subject)s", subject=e.phrase()),
    "translation.request_changes": lambda e: _("ask for changes to %(subject)s", subject=e.phrase()),
    "translation.submit_import": lambda e: _("submit %(subject)s for review", subject=e.phrase()),
    "translation.reopen": lambda e: _("reopen %(subject)s", subject=e.phrase()),
    "translation.carry_over": lambda e: _("carry %(subject)s over", subject=e.phrase()),
    "catalog.import": lambda e: _("import a catalog in %(language)s", language=e.language) if e.after.get("locale")
    else _("import a catalog"),
    "sandbox.view": lambda e: _("read the SMS sandbox"),
    "subscriber.manage": lambda e: _("manage subscribers"),
    "keyword.manage": lambda e: _("manage the SMS keywords"),
    "keyword.approve": lambda e: _("approve %(subject)s", subject=e.phrase()),
}


def _translate_attempt(e: _Event) -> str:
    if not e.after.get("locale"):
        return _("translate")
    if e.subject.kind in ("version", "translation") and e.number is not None:
        return _("translate version %(n)d into %(language)s", n=e.number, language=e.language)
    return _("translate into %(language)s", language=e.language)


def attempt(action: str, e: _Event) -> str:
    """What someone tried to do, in the infinitive, for a refusal's sentence."""
    build = ATTEMPTS.get(action)
    return build(e) if build else _("do “%(what)s”", what=_readable(action) or _("something"))


def sentence(action: str, *, actor: str, subject: Subject, before: Any = None, after: Any = None, note: str = "") -> str:
    """The event as a sentence in the interface's language ("Ana approved version 3"); before and after as kept (JSON or dicts)."""
    event = _Event(actor=actor, subject=subject, before=_as_dict(before), after=_as_dict(after), note=note or "")
    build = SENTENCES.get(action)
    return build(event) if build is not None else _generic(action, event)


def _as_dict(value: Any) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


# --- who acted -------------------------------------------------------------------------------------

def system_actor(label: str) -> str:
    """The part of the system an event without a person names, in words ("The scheduler")."""
    label = label or "system"
    kind, _sep, rest = label.partition(":")
    names = {
        "system": _("The system"), "scheduler": _("The scheduler"), "carry-over": _("Carry-over"), "approval": _("The approval"),
        "anonymous": _("Someone not signed in"), "cli": _("The command line"), "demo": _("The demo set-up"),
        "seed": _("The built-in rules"), "web": _("The web editor"), "api": _("The API"),
    }
    if label in names:
        return names[label]
    if kind == "import" and rest:
        return _("The import of %(file)s", file=rest)
    if kind == "upload" and rest:
        return _("The upload of %(file)s", file=rest)
    if kind == "sms":
        return _("The SMS service")
    if label.startswith("migration"):
        return _("A database upgrade")
    return label


# --- looking things up -----------------------------------------------------------------------------

class Describer:
    """Sentences for events read from one session: people by name, versions by number, translations by language."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self, event: Any) -> str:
        """The event as a sentence."""
        before, after = _as_dict(event.before), _as_dict(event.after)
        return sentence(event.action, actor=self.actor(event), subject=self.subject(event, before, after),
                        before=before, after=after, note=event.note)

    def subject_of(self, event: Any) -> str:
        """What the event was about, in words ("version 3 of stay-put"), for the audit page's subject column."""
        before, after = _as_dict(event.before), _as_dict(event.after)
        subject = self.subject(event, before, after)
        phrase = subject_phrase(subject, after or before)
        message = self._message_of(subject, event)
        return _("%(subject)s of %(key)s", subject=phrase, key=message) if message else phrase

    def actor(self, event: Any) -> str:
        """The person by name when their account has one, else the label the event kept (an email, a part of the system)."""
        from msgsys.auth.models import User

        user = self.session.get(User, event.actor_id) if event.actor_id else None
        if user is not None:
            return (user.name or "").strip() or user.email
        if event.actor_id:
            return event.actor_label
        return system_actor(event.actor_label)

    def subject(self, event: Any, before: dict, after: dict) -> Subject:
        """The subject with what its sentence needs, looked up by kind."""
        kind, sid = event.subject_type, event.subject_id or ""
        key = _int(sid)
        lookup = getattr(self, f"_{kind}", None)
        found = lookup(key, before, after) if lookup is not None else {}
        if kind == "user" and key is not None and key == event.actor_id:
            found["self_actor"] = True
        return Subject(kind=kind, id=sid, **found)

    def _version(self, key: int | None, before: dict, after: dict) -> dict:
        from msgsys.content.models import MessageVersion

        version = self.session.get(MessageVersion, key) if key is not None else None
        return {"number": version.number if version else _int(after.get("number"))}

    def _translation(self, key: int | None, before: dict, after: dict) -> dict:
        from msgsys.content.models import MessageVersion
        from msgsys.translation.models import Translation

        translation = self.session.get(Translation, key) if key is not None else None
        version = self.session.get(MessageVersion, translation.version_id) if translation else None
        previous = None
        old = self.session.get(Translation, _int(after.get("from"))) if _int(after.get("from")) is not None else None
        if old is not None:
            old_version = self.session.get(MessageVersion, old.version_id)
            previous = old_version.number if old_version else None
        return {"number": version.number if version else None, "locale": translation.locale if translation else after.get("locale", ""),
                "previous": previous}

    def _user(self, key: int | None, before: dict, after: dict) -> dict:
        from msgsys.auth.models import User

        user = self.session.get(User, key) if key is not None else None
        label = ((user.name or "").strip() or user.email) if user else (after.get("email") or before.get("email") or "")
        return {"label": label}

    def _api_token(self, key: int | None, before: dict, after: dict) -> dict:
        from msgsys.auth.models import ApiToken, User

        token = self.session.get(ApiToken, key) if key is not None else None
        user = self.session.get(User, token.user_id) if token else None
        label = ((user.name or "").strip() or user.email) if user else after.get("user", "")
        return {"label": label}

    def _policy_rule(self, key: int | None, before: dict, after: dict) -> dict:
        data = after or before
        return {"label": str(data.get("rule_key") or ""), "locale": str(data.get("locale") or "").replace("*", "")}

    def _keyword(self, key: int | None, before: dict, after: dict) -> dict:
        data = after or before
        return {"label": str(data.get("word") or ""), "locale": str(data.get("locale") or "")}

    def _glossary(self, key: int | None, before: dict, after: dict) -> dict:
        return {"locale": str(after.get("locale") or "")}

    def _campaign(self, key: int | None, before: dict, after: dict) -> dict:
        from msgsys.content.models import Campaign

        campaign = self.session.get(Campaign, key) if key is not None else None
        return {"label": campaign.title if campaign else str(after.get("title") or "")}

    def _message(self, key: int | None, before: dict, after: dict) -> dict:
        from msgsys.content.models import Message

        message = self.session.get(Message, key) if key is not None else None
        return {"label": message.key if message else str(after.get("key") or "")}

    def _message_of(self, subject: Subject, event: Any) -> str:
        """The key of the message a version or translation belongs to, for context on the audit page."""
        from msgsys.content.models import Message, MessageVersion
        from msgsys.translation.models import Translation

        key = _int(event.subject_id)
        if key is None or subject.kind not in ("version", "translation"):
            return ""
        if subject.kind == "translation":
            translation = self.session.get(Translation, key)
            key = translation.version_id if translation else None
        version = self.session.get(MessageVersion, key) if key is not None else None
        message = self.session.get(Message, version.message_id) if version else None
        return message.key if message else ""


def init_app(app) -> None:
    """Template helpers: `audit_sentence(event)` and `audit_subject(event)`, looked up in the request's session."""
    from flask import g

    from msgsys import db

    def describer() -> Describer:
        if "audit_describer" not in g:
            g.audit_describer = Describer(db.session())
        return g.audit_describer

    app.jinja_env.globals.update(audit_sentence=lambda event: describer()(event),
                                 audit_subject=lambda event: describer().subject_of(event))
