"""Roles: every state-changing page refuses every identity that may not take the action, with a valid CSRF token
and otherwise valid data, so the role (or four eyes, or the locale) is the only reason. Anonymous visitors are
sent to sign in; signed-in people get 403; nothing changes but the audit row recording the refusal.
The JSON API is walked the same way with bearer tokens.
"""
from __future__ import annotations

import pytest

from tests.security.conftest import (
    ALL_IDENTITIES, browser, csrf_of, diff_snapshots, form_data, last_audit_id, audit_actions, snapshot, web_plans,
)
from tests.security.test_csrf_everywhere import PLAN_KEYS


@pytest.mark.parametrize("key", PLAN_KEYS, ids=[f"{e}:{v}" if v else e for e, v in PLAN_KEYS])
def test_web_refuses_every_wrong_role_and_changes_nothing(app, session, world, key):
    url, data, allowed = web_plans(session, world)[key]
    wrong = [who for who in ALL_IDENTITIES if who not in allowed]
    assert "anonymous" in wrong
    problems = []
    for who in wrong:
        client = browser(app, world.user(who))
        token = csrf_of(client, "/login" if who == "anonymous" else "/account/tokens")
        before, since = snapshot(app, ignore_denials=True), last_audit_id(app)
        response = client.post(url, data=form_data(data, token))
        if who == "anonymous":
            if response.status_code != 302 or not response.headers["Location"].split("?")[0].endswith("/login"):
                problems.append(f"anonymous: {response.status_code} {response.headers.get('Location')}")
        elif response.status_code != 403:
            problems.append(f"{who}: {response.status_code}")
        elif not [e for e in audit_actions(app, since) if e["action"] == "permission.denied" and e["actor_id"] == world.users[who].id]:
            problems.append(f"{who}: refused, but the refusal left no audit event")
        changed = diff_snapshots(before, snapshot(app, ignore_denials=True))
        if changed:
            problems.append(f"{who}: changed {changed}")
    assert not problems, f"{url}:\n" + "\n".join(problems)


# --- the JSON API -------------------------------------------------------------------------------

def api_plans(w):
    """(method, url, body, identities allowed)."""
    authors = frozenset({"author", "author2", "author_approver"})
    es = frozenset({"translator_es", "translator_es2"})
    v, T = w.v, "/api/v1"
    tr = {"title": "t", "body": "b.", "sms_text": "s."}
    return {
        "create_campaign": ("POST", f"{T}/campaigns", {"slug": "api-new", "title": "New"}, authors),
        "create_message": ("POST", f"{T}/campaigns/{w.campaign.slug}/messages", {"key": "api-key", "kind": "info"}, authors),
        "create_version": ("POST", f"{T}/messages/{w.m['draft'].id}/versions", {"title": "t", "body": "b", "sms_text": "s"}, authors),
        "submit_version": ("POST", f"{T}/versions/{v['draft'].id}/submit", {}, frozenset({"author"})),
        "approve_version": ("POST", f"{T}/versions/{v['review'].id}/approve", {}, frozenset({"approver"})),
        "request_changes": ("POST", f"{T}/versions/{v['review'].id}/request-changes", {"reason": "no"}, frozenset({"approver"})),
        "retire_version": ("POST", f"{T}/versions/{v['pub'].id}/retire", {"reason": "old"}, frozenset({"approver", "author_approver"})),
        "publish_version_now": ("POST", f"{T}/versions/{v['held'].id}/publish-now", {}, frozenset({"approver", "author_approver"})),
        "save_translation": ("PUT", f"{T}/versions/{v['pub'].id}/translations/es", tr, es),
        "submit_translation": ("POST", f"{T}/versions/{v['pub'].id}/translations/es/submit", {}, frozenset({"translator_es"})),
        "approve_translation": ("POST", f"{T}/versions/{v['pub2'].id}/translations/es/approve", {}, frozenset({"translator_es2"})),
        "request_translation_changes": ("POST", f"{T}/versions/{v['pub2'].id}/translations/es/request-changes",
                                        {"reason": "no"}, frozenset({"translator_es2"})),
    }


API_KEYS = ["create_campaign", "create_message", "create_version", "submit_version", "approve_version", "request_changes",
            "retire_version", "publish_version_now", "save_translation", "submit_translation", "approve_translation", "request_translation_changes"]
BAD_CREDENTIALS = ["no header", "basic scheme", "unknown token", "revoked token", "deactivated account"]


def test_every_state_changing_api_endpoint_has_a_plan(app):
    endpoints = {r.endpoint.removeprefix("api.") for r in app.url_map.iter_rules()
                 if r.endpoint.startswith("api.") and r.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert endpoints - set(API_KEYS) == set()


@pytest.mark.parametrize("key", API_KEYS)
def test_api_refuses_every_wrong_role_and_changes_nothing(app, session, world, key):
    method, url, body, allowed = api_plans(world)[key]
    client = app.test_client()
    problems = []
    for who in [w for w in ALL_IDENTITIES if w != "anonymous" and w not in allowed]:
        before = snapshot(app, ignore_denials=True, ignore_token_use=True)
        response = client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {world.tokens[who]}"})
        if response.status_code != 403 or response.get_json()["error"]["code"] != "permission_denied":
            problems.append(f"{who}: {response.status_code} {response.get_json()}")
        changed = diff_snapshots(before, snapshot(app, ignore_denials=True, ignore_token_use=True))
        if changed:
            problems.append(f"{who}: changed {changed}")
    assert not problems, f"{method} {url}:\n" + "\n".join(problems)
    # The control: the same call from a person who may make it goes through.
    who = sorted(allowed)[0]
    response = client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {world.tokens[who]}"})
    assert response.status_code in (200, 201), (who, response.status_code, response.get_json())


def _bad_header(session, world, kind):
    from msgsys.auth import service as users

    if kind == "no header":
        return {}
    if kind == "basic scheme":
        return {"Authorization": f"Basic {world.tokens['superuser']}"}
    if kind == "unknown token":
        return {"Authorization": "Bearer msg_" + "A" * 43}
    if kind == "revoked token":
        token = users.list_tokens(session, user=world.users["superuser"])[0]
        users.revoke_token(session, token_id=token.id, label="test")
        session.commit()
        return {"Authorization": f"Bearer {world.tokens['superuser']}"}
    user = world.users["superuser"]
    user.active = False
    session.add(user)
    session.commit()
    return {"Authorization": f"Bearer {world.tokens['superuser']}"}


@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_api_refuses_every_call_without_good_credentials(app, session, world, kind):
    """Every API route but the OpenAPI document: 401 with a JSON error, and nothing changes."""
    headers = _bad_header(session, world, kind)
    before = snapshot(app)
    client = app.test_client()
    calls = [(m, u, b) for m, u, b, _a in api_plans(world).values()]
    v = world.v["pub"]
    calls += [("GET", u, None) for u in ("/api/v1/me", "/api/v1/campaigns", f"/api/v1/campaigns/{world.campaign.slug}",
                                         f"/api/v1/messages/{world.m['pub'].id}/versions", f"/api/v1/versions/{world.v['draft'].id}",
                                         f"/api/v1/versions/{v.id}/diff/{world.v['pub_next'].id}", f"/api/v1/versions/{v.id}/translations/es")]
    for method, url, body in calls:
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 401, (kind, url, response.status_code)
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "MARK-" not in response.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []
    assert client.get("/api/v1/openapi.json", headers=headers).status_code == 200


def test_every_api_read_route_is_covered_by_the_credentials_walk(app):
    reads = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and "GET" in r.methods}
    covered = {"/api/v1/openapi.json", "/api/v1/me", "/api/v1/campaigns", "/api/v1/campaigns/<slug>",
               "/api/v1/messages/<id:message_id>/versions", "/api/v1/versions/<id:version_id>",
               "/api/v1/versions/<id:version_id>/diff/<id:other_id>", "/api/v1/versions/<id:version_id>/translations/<locale>"}
    assert reads - covered == set()


# --- pages that only show things ----------------------------------------------------------------

STAFF = set(ALL_IDENTITIES) - {"anonymous"}
READ_ROLES = {
    "admin.user_list": {"admin"}, "admin.user_edit": {"admin"}, "admin.audit_log": {"admin"},
    "workflow.review_queue": {"approver", "author_approver"},
    "translation.index": {"translator_es", "translator_es2", "translator_quc"},
    "translation.glossary": {"translator_es", "translator_es2"}, "translation.editor": {"translator_es", "translator_es2"},
    "translation.catalog_upload": {"translator_es", "translator_es2"}, "translation.catalog_download": {"translator_es", "translator_es2"},
    # Numbers are personal data: only those who manage subscribers see them. Keywords: their admins, and the translators
    # of the language whose keywords wait for approval. Inbound texts (numbers masked): every officer. The sandbox
    # outbox: those who write, approve and send messages.
    "sms.subscribers": {"admin"}, "sms.subscriber_detail": {"admin"}, "sms.keyword_list": {"admin", "translator_quc"},
    "sms.inbound": STAFF, "sms.outbox": {"author", "author2", "approver", "author_approver", "admin"},
}


def test_every_officers_page_refuses_anonymous_visitors_and_the_wrong_roles(app, session, world):
    from tests.security.conftest import arg_values, build_url

    values = arg_values(session, world)
    values["version_id"] = world.v["pub"].id  # translatable, so the editor shows for its translators
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and not r.endpoint.startswith(("public.", "api.", "static"))
             and r.endpoint not in ("auth.login",)]
    clients = {who: browser(app, world.user(who)) for who in ALL_IDENTITIES}
    problems = []
    for rule in rules:
        url = build_url(rule, values)
        allowed = READ_ROLES.get(rule.endpoint, STAFF)
        for who, client in clients.items():
            response = client.get(url)
            if who == "anonymous":
                ok = response.status_code == 302 and "/login" in response.headers["Location"]
            elif who in allowed:
                ok = response.status_code in (200, 302)
            else:
                ok = response.status_code == 403
            if not ok:
                problems.append(f"{who} GET {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
