"""Refused forms in a real browser: the error summary takes the focus, its links lead to the fields, the page passes
axe and fits the screen, and reloading the page asks the server for it again (a GET) instead of re-sending the form."""
from __future__ import annotations

import pytest

from tests.browser.conftest import page_problems, sign_in
from tests.factories import PASSWORD
from tests.forms.conftest import w  # noqa: F401 - the form pages' people and content, as a fixture

pytestmark = pytest.mark.browser


def _signed_in(page, base, user):
    sign_in(page, base, user.email, PASSWORD)
    page.wait_for_url(f"{base}/admin/")


def _documents(page) -> list[tuple[str, str]]:
    """Every page (not image, style or script) the browser asks the server for from now on: (method, url)."""
    seen: list[tuple[str, str]] = []
    page.on("request", lambda request: seen.append((request.method, request.url)) if request.resource_type == "document" else None)
    return seen


def _summary_has_focus(page) -> bool:
    page.wait_for_function("document.activeElement && document.activeElement.hasAttribute('data-error-summary')")
    return True


def test_a_refused_form_is_not_sent_again_by_a_reload(live_server, laptop, w):  # noqa: F811
    _signed_in(laptop, live_server, w.people["author"])
    laptop.goto(f"{live_server}/admin/campaigns")
    laptop.fill("#slug", "forms-campaign")  # taken: the server refuses it
    laptop.fill("#title", "Again")
    requests = _documents(laptop)
    laptop.get_by_role("button", name="Create campaign").click()
    summary = laptop.locator("[data-error-summary]")
    summary.wait_for()
    assert requests == [("POST", f"{live_server}/admin/campaigns")]
    assert _summary_has_focus(laptop)
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert page_problems(laptop) == []

    laptop.reload()
    laptop.wait_for_load_state()
    assert requests[1:] == [("GET", f"{live_server}/admin/campaigns")], requests
    assert laptop.locator("[data-error-summary]").count() == 0  # the page as it is, not the refused post


def test_the_summary_s_links_take_the_keyboard_to_the_field(live_server, laptop, w):  # noqa: F811
    _signed_in(laptop, live_server, w.people["admin"])
    laptop.goto(f"{live_server}/admin/users")
    laptop.fill("#email", "author@example.org")  # taken
    laptop.check("input[name=roles][value=author]")
    laptop.fill("#password", "a long enough password")
    laptop.get_by_role("button", name="Add user").click()
    assert _summary_has_focus(laptop)
    laptop.locator("[data-error-summary] a[href='#email']").click()
    assert laptop.evaluate("document.activeElement.id") == "email"
    assert laptop.locator("#email").get_attribute("aria-describedby") == "email-error"
    assert "already exists" in laptop.locator("#email-error").inner_text()
    assert page_problems(laptop) == []


def test_a_step_refused_by_policy_on_a_phone_lists_the_rules_and_reloads_the_version_page(live_server, phone, w):  # noqa: F811
    _signed_in(phone, live_server, w.people["author"])
    version_page = f"{live_server}/admin/versions/{w.breaking.id}"
    phone.goto(version_page)
    requests = _documents(phone)
    phone.get_by_role("button", name="Submit for review").click()
    summary = phone.locator("[data-error-summary]")
    summary.wait_for()
    assert _summary_has_focus(phone)
    assert summary.locator(".violations li").count() >= 1
    assert "border is open" in summary.inner_text()
    assert page_problems(phone) == []

    phone.reload()
    phone.wait_for_load_state()
    # The step's address takes only posts: the reload asks for the version page the form was on.
    assert requests == [("POST", f"{version_page}/submit"), ("GET", version_page)], requests
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Version 1")


def test_a_refused_catalog_upload_fits_a_phone_and_passes_axe(live_server, phone, w, tmp_path):  # noqa: F811
    _signed_in(phone, live_server, w.people["es1"])
    phone.goto(f"{live_server}/translate/catalog/forms-campaign/es")
    notes = tmp_path / "notes.po"
    notes.write_text("Dear translators, here are this week's texts. " * 20)
    phone.set_input_files("#file", str(notes))
    phone.get_by_role("button", name="Upload").click()
    summary = phone.locator("[data-error-summary]")
    summary.wait_for()
    assert summary.locator("li").first.inner_text() == "This is not a PO file."
    assert page_problems(phone) == []


def test_a_translation_refused_by_policy_passes_axe(live_server, laptop, w):  # noqa: F811
    _signed_in(laptop, live_server, w.people["es1"])
    laptop.goto(f"{live_server}/translate/{w.pub2.id}/es")
    laptop.locator("form.step-submit button").click()
    laptop.locator("[data-error-summary]").wait_for()
    assert _summary_has_focus(laptop)
    assert laptop.locator("[data-error-summary] .violations li").count() == 2
    assert page_problems(laptop) == []
