"""The admin layout and public pages as people see them in a browser, on a phone and a laptop."""
from __future__ import annotations

import pytest

from tests.browser.conftest import overflows, sign_in
from tests.factories import PASSWORD, make_published, make_user

pytestmark = pytest.mark.browser


def test_sign_in_on_a_phone_reaches_the_dashboard_without_sideways_scrolling(live_server, phone, session):
    user = make_user(session, roles="admin")
    phone.goto(f"{live_server}/login")
    assert not overflows(phone)
    assert phone.get_by_label("Email").is_visible() and phone.get_by_label("Password").is_visible()
    sign_in(phone, live_server, user.email, PASSWORD)
    phone.wait_for_url(f"{live_server}/admin/")
    assert phone.get_by_role("heading", name="Dashboard").is_visible()
    assert phone.get_by_role("link", name="Users").is_visible()
    assert not overflows(phone)


def test_wrong_password_shows_the_message_in_the_page(live_server, laptop, session):
    user = make_user(session)
    sign_in(laptop, live_server, user.email, "nope-nope-nope")
    assert "Wrong email or password" in laptop.get_by_role("alert").inner_text()  # in the error summary


def test_language_switcher_changes_the_interface(live_server, laptop):
    laptop.goto(f"{live_server}/login")
    laptop.select_option("#lang-select", "es")
    laptop.click("form.lang button")
    assert laptop.get_by_role("heading", name="Iniciar sesión").is_visible()


def test_public_notice_reads_on_a_phone_without_javascript(live_server, browser, session):
    message, _version = make_published(session, kind="advisory", title="Stay where you are",
                                       body="Do not approach the border until instructed.")
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/en/n/{message.id}")
    assert page.get_by_role("heading", name="Stay where you are", level=1).is_visible()
    assert page.locator(".advisory").is_visible()
    assert not overflows(page)
    context.close()
