"""Subscribers by SMS: numbers, double opt-in, STOP and START, retried webhooks, Twilio opt-outs, erasure."""
from __future__ import annotations

import itertools
import pytest
import sqlalchemy as sa

from msgsys import db
from msgsys.errors import PermissionDenied, ValidationError
from msgsys.sms import keywords, service
from msgsys.sms.models import Subscriber
from tests.factories import make_user
from tests.security.conftest import diff_snapshots, snapshot

_sids = itertools.count(1)
GT = "+50255512345"


@pytest.fixture
def seeded(session):
    keywords.seed_keywords(session)
    session.commit()
    return session


def sid() -> str:
    return f"SM{next(_sids):032x}"


def text(clock, body, number=GT, message_sid=None):
    """One inbound SMS, handled in its own transaction as the webhook will."""
    with db.transaction() as s:
        return service.handle_inbound(s, from_number=number, body=body, message_sid=sid() if message_sid is None else message_sid,
                                      now=clock.now())


def committed(app, sql, **params):
    """Rows as committed, read on a connection of its own."""
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def state_of(app, number=GT):
    rows = committed(app, "SELECT state FROM subscriber WHERE phone = :p", p=number)
    return rows[0][0] if rows else None


def active(clock, session, number=GT, *, join="JOIN", confirm="YES"):
    assert text(clock, join, number).reply == "confirm_join"
    assert text(clock, confirm, number).reply == "joined"
    return service.find(session, number)


# --- numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,e164,country", [
    ("+502 5551 2345", "+50255512345", "GT"), ("+504 9123 4567", "+50491234567", "HN"),
    ("+503 7012 3456", "+50370123456", "SV"), ("+52 55 1234 5678", "+525512345678", "MX"),
    ("+1 (415) 555-2671", "+14155552671", "US"), ("+34 612 34 56 78", "+34612345678", "ES"),
])
def test_numbers_are_kept_in_e164_with_their_country(seeded, clock, app, raw, e164, country):
    text(clock, "JOIN", raw)
    assert committed(app, "SELECT phone, country, state FROM subscriber") == [(e164, country, "pending")]


@pytest.mark.parametrize("raw,reason", [
    ("+123", "not a valid phone number"), ("+502 1234", "not a valid phone number"),
    ("22395", "short code"), ("911", "short code"), ("+502 1502", "short code"),
    ("+1 900 555 0100", "premium-rate"), ("+52 900 123 4567", "premium-rate"),
    ("hello", "cannot be read"), ("", "required"), ("+1 415 555 2671\x00", "not a phone number"), ("+" + "1" * 60, "not a phone"),
])
def test_numbers_we_may_not_text_are_refused_with_the_reason_and_nothing_changes(seeded, clock, app, raw, reason):
    before = snapshot(app)
    for body in ("JOIN", "STOP", "hello"):
        with pytest.raises(ValidationError) as err:
            text(clock, body, raw)
        assert reason in err.value.message
    with pytest.raises(ValidationError):
        with db.transaction() as s:
            service.mark_opted_out(s, raw, source="twilio:21610")
    with pytest.raises(ValidationError):
        with db.transaction() as s:
            service.subscribe(s, number=raw, locale="es", consent_source="web_form", consent_text="Shown text", now=clock.now())
    assert diff_snapshots(before, snapshot(app)) == []


def test_a_webhook_without_a_valid_message_sid_changes_nothing(seeded, clock, app):
    before = snapshot(app)
    for bad in ("", "short", "SM" + "x" * 80, "SM123 456789012", "SM\x00123456789012", 12345678901234):
        with pytest.raises(ValidationError):
            text(clock, "JOIN", message_sid=bad)
    assert diff_snapshots(before, snapshot(app)) == []


# --- double opt-in -------------------------------------------------------------------------------

def test_join_then_yes_is_double_opt_in(seeded, clock, app, session):
    result = text(clock, "join")
    assert (result.reply, result.state_change, result.locale) == ("confirm_join", ("", "pending"), "en")
    sub = service.find(session, GT)
    assert sub.state == "pending" and not service.may_send(session, sub.id)
    assert (sub.consent_source, sub.consent_locale, sub.consent_at) == ("sms_keyword", "en", clock.now())
    assert sub.consent_text == service.reply_text("confirm_join", "en") and "YES" in sub.consent_text

    # Waiting for confirmation: nothing else reaches them.
    for body in ("HELP", "NEWS", "ES", "what is this?"):
        assert text(clock, body).reply is None, body
    assert state_of(app) == "pending"

    clock.advance(minutes=3)
    result = text(clock, "Yes.")
    assert (result.reply, result.state_change) == ("joined", ("pending", "active"))
    assert service.may_send(session, sub.id)
    history = committed(app, "SELECT change, before, after, cause FROM subscriberevent WHERE subscriber_id = :i ORDER BY id", i=sub.id)
    assert history == [("state", "", "pending", "sms:join"), ("state", "pending", "active", "sms:start")]
    audits = committed(app, "SELECT action, after FROM auditevent WHERE subject_type = 'subscriber' ORDER BY id")
    assert [a[0] for a in audits] == ["subscriber.state", "subscriber.state"]
    assert all(GT not in (a[1] or "") for a in audits), "audit events never carry the number"


def test_spanish_join_and_si_confirm_in_spanish(seeded, clock, session):
    assert text(clock, "Unirse").reply == "confirm_join"
    sub = service.find(session, GT)
    assert sub.locale == "es" and sub.consent_text == service.reply_text("confirm_join", "es")
    assert text(clock, "SÍ").reply == "joined"
    session.refresh(sub)
    assert sub.state == "active"


def test_yes_from_a_number_that_never_joined_subscribes_nobody(seeded, clock, app):
    assert text(clock, "YES").reply == "not_subscribed"
    assert text(clock, "when do the buses leave").reply == "not_subscribed"
    assert committed(app, "SELECT count(*) FROM subscriber") == [(0,)]


def test_the_web_form_and_imports_keep_their_consent(seeded, clock, session):
    with pytest.raises(ValidationError):
        service.subscribe(session, number="+50491234567", locale="es", consent_source="import", consent_text="Texto", now=clock.now())
    session.rollback()
    sub = service.subscribe(session, number="+50491234567", locale="es", consent_source="import", source_name="Partner list 2026",
                            consent_text="Texto mostrado", region="Cortés", now=clock.now())
    session.commit()
    assert (sub.state, sub.consent_source_name, sub.region, sub.country) == ("pending", "Partner list 2026", "Cortés", "HN")


# --- STOP and START ------------------------------------------------------------------------------

def test_stop_then_silence_then_start(seeded, clock, app, session):
    sub = active(clock, session)
    assert service.may_send(session, sub.id)
    result = text(clock, "Alto.")
    assert (result.reply, result.state_change) == ("stopped", ("active", "opted_out"))
    assert not service.may_send(session, sub.id)
    for body in ("STOP", "HELP", "NEWS", "JOIN", "ES", "hola"):
        assert text(clock, body).reply is None, body
    assert state_of(app) == "opted_out" and not service.may_send(session, sub.id)

    result = text(clock, " start ")
    assert (result.reply, result.state_change) == ("joined", ("opted_out", "active"))
    assert service.may_send(session, sub.id)
    # Every start word of every language brings them back (Twilio's own opt-in words are START, YES, UNSTOP too).
    for word in ("yes", "unstop", "Sí", "alta", "inicio"):
        assert text(clock, "STOP").reply == "stopped"
        assert text(clock, word).reply == "joined", word
        assert service.may_send(session, sub.id)


def test_the_stop_words_of_every_language_work_for_every_subscriber(seeded, clock, app, session):
    stop_words = [w for rows in keywords.SEED.values() for action, w, _t in rows if action == "stop"]
    numbers = (f"+5025551{n:04d}" for n in itertools.count(1000))
    for word in stop_words:
        for locale, language_word in (("en", "EN"), ("es", "ES"), ("quc", "K’iche’")):
            number = next(numbers)
            sub = active(clock, session, number)
            assert text(clock, language_word, number).reply == "language_changed"
            session.refresh(sub)
            assert sub.locale == locale
            result = text(clock, f" {word.lower()}. ", number)
            assert result.reply == "stopped", (word, locale)
            assert not service.may_send(session, sub.id), (word, locale)


def test_stop_from_a_pending_or_unknown_number_opts_it_out(seeded, clock, app, session):
    text(clock, "JOIN")
    assert text(clock, "cancelar").reply == "stopped"
    assert state_of(app) == "opted_out"
    other = "+50370123456"
    assert text(clock, "STOP", other).reply == "stopped"
    assert state_of(app, other) == "opted_out"
    assert not service.may_send(session, service.find(session, other).id)


def test_a_stopped_number_cannot_be_made_active_by_an_import(seeded, clock, session):
    sub = active(clock, session)
    text(clock, "STOP")
    again = service.subscribe(session, number=GT, locale="es", consent_source="import", source_name="List", consent_text="T",
                              now=clock.now())
    session.commit()
    assert again.id == sub.id and again.state == "opted_out"


# --- other keywords and free text ----------------------------------------------------------------

def test_help_language_latest_and_free_text(seeded, clock, app, session):
    sub = active(clock, session)
    result = text(clock, "Ayuda")
    assert result.reply == "help" and result.params == {"site": app.config["MSGSYS"].public_base_url}
    assert app.config["MSGSYS"].public_base_url in service.reply_text("help", "en", **result.params)
    assert "STOP" in service.reply_text("help", sub.locale, **result.params)
    result = text(clock, "Kʼicheʼ")
    assert (result.reply, result.locale, result.params) == ("language_changed", "quc", {"language": "k'iche'"})
    session.refresh(sub)
    assert sub.locale == "quc"
    assert committed(app, "SELECT before, after FROM subscriberevent WHERE change = 'locale'") == [("en", "quc")]
    assert text(clock, "noticias").reply == service.LATEST
    result = text(clock, "Is it true the border opens on Monday?")
    assert (result.reply, result.action) == ("short_help", "")
    kept = committed(app, "SELECT body, action, subscriber_id, from_number FROM inboundmessage ORDER BY id")
    assert kept[-1] == ("Is it true the border opens on Monday?", "", sub.id, GT)
    assert text(clock, "Alto ya por favor").reply == "short_help"  # a keyword inside a sentence is not a keyword
    assert state_of(app) == "active"


@pytest.mark.parametrize("body", ["", "😀🙏", "x" * 5000, "\x00\x01binary\xff", "STOP\u202e"])
def test_odd_bodies_get_a_short_help_and_are_kept(seeded, clock, app, session, body):
    active(clock, session)
    assert text(clock, body).reply == "short_help"
    kept = committed(app, "SELECT body FROM inboundmessage ORDER BY id DESC LIMIT 1")[0][0]
    assert len(kept) <= service.MAX_BODY and "\x00" not in kept
    assert state_of(app) == "active"


# --- retried webhooks ----------------------------------------------------------------------------

def test_a_retried_webhook_is_applied_once(seeded, clock, app, session):
    join_sid = sid()
    first = text(clock, "JOIN", message_sid=join_sid)
    again = text(clock, "JOIN", message_sid=join_sid)
    assert first.reply == "confirm_join" and (again.duplicate, again.reply) == (True, None)
    yes_sid = sid()
    text(clock, "YES", message_sid=yes_sid)
    stop_sid = sid()
    assert text(clock, "STOP", message_sid=stop_sid).reply == "stopped"
    text(clock, "START")
    before = snapshot(app)
    retried = text(clock, "STOP", message_sid=stop_sid)
    assert (retried.duplicate, retried.reply) == (True, None)
    assert diff_snapshots(before, snapshot(app)) == []
    assert state_of(app) == "active"
    assert committed(app, "SELECT count(*) FROM subscriber") == [(1,)]
    assert committed(app, "SELECT count(*) FROM inboundmessage") == [(4,)]
    assert committed(app, "SELECT count(*) FROM subscriberevent") == [(4,)]


# --- Twilio's opt-out ----------------------------------------------------------------------------

def test_twilio_opt_out_marks_the_subscriber(seeded, clock, app, session):
    sub = active(clock, session)
    with db.transaction() as s:
        service.mark_opted_out(s, GT, source="twilio:21610", now=clock.now())
    assert state_of(app) == "opted_out" and not service.may_send(session, sub.id)
    assert committed(app, "SELECT cause FROM subscriberevent ORDER BY id DESC LIMIT 1") == [("twilio:21610",)]
    with db.transaction() as s:
        unknown = service.mark_opted_out(s, "+14155552671", source="twilio:opt_out_type")
    assert state_of(app, "+14155552671") == "opted_out" and not service.may_send(session, unknown.id)


def test_may_send_reads_what_is_committed_now(seeded, clock, app, session):
    sub = active(clock, session)
    assert service.may_send(session, sub.id)
    with app.extensions["msgsys.engine"].begin() as conn:  # another worker's STOP, committed elsewhere
        conn.execute(sa.text("UPDATE subscriber SET state = 'opted_out' WHERE id = :i"), {"i": sub.id})
    assert not service.may_send(session, sub.id)
    assert not service.may_send(session, 999_999)


# --- erasure -------------------------------------------------------------------------------------

def test_erasure_removes_the_number_and_texts_but_keeps_counts(seeded, clock, app, session):
    sub = active(clock, session)
    text(clock, "Where can I apply?")
    other = active(clock, session, "+50491234567", join="UNIRSE", confirm="SI")
    author = make_user(session, roles="author,translator", locales="es")
    admin = make_user(session, roles="admin")
    before = snapshot(app, ignore_denials=True)
    with pytest.raises(PermissionDenied):
        with db.transaction() as s:
            service.erase(s, s.get(Subscriber, sub.id), author)
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []

    clock.advance(days=1)
    with db.transaction() as s:
        service.erase(s, s.get(Subscriber, sub.id), admin)
    everything = repr(snapshot(app))
    assert GT not in everything and "Where can I apply?" not in everything
    assert "+50491234567" in everything  # the other subscriber is untouched
    assert committed(app, "SELECT count(*), sum(CASE WHEN phone IS NULL THEN 1 ELSE 0 END) FROM subscriber") == [(2, 1)]
    assert committed(app, "SELECT count(*) FROM inboundmessage WHERE subscriber_id = :i", i=sub.id) == [(3,)]
    assert committed(app, "SELECT country, locale, state FROM subscriber WHERE id = :i", i=sub.id) == [("GT", "en", "opted_out")]
    assert not service.may_send(session, sub.id) and service.may_send(session, other.id)
    assert committed(app, "SELECT actor_label, action FROM auditevent ORDER BY id DESC LIMIT 1") == [(admin.email, "subscriber.erase")]
    # The person may come back later as a new subscriber.
    assert text(clock, "JOIN").reply == "confirm_join"
    assert committed(app, "SELECT count(*) FROM subscriber") == [(3,)]
