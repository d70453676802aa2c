"""Refusals: each kind answers with one status on every page of the site (the mapping in msgsys.errors), shows its
message and changes nothing. First the walk over every state-changing page, then real refusals of each kind on
the pages where people meet them.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from msgsys import db
from msgsys.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, PolicyViolation, ValidationError
from tests.security.conftest import browser, csrf_of, diff_snapshots, form_data, snapshot, web_plans
from tests.security.test_csrf_everywhere import PLAN_KEYS

# What a visitor gets for each kind of refusal, wherever it happens (the web pages and the API alike).
STATUS = {ValidationError: 422, PolicyViolation: 422, PermissionDenied: 403, NotFound: 404, Conflict: 409, InvalidTransition: 409}


def test_the_statuses_are_the_ones_msgsys_errors_gives():
    assert {kind: kind.status for kind in STATUS} == STATUS


@pytest.mark.parametrize("kind", list(STATUS), ids=lambda k: k.__name__)
def test_every_page_answers_a_refusal_with_its_status_and_message_and_changes_nothing(app, session, world, monkeypatch, kind):
    """The service behind every form refuses (the one transaction boundary is where a refusal surfaces)."""
    plans = web_plans(session, world)
    message = f"Refused for the test: {kind.__name__}."

    @contextmanager
    def refusing():
        raise kind(message)
        yield  # pragma: no cover - never reached: the refusal comes first

    problems = []
    for key in PLAN_KEYS:
        url, data, allowed = plans[key]
        who = "author" if "author" in allowed else sorted(allowed)[0]  # the author owns the token the revoke plan names
        client = browser(app, world.users[who])
        token = csrf_of(client, "/account/tokens")
        before = snapshot(app)
        with monkeypatch.context() as patch:
            patch.setattr(db, "transaction", refusing)
            response = client.post(url, data=form_data(data, token))
        if response.status_code != STATUS[kind]:
            problems.append(f"{key}: {response.status_code}")
        elif message not in response.get_data(as_text=True):
            problems.append(f"{key}: the refusal's message is not shown")
        changed = diff_snapshots(before, snapshot(app))
        if changed:
            problems.append(f"{key}: changed {changed}")
    assert not problems, f"{kind.__name__} should answer {STATUS[kind]}:\n" + "\n".join(problems)


# --- real refusals ----------------------------------------------------------------------------------

def real_refusals(w):
    """(what, identity, url, form data, kind, words of the message shown)."""
    v, t, u = w.v, w.t, w.users
    return [
        ("a duplicate email when adding a user", "admin", "/admin/users",
         {"email": "AUTHOR@example.org", "roles": ["author"], "password": "a long enough password"}, Conflict, "already exists"),
        ("a duplicate campaign slug", "author", "/admin/campaigns",
         {"slug": w.campaign.slug, "title": "Again", "source_locale": "en", "target_locales": ["es"]}, Conflict, "already exists"),
        ("a duplicate message key", "author", f"/admin/campaigns/{w.campaign.slug}",
         {"key": "draft-msg", "kind": "info", "channels": ["web"]}, Conflict, "already has a message"),
        ("approving a version one wrote", "author_approver", f"/admin/versions/{v['review'].id}/approve", {"reason": ""},
         PermissionDenied, "Four eyes"),
        ("approving a translation one wrote", "translator_es", f"/translate/t/{t['pub2_es'].id}/approve", {"reason": ""},
         PermissionDenied, "Four eyes"),
        ("approving a draft version", "approver", f"/admin/versions/{v['draft'].id}/approve", {"reason": ""},
         InvalidTransition, ""),
        ("approving a draft translation", "translator_es2", f"/translate/t/{t['pub_es'].id}/approve", {"reason": ""},
         InvalidTransition, ""),
        ("requesting changes to a version without a reason", "approver", f"/admin/versions/{v['review'].id}/request_changes",
         {"reason": "  "}, ValidationError, "Give a reason."),
        ("requesting changes to a translation without a reason", "translator_es2",
         f"/translate/t/{t['pub2_es'].id}/request_changes", {"reason": ""}, ValidationError, "Give a reason."),
        ("a user edit that would lock the admin out", "admin", f"/admin/users/{u['admin'].id}",
         {"roles": ["author"], "active": "y"}, ValidationError, ""),
        ("approving a rule version that does not exist", "translator_quc", f"/admin/policy/{w.quc_rule_key}/approve",
         {"version": "99"}, NotFound, ""),
    ]


@pytest.fixture
def breaking_draft(session, world):
    """A draft by the author that says the border is open (a blocking rule of the world forbids it)."""
    from tests.factories import make_version

    return make_version(session, world.m["draft"], world.users["author"], title="Update", body="The border is open.",
                        sms_text="The border is open.")


def test_each_kind_of_real_refusal_answers_its_status_on_every_page_it_happens(app, session, world):
    problems = []
    for what, who, url, data, kind, words in real_refusals(world):
        client = browser(app, world.users[who])
        token = csrf_of(client, "/account/tokens")
        before = snapshot(app, ignore_denials=True)
        response = client.post(url, data=form_data(data, token))
        body = response.get_data(as_text=True)
        if response.status_code != STATUS[kind]:
            problems.append(f"{what}: {response.status_code}, not {STATUS[kind]}")
        elif words and words not in body:
            problems.append(f"{what}: {words!r} not shown")
        changed = diff_snapshots(before, snapshot(app, ignore_denials=True))
        if changed:
            problems.append(f"{what}: changed {changed}")
    assert not problems, "\n".join(problems)


def test_a_policy_violation_answers_422_on_the_version_and_the_translation_pages(app, session, world, breaking_draft):
    author = browser(app, world.users["author"])
    before = snapshot(app)
    token = csrf_of(author, "/account/tokens")
    refused = author.post(f"/admin/versions/{breaking_draft.id}/submit", data=form_data({"reason": ""}, token))
    assert refused.status_code == 422
    assert "advisory policy rule(s); fix each one shown." in refused.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []

    translator = browser(app, world.users["translator_es"])
    token = csrf_of(translator, "/account/tokens")
    breaking = {"title": "Aviso", "body": "The border is open.", "sms_text": "The border is open."}
    saved = translator.post(f"/translate/{world.v['pub'].id}/es", data=form_data(breaking, token))
    assert saved.status_code == 302  # a draft may say anything; submitting it is what the policy refuses
    before = snapshot(app)
    refused = translator.post(f"/translate/t/{world.t['pub_es'].id}/submit", data=form_data({"reason": ""}, token))
    assert refused.status_code == 422
    assert "This translation cannot go forward" in refused.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []
