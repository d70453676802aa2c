"""The officer's editor in a real browser: the SMS counter updates as the officer types."""
from __future__ import annotations

import pytest

from tests.browser.conftest import overflows, sign_in
from tests.factories import PASSWORD, make_message, make_user

pytestmark = pytest.mark.browser


def test_sms_counter_follows_the_text_live_including_accents_and_segments(live_server, laptop, session):
    author = make_user(session, roles="author")
    message = make_message(session)
    sign_in(laptop, live_server, author.email, PASSWORD)
    laptop.wait_for_url(f"{live_server}/admin/")
    laptop.goto(f"{live_server}/admin/messages/{message.id}/edit")
    sms = laptop.locator("textarea[data-sms-counter]")
    counter = laptop.locator(f"#{sms.get_attribute('data-sms-counter')}")

    sms.fill("a" * 160)
    laptop.wait_for_function("el => el.textContent.includes('160')", arg=counter.element_handle())
    assert "GSM-7" in counter.inner_text() and "1 " in counter.inner_text()

    sms.fill("a" * 161)
    laptop.wait_for_function("el => el.textContent.includes('161')", arg=counter.element_handle())
    text = counter.inner_text()
    assert "GSM-7" in text and "2 " in text

    sms.fill("Información")  # an accent makes it UCS-2
    laptop.wait_for_function("el => el.textContent.includes('UCS-2')", arg=counter.element_handle())


def test_editor_is_usable_on_a_phone(live_server, phone, session):
    author = make_user(session, roles="author")
    message = make_message(session)
    sign_in(phone, live_server, author.email, PASSWORD)
    phone.wait_for_url(f"{live_server}/admin/")
    phone.goto(f"{live_server}/admin/messages/{message.id}/edit")
    assert phone.get_by_label("Title").is_visible()
    assert not overflows(phone)
