"""SMS recipients: numbers, consent, double opt-in, keywords texted in, opt-out, erasure.

Every state change of a subscriber is a SubscriberEvent (the history an admin reads) and an audit
event; neither carries the number, so erasing it from the subscriber and its messages erases it.
`may_send` is the one check delivery makes right before each send.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from phonenumbers import NumberParseException, PhoneNumberType, shortnumberinfo
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.clock import now as clock_now
from msgsys.errors import InvalidTransition, ValidationError
from msgsys.locales import DEFAULT_LOCALE, LOCALES, display_name
from msgsys.sms import keywords
from msgsys.sms.models import CONSENT_SOURCES, InboundMessage, Subscriber, SubscriberEvent
from msgsys.text import clean_text

# What a recipient is sent back, by key; rendered in their language from the UI catalog (reply_text).
REPLIES = {
    "confirm_join": _l("Reply YES to confirm you want migration notices by SMS. Reply STOP to stop at any time."),
    "joined": _l("You are subscribed to migration notices. Reply HELP for help, STOP to stop."),
    "already_active": _l("You are already subscribed. Reply HELP for help, STOP to stop."),
    "stopped": _l("You will get no more messages from us. Reply START to subscribe again."),
    "help": _l("Official migration notices: %(site)s. Reply NEWS for the latest notice, EN, ES or KICHE to change "
               "language, STOP to stop."),
    "not_subscribed": _l("You are not subscribed. Reply JOIN to get migration notices."),
    "language_changed": _l("Your language is now %(language)s."),
    "short_help": _l("We could not read that. Reply HELP for help, STOP to stop."),
    "no_notice": _l("There is no current notice. Official migration notices: %(site)s"),
}
LATEST = "latest"  # the reply is the latest published notice, prepared for SMS by the caller

# Bodies are kept for officers to read; past this they are cut (Twilio joins at most 10 segments, 1600 characters).
MAX_BODY = 1600
_SID = re.compile(r"[A-Za-z0-9]{10,64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
log = logging.getLogger(__name__)
_REFUSED_TYPES = {PhoneNumberType.PREMIUM_RATE: _l("premium-rate numbers are refused"),
                  PhoneNumberType.SHARED_COST: _l("shared-cost numbers are refused")}


@dataclass
class InboundResult:
    """What handling one inbound SMS did: the reply to send (a REPLIES key, LATEST or None for silence) and any change."""

    reply: str | None
    locale: str
    params: dict = field(default_factory=dict)
    subscriber_id: int | None = None
    action: str = ""  # the keyword's action, "" for free text
    state_change: tuple[str, str] | None = None  # (before, after)
    duplicate: bool = False  # this MessageSid was handled before; nothing was done again


# --- numbers ---------------------------------------------------------------------------------------

def parse_number(raw: object, *, default_region: str | None = None) -> tuple[str, str]:
    """(E.164, ISO country) of a phone number; ValidationError with the reason for anything we may not text."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(_("A phone number is required."), details={"field": "phone"})
    text = raw.strip()
    if len(text) > 40 or _CONTROL.search(text):
        raise ValidationError(_("This is not a phone number."), details={"field": "phone"})
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+") and default_region is None and 3 <= len(digits) <= 8:
        raise ValidationError(_("%(number)s is a short code, not a phone number.", number=text), details={"field": "phone"})
    try:
        parsed = phonenumbers.parse(text, default_region)
    except NumberParseException:
        raise ValidationError(_("%(number)s cannot be read as a phone number; write it with its country code (+502...).",
                                number=text), details={"field": "phone"}) from None
    if not phonenumbers.is_valid_number(parsed):
        if shortnumberinfo.is_valid_short_number(parsed):
            raise ValidationError(_("%(number)s is a short code, not a phone number.", number=text), details={"field": "phone"})
        raise ValidationError(_("%(number)s is not a valid phone number.", number=text), details={"field": "phone"})
    refused = _REFUSED_TYPES.get(phonenumbers.number_type(parsed))
    if refused is not None:
        raise ValidationError(_("%(number)s: %(reason)s.", number=text, reason=refused), details={"field": "phone"})
    country = phonenumbers.region_code_for_number(parsed) or ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), country[:2]


def find(session: Session, number: str) -> Subscriber | None:
    """The subscriber of an E.164 number, if any."""
    return session.exec(select(Subscriber).where(Subscriber.phone == number)).first()


# --- state changes ---------------------------------------------------------------------------------

def _change(session: Session, sub: Subscriber, *, change: str, before: str, after: str, cause: str, at: datetime,
            actor: User | None = None, message_sid: str | None = None) -> None:
    """Keep one change as history and as an audit event (neither holds the number)."""
    session.add(SubscriberEvent(subscriber_id=sub.id, at=at, change=change, before=before, after=after, cause=cause,
                                message_sid=message_sid, actor_id=actor.id if actor is not None else None))
    audit.record(session, actor=actor, label=f"sms:{cause}" if actor is None else None, action=f"subscriber.{change}",
                 subject_type="subscriber", subject_id=sub.id, before={change: before} if before else None,
                 after={change: after}, note=cause)


def _move(session: Session, sub: Subscriber, to: str, *, cause: str, at: datetime, actor: User | None = None,
          message_sid: str | None = None) -> tuple[str, str] | None:
    """Move the subscriber's state if it is still what was read (a conditional update); None when nothing moved."""
    before = sub.state
    if before == to:
        return None
    moved = session.execute(sa.update(Subscriber).where(Subscriber.id == sub.id, Subscriber.state == before)
                            .values(state=to, updated_at=at))
    session.refresh(sub)
    if moved.rowcount != 1:
        return None  # changed under us by another request: theirs stands
    _change(session, sub, change="state", before=before, after=to, cause=cause, at=at, actor=actor, message_sid=message_sid)
    return before, to


def _site() -> str:
    """The public site's address, which the help reply gives."""
    settings = current_app.config.get("MSGSYS") if has_app_context() else None
    return settings.public_base_url if settings is not None else ""


def reply_text(key: str, locale: str, **params) -> str:
    """A reply in the recipient's language (the UI catalog; English where it has no translation)."""
    with force_locale(locale if locale in LOCALES else DEFAULT_LOCALE):
        return str(REPLIES[key]) % params if params else str(REPLIES[key])


def subscribe(session: Session, *, number: str, locale: str, consent_source: str, consent_text: str, now: datetime,
              source_name: str = "", region: str = "", default_region: str | None = None, actor: User | None = None,
              cause: str = "") -> Subscriber:
    """A new pending subscriber with its consent record; an active, opted-out or erased one is left as it is."""
    phone, country = parse_number(number, default_region=default_region)
    if locale not in LOCALES:
        raise ValidationError(_("Unknown language %(locale)s.", locale=locale), details={"field": "locale"})
    if consent_source not in CONSENT_SOURCES:
        raise ValidationError(_("Unknown consent source %(source)s.", source=consent_source), details={"field": "consent_source"})
    source_name = clean_text(source_name, "source", 200, required=consent_source == "import")
    consent_text = clean_text(consent_text, "consent_text", 2000, required=True)
    region = clean_text(region, "region", 80)
    existing = find(session, phone)
    if existing is not None:
        return existing
    sub = Subscriber(phone=phone, locale=locale, country=country, region=region, state="pending", consent_source=consent_source,
                     consent_source_name=source_name, consent_at=now, consent_text=consent_text, consent_locale=locale,
                     created_at=now, updated_at=now)
    session.add(sub)
    session.flush()
    _change(session, sub, change="state", before="", after="pending", cause=cause or consent_source, at=now, actor=actor)
    return sub


def confirm(session: Session, sub: Subscriber, *, now: datetime, cause: str = "sms:start",
            message_sid: str | None = None) -> tuple[str, str] | None:
    """Double opt-in: a pending subscriber who confirmed becomes active."""
    if sub.state != "pending":
        raise InvalidTransition(_("Only a subscriber waiting for confirmation can confirm."), details={"state": sub.state})
    return _move(session, sub, "active", cause=cause, at=now, message_sid=message_sid)


def mark_opted_out(session: Session, number: str, *, source: str, now: datetime | None = None,
                   message_sid: str | None = None) -> Subscriber:
    """Opt a number out: it said so to Twilio (OptOutType, error 21610) or to us; a number we never knew is kept opted out."""
    at = now or clock_now()
    phone, country = parse_number(number)
    sub = find(session, phone)
    if sub is None:
        sub = Subscriber(phone=phone, locale=DEFAULT_LOCALE, country=country, state="opted_out", created_at=at, updated_at=at)
        session.add(sub)
        session.flush()
        _change(session, sub, change="state", before="", after="opted_out", cause=source, at=at, message_sid=message_sid)
        return sub
    _move(session, sub, "opted_out", cause=source, at=at, message_sid=message_sid)
    return sub


def may_send(session: Session, subscriber_id: int) -> bool:
    """True only for an active subscriber with a number, read from the database now (never an opted-out or pending one)."""
    row = session.execute(sa.select(Subscriber.state, Subscriber.phone).where(Subscriber.id == subscriber_id)).first()
    return row is not None and row.state == "active" and row.phone is not None


# --- inbound ---------------------------------------------------------------------------------------

def _claim_sid(session: Session, *, message_sid: str, number: str, body: str, action: str, at: datetime) -> int | None:
    """Keep the message under its MessageSid unless it is already kept; the new row's id, or None for a retry."""
    values = dict(message_sid=message_sid, from_number=number, body=body, action=action, received_at=at)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(InboundMessage)
    # INSERT ... ON CONFLICT DO NOTHING: of two deliveries of one webhook, exactly one inserts.
    stmt = insert.values(**values).on_conflict_do_nothing(index_elements=["message_sid"]).returning(InboundMessage.id)
    return session.execute(stmt).scalar()


def _clean_body(body: object) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = body if isinstance(body, str) else ""
    return _CONTROL.sub("\ufffd", text)[:MAX_BODY]


def handle_inbound(session: Session, *, from_number: str, body: object, message_sid: str, now: datetime) -> InboundResult:
    """Apply one SMS a number sent us, once per MessageSid; returns the reply to send, if any, and what changed."""
    if not isinstance(message_sid, str) or not _SID.fullmatch(message_sid):
        raise ValidationError(_("The message has no valid MessageSid."), details={"field": "MessageSid"})
    phone, _country = parse_number(from_number)
    sub = find(session, phone)
    keyword = keywords.match(session, body, locale=sub.locale if sub else None)
    action = keyword.action if keyword is not None else ""
    inbound_id = _claim_sid(session, message_sid=message_sid, number=phone, body=_clean_body(body), action=action, at=now)
    if inbound_id is None:
        return InboundResult(reply=None, locale=sub.locale if sub else DEFAULT_LOCALE, subscriber_id=sub.id if sub else None,
                             action=action, duplicate=True)
    result = _apply(session, sub=sub, phone=phone, keyword=keyword, message_sid=message_sid, now=now)
    if result.subscriber_id is not None:
        session.execute(sa.update(InboundMessage).where(InboundMessage.id == inbound_id)
                        .values(subscriber_id=result.subscriber_id))
    return result


def _apply(session: Session, *, sub: Subscriber | None, phone: str, keyword, message_sid: str, now: datetime) -> InboundResult:
    action = keyword.action if keyword is not None else ""
    if sub is not None:
        locale = sub.locale
    else:  # a stranger is answered in the language of the word they texted
        locale = keyword.locale if keyword is not None and keyword.locale in LOCALES else DEFAULT_LOCALE
    res = InboundResult(reply=None, locale=locale, subscriber_id=sub.id if sub else None, action=action)
    cause = f"sms:{action or 'text'}"
    if action == "stop":
        if sub is not None and sub.state == "opted_out":
            return res  # one confirmation was sent already: silence
        before = sub.state if sub is not None else ""
        sub = mark_opted_out(session, phone, source=cause, now=now, message_sid=message_sid)
        res.subscriber_id, res.state_change, res.reply = sub.id, (before, "opted_out"), "stopped"
        return res
    if sub is None:
        if action == "join":
            text = reply_text("confirm_join", locale) if has_app_context() else str(REPLIES["confirm_join"])
            sub = subscribe(session, number=phone, locale=locale, consent_source="sms_keyword", consent_text=text, now=now,
                            cause=cause)
            res.subscriber_id, res.state_change, res.reply = sub.id, ("", "pending"), "confirm_join"
        else:
            res.reply, res.params = ("help", {"site": _site()}) if action == "help" else ("not_subscribed", {})
        return res
    if sub.state == "opted_out":
        if action == "start":
            res.state_change, res.reply = _move(session, sub, "active", cause=cause, at=now, message_sid=message_sid), "joined"
        return res  # after STOP, silence for anything but START
    if sub.state == "pending":
        if action == "start":
            res.state_change, res.reply = confirm(session, sub, now=now, message_sid=message_sid), "joined"
        elif action == "join":
            res.reply = "confirm_join"
        return res  # a pending subscriber gets nothing else
    # active
    if action in ("start", "join"):
        res.reply = "already_active"
    elif action == "help":
        res.reply, res.params = "help", {"site": _site()}
    elif action == "latest":
        res.reply = LATEST
    elif action == "language":
        target = keyword.target_locale
        if target != sub.locale:
            before = sub.locale
            session.execute(sa.update(Subscriber).where(Subscriber.id == sub.id).values(locale=target, updated_at=now))
            session.refresh(sub)
            _change(session, sub, change="locale", before=before, after=target, cause=cause, at=now, message_sid=message_sid)
        res.locale, res.reply, res.params = target, "language_changed", {"language": display_name(target, target)}
    else:
        res.reply = "short_help"
    return res


# --- Twilio's own opt-out, and status callbacks ---------------------------------------------------

TWILIO_OPT_OUT = 21610  # Twilio's error: the recipient replied STOP to Twilio, which now refuses every message to them
# The MessageStatus values Twilio's status callbacks carry.
MESSAGE_STATUSES = ("accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered",
                    "undelivered", "receiving", "received", "read", "partially_delivered")
_ERROR_CODE = re.compile(r"[0-9]{1,10}")


def handle_twilio_inbound(session: Session, *, from_number: str, body: object, message_sid: str, opt_out_type: str = "",
                          now: datetime) -> InboundResult:
    """An inbound SMS as Twilio posts it: handle_inbound, then Twilio's own opt-out handling (its OptOutType).

    OptOutType=STOP: Twilio opted the number out and answered it itself, so the number is opted out here too, whatever
    the body said, and nothing more is sent (Twilio would refuse it). START: what the START keyword does (back to
    active, or a pending subscriber confirmed), even for a word only Twilio knows. HELP, another or none: the body
    alone decides. A retried MessageSid changes nothing.
    """
    kind = (opt_out_type or "").strip().upper()
    result = handle_inbound(session, from_number=from_number, body=body, message_sid=message_sid, now=now)
    if result.duplicate or kind not in ("STOP", "START"):
        return result
    phone, _country = parse_number(from_number)
    sub = find(session, phone)
    cause = "twilio:opt_out_type"
    if kind == "STOP":
        before = sub.state if sub is not None else ""
        sub = mark_opted_out(session, phone, source=cause, now=now, message_sid=message_sid)
        if before != "opted_out":
            result.state_change = (before, "opted_out")
        result.reply, result.subscriber_id = None, sub.id
        session.execute(sa.update(InboundMessage).where(InboundMessage.message_sid == message_sid,
                                                        col(InboundMessage.subscriber_id).is_(None))
                        .values(subscriber_id=sub.id))
    elif result.action != "start" and sub is not None and sub.state in ("opted_out", "pending"):
        if sub.state == "pending":
            change = confirm(session, sub, now=now, cause=cause, message_sid=message_sid)
        else:
            change = _move(session, sub, "active", cause=cause, at=now, message_sid=message_sid)
        if change is not None:
            result.state_change, result.reply, result.locale = change, "joined", sub.locale
    return result


def record_status(session: Session, *, delivery_id: int, message_sid: object, status: object, error_code: object = "",
                  to: object = "", now: datetime) -> Subscriber | None:
    """Apply one status callback Twilio sent for a delivery; returns the subscriber it opted out, if any.

    Error 21610 (the recipient replied STOP to Twilio) opts the `To` number out, whatever the delivery. Deliveries
    (one row per outbound message) do not exist yet: until the broadcast issue adds them, the status and error code
    are logged, not recorded, and a delivery id names nothing. ValidationError for a malformed callback.
    """
    if not isinstance(message_sid, str) or not _SID.fullmatch(message_sid):
        raise ValidationError(_("The status callback has no valid MessageSid."), details={"field": "MessageSid"})
    if not isinstance(status, str) or status not in MESSAGE_STATUSES:
        raise ValidationError(_("The status callback has no valid MessageStatus."), details={"field": "MessageStatus"})
    code = error_code.strip() if isinstance(error_code, str) else ""
    if code and not _ERROR_CODE.fullmatch(code):
        raise ValidationError(_("The status callback's ErrorCode is not a number."), details={"field": "ErrorCode"})
    opted_out = None
    if code and int(code) == TWILIO_OPT_OUT:
        opted_out = mark_opted_out(session, to if isinstance(to, str) else "", source=f"twilio:{TWILIO_OPT_OUT}", now=now,
                                   message_sid=message_sid)
    log.info("status callback for delivery %s (message %s): %s, error %s; deliveries are not recorded yet",
             delivery_id, message_sid, status, code or "none")
    return opted_out


# --- erasure ---------------------------------------------------------------------------------------

def erase(session: Session, subscriber: Subscriber, actor: User, *, now: datetime | None = None) -> Subscriber:
    """Erase a person's number and texts on request (admins); the row, its state counts and history stay; audited."""
    permissions.require(actor, "subscriber.manage", subject_type="subscriber", subject_id=subscriber.id)
    if subscriber.erased_at is not None:
        return subscriber
    at = now or clock_now()
    phone = subscriber.phone
    session.execute(sa.update(InboundMessage)
                    .where(sa.or_(InboundMessage.subscriber_id == subscriber.id, col(InboundMessage.from_number) == phone))
                    .values(from_number=None, body=None))
    before = subscriber.state
    session.execute(sa.update(Subscriber).where(Subscriber.id == subscriber.id).values(
        phone=None, region="", consent_text="", consent_source_name="", state="opted_out", erased_at=at, updated_at=at))
    session.refresh(subscriber)
    _change(session, subscriber, change="erase", before=before, after="opted_out", cause="admin:erase", at=at, actor=actor)
    return subscriber


# --- admin pages, imports and the web form ---------------------------------------------------------

@dataclass
class SubscriberCounts:
    """How many subscribers there are per state, by language and by country; erased ones included (counts stay)."""

    by_locale: dict[str, dict[str, int]] = field(default_factory=dict)
    by_country: dict[str, dict[str, int]] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every subscriber row, erased ones included."""
        return sum(self.by_state.values())


def get_subscriber(session: Session, subscriber_id: int) -> Subscriber:
    """The subscriber with this id; NotFound when there is none."""
    from msgsys.errors import NotFound

    sub = session.get(Subscriber, subscriber_id)
    if sub is None:
        raise NotFound(_("No subscriber %(id)s.", id=subscriber_id))
    return sub


def search_subscribers(session: Session, *, number: str = "", state: str = "", page: int = 1,
                       per_page: int = 50) -> tuple[list[Subscriber], int]:
    """One page of subscribers (newest first) matching a number, written in any form parse_number reads, and a state;
    with how many match. ValidationError, with the reason, for a number we could not read or an unknown state."""
    from msgsys.sms.models import SUBSCRIBER_STATES

    conditions = []
    if number and number.strip():
        phone, _country = parse_number(number)
        conditions.append(Subscriber.phone == phone)
    if state:
        if state not in SUBSCRIBER_STATES:
            raise ValidationError(_("Unknown state %(state)s.", state=state), details={"field": "state"})
        conditions.append(Subscriber.state == state)
    total = session.execute(sa.select(sa.func.count()).select_from(Subscriber).where(*conditions)).scalar_one()
    rows = session.exec(select(Subscriber).where(*conditions).order_by(col(Subscriber.id).desc())
                        .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def subscriber_counts(session: Session) -> SubscriberCounts:
    """Subscribers per state, by language and by country (one query each)."""
    counts = SubscriberCounts()
    for column, into in ((Subscriber.locale, counts.by_locale), (Subscriber.country, counts.by_country)):
        rows = session.execute(sa.select(column, Subscriber.state, sa.func.count()).group_by(column, Subscriber.state)
                               .order_by(column)).all()
        for key, state, n in rows:
            into.setdefault(key or "", {})[state] = n
    for states in counts.by_locale.values():
        for state, n in states.items():
            counts.by_state[state] = counts.by_state.get(state, 0) + n
    return counts


def subscriber_history(session: Session, subscriber_id: int) -> list[tuple[SubscriberEvent, str]]:
    """Every change of one subscriber, oldest first, with who made it (an email, or "" when the system or SMS did)."""
    rows = session.execute(sa.select(SubscriberEvent, User.email).outerjoin(User, User.id == SubscriberEvent.actor_id)
                           .where(SubscriberEvent.subscriber_id == subscriber_id)
                           .order_by(col(SubscriberEvent.at), col(SubscriberEvent.id))).all()
    return [(event, email or "") for event, email in rows]


def inbound_page(session: Session, *, page: int = 1, per_page: int = 50) -> tuple[list[InboundMessage], int]:
    """One page of the messages numbers sent us, newest first, and how many there are."""
    total = session.execute(sa.select(sa.func.count()).select_from(InboundMessage)).scalar_one()
    rows = session.exec(select(InboundMessage).order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
                        .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def mask_number(number: str | None) -> str:
    """A number as people who need not know it see it: its country code and last two digits (+502 ••••••34)."""
    if not number:
        return ""
    try:
        code = str(phonenumbers.parse(number, None).country_code)
    except NumberParseException:
        code = ""
    rest = number.lstrip("+")[len(code):]
    return f"+{code} {'•' * max(len(rest) - 2, 0)}{rest[-2:]}" if code else "•" * max(len(number) - 2, 0) + number[-2:]


def erase_on_request(session: Session, *, subscriber_id: int, actor: User, now: datetime | None = None) -> Subscriber:
    """Erase a person's number on their request (admins): erase(), and the sandbox outbox's messages to the number."""
    from msgsys.sms.clients.sandbox import forget_number

    sub = get_subscriber(session, subscriber_id)
    phone = sub.phone
    erase(session, sub, actor, now=now)  # checks the permission first
    forget_number(session, phone)
    return sub


def add_imported(session: Session, *, number: str, locale: str, consent_text: str, source_name: str, now: datetime,
                 region: str = "", actor: User | None = None) -> Subscriber | None:
    """An imported number, active at once: its consent was given where the list came from (consent source "import",
    the named source). None when the number is already known: it is left as it is, so an opted-out number stays out."""
    if actor is not None:
        permissions.require(actor, "subscriber.manage", subject_type="subscriber")
    phone, _country = parse_number(number)
    if find(session, phone) is not None:
        return None
    sub = subscribe(session, number=phone, locale=locale, consent_source="import", consent_text=consent_text, now=now,
                    source_name=source_name, region=region, actor=actor, cause="import")
    _move(session, sub, "active", cause="import", at=now, actor=actor)
    return sub


def web_subscribe(session: Session, *, number: str, locale: str, consent_text: str, shown_in: str,
                  now: datetime) -> Subscriber | None:
    """The public site's form: a new pending subscriber, its consent the exact text shown (in `shown_in`).

    Returns the subscriber to send the confirmation to (a new one, or one still waiting to confirm), or None for a
    number that is active or opted out: nothing is sent to it and nothing about it changes. The page says the same
    whichever it was, so the form tells nobody whether a number is subscribed.
    """
    created = find(session, parse_number(number)[0]) is None
    sub = subscribe(session, number=number, locale=locale, consent_source="web_form", consent_text=consent_text, now=now,
                    cause="web_form")
    if created and shown_in in LOCALES:
        sub.consent_locale = shown_in  # the language the consent text was shown in, which may not be the SMS language
        session.add(sub)
        session.flush()
    return sub if sub.state == "pending" else None


def send_confirmation(client, *, number: str, locale: str, sender: str) -> str | None:
    """Text a pending subscriber the request to confirm (YES / SI), in their language; the provider's SID, or None when
    the provider did not take it (logged: the person can ask again, and JOIN by SMS does the same)."""
    import logging

    from msgsys.sms.clients.base import SmsError
    from msgsys.sms.encoding import prepare_sms_text

    body = prepare_sms_text(reply_text("confirm_join", locale), locale)
    try:
        return client.send(to=number, body=body, sender=sender, status_callback=None).sid
    except SmsError as exc:
        logging.getLogger(__name__).warning("the confirmation request was not sent (%s, code %s)", exc, exc.code)
        return None
