"""Each role signs in, sees in the navigation how much waits, finds the item on the dashboard and follows it to the
page where the next step happens, on a phone and on a laptop."""
from __future__ import annotations

import re

import pytest

from msgsys.policy import service as policy
from tests.browser.conftest import page_problems, sign_in
from tests.factories import PASSWORD, make_campaign, make_message, make_published, make_user, make_version, step

pytestmark = pytest.mark.browser

SCREENS = ["phone", "laptop"]  # 360 and 1280 px wide


def _dashboard(request, screen, live_server, user):
    page = request.getfixturevalue(screen)
    sign_in(page, live_server, user.email, PASSWORD)
    page.wait_for_url(f"{live_server}/admin/")
    assert page_problems(page) == []
    return page


def _nav_link(page, name):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(rf"^{name}\b"))


@pytest.mark.parametrize("screen", SCREENS)
def test_an_author_follows_a_version_sent_back_to_its_editor_with_the_reason(request, screen, live_server, session):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    message = make_message(session, key="register-online")
    version = make_version(session, message, author, body="Registration is open.", sms_text="Registration is open.")
    step(session, version, author, "submit")
    step(session, version, approver, "request_changes", reason="Say which office registers people.")

    page = _dashboard(request, screen, live_server, author)
    assert _nav_link(page, "Dashboard").get_attribute("href") == "/admin/"
    assert page.get_by_role("link", name="Dashboard 1 waiting").count() == 1  # the count is part of the link's name
    sent_back = page.locator("section.queue", has=page.get_by_role("heading", name=re.compile("^Sent back to you")))
    assert "Say which office registers people." in sent_back.inner_text()
    sent_back.get_by_role("link", name=re.compile("register-online")).click()

    page.wait_for_url(f"{live_server}/admin/versions/{version.id}/edit")
    box = page.locator("section.sent-back")
    assert box.is_visible() and "Say which office registers people." in box.inner_text() and approver.email in box.inner_text()
    assert box.bounding_box()["y"] < page.get_by_label("Title").bounding_box()["y"]  # at the top, above the form


@pytest.mark.parametrize("screen", SCREENS)
def test_an_approver_follows_the_review_queue_to_the_version_with_its_approve_button(request, screen, live_server, session):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    version = make_version(session, make_message(session, key="stay-informed"), author)
    step(session, version, author, "submit")

    page = _dashboard(request, screen, live_server, approver)
    assert page.get_by_role("link", name="Review 1 waiting").is_visible()
    review = page.locator("section.queue", has=page.get_by_role("heading", name=re.compile("^Waiting for your review")))
    review.get_by_role("link", name=re.compile("stay-informed")).click()

    page.wait_for_url(f"{live_server}/admin/versions/{version.id}")
    assert page.get_by_role("button", name="Approve").is_visible()


@pytest.mark.parametrize("screen", SCREENS)
def test_a_translator_follows_an_untranslated_message_to_the_translation_editor(request, screen, live_server, session):
    translator = make_user(session, roles="translator", locales="es")
    campaign = make_campaign(session, targets=("es",))
    _message, version = make_published(session, campaign=campaign, title="Lawful pathways")

    page = _dashboard(request, screen, live_server, translator)
    assert page.get_by_role("link", name="Translations 1 waiting").is_visible()
    work = page.locator("section.queue", has=page.get_by_role("heading", name=re.compile("^Translations into")))
    assert "Not translated yet" in work.inner_text()
    work.get_by_role("link", name=re.compile(f"Version {version.number}")).click()

    page.wait_for_url(f"{live_server}/translate/{version.id}/es")
    assert page.get_by_role("button", name=re.compile("Save")).first.is_visible()


@pytest.mark.parametrize("screen", SCREENS)
def test_an_admin_follows_a_rule_waiting_for_a_kiche_translator_to_its_page(request, screen, live_server, session):
    admin = make_user(session, roles="admin")
    rule = policy.create_rule(session, actor=admin, data={
        "rule_type": "forbidden_phrase", "pattern": "placeholder claim delta", "severity": "block", "locale": "quc", "kinds": []})
    session.commit()

    page = _dashboard(request, screen, live_server, admin)
    assert page.get_by_role("link", name="Policy 1 waiting").is_visible()
    rules = page.locator("section.queue", has=page.get_by_role("heading", name=re.compile("^Policy rules waiting")))
    rules.get_by_role("link", name=re.compile(f"Rule {rule.rule_key}")).click()

    page.wait_for_url(f"{live_server}/admin/policy/{rule.rule_key}")
    assert page.get_by_role("heading", name=re.compile("waits for approval")).is_visible()
