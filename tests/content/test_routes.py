"""The officers' campaign, message and version pages, used through the browser as real people."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.policy import service as policy
from tests.factories import csrf_from, login, make_user, post_form

ADVISORY = "Do not approach the border until instructed. Registration is virtual."
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def _switch(client, user):
    client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    login(client, user.email)


def _campaign(client, slug="border-2026", title="Border advisory 2026"):
    response = post_form(client, "/admin/campaigns", {
        "slug": slug, "title": title, "objective": "Say the border is not open.", "source_locale": "en",
        "target_locales": ["es", "quc"], "audience_countries": ["GT", "HN"], "starts_on": "2026-03-01",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return slug


def _message(client, session, slug, key="stay-put", kind="info"):
    response = post_form(client, f"/admin/campaigns/{slug}", {"key": key, "kind": kind, "channels": ["web", "sms"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    return session.exec(select(Message).where(Message.key == key)).one()


def _draft(client, session, message, **fields):
    data = {"title": "Stay informed", "body": "Registration is **virtual**.", "sms_text": "Registration is virtual.", **fields}
    response = post_form(client, f"/admin/messages/{message.id}/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return _latest(session, message)


def _latest(session, message):
    return session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id)
                        .order_by(MessageVersion.number.desc())).first()


def _step(client, version, name, reason=""):
    url = f"/admin/versions/{version.id}"
    return post_form(client, f"{url}/{name}", {"reason": reason}, form_url=url)


def _state(session, version):
    session.refresh(version)
    return version.state


@pytest.fixture
def people(session):
    return make_user(session, roles="author"), make_user(session, roles="approver")


def test_author_creates_a_campaign_and_message_writes_a_draft_and_submits_it(client, session, people):
    author, _ = people
    login(client, author.email)
    slug = _campaign(client)
    page = client.get("/admin/campaigns").get_data(as_text=True)
    assert "Border advisory 2026" in page and "border-2026" in page
    message = _message(client, session, slug)
    assert "stay-put" in client.get(f"/admin/campaigns/{slug}").get_data(as_text=True)

    response = post_form(client, f"/admin/messages/{message.id}/edit", {
        "title": "Stay informed", "body": "Registration is **virtual**.", "sms_text": "Información: el registro es virtual.",
        "go_live_at": "", "expires_at": "", "change_note": "first draft",
    })
    assert response.status_code == 302
    editor = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft version 1 saved." in editor
    assert "UCS-2" in editor and "1 segment(s)" in editor and "36 characters" in editor  # counted on the server too
    assert 'data-sms-counter="sms-count"' in editor and "smscount.js" in editor

    version = _latest(session, message)
    page = client.get(f"/admin/versions/{version.id}").get_data(as_text=True)
    assert "<strong>virtual</strong>" in page and "Submit for review" in page and "Approve" not in page
    assert _step(client, version, "submit").status_code == 302
    assert _state(session, version) == "in_review"
    assert "In review" in client.get(f"/admin/versions/{version.id}").get_data(as_text=True)


def test_gsm_text_is_counted_as_gsm7_with_its_segments(client, session, people):
    author, _ = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    version = _draft(client, session, message, sms_text="A" * 200)
    editor = client.get(f"/admin/versions/{version.id}/edit").get_data(as_text=True)
    assert "200 characters · GSM-7 · 2 segment(s) · 106 left" in editor
    assert "GSM-7 · 2 segment(s)" in client.get(f"/admin/versions/{version.id}").get_data(as_text=True)


def test_approver_reviews_the_diff_against_what_is_published_and_approves(client, session, people):
    author, approver = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    v1 = _draft(client, session, message, body="Registration is virtual.")
    _step(client, v1, "submit")
    _switch(client, approver)
    queue = client.get("/admin/review").get_data(as_text=True)
    assert "First version" in queue and "stay-put" in queue and author.email in queue
    assert _step(client, v1, "approve").status_code == 302
    assert _state(session, v1) == "published"
    assert "Published" in client.get(f"/admin/versions/{v1.id}").get_data(as_text=True)

    _switch(client, author)
    response = post_form(client, f"/admin/versions/{v1.id}/edit", {
        "title": "Stay informed", "body": "Registration is online only.", "sms_text": "Registration is virtual.",
    })
    assert "saved as a new draft: version 2" in client.get(response.headers["Location"]).get_data(as_text=True)
    v2 = _latest(session, message)
    _step(client, v2, "submit")
    _switch(client, approver)
    queue = client.get("/admin/review").get_data(as_text=True)
    assert "<del>virtual.</del>" in queue and "<ins>online only.</ins>" in queue
    assert "Review queue: 1 version waits for you" in client.get("/admin/").get_data(as_text=True)
    _step(client, v2, "approve")
    assert (_state(session, v2), _state(session, v1)) == ("published", "retired")
    page = client.get(f"/admin/versions/{v2.id}").get_data(as_text=True)
    assert "Reviewed by" in page and approver.email in page and "<ins>online only.</ins>" in page
    history = client.get(f"/admin/messages/{message.id}").get_data(as_text=True)
    assert f"{approver.email} approved version 2" in history
    assert f"{approver.email} retired version 1: a newer version went live" in history and "version.approve" not in history


def test_nobody_approves_their_own_version(client, session):
    both = make_user(session, roles="author,approver")
    login(client, both.email)
    message = _message(client, session, _campaign(client))
    version = _draft(client, session, message)
    _step(client, version, "submit")
    page = client.get(f"/admin/versions/{version.id}").get_data(as_text=True)
    assert "Approve" not in page and "Request changes" not in page
    assert "stay-put" not in client.get("/admin/review").get_data(as_text=True)

    forged = post_form(client, f"/admin/versions/{version.id}/approve", {"reason": ""}, form_url=f"/admin/versions/{version.id}")
    assert forged.status_code == 403
    assert "Four eyes" in forged.get_data(as_text=True) and "Nothing was changed." in forged.get_data(as_text=True)
    assert _state(session, version) == "in_review"


def test_an_author_cannot_approve_at_all(client, session, people):
    author, _ = people
    colleague = make_user(session, roles="author")
    login(client, author.email)
    version = _draft(client, session, _message(client, session, _campaign(client)))
    _step(client, version, "submit")
    _switch(client, colleague)
    assert _step(client, version, "approve").status_code == 403
    assert client.get("/admin/review").status_code == 403
    assert _state(session, version) == "in_review"


def test_request_changes_needs_a_reason(client, session, people):
    author, approver = people
    login(client, author.email)
    version = _draft(client, session, _message(client, session, _campaign(client)))
    _step(client, version, "submit")
    _switch(client, approver)
    refused = _step(client, version, "request_changes", reason="   ")
    assert refused.status_code == 422 and "Give a reason." in refused.get_data(as_text=True)
    assert _state(session, version) == "in_review"
    assert _step(client, version, "request_changes", reason="Say where to register.").status_code == 302
    assert _state(session, version) == "changes_requested"
    assert "Say where to register." in client.get(f"/admin/versions/{version.id}").get_data(as_text=True)


def test_policy_breaking_draft_is_saved_but_cannot_be_submitted(client, session, people):
    author, _ = people
    policy.seed_rules(session)
    session.commit()
    login(client, author.email)
    message = _message(client, session, _campaign(client), key="advisory", kind="advisory")
    version = _draft(client, session, message, body="Good news: the border is open now.", sms_text="Wait for news.")
    editor = client.get(f"/admin/versions/{version.id}/edit").get_data(as_text=True)
    assert 'Good news: the <mark class="violation">border is open</mark> now.' in editor
    assert "Missing required statement" in editor

    refused = _step(client, version, "submit")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Missing required statement: &#34;(do not|don&#39;t) approach the border until" in page
    assert 'Forbidden claim &#34;(border|borders|frontier) (open' in page and '<mark class="violation">border is open</mark>' in page
    assert _state(session, version) == "draft"

    post_form(client, f"/admin/versions/{version.id}/edit", {"title": "Stay", "body": ADVISORY, "sms_text": ADVISORY})
    assert _step(client, version, "submit").status_code == 302
    assert _state(session, version) == "in_review"


def test_hostile_text_is_shown_inert_on_every_page(client, session, people, clock):
    author, approver = people
    login(client, author.email)
    slug = _campaign(client, title=HOSTILE[0])
    message = _message(client, session, slug)
    evil = " ".join(HOSTILE)
    v1 = _draft(client, session, message, title=evil, body=f"Hi {evil} [x](javascript:alert(1))", sms_text=evil,
                change_note=evil, go_live_at="2026-03-09T10:00")
    _step(client, v1, "submit")
    v2 = _draft(client, session, message, title="Calm", body="Calm", sms_text="Calm")
    pages = ["/admin/", "/admin/campaigns", f"/admin/campaigns/{slug}", f"/admin/messages/{message.id}",
             f"/admin/versions/{v1.id}", f"/admin/versions/{v1.id}/edit", f"/admin/messages/{message.id}/edit",
             f"/admin/versions/{v1.id}/diff/{v2.id}", "/admin/schedule"]
    seen = {path: client.get(path) for path in pages}
    _switch(client, approver)
    seen["/admin/review"] = client.get("/admin/review")
    for path, response in seen.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        for raw in HOSTILE:
            assert raw not in html, path
        assert 'href="javascript:' not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in seen[f"/admin/versions/{v1.id}"].get_data(as_text=True)


def test_restoring_an_old_version_makes_a_new_draft(client, session, people):
    author, approver = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    v1 = _draft(client, session, message, title="The original")
    _step(client, v1, "submit")
    _switch(client, approver)
    _step(client, v1, "approve")
    _switch(client, author)
    _draft(client, session, message, title="A worse idea")
    response = post_form(client, f"/admin/versions/{v1.id}/restore", {}, form_url=f"/admin/versions/{v1.id}")
    assert response.status_code == 302
    assert "Version 1 restored as a new draft: version 3." in client.get(response.headers["Location"]).get_data(as_text=True)
    v3 = _latest(session, message)
    assert (v3.number, v3.state, v3.title, v3.based_on_id) == (3, "draft", "The original", v1.id)
    assert _state(session, v1) == "published"


def test_compare_any_two_versions_side_by_side(client, session, people):
    author, _ = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    v1 = _draft(client, session, message, body="Registration is virtual.")
    _step(client, v1, "submit")
    v2 = _draft(client, session, message, body="Registration is online.")
    picked = client.get(f"/admin/messages/{message.id}/compare?a={v1.id}&b={v2.id}")
    assert picked.status_code == 302 and picked.headers["Location"].endswith(f"/admin/versions/{v1.id}/diff/{v2.id}")
    page = client.get(picked.headers["Location"]).get_data(as_text=True)
    assert "<del>virtual.</del>" in page and "<ins>online.</ins>" in page and 'class="side"' in page
    assert 'name="a"' in client.get(f"/admin/messages/{message.id}").get_data(as_text=True)


def test_editing_ones_own_draft_changes_it_in_place(client, session, people):
    author, _ = people
    colleague = make_user(session, roles="author")
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    v1 = _draft(client, session, message)
    assert "saving changes version 1 in place" in client.get(f"/admin/versions/{v1.id}/edit").get_data(as_text=True)
    post_form(client, f"/admin/versions/{v1.id}/edit", {"title": "Better", "body": "b", "sms_text": "s"})
    session.refresh(v1)
    assert v1.title == "Better" and _latest(session, message).number == 1
    _switch(client, colleague)
    assert "This draft is by" in client.get(f"/admin/versions/{v1.id}/edit").get_data(as_text=True)
    post_form(client, f"/admin/versions/{v1.id}/edit", {"title": "Mine", "body": "b", "sms_text": "s"})
    session.refresh(v1)
    assert v1.title == "Better" and _latest(session, message).title == "Mine"


def test_bad_editor_input_is_refused_and_creates_nothing(client, session, people):
    author, _ = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    response = post_form(client, f"/admin/messages/{message.id}/edit", {
        "title": "T", "body": "b", "sms_text": "s", "go_live_at": "2026-04-02T10:00", "expires_at": "2026-04-01T10:00",
    })
    assert response.status_code == 422 and "The expiry must come after the go-live time." in response.get_data(as_text=True)
    response = post_form(client, f"/admin/messages/{message.id}/edit", {"title": "T", "body": "", "sms_text": "s"})
    assert response.status_code == 422 and "Web text is required" in response.get_data(as_text=True)
    assert _latest(session, message) is None


def test_campaign_errors_are_shown_and_approvers_cannot_create(client, session, people):
    author, approver = people
    login(client, author.email)
    _campaign(client)
    duplicate = post_form(client, "/admin/campaigns", {"slug": "border-2026", "title": "Again", "source_locale": "en"})
    assert duplicate.status_code == 409 and "already exists" in duplicate.get_data(as_text=True)
    bad = post_form(client, "/admin/campaigns", {"slug": "Not A Slug", "title": "x", "source_locale": "en"})
    assert bad.status_code == 422 and "lowercase letters" in bad.get_data(as_text=True)
    _switch(client, approver)
    assert "New campaign" not in client.get("/admin/campaigns").get_data(as_text=True)
    forged = post_form(client, "/admin/campaigns", {"slug": "mine", "title": "Mine", "source_locale": "en"})
    assert forged.status_code == 403
    assert [c.slug for c in session.exec(select(Campaign)).all()] == ["border-2026"]


def test_retire_needs_a_reason(client, session, people):
    author, approver = people
    login(client, author.email)
    version = _draft(client, session, _message(client, session, _campaign(client)))
    _step(client, version, "submit")
    _switch(client, approver)
    _step(client, version, "approve")
    assert _step(client, version, "retire").status_code == 422
    assert _state(session, version) == "published"
    assert _step(client, version, "retire", reason="Out of date").status_code == 302
    assert "Out of date" in client.get(f"/admin/versions/{version.id}").get_data(as_text=True)


def test_schedule_lists_a_future_go_live_by_day(client, session, people):
    author, approver = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    version = _draft(client, session, message, go_live_at="2026-03-04T09:30", expires_at="2026-04-01T00:00")
    _step(client, version, "submit")
    _switch(client, approver)
    _step(client, version, "approve")
    assert _state(session, version) == "approved"  # waits for its go-live
    page = client.get("/admin/schedule").get_data(as_text=True)
    assert re.search(r"2026-03-04</time></h2>.*09:30.*Goes live.*stay-put.*Version 1", page, re.S)
    assert re.search(r"2026-04-01</time></h2>.*00:00.*Expires", page, re.S)


def test_sample_campaigns_say_so_wherever_they_appear(client, session, people):
    from msgsys.content import service as content

    author, _ = people
    content.create_campaign(session, actor=None, label="test", data={
        "slug": "demo", "title": "Demo", "sample_note": "drawn from 2021 sources, not for sending"})
    session.commit()
    login(client, author.email)
    message = _message(client, session, "demo")
    version = _draft(client, session, message)
    for path in ["/admin/", "/admin/campaigns", "/admin/campaigns/demo", f"/admin/messages/{message.id}", f"/admin/versions/{version.id}"]:
        page = client.get(path).get_data(as_text=True)
        # An interface sentence with the year taken from the note, not the note itself (English data).
        assert "Sample content, drawn from public documents dated 2021. Not current guidance." in page, path
        assert "not for sending" not in page, path


def test_posts_without_csrf_are_refused_and_change_nothing(client, session, people):
    author, approver = people
    login(client, author.email)
    message = _message(client, session, _campaign(client))
    version = _draft(client, session, message)
    _step(client, version, "submit")
    assert client.post("/admin/campaigns", data={"slug": "sneaky", "title": "x", "source_locale": "en"}).status_code == 400
    assert client.post(f"/admin/messages/{message.id}/edit", data={"title": "x", "body": "b", "sms_text": "s"}).status_code == 400
    _switch(client, approver)
    assert client.post(f"/admin/versions/{version.id}/approve", data={}).status_code == 400
    assert _state(session, version) == "in_review" and _latest(session, message).number == 1
    assert session.exec(select(Campaign).where(Campaign.slug == "sneaky")).first() is None


@pytest.mark.parametrize("role, links", [
    ("author", {"Campaigns", "Schedule", "Policy"}),
    ("approver", {"Campaigns", "Review", "Schedule", "Policy"}),
])
def test_navigation_shows_what_the_role_may_use(client, session, role, links):
    login(client, make_user(session, roles=role).email)
    nav = client.get("/admin/").get_data(as_text=True).split("</nav>")[0]
    shown = {name for name in ("Campaigns", "Review", "Schedule", "Policy") if f">{name}</a>" in nav}
    assert shown == links


def test_pages_need_sign_in_and_unknown_things_are_404(client, session, people):
    assert client.get("/admin/campaigns").status_code == 302
    login(client, people[0].email)
    assert client.get("/admin/campaigns/nope").status_code == 404
    assert client.get("/admin/versions/999").status_code == 404
    assert client.get("/admin/messages/999").status_code == 404
