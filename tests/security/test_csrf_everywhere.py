"""CSRF: every state-changing form of the site refuses a request that does not carry this session's token.

The walk goes over `app.url_map` itself, so a form added later is covered without anyone remembering to.
The JSON API is exempt from CSRF because it authenticates by bearer token only: that is checked too. So are Twilio's
webhooks, which a signature guards instead (tests/security/test_webhook_signatures.py).
"""
from __future__ import annotations

import pytest

from msgsys.sms import service
from tests.factories import PASSWORD
from tests.security.conftest import (
    STATE_CHANGING, WEBHOOK_KEYS, arg_values, browser, build_url, csrf_of, diff_snapshots, form_data, public_plans, snapshot,
    web_plans,
)

CSRF_MESSAGE = "The form expired or was not sent from this site"

# Every state-changing endpoint of the site and each variant a test plan covers (see conftest.web_plans).
PLAN_KEYS = [
    ("admin.user_list", ""), ("admin.user_edit", ""), ("admin.token_create", ""), ("admin.token_revoke", ""),
    ("policy.rule_create", ""), ("policy.rule_update", ""), ("policy.rule_deactivate", ""),
    ("policy.rule_review", "approve"), ("policy.rule_review", "reject"),
    ("content.campaign_list", ""), ("content.campaign_detail", ""), ("content.message_new_version", ""),
    ("content.version_edit", ""), ("workflow.version_restore", ""),
    ("workflow.version_step", "submit"), ("workflow.version_step", "approve"),
    ("workflow.version_step", "request_changes"), ("workflow.version_step", "retire"),
    ("translation.editor", ""), ("translation.take_step", "submit"), ("translation.take_step", "approve"),
    ("translation.take_step", "request_changes"), ("translation.glossary", ""), ("translation.catalog_upload", ""),
    ("auth.tokens", ""), ("auth.logout", ""), ("auth.revoke", ""),
    ("sms.subscriber_erase", ""), ("sms.keyword_add", ""), ("sms.keyword_approve", ""),
]
# Forms anyone may send (see conftest.public_plans): CSRF, but no roles.
PUBLIC_KEYS = ["auth.login", "public.subscribe"]


def _state_changing_rules(app):
    """Every state-changing route that a browser's session could drive: not the API, not Twilio's webhooks."""
    return [r for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING and not r.endpoint.startswith("api.")
            and r.endpoint not in WEBHOOK_KEYS]


def test_every_state_changing_page_of_the_site_has_a_plan_in_this_suite(app):
    """A new form must be taught to these tests (CSRF, roles); until it is, this fails and names it."""
    known = {endpoint for endpoint, _variant in PLAN_KEYS} | set(PUBLIC_KEYS) | set(WEBHOOK_KEYS)
    rules = [r for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING and not r.endpoint.startswith("api.")]
    missing = sorted({r.endpoint for r in rules} - known)
    assert not missing, f"state-changing endpoints without a security plan: {missing}"


def test_every_state_changing_route_refuses_a_request_without_a_csrf_token_and_changes_nothing(app, session, world):
    values = arg_values(session, world)
    plans = web_plans(session, world)
    by_endpoint = {endpoint: plan for (endpoint, _v), plan in plans.items()}
    by_endpoint.update({endpoint: (url, data, None) for endpoint, (url, data) in public_plans(world).items()})
    superuser = browser(app, world.users["superuser"])
    attacker = browser(app, world.users["author2"])
    foreign_token = csrf_of(attacker, "/account/tokens")  # a valid token, but of the attacker's own session
    before = snapshot(app)
    refused = []
    for rule in _state_changing_rules(app):
        url, data, _allowed = by_endpoint.get(rule.endpoint) or (build_url(rule, values), {}, None)
        for method in sorted(rule.methods & STATE_CHANGING):
            for label, token in (("no token", None), ("another session's token", foreign_token), ("forged token", "x" * 40)):
                response = superuser.open(url, method=method, data=form_data(data, token))
                body = response.get_data(as_text=True)
                if response.status_code != 400 or CSRF_MESSAGE not in body:
                    refused.append(f"{method} {url} with {label}: {response.status_code}")
    assert not refused, "accepted without a valid CSRF token:\n" + "\n".join(refused)
    assert diff_snapshots(before, snapshot(app)) == []
    # The POST /logout without a token did not sign the superuser out either.
    assert superuser.get("/admin/").status_code == 200


def test_the_token_may_not_ride_in_a_header_from_another_session(app, session, world):
    """X-CSRFToken is accepted by Flask-WTF; it must still be this session's token."""
    author = browser(app, world.users["author"])
    foreign = csrf_of(browser(app, world.users["author2"]), "/account/tokens")
    before = snapshot(app)
    response = author.post("/account/tokens", data={"name": "x"}, headers={"X-CSRFToken": foreign})
    assert response.status_code == 400
    assert diff_snapshots(before, snapshot(app)) == []


def test_signing_in_needs_the_login_forms_token(app, world):
    """Login CSRF: another site cannot sign a visitor into the attacker's account."""
    client = browser(app)
    response = client.post("/login", data={"email": world.users["author"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302  # still anonymous: sent to sign in


def test_subscribing_needs_the_forms_token(app, session, world):
    """Another site cannot subscribe a visitor's number (or anyone's) through the visitor's browser."""
    url, data = public_plans(world)["public.subscribe"]
    visitor = browser(app)
    own = csrf_of(visitor, url)  # the visitor has the form open, so their session holds a token
    foreign = csrf_of(browser(app), url)  # a valid token, but of another browser's session
    before = snapshot(app)
    for token in (None, foreign, "x" * 40):
        response = visitor.post(url, data=form_data(data, token))
        assert response.status_code == 400, (token, response.status_code)
        assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []
    # The control: with the form's own token, the same post goes through (a new subscriber, waiting to confirm).
    response = visitor.post(url, data=form_data(data, own))
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    session.expire_all()
    assert service.find(session, data["phone"]).state == "pending"


@pytest.mark.parametrize("key", PLAN_KEYS, ids=[f"{e}:{v}" if v else e for e, v in PLAN_KEYS])
def test_with_this_sessions_token_the_same_request_goes_through(app, session, world, key):
    """The control for the walk above: the very same request, with the token, is not refused as a forgery."""
    url, data, allowed = web_plans(session, world)[key]
    who = "author" if "author" in allowed else sorted(allowed)[0]  # the author owns the token auth.revoke names
    client = browser(app, world.users[who])
    before = snapshot(app)
    token = csrf_of(client, "/account/tokens")
    response = client.post(url, data=form_data(data, token))
    assert response.status_code in (200, 302), (who, response.status_code, response.get_data(as_text=True)[:800])
    assert diff_snapshots(before, snapshot(app)) != [], f"{key} as {who} changed nothing"


def test_the_api_ignores_the_session_cookie_so_it_needs_no_csrf(app, session, world):
    """The API is CSRF-exempt; that is only safe because a signed-in browser's cookie does not authenticate it."""
    client = browser(app, world.users["superuser"])
    before = snapshot(app)
    for method, url, body in (
        ("POST", "/api/v1/campaigns", {"slug": "via-cookie", "title": "x"}),
        ("POST", f"/api/v1/versions/{world.v['review'].id}/approve", {}),
        ("PUT", f"/api/v1/versions/{world.v['pub'].id}/translations/es", {"title": "a", "body": "b", "sms_text": "c"}),
    ):
        response = client.open(url, method=method, json=body)
        assert response.status_code == 401, (url, response.status_code)
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert diff_snapshots(before, snapshot(app)) == []
