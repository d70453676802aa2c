"""Twilio's webhooks over HTTP: only requests Twilio signed for the public URL are applied; bad ones change nothing;
replies are TwiML in the subscriber's language; status callbacks opt out a number Twilio reports as unsubscribed."""
from __future__ import annotations

import logging

import pytest

from msgsys import create_app
from msgsys.config import ConfigError
from msgsys.sms import keywords, service
from msgsys.translation import service as translations
from tests.factories import make_campaign, make_message, make_published, make_translation, make_user, make_version, step
from tests.security.conftest import diff_snapshots, snapshot
from tests.sms.signed import BASE, GT, TOKEN, Twilio, committed, reply, sid, sign, state_of

OTHER = "+50491234567"


@pytest.fixture
def config(config):
    return {**config, "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE, "TRUSTED_PROXIES": "10.0.0.0/8"}


@pytest.fixture
def twilio(client, session):
    keywords.seed_keywords(session)
    session.commit()
    return Twilio(client)


def subscribed(twilio, frm=GT, join="JOIN", yes="YES"):
    twilio.text(join, frm)
    twilio.text(yes, frm)


def refused_without_change(app, response_of, status):
    """The request gets `status`, sets no cookie, and nothing committed changes."""
    before = snapshot(app)
    response = response_of()
    assert response.status_code == status, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert diff_snapshots(before, snapshot(app)) == []
    return response


# --- signatures ----------------------------------------------------------------------------------

def test_a_signed_inbound_is_applied_and_answered_in_twiml(app, twilio):
    response = twilio.inbound("JOIN")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert "Set-Cookie" not in response.headers  # a webhook, not a browser: no session, no CSRF token
    assert "Reply YES" in reply(response)
    assert state_of(app) == "pending"


@pytest.mark.parametrize("how", ["unsigned", "wrong token", "other params", "other url", "other query", "host header"])
def test_forged_or_replayed_inbound_is_refused_and_changes_nothing(app, twilio, how):
    subscribed(twilio)
    params = {"MessageSid": sid(), "From": GT, "Body": "STOP"}
    posts = {
        "unsigned": lambda: twilio.post("/sms/inbound", params, token=""),
        "wrong token": lambda: twilio.post("/sms/inbound", params, token="another-account-token"),
        # A signature Twilio made for one message, replayed with another's parameters.
        "other params": lambda: twilio.client.post("/sms/inbound", data={**params, "Body": "START"}, headers={
            "X-Twilio-Signature": sign(BASE + "/sms/inbound", params)}),
        "other url": lambda: twilio.post("/sms/inbound", params, signed_url=BASE + "/sms/status/1"),
        "other query": lambda: twilio.post("/sms/inbound?k=1", params, signed_url=BASE + "/sms/inbound?k=2"),
        # The Host header is the sender's to choose: the URL checked is the configured public one.
        "host header": lambda: twilio.post("/sms/inbound", params, signed_url="https://attacker.example/sms/inbound",
                                           headers={"Host": "attacker.example"}),
    }
    refused_without_change(app, posts[how], 403)
    assert state_of(app) == "active"


def test_the_query_string_is_part_of_the_signed_url(app, twilio):
    assert twilio.post("/sms/inbound?route=gt", {"MessageSid": sid(), "From": GT, "Body": "JOIN"}).status_code == 200
    assert state_of(app) == "pending"


def test_without_an_auth_token_every_webhook_is_refused(config, twilio, session):
    app = create_app({**config, "TWILIO_AUTH_TOKEN": ""})
    unverifiable = Twilio(app.test_client())
    refused_without_change(app, lambda: unverifiable.inbound("JOIN"), 403)
    refused_without_change(app, lambda: unverifiable.post("/sms/status/1", {"MessageSid": sid(), "MessageStatus": "sent"}),
                           403)
    app.extensions["msgsys.engine"].dispose()


# --- proxies -------------------------------------------------------------------------------------

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.partner.example"}


def test_a_trusted_proxy_names_the_scheme_and_host(app, twilio):
    params = {"MessageSid": sid(), "From": GT, "Body": "JOIN"}
    response = twilio.post("/sms/inbound", params, signed_url="https://sms.partner.example/sms/inbound", headers=FORWARDED,
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 200 and state_of(app) == "pending"


def test_forwarded_headers_from_anyone_else_are_ignored(app, twilio):
    params = {"MessageSid": sid(), "From": GT, "Body": "JOIN"}
    refused_without_change(app, lambda: twilio.post("/sms/inbound", params, signed_url="https://sms.partner.example/sms/inbound",
                                                   headers=FORWARDED, environ_base={"REMOTE_ADDR": "192.0.2.7"}), 403)
    # From an untrusted address the configured public URL stands, whatever the headers say.
    response = twilio.post("/sms/inbound", params, headers=FORWARDED, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 200 and state_of(app) == "pending"


def test_trusted_proxies_and_the_public_url_are_checked_when_settings_load(tmp_path):
    base = {"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    app = create_app({**base, "TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8,::1 "})
    assert app.config["MSGSYS"].trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    with pytest.raises(ConfigError, match="MSGSYS_TRUSTED_PROXIES"):
        create_app({**base, "TRUSTED_PROXIES": "10.0.0.1, proxy.local"})
    for bad in ("sms.example.org", "ftp://sms.example.org", "https://sms.example.org/?x=1"):
        with pytest.raises(ConfigError, match="MSGSYS_PUBLIC_BASE_URL"):
            create_app({**base, "PUBLIC_BASE_URL": bad})


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("params,says", [
    ({"From": GT, "Body": "JOIN"}, "MessageSid"),
    ({"MessageSid": "SM" + "a" * 32, "Body": "JOIN"}, "From"),
    ({"MessageSid": "SM" + "a" * 32, "From": GT}, "Body"),
    ({"MessageSid": "SM" + "a" * 32, "From": "12345", "Body": "JOIN"}, "short code"),
    ({"MessageSid": "SM" + "a" * 32, "From": "+50212345678", "Body": "JOIN"}, "not a valid phone number"),
    ({"MessageSid": "SM" + "a" * 32, "From": "+19005550123", "Body": "JOIN"}, "premium-rate"),
    ({"MessageSid": "SM" + "a" * 32, "From": "not a number", "Body": "JOIN"}, "cannot be read"),
    ({"MessageSid": "x", "From": GT, "Body": "JOIN"}, "MessageSid"),
])
def test_a_signed_inbound_with_a_missing_or_bad_parameter_gets_400_and_changes_nothing(app, twilio, params, says):
    response = refused_without_change(app, lambda: twilio.post("/sms/inbound", params), 400)
    assert says in response.get_data(as_text=True)


def test_a_retried_inbound_is_applied_once(app, twilio):
    subscribed(twilio)
    stop = {"MessageSid": sid(), "From": GT, "Body": "STOP"}
    assert "no more messages" in reply(twilio.post("/sms/inbound", stop))
    twilio.text("START")
    before = snapshot(app)
    again = twilio.post("/sms/inbound", stop)
    assert again.status_code == 200 and reply(again) is None
    assert diff_snapshots(before, snapshot(app)) == [] and state_of(app) == "active"


# --- Twilio's own opt-out ------------------------------------------------------------------------

def test_opt_out_type_stop_opts_out_whatever_the_body_and_sends_nothing(app, twilio, session):
    subscribed(twilio)
    assert twilio.text("gracias, ya no", OptOutType="STOP") is None  # Twilio answered it itself
    assert state_of(app) == "opted_out"
    assert committed(app, "SELECT cause FROM subscriberevent ORDER BY id DESC LIMIT 1") == [("twilio:opt_out_type",)]
    assert twilio.text("NEWS") is None  # silence after an opt-out
    # A number we never knew is kept opted out too, and its message is kept under it.
    assert twilio.text("bye", OTHER, OptOutType="STOP") is None
    assert state_of(app, OTHER) == "opted_out"
    assert committed(app, "SELECT count(*) FROM inboundmessage i JOIN subscriber s ON s.id = i.subscriber_id "
                          "WHERE s.phone = :p", p=OTHER) == [(1,)]


def test_opt_out_type_start_subscribes_again_even_for_a_word_only_twilio_knows(app, twilio):
    subscribed(twilio)
    twilio.text("STOP")
    assert "subscribed" in twilio.text("REANUDAR-X", OptOutType="START")
    assert state_of(app) == "active"
    assert committed(app, "SELECT cause FROM subscriberevent ORDER BY id DESC LIMIT 1") == [("twilio:opt_out_type",)]


def test_opt_out_type_start_does_not_subscribe_a_stranger(app, twilio):
    assert "not subscribed" in twilio.text("whatever", OptOutType="START")
    assert state_of(app) is None


# --- replies -------------------------------------------------------------------------------------

def test_replies_are_in_the_subscribers_language(app, twilio):
    assert twilio.text("UNIRSE").startswith("Responda SI")
    assert twilio.text("SI").startswith("Está suscrito")
    assert twilio.text("HELP").startswith(f"Avisos oficiales sobre migración: {BASE}")
    assert twilio.text("EN") == "Your language is now English."
    assert twilio.text("AYUDA").startswith(f"Official migration notices: {BASE}")


@pytest.fixture
def advisory(session):
    """A published SMS advisory with typographic punctuation, and its approved Spanish translation."""
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    _message, version = make_published(session, kind="advisory", author=author, approver=approver,
                                       sms_text="Don’t pay “fixers”… Registration is virtual.")
    texts = {"title": "Aviso", "body": "No pague a intermediarios.", "sms_text": "No pague a “coyotes”. Regístrese en línea."}
    t = make_translation(session, version, make_user(session, roles="translator", locales="es"), texts=texts)
    translations.transition(session, actor=make_user(session, roles="translator", locales="es"), translation=t, name="approve")
    session.commit()
    return version


def test_news_is_the_latest_advisory_in_the_subscribers_language_folded_for_sms(app, twilio, advisory):
    subscribed(twilio)
    assert twilio.text("NEWS") == "Don't pay \"fixers\"... Registration is virtual."
    subscribed(twilio, OTHER, "UNIRSE", "SI")
    assert twilio.text("NOTICIAS", OTHER) == "No pague a \"coyotes\". Regístrese en línea."  # accents kept
    # A K'iche' reader gets the nearest approved language along their chain: Spanish.
    twilio.text("QUC", OTHER)
    assert twilio.text("NEWS", OTHER) == "No pague a \"coyotes\". Regístrese en línea."


def test_news_without_a_current_advisory_says_so(app, twilio, session):
    subscribed(twilio)
    assert twilio.text("NEWS") == f"There is no current notice. Official migration notices: {BASE}"


def test_news_skips_advisories_not_for_sms_or_not_started(app, twilio, session, advisory):
    from msgsys.content.models import Campaign, Message

    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    web_only = make_message(session, kind="advisory", channels=("web",))
    version = make_version(session, web_only, author, sms_text="", title="Web only")
    step(session, version, author, "submit")
    step(session, version, approver, "approve")
    subscribed(twilio)
    assert twilio.text("NEWS").startswith("Don't pay")  # the newer web-only advisory is not sent by SMS
    later = make_campaign(session)
    make_published(session, kind="advisory", campaign=later, author=author, approver=approver, sms_text="Not yet.")
    assert twilio.text("NEWS").startswith("Not yet.")
    campaign = session.get(Campaign, later.id)
    campaign.starts_on = app.extensions["msgsys.clock"].now().date().replace(year=2027)
    session.commit()
    assert twilio.text("NEWS").startswith("Don't pay")  # a campaign that has not started sends nothing yet
    assert session.get(Message, web_only.id).channels == "web"


def test_the_webhook_needs_no_csrf_token_but_forms_still_do(app, twilio, client):
    assert twilio.inbound("JOIN").status_code == 200  # no token was sent
    assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 400


# --- status callbacks ----------------------------------------------------------------------------

def test_status_21610_opts_the_number_out(app, twilio, session):
    subscribed(twilio)
    sub = service.find(session, GT)
    params = {"MessageSid": sid(), "MessageStatus": "undelivered", "ErrorCode": "21610", "To": GT, "From": "+15005550006"}
    response = twilio.post("/sms/status/12", params)
    assert response.status_code == 204 and "Set-Cookie" not in response.headers
    assert state_of(app) == "opted_out" and not service.may_send(session, sub.id)
    assert committed(app, "SELECT cause FROM subscriberevent ORDER BY id DESC LIMIT 1") == [("twilio:21610",)]
    before = snapshot(app)
    assert twilio.post("/sms/status/12", params).status_code == 204  # retried: nothing more
    assert diff_snapshots(before, snapshot(app)) == []


def test_other_status_callbacks_change_nothing_and_are_logged(app, twilio, caplog):
    subscribed(twilio)
    params = {"MessageSid": sid(), "MessageStatus": "delivered", "To": GT, "From": "+15005550006"}
    with caplog.at_level(logging.INFO, logger="msgsys.sms.service"):
        refused_without_change(app, lambda: twilio.post("/sms/status/987", params), 204)
    assert any("delivery 987" in r.getMessage() and "delivered" in r.getMessage() for r in caplog.records)
    assert GT not in caplog.text  # the log holds no phone number


@pytest.mark.parametrize("params,status,says", [
    ({"MessageStatus": "sent"}, 400, "MessageSid"),
    ({"MessageSid": "SM" + "b" * 32}, 400, "MessageStatus"),
    ({"MessageSid": "SM" + "b" * 32, "MessageStatus": "exploded"}, 400, "MessageStatus"),
    ({"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "21610x", "To": GT}, 400, "ErrorCode"),
    ({"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "21610"}, 400, "phone number is required"),
    ({"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "21610", "To": "555"}, 400, "short code"),
])
def test_a_bad_status_callback_gets_400_and_changes_nothing(app, twilio, params, status, says):
    subscribed(twilio)
    response = refused_without_change(app, lambda: twilio.post("/sms/status/3", params), status)
    assert says in response.get_data(as_text=True)
    assert state_of(app) == "active"


@pytest.mark.parametrize("how", ["unsigned", "wrong token", "other delivery", "other params"])
def test_a_forged_status_callback_is_refused_and_changes_nothing(app, twilio, how):
    subscribed(twilio)
    params = {"MessageSid": sid(), "MessageStatus": "undelivered", "ErrorCode": "21610", "To": GT}
    posts = {
        "unsigned": lambda: twilio.post("/sms/status/5", params, token=""),
        "wrong token": lambda: twilio.post("/sms/status/5", params, token="another-account-token"),
        "other delivery": lambda: twilio.post("/sms/status/6", params, signed_url=BASE + "/sms/status/5"),
        "other params": lambda: twilio.client.post("/sms/status/5", data={**params, "To": OTHER}, headers={
            "X-Twilio-Signature": sign(BASE + "/sms/status/5", params)}),
    }
    refused_without_change(app, posts[how], 403)
    assert state_of(app) == "active"
