"""SMS end to end: every keyword of every language as texted (case, accents, punctuation, apostrophes), through
webhooks signed as Twilio signs them; double opt-in; STOP and START; bodies that are no keyword; and, on a live
server, messages sent through the real Twilio SDK to the fake Twilio, whose signed status callbacks opt a number out.

The K'iche' keyword set starts empty by design: only the language's own name switches to it here.
"""
from __future__ import annotations

import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from msgsys import create_app
from msgsys.sms import keywords, service
from msgsys.sms.clients import PermanentError, make_client
from msgsys.sms.encoding import is_gsm7
from msgsys.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from msgsys.translation import service as translations
from tests.factories import make_published, make_translation, make_user
from tests.security.conftest import diff_snapshots, snapshot
from tests.sms.signed import GT, Twilio, committed, locale_of, number, sid, sign, state_of

SENDER = "+15005550006"
STOPPED = {"en": "You will get no more messages from us.", "es": "No recibirá más mensajes nuestros."}
JOINED = {"en": "You are subscribed to migration notices.", "es": "Está suscrito a los avisos sobre migración."}
ASK_YES = {"en": "Reply YES to confirm", "es": "Responda SI para confirmar"}
HELP = {"en": "Official migration notices: ", "es": "Avisos oficiales sobre migración: "}
SHORT_HELP = {"en": "We could not read that.", "es": "No pudimos entender su mensaje."}
JOIN_WORD, YES_WORD = {"en": "JOIN", "es": "UNIRSE"}, {"en": "YES", "es": "SI"}
APOSTROPHES = ("’", "ʼ", "'", "`", "´", "‘")


def words(action: str) -> list[tuple[str, str, str]]:
    """(locale, word, target) of every seeded keyword doing `action`, in every language."""
    return [(locale, word, target) for locale, rows in keywords.SEED.items() for act, word, target in rows if act == action]


def accented(word: str) -> str:
    """The word in lower case with an acute accent on its first vowel, as a phone's keyboard may type it ("álto")."""
    for i, ch in enumerate(word.lower()):
        if ch in "aeiou":
            return word.lower()[:i] + unicodedata.normalize("NFC", ch + "\u0301") + word.lower()[i + 1:]
    return word.lower()


def variants(word: str) -> list[str]:
    """How one keyword arrives: as written, padded, capitalised with a full stop, accented, between marks."""
    return [word, f" {word} ", f"{word.capitalize()}.", accented(word), f"¡{word.lower()}!"]


class _Later:
    """A WSGI app set after the server started (the app's public URL needs the server's port)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1, in a thread, serving this test's app."""
    target = _Later()
    srv = make_server("127.0.0.1", 0, target, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    srv.target, srv.url = target, f"http://127.0.0.1:{srv.server_port}"
    yield srv
    srv.shutdown()
    thread.join()
    srv.server_close()


@pytest.fixture
def config(config, server, fake):
    """The app sends through the real SDK to the fake Twilio, which signs with the app's auth token."""
    return {**config, "PUBLIC_BASE_URL": server.url, "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "TWILIO_API_BASE": fake.url}


@pytest.fixture
def twilio(app, client, session, server):
    keywords.seed_keywords(session)
    session.commit()
    server.target.app = app
    return Twilio(client, base=server.url, token=DEFAULT_AUTH_TOKEN)


class People:
    """Fresh numbers, each subscribed in a language through its keywords."""

    def __init__(self, twilio):
        self.twilio, self.n = twilio, 0

    def new(self) -> str:
        self.n += 1
        return number(self.n)

    def pending(self, locale: str) -> str:
        phone = self.new()
        assert self.twilio.text(JOIN_WORD[locale], phone).startswith(ASK_YES[locale])
        return phone

    def active(self, locale: str) -> str:
        phone = self.pending(locale)
        assert self.twilio.text(YES_WORD[locale], phone).startswith(JOINED[locale])
        return phone


@pytest.fixture
def people(twilio):
    return People(twilio)


def sub_id(session, phone):
    session.expire_all()
    return service.find(session, phone).id


# --- every keyword of every language ----------------------------------------------------------------

def test_every_stop_word_of_every_language_stops_any_subscriber_once(app, twilio, people, session):
    stops = words("stop")
    assert {w for _l, w, _t in stops} >= {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
                                          "ALTO", "PARAR", "BAJA", "DETENER", "CANCELAR"}
    texted = [v for _l, word, _t in stops for v in variants(word)] + ["Alto.", "álto", " STOP "]
    for i, body in enumerate(texted):
        locale = ("en", "es")[i % 2]  # the stop words of every language work for everyone
        phone = people.active(locale)
        assert twilio.text(body, phone).startswith(STOPPED[locale]), body
        assert state_of(app, phone) == "opted_out" and not service.may_send(session, sub_id(session, phone))
        assert twilio.text(body, phone) is None  # one confirmation, then silence
        assert twilio.text("NEWS", phone) is None


def test_every_start_word_confirms_a_pending_subscriber_and_brings_back_one_who_stopped(app, twilio, people, session):
    for _l, word, _t in words("start"):
        for body in variants(word):
            pending = people.pending("es")
            assert not service.may_send(session, sub_id(session, pending))
            assert twilio.text(body, pending).startswith(JOINED["es"]), body
            assert state_of(app, pending) == "active" and service.may_send(session, sub_id(session, pending))
            stopped = people.active("en")
            twilio.text("STOP", stopped)
            assert twilio.text(body, stopped).startswith(JOINED["en"]), body
            assert state_of(app, stopped) == "active" and service.may_send(session, sub_id(session, stopped))


def test_every_join_word_asks_to_confirm_in_its_own_language(app, twilio, people):
    for locale, word, _t in words("join"):
        for body in variants(word):
            phone = people.new()
            assert twilio.text(body, phone).startswith(ASK_YES[locale]), body
            assert (state_of(app, phone), locale_of(app, phone)) == ("pending", locale)
            consent = committed(app, "SELECT consent_source, consent_locale, consent_text FROM subscriber WHERE phone = :p",
                                p=phone)[0]
            assert consent[:2] == ("sms_keyword", locale) and consent[2].startswith(ASK_YES[locale])


def test_every_help_word_gives_help_with_the_site(app, twilio, people, server):
    for locale, word, _t in words("help"):
        for body in variants(word):
            phone = people.active("es")
            assert twilio.text(body, phone).startswith(HELP["es"] + server.url), body
            # Strangers may ask too, and are answered in the language of the word they texted.
            assert twilio.text(body, people.new()).startswith(HELP[locale] + server.url), body


def test_every_language_word_switches_language_and_answers_in_it(app, twilio, people):
    switches = [(word, target) for _l, word, target in words("language")]
    kiche = "K'ICHE'"
    assert (kiche, "quc") in switches
    texted = [(v, target) for word, target in switches if word != kiche for v in variants(word)]
    texted += [(kiche.replace("'", mark), "quc") for mark in APOSTROPHES]
    texted += [(kiche.replace("'", mark).lower() + ".", "quc") for mark in APOSTROPHES]
    texted += [("KICHE", "quc"), ("kiche", "quc")]
    for body, target in texted:
        phone = people.active("es" if target == "en" else "en")
        answer = twilio.text(body, phone)
        assert locale_of(app, phone) == target, body
        # K'iche' replies come from the Spanish catalog until K'iche' translators write them (the UI's chain).
        assert answer.startswith("Your language is now" if target == "en" else "Su idioma ahora es"), body
        assert is_gsm7(answer)  # the language's own name, apostrophes folded for SMS
        assert twilio.text("STOP", phone)  # the stop words still work in any language


def test_every_latest_word_sends_the_latest_advisory_in_the_subscribers_language(app, twilio, people, session):
    _message, version = make_published(session, kind="advisory", sms_text="Registration is virtual. Do not pay anyone.")
    t = make_translation(session, version, make_user(session, roles="translator", locales="es"), texts={
        "title": "Aviso", "body": "El registro es virtual.", "sms_text": "El registro es virtual. No pague a nadie."})
    translations.transition(session, actor=make_user(session, roles="translator", locales="es"), translation=t, name="approve")
    session.commit()
    for _l, word, _t in words("latest"):
        for body in variants(word):
            assert twilio.text(body, people.active("en")) == "Registration is virtual. Do not pay anyone.", body
            assert twilio.text(body, people.active("es")) == "El registro es virtual. No pague a nadie."


def test_the_kiche_set_starts_empty(session, twilio):
    assert keywords.keywords_of(session, "quc") == []


# --- what is no keyword -------------------------------------------------------------------------------

NOT_KEYWORDS = [
    "please STOP sending", "STOP now", "I want to JOIN", "no quiero ALTO", "STOP STOP",  # a keyword in a sentence
    "🛑", "STOP🛑", "👍", "",  " ", "\n",  # emoji, empty
    "STOP" * 500, "x" * 5000,  # over the limit of a message
    "\x00\x01\x02STOP\x7f", "\ufffd\ufffd\ufffd", "\u202eSTOP",  # binary-looking, direction overrides
]


def test_bodies_that_are_no_keyword_change_nothing_and_are_kept_for_officers(app, twilio, people, session):
    phone = people.active("es")
    for body in NOT_KEYWORDS:
        before = committed(app, "SELECT count(*) FROM inboundmessage")[0][0]
        assert twilio.text(body, phone) == "No pudimos entender su mensaje. Responda AYUDA para ayuda, ALTO para no recibir más.", repr(body)
        assert state_of(app, phone) == "active" and locale_of(app, phone) == "es"
        kept = committed(app, "SELECT body, action FROM inboundmessage ORDER BY id DESC LIMIT 1")[0]
        assert committed(app, "SELECT count(*) FROM inboundmessage")[0][0] == before + 1
        assert kept[1] == "" and len(kept[0]) <= service.MAX_BODY and "\x00" not in kept[0]
    # A stranger texting them is told how to join, and nothing is created for them.
    stranger = people.new()
    for body in NOT_KEYWORDS:
        assert twilio.text(body, stranger).startswith("You are not subscribed."), repr(body)
    assert state_of(app, stranger) is None


# --- double opt-in, STOP, START -------------------------------------------------------------------------

def test_double_opt_in_a_pending_subscriber_gets_nothing_else(app, twilio, people, session):
    phone = people.pending("en")
    for body in ("NEWS", "HELP", "EN", "hello", "STARTS", "YESS", "I said YES"):
        assert twilio.text(body, phone) is None, body
        assert state_of(app, phone) == "pending" and not service.may_send(session, sub_id(session, phone))
    assert locale_of(app, phone) == "en"
    assert twilio.text("JOIN", phone).startswith(ASK_YES["en"])  # asked again, still pending
    assert twilio.text("yes", phone).startswith(JOINED["en"])
    assert service.may_send(session, sub_id(session, phone))
    assert twilio.text("YES", phone).startswith("You are already subscribed.")
    events = committed(app, "SELECT before, after FROM subscriberevent e JOIN subscriber s ON s.id = e.subscriber_id "
                            "WHERE s.phone = :p ORDER BY e.id", p=phone)
    assert events == [("", "pending"), ("pending", "active")]


def test_stop_then_nothing_may_be_sent_until_start(app, twilio, people, session):
    phone = people.active("es")
    sub = sub_id(session, phone)
    assert twilio.text("Alto.", phone).startswith(STOPPED["es"])
    assert not service.may_send(session, sub)
    for body in ("AYUDA", "NOTICIAS", "UNIRSE", "EN", "hola"):  # anything but a start word is met with silence
        assert twilio.text(body, phone) is None, body
        assert not service.may_send(session, sub)
    assert twilio.text("ALTA", phone).startswith(JOINED["es"])
    assert service.may_send(session, sub)
    assert [r[0] for r in committed(app, "SELECT after FROM subscriberevent WHERE subscriber_id = :i ORDER BY id", i=sub)] == \
        ["pending", "active", "opted_out", "active"]


def test_twilio_opt_out_type_marks_opt_out_and_start(app, twilio, people, session):
    phone = people.active("en")
    assert twilio.text("unsubscribe me please", phone, OptOutType="STOP") is None
    assert state_of(app, phone) == "opted_out" and not service.may_send(session, sub_id(session, phone))
    assert twilio.text("START", phone, OptOutType="START").startswith(JOINED["en"])
    assert service.may_send(session, sub_id(session, phone))


# --- duplicates --------------------------------------------------------------------------------------------

def test_duplicate_inbound_webhooks_arriving_together_are_applied_once(app, twilio, server):
    params = {"MessageSid": sid(), "From": GT, "Body": "JOIN", "To": SENDER}
    headers = {"X-Twilio-Signature": sign(server.url + "/sms/inbound", params, DEFAULT_AUTH_TOKEN)}

    def post(_):
        return requests.post(server.url + "/sms/inbound", data=params, headers=headers, timeout=30)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, range(6)))
    # SQLite may answer a writer that lost the race "busy" (503, which Twilio retries); never a second application.
    assert {a.status_code for a in answers} <= {200, 503} and 200 in {a.status_code for a in answers}
    replies = [a.text for a in answers if a.status_code == 200 and "<Message>" in a.text]
    assert len(replies) == 1 and ASK_YES["en"] in replies[0]
    assert committed(app, "SELECT count(*) FROM subscriber") == [(1,)]
    assert committed(app, "SELECT count(*) FROM inboundmessage") == [(1,)]
    assert committed(app, "SELECT count(*) FROM subscriberevent") == [(1,)]


# --- on a live server: the real SDK, the fake Twilio, its signed status callbacks ---------------------------

def test_sent_through_the_sdk_then_21610_in_a_signed_status_callback_opts_the_number_out(app, twilio, fake, people,
                                                                                          server, session):
    phone = people.active("es")
    sub = sub_id(session, phone)
    sms = make_client(app.config["MSGSYS"])  # MSGSYS_SMS_BACKEND=twilio: the real SDK, talking to the fake
    sent = sms.send(to=phone, body="Aviso de prueba", sender=SENDER, status_callback=f"{server.url}/sms/status/41")
    assert fake.find(sent.sid).body == "Aviso de prueba"

    before = snapshot(app)
    assert fake.send_status(sent.sid, "delivered") == 204  # signed by the fake as Twilio signs, verified by the app
    assert diff_snapshots(before, snapshot(app)) == []

    # Someone else's Twilio account (another auth token) cannot opt anyone out.
    with FakeTwilio(auth_token="another-account-token") as other:
        forged = make_client_for(other).send(to=phone, body="x", sender=SENDER, status_callback=f"{server.url}/sms/status/41")
        assert other.send_status(forged.sid, "undelivered", error_code=21610) == 403
    assert state_of(app, phone) == "active" and service.may_send(session, sub)

    # The person replied STOP to Twilio itself: Twilio refuses the next message and reports 21610.
    later = sms.send(to=phone, body="Segundo aviso", sender=SENDER, status_callback=f"{server.url}/sms/status/42")
    assert fake.send_status(later.sid, "undelivered", error_code=21610) == 204
    assert state_of(app, phone) == "opted_out" and not service.may_send(session, sub)
    fake.fail(21610, to=phone)
    with pytest.raises(PermanentError) as refused:
        sms.send(to=phone, body="Tercer aviso", sender=SENDER, status_callback=None)
    assert refused.value.code == 21610

    # START by SMS brings them back, as the service says.
    assert twilio.text("START", phone).startswith(JOINED["es"])
    assert service.may_send(session, sub)


def make_client_for(fake: FakeTwilio):
    from msgsys.sms.clients import TwilioClient

    return TwilioClient(account_sid=fake.account_sid, auth_token=fake.auth_token, api_base=fake.url, timeout=5)


def test_an_inbound_signed_for_the_live_public_url_is_applied_there(app, twilio, server):
    params = {"MessageSid": sid(), "From": GT, "Body": "UNIRSE"}
    response = requests.post(server.url + "/sms/inbound", data=params, timeout=10,
                             headers={"X-Twilio-Signature": sign(server.url + "/sms/inbound", params, DEFAULT_AUTH_TOKEN)})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    assert ASK_YES["es"] in response.text and "Set-Cookie" not in response.headers
    forged = requests.post(server.url + "/sms/inbound", data={**params, "MessageSid": sid()}, timeout=10,
                           headers={"X-Twilio-Signature": sign(server.url + "/sms/inbound", params, DEFAULT_AUTH_TOKEN)})
    assert forged.status_code == 403
    assert committed(app, "SELECT count(*) FROM inboundmessage") == [(1,)]


# --- the keywords are there after `msgsys db upgrade` and in the demo ----------------------------------------

def test_db_upgrade_seeds_the_keywords_once(tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"})
    first = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    seeded = sum(len(rows) for rows in keywords.SEED.values())
    assert f"seeded {seeded} SMS keywords" in first.output
    again = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "SMS keywords" not in again.output
    with app.extensions["msgsys.engine"].connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM keyword").scalar() == seeded
    app.extensions["msgsys.engine"].dispose()


def test_the_demo_seeds_the_keywords(app, client, runner, session, server):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    server.target.app = app
    assert Twilio(client, base=server.url, token=DEFAULT_AUTH_TOKEN).text("UNIRSE").startswith(ASK_YES["es"])
