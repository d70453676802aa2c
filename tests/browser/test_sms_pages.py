"""The SMS pages in a browser: the public subscribe form with JavaScript switched off, and the admin pages, on a small
phone and a laptop, with no sideways scrolling and no axe-core violation; the outbox shows what a subscribe sent."""
from __future__ import annotations

import pytest

from msgsys.sms import keywords as sms_keywords
from msgsys.sms import service
from tests.browser.conftest import overflows, page_problems, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1280, "height": 800}}
# Not a K'iche' word: an obviously made-up token standing in for one (the K'iche' set starts empty on purpose).
FAKE_QUC_WORD = "TESTWORD"


@pytest.fixture(params=sorted(SIZES))
def no_script(request, browser):
    """A page with JavaScript switched off, at the size of a phone or of a laptop."""
    context = browser.new_context(viewport=SIZES[request.param], java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture(params=sorted(SIZES))
def screen(request, browser):
    """A page at the size of a phone or of a laptop."""
    context = browser.new_context(viewport=SIZES[request.param])
    yield context.new_page()
    context.close()


def _subscribe_with_a_bad_then_a_good_number(page, base: str, check) -> None:
    page.goto(f"{base}/en/subscribe")
    check(page)
    page.get_by_label("Your mobile phone number, with its country code").fill("5550123")
    page.get_by_role("button", name="Subscribe").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "5550123 is a short code, not a phone number." in summary.inner_text()
    check(page)
    page.get_by_label("Your mobile phone number, with its country code").fill("+502 5550 1234")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(f"{base}/en/subscribe/sent")
    assert page.get_by_role("heading", name="Check your phone").is_visible()
    check(page)


def test_subscribing_works_without_javascript(live_server, no_script, session):
    def fits(page):
        assert not overflows(page)

    _subscribe_with_a_bad_then_a_good_number(no_script, live_server, fits)
    session.expire_all()
    assert service.find(session, "+50255501234").state == "pending"


def test_the_subscribe_pages_fit_and_pass_axe(live_server, screen):
    """The same pages where axe-core can run (it needs JavaScript; the pages have none of their own)."""
    def no_problems(page):
        assert page_problems(page) == []

    _subscribe_with_a_bad_then_a_good_number(screen, live_server, no_problems)


def _world(session, clock):
    """Subscribers in every state, the starting keywords and one waiting, messages in and out."""
    sms_keywords.seed_keywords(session)
    admin = make_user(session, roles="admin")
    sms_keywords.add_keyword(session, locale="quc", word=FAKE_QUC_WORD, action="help", actor=admin)
    for n, body in enumerate(["JOIN", "YES", "Is it true that the border opens on Monday? My cousin heard it on the radio.",
                              "STOP"]):
        service.handle_inbound(session, from_number="+50255501234", body=body, message_sid=f"SM{n:032d}", now=clock.now())
    service.subscribe(session, number="+525512345678", locale="en", consent_source="import", source_name="Albergue del Norte",
                      consent_text="I agree to receive notices.", now=clock.now(), region="Chihuahua")
    session.commit()
    return admin


def test_admin_sms_pages_fit_and_pass_axe(live_server, screen, session, clock):
    admin = _world(session, clock)
    sign_in(screen, live_server, admin.email, PASSWORD)
    screen.wait_for_url(f"{live_server}/admin/")
    screen.goto(f"{live_server}/es/subscribe")
    screen.locator("#phone").fill("+52 55 1234 0000")
    screen.locator("main button[type=submit]").click()
    screen.wait_for_url(f"{live_server}/es/subscribe/sent")
    sub = service.find(session, "+50255501234")
    for path, heading in [("/admin/sms/subscribers", "SMS subscribers"), (f"/admin/sms/subscribers/{sub.id}", f"Subscriber {sub.id}"),
                          ("/admin/sms/keywords", "SMS keywords"), ("/admin/sms/inbound", "Inbound SMS"),
                          ("/admin/sms/outbox", "Sandbox outbox")]:
        screen.goto(f"{live_server}{path}")
        assert screen.get_by_role("heading", name=heading, level=1).is_visible(), path
        assert page_problems(screen) == [], path


def test_the_outbox_shows_what_a_subscribe_sent(live_server, browser, session):
    admin = make_user(session, roles="admin")
    visitor = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False)
    page = visitor.new_page()
    page.goto(f"{live_server}/en/subscribe")
    page.get_by_label("Your mobile phone number, with its country code").fill("+502 5550 1234")
    page.get_by_label("Language of the messages").select_option("es")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(f"{live_server}/en/subscribe/sent")
    visitor.close()

    office = browser.new_context(viewport=SIZES["laptop"])
    page = office.new_page()
    sign_in(page, live_server, admin.email, PASSWORD)
    page.wait_for_url(f"{live_server}/admin/")
    page.get_by_role("link", name="SMS", exact=True).click()
    page.get_by_role("link", name="Sandbox outbox").click()
    message = page.locator("article.preview").first
    assert "To +50255501234" in message.inner_text()
    assert "Responda SI para confirmar" in message.locator(".text").inner_text()
    assert "UCS-2 · 2 segments" in message.locator(".sms-count").inner_text()
    office.close()
