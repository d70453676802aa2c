"""The approver's choice of how a new version goes live, per language, as seen in Chromium on a phone and a laptop."""
from __future__ import annotations

import pytest

from msgsys.translation import service as translations
from tests.browser.conftest import page_problems, sign_in
from tests.factories import ES, PASSWORD, make_campaign, make_message, make_translation, make_user, make_version, step

pytestmark = pytest.mark.browser


@pytest.fixture
def under_review(session):
    """Version 1 published with approved Spanish; version 2 waiting for review."""
    author = make_user(session, roles="author", email="author@example.org")
    approver = make_user(session, roles="approver", email="approver@example.org")
    message = make_message(session, make_campaign(session, targets=("es", "quc")))
    v1 = make_version(session, message, author, title="First English")
    step(session, v1, author, "submit")
    step(session, v1, approver, "approve")
    translation = make_translation(session, v1, make_user(session, roles="translator", locales="es"), texts=ES)
    translations.transition(session, actor=make_user(session, roles="translator", locales="es"), translation=translation, name="approve")
    session.commit()
    v2 = make_version(session, message, author, title="Second English", body="Second body.", sms_text="Second SMS.")
    step(session, v2, author, "submit")
    return approver, message, v2


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_approver_sees_what_each_language_gets_chooses_together_and_the_version_is_held(live_server, request, under_review, size):
    page = request.getfixturevalue(size)
    approver, message, v2 = under_review
    sign_in(page, live_server, approver.email, PASSWORD)
    page.goto(f"{live_server}/admin/versions/{v2.id}")
    outlook = page.get_by_role("table", name="What readers of each language will get")
    spanish = outlook.locator("tr[data-locale=es]")
    assert "Version 1 in Spanish" in spanish.inner_text() and "Version 2 in English" in spanish.inner_text()
    assert page_problems(page) == []
    page.get_by_label("Together: hold it until every translation is approved").check()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{live_server}/admin/versions/{v2.id}")
    assert page.locator("#held").is_visible()
    assert page.get_by_role("button", name="Publish now, without waiting for the translations").is_visible()
    assert page_problems(page) == []
    public = page.context.new_page()
    public.goto(f"{live_server}/es/n/{message.id}")
    assert ES["title"] in public.inner_text("h1")  # Spanish readers keep version 1's Spanish meanwhile
    public.close()
