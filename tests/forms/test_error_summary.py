"""Every form page reports all its errors at once: one error summary at the top of the main content (GOV.UK's
pattern: a box with the heading "There is a problem", role="alert", tabindex="-1"), each error a link to its field,
the field pointing at the same error beside it; a refusal of the service is in it, and so are the blocking policy
results that refused a step. Nothing is saved, and the refused post answers the status of its kind."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import csrf_from
from tests.forms.conftest import signed_in
from tests.forms.page import field_problems, first_in_main, parse, summary
from tests.security.conftest import diff_snapshots, snapshot

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _cases(w):
    """(name, who, url the form posts to, page the form is on, data, status, [(href or None, words)] in the summary)."""
    draft, review, pub, pub2 = w.draft, w.review, w.pub, w.pub2
    editor_es = f"/translate/{pub.id}/es"
    return [
        ("new campaign without slug or title", "author", "/admin/campaigns", None,
         {"slug": "", "title": "", "source_locale": "en"}, 422,
         [("#slug", "Slug: This field is required."), ("#title", "Title: This field is required.")]),
        ("new campaign with a slug taken", "author", "/admin/campaigns", None,
         {"slug": "forms-campaign", "title": "Again", "source_locale": "en", "target_locales": ["es"]}, 409,
         [("#slug", "A campaign with the slug forms-campaign already exists.")]),
        ("new campaign ending before it starts", "author", "/admin/campaigns", None,
         {"slug": "later", "title": "Later", "source_locale": "en", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}, 422,
         [("#ends_on", "The campaign ends before it starts.")]),
        ("new message with a key taken", "author", "/admin/campaigns/forms-campaign", None,
         {"key": "draft-msg", "kind": "info", "channels": ["web"]}, 409,
         [("#key", "This campaign already has a message draft-msg.")]),
        ("new message without channels", "author", "/admin/campaigns/forms-campaign", None,
         {"key": "fresh", "kind": "info"}, 422, [("#channels", "Choose at least one channel.")]),
        ("new version without a title", "author", f"/admin/messages/{draft.message_id}/edit", None,
         {"title": "", "body": "Text", "sms_text": "Text"}, 422, [("#title", "Title: This field is required.")]),
        ("a draft saved without its web text", "author", f"/admin/versions/{draft.id}/edit", None,
         {"title": "Draft title", "body": "", "sms_text": "Text"}, 422, [("#body", "Web text is required.")]),
        ("a draft whose expiry comes before it goes live", "author", f"/admin/versions/{draft.id}/edit", None,
         {"title": "Draft title", "body": "Text", "sms_text": "Text", "go_live_at": "2026-05-01T10:00",
          "expires_at": "2026-04-01T10:00"}, 422, [("#expires_at", "The expiry must come after the go-live time.")]),
        ("changes requested without a reason", "approver", f"/admin/versions/{review.id}/request_changes",
         f"/admin/versions/{review.id}", {"reason": " "}, 422, [("#request_changes-reason", "Give a reason.")]),
        ("approving a version one cannot approve", "author", f"/admin/versions/{review.id}/approve",
         f"/admin/versions/{review.id}", {"reason": ""}, 403, [(None, "")]),
        ("a translation too long to save", "es1", editor_es, None,
         {"title": "x" * 201, "body": "Cuerpo", "sms_text": "Texto"}, 422, [("#title", "Title: Field cannot be longer than 200 characters.")]),
        ("a translation's changes requested without a reason", "es2", f"/translate/t/{w.in_review_es.id}/request_changes",
         editor_es, {"reason": ""}, 422, [("#request_changes-reason", "Give a reason.")]),
        ("approving one's own translation", "es1", f"/translate/t/{w.in_review_es.id}/approve", editor_es,
         {"reason": ""}, 403, [(None, "Four eyes")]),
        ("a glossary term without its translation", "es1", "/translate/glossary/es", None,
         {"source_term": "refuge", "required_translation": ""}, 422,
         [("#required_translation", "Required translation: This field is required.")]),
        ("a glossary term already there", "es1", "/translate/glossary/es", None,
         {"source_term": "asylum", "required_translation": "asilo"}, 409, [(None, "The glossary already has asylum.")]),
        ("a glossary term from the editor, already there", "es1", "/translate/glossary/es", editor_es,
         {"source_term": "asylum", "required_translation": "asilo", "version_id": str(pub.id)}, 409,
         [(None, "The glossary already has asylum.")]),
        ("a catalog upload without a file", "es1", "/translate/catalog/forms-campaign/es", None, {}, 422,
         [("#file", "Choose a .po file to upload.")]),
        ("a rule without a pattern", "admin", "/admin/policy", None,
         {"rule_type": "forbidden_phrase", "pattern": "", "severity": "block", "locale": "*"}, 422,
         [("#pattern", "Pattern: This field is required.")]),
        ("a rule changed to a pattern that cannot be used", "admin", f"/admin/policy/{w.rule_key}", None,
         {"rule_type": "max_sms_segments", "pattern": "many", "severity": "block", "locale": "*"}, 422,
         [(None, "This rule cannot be used: segment limit must be a positive integer")]),
        ("a rule rejected without a reason", "quc", f"/admin/policy/{w.quc_rule_key}/reject", f"/admin/policy/{w.quc_rule_key}",
         {"version": "1", "reason": ""}, 422, [("#reject-reason", "Reason is required.")]),
        ("a user without email or password", "admin", "/admin/users", None,
         {"email": "", "roles": ["author"], "password": ""}, 422,
         [("#email", "Email: This field is required."), ("#password", "Initial password: This field is required.")]),
        ("a user whose email is taken", "admin", "/admin/users", None,
         {"email": "author@example.org", "roles": ["author"], "password": "a long enough password"}, 409,
         [("#email", "already exists")]),
        ("an admin locking themselves out", "admin", "/admin/users/{admin}", None, {"roles": ["author"], "active": "y"}, 422,
         [(None, "You cannot deactivate yourself or remove your own admin role.")]),
        ("a token for someone without a name", "admin", "/admin/users/{author}/tokens", "/admin/users/{author}",
         {"name": ""}, 422, [("#name", "Token name: This field is required.")]),
        ("one's own token without a name", "author", "/account/tokens", None, {"name": ""}, 422,
         [("#name", "Token name: This field is required.")]),
    ]


def _post(app, w, case):
    name, who, url, form_url, data, status, expected = case
    ids = {"admin": w.people["admin"].id, "author": w.people["author"].id}
    url, form_url = url.format(**ids), (form_url or url).format(**ids)
    client = signed_in(app, w.people[who])
    token = csrf_from(client, form_url)
    before = snapshot(app, ignore_denials=True)
    response = client.post(url, data={**data, "csrf_token": token})
    return response, diff_snapshots(before, snapshot(app, ignore_denials=True))


class _Placeholder:
    """Stands in for the world when only the names of the cases are wanted (to parametrize the test)."""

    id = message_id = 0

    def __getattr__(self, name):
        return self


CASE_NAMES = [case[0] for case in _cases(_Placeholder())]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_refused_form_lists_every_error_at_the_top_each_linked_to_its_field(app, session, w, name):
    case = next(c for c in _cases(w) if c[0] == name)
    _name, _who, _url, _form_url, _data, status, expected = case
    response, changed = _post(app, w, case)
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:2000]
    assert changed == [], "a refused form saves nothing"

    found = summary(html)
    assert found is not None, "no error summary"
    assert found.heading == "There is a problem"
    assert found.box.attrs.get("role") == "alert" and found.box.attrs.get("tabindex") == "-1"
    assert first_in_main(html).attrs == found.box.attrs, "the summary opens the main content"
    assert len(found.items) == len(expected), found.items
    for (href, text), (want_href, words) in zip(found.items, expected):
        assert href == want_href and words in text, (href, text)
    assert field_problems(html) == []


def test_the_summary_shows_nothing_before_anything_is_posted(app, session, w):
    author = signed_in(app, w.people["author"])
    for url in ("/admin/campaigns", f"/admin/versions/{w.draft.id}/edit", f"/admin/versions/{w.review.id}", "/account/tokens"):
        html = author.get(url).get_data(as_text=True)
        assert summary(html) is None and "There is a problem" not in html, url


def test_a_step_refused_by_policy_lists_the_blocking_rules_in_the_summary(app, session, w):
    author = signed_in(app, w.people["author"])
    token = csrf_from(author, f"/admin/versions/{w.breaking.id}")
    response = author.post(f"/admin/versions/{w.breaking.id}/submit", data={"reason": "", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    found = summary(html)
    assert len(found.items) == 1 and found.texts()[0].startswith("This text breaks") and found.items[0][0] is None
    # The rule that blocks, once for each field it is broken in, each leading to the policy check below.
    assert found.violations and all(href == "#policy-heading" for href, _t in found.violations)
    assert all("border is open" in text for _h, text in found.violations)
    assert {text.rsplit("(", 1)[1].rstrip(")") for _h, text in found.violations} == {"Web text", "SMS text"}
    assert parse(html).find(id="policy-heading") is not None


def test_a_translation_step_refused_by_policy_lists_the_blocking_problems_in_the_summary(app, session, w):
    es1 = signed_in(app, w.people["es1"])
    token = csrf_from(es1, f"/translate/{w.pub2.id}/es")
    response = es1.post(f"/translate/t/{w.breaking_es.id}/submit", data={"reason": "", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    found = summary(html)
    assert found.texts() == ["This translation cannot go forward: 2 problem(s) to fix."]
    assert len(found.violations) == 2 and all(href == "#checks-heading" for href, _t in found.violations)
    assert parse(html).find(id="checks-heading") is not None


def test_a_refused_sign_in_is_in_the_summary_too(app, session, w):
    client = app.test_client()
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"email": "author@example.org", "password": "wrong", "csrf_token": token})
    found = summary(response.get_data(as_text=True))
    assert response.status_code == 401
    assert found.items and found.items[0][0] == "#email"


def test_a_page_answering_a_post_is_marked_so_its_history_entry_becomes_a_get(app, session, w):
    author = signed_in(app, w.people["author"])
    token = csrf_from(author, "/admin/campaigns")
    shown = parse(author.get("/admin/campaigns").get_data(as_text=True)).find("body")
    assert "data-answers-post" not in shown.attrs
    refused = parse(author.post("/admin/campaigns", data={"slug": "", "csrf_token": token}).get_data(as_text=True)).find("body")
    assert refused.attrs["data-answers-post"] == "http://msgsys.test/admin/campaigns"
    # A step's address takes only posts: the page it answers is the version's, where the form was.
    step_page = f"http://msgsys.test/admin/versions/{w.breaking.id}"
    refused = author.post(f"/admin/versions/{w.breaking.id}/submit", data={"csrf_token": token}, headers={"Referer": step_page})
    assert parse(refused.get_data(as_text=True)).find("body").attrs["data-answers-post"] == step_page
    foreign = author.post(f"/admin/versions/{w.breaking.id}/submit", data={"csrf_token": token},
                          headers={"Referer": "https://evil.example/admin/versions/1"})
    assert parse(foreign.get_data(as_text=True)).find("body").attrs["data-answers-post"] == ""


def test_app_js_is_loaded_with_defer_from_this_site_and_does_what_the_pages_rely_on(app, client):
    html = client.get("/login").get_data(as_text=True)
    scripts = parse(html).find_all("script")
    assert [(s.attrs.get("src"), "defer" in s.attrs) for s in scripts] == [("/static/app.js", True)]
    js = client.get("/static/app.js").get_data(as_text=True)
    assert 'history.replaceState(null, ""' in js and "data-answers-post" in js
    assert "[data-error-summary]" in js and ".focus()" in js


def test_one_macro_makes_every_summary(app):
    """No page builds its own error box; every page with a form to post shows the one summary."""
    own_copies, missing = [], []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        text = path.read_text()
        if name == "_forms.html":
            continue
        if "There is a problem" in text or 'class="refused"' in text or "data-error-summary" in text:
            own_copies.append(name)
        partial = path.name.startswith("_") or name == "base.html"
        if not partial and 'method="post"' in text and "error_summary(" not in text:
            missing.append(name)
    assert own_copies == [] and missing == []
