"""`/<locale>/subscribe`: the public site's form, with CSRF and without JavaScript. It stores the exact consent text
it showed, creates a pending subscriber, texts the request to confirm (YES / SI) through the configured backend, says
the same thing whatever state the number was in, refuses an invalid number at the top of the page, and is rate-limited.
"""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import select

from msgsys import create_app
from msgsys.sms import service
from msgsys.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from msgsys.sms.models import SandboxMessage, Subscriber
from tests.conftest import IsolatedClient
from tests.factories import csrf_from
from tests.sms.pages import text_by_id

GT, MX = "+50255501234", "+525512345678"


def subscribe(client, locale="en", **data):
    token = csrf_from(client, f"/{locale}/subscribe")
    return client.post(f"/{locale}/subscribe", data={"language": locale, **data, "csrf_token": token})


def sent(session) -> list[SandboxMessage]:
    session.expire_all()
    return list(session.exec(select(SandboxMessage).order_by(SandboxMessage.id)).all())


def subscribers(session) -> list[Subscriber]:
    session.expire_all()
    return list(session.exec(select(Subscriber).order_by(Subscriber.id)).all())


# --- the page ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["es", "en", "quc"])
def test_the_form_is_in_the_pages_language_with_its_consent_text_and_no_script(client, locale):
    response = client.get(f"/{locale}/subscribe")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{locale}">' in html
    assert re.search(rf'<option selected value="{locale}"|<option value="{locale}" selected', html)  # the page's language
    assert "<script" not in html and 'name="csrf_token"' in html
    assert text_by_id(html, "consent").startswith(("By sending this form", "Al enviar"))
    assert response.headers["Cache-Control"] == "no-store"  # it carries this visitor's CSRF token


def test_an_unknown_language_in_the_address_is_a_404(client):
    assert client.get("/fr/subscribe").status_code == 404


# --- subscribing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, confirm_word", [("en", "Reply YES"), ("es", "Responda SI")])
def test_a_new_number_is_pending_with_the_consent_shown_and_gets_the_request_to_confirm(client, session, locale, confirm_word):
    shown = unescape(text_by_id(client.get(f"/{locale}/subscribe").get_data(as_text=True), "consent"))
    english = unescape(text_by_id(client.get("/en/subscribe").get_data(as_text=True), "consent"))
    response = subscribe(client, locale, phone="+502 5550-1234")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{locale}/subscribe/sent")
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert re.search(r"\bSI\b", page)  # the page says a text will ask to confirm with YES / SI
    if locale == "en":
        assert "we are sending it a text that asks you to confirm: reply YES (SI in Spanish) to it." in page
    [sub] = subscribers(session)
    assert (sub.phone, sub.state, sub.locale, sub.country, sub.consent_source) == (GT, "pending", locale, "GT", "web_form")
    assert sub.consent_text == shown  # exactly the text the page showed
    assert sub.consent_locale == ("en" if shown == english else locale)  # the language it was shown in
    [message] = sent(session)
    assert message.to == GT and confirm_word in message.body
    assert not service.may_send(session, sub.id)  # nothing else until they confirm


def test_the_language_chosen_may_differ_from_the_pages(client, session):
    subscribe(client, "en", phone=GT, language="es")
    [sub] = subscribers(session)
    assert sub.locale == "es" and sub.consent_locale == "en"
    assert "Responda SI" in sent(session)[0].body


def test_without_a_csrf_token_nothing_is_created_or_sent(client, session):
    for token in (None, "forged" * 8):
        data = {"phone": GT, "language": "en", **({"csrf_token": token} if token else {})}
        response = client.post("/en/subscribe", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "The form expired or was not sent from this site" in html and "<script" not in html
    assert subscribers(session) == [] and sent(session) == []


@pytest.mark.parametrize("number, reason", [
    ("5550123", "5550123 is a short code, not a phone number."),
    ("+502 5550 12", "+502 5550 12 is not a valid phone number."),
    ("my number", "my number cannot be read as a phone number; write it with its country code (+502...)."),
    ("", "A phone number is required."),
])
def test_an_invalid_number_is_refused_at_the_top_of_the_page_and_nothing_happens(client, session, number, reason):
    response = subscribe(client, "en", phone=number)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    summary = html[html.index('class="error-summary'):html.index("</div>", html.index('class="error-summary'))]
    assert "There is a problem" in summary and reason in summary and 'href="#phone"' in summary
    assert html.index("error-summary") < html.index("<h1>")
    assert 'aria-invalid="true"' in html and 'id="phone-error"' in html
    assert subscribers(session) == [] and sent(session) == []


def test_an_active_number_learns_nothing_and_gets_nothing(client, session, clock, app):
    sub = service.subscribe(session, number=MX, locale="en", consent_source="sms_keyword", consent_text="JOIN", now=clock.now())
    service.confirm(session, sub, now=clock.now())
    session.commit()
    other = app.test_client()
    new = subscribe(other, "en", phone=GT)
    known = subscribe(client, "en", phone=MX)
    assert known.status_code == new.status_code == 303 and known.headers["Location"] == new.headers["Location"]
    assert client.get(known.headers["Location"]).get_data() == other.get(new.headers["Location"]).get_data()
    assert [m.to for m in sent(session)] == [GT]  # the active number was not texted
    session.refresh(sub)
    assert (sub.state, sub.consent_source) == ("active", "sms_keyword")


def test_an_opted_out_number_is_never_texted_and_stays_out(client, session, clock):
    service.mark_opted_out(session, GT, source="sms:stop", now=clock.now())
    session.commit()
    assert subscribe(client, "es", phone=GT).status_code == 303
    assert sent(session) == []
    assert [s.state for s in subscribers(session)] == ["opted_out"]


def test_a_number_still_waiting_gets_the_request_again(client, session):
    subscribe(client, "en", phone=GT)
    subscribe(client, "en", phone="+502 5550 1234")
    assert len(subscribers(session)) == 1
    assert [m.to for m in sent(session)] == [GT, GT]


def test_the_confirmation_goes_through_the_configured_backend(config, fake):
    """MSGSYS_SMS_BACKEND=twilio: the real SDK, here against the fake Twilio server."""
    app = create_app({**config, "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
                      "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "TWILIO_API_BASE": fake.url, "SMS_SENDER": "+15005550006"})
    app.test_client_class = IsolatedClient
    try:
        assert subscribe(app.test_client(), "en", phone=GT).status_code == 303
        [message] = fake.messages
        assert (message.to, message.from_) == (GT, "+15005550006") and "Reply YES" in message.body
        with app.app_context():
            from msgsys import db
            assert db.session().exec(select(SandboxMessage)).all() == []
    finally:
        app.extensions["msgsys.engine"].dispose()


# --- rate limits -------------------------------------------------------------------------------------

@pytest.fixture
def limited(config):
    def make(**limits):
        app = create_app({**config, **limits})
        app.test_client_class = IsolatedClient
        return app
    apps = []
    yield lambda **limits: apps.append(make(**limits)) or apps[-1]
    for app in apps:
        app.extensions["msgsys.engine"].dispose()


def test_one_number_is_texted_only_so_often_however_it_is_written(limited, session):
    app = limited(SUBSCRIBE_LIMIT_NUMBER="2 per day")
    for written in ("+50255501234", "+502 5550 1234"):
        assert subscribe(app.test_client(), "en", phone=written).status_code == 303
    third = subscribe(app.test_client(), "en", phone="+502-5550-1234")
    html = third.get_data(as_text=True)
    assert third.status_code == 429 and "<script" not in html and "Too many attempts" in html
    assert len(sent(session)) == 2
    assert subscribe(app.test_client(), "en", phone=MX).status_code == 303  # another number is not held back


def test_one_address_may_post_only_so_often(limited, session):
    app = limited(SUBSCRIBE_LIMIT_ADDRESS="3 per hour")
    client = app.test_client()
    statuses = [subscribe(client, "en", phone=number).status_code for number in ("bad", "+50255501234", "+50255501235")]
    assert statuses == [422, 303, 303]
    assert subscribe(client, "en", phone="+50255501236").status_code == 429
    assert len(subscribers(session)) == 2
