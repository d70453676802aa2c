"""HTTP method confusion: a GET (a link, an <img src>, a prefetch) never changes anything, a method a route does not
take is refused with 405, and no header or parameter turns one method into another.
"""
from __future__ import annotations

from tests.security.conftest import (
    STATE_CHANGING, arg_values, browser, build_url, csrf_of, diff_snapshots, snapshot, web_plans,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_a_method_a_route_does_not_take_is_refused_and_changes_nothing(app, session, world):
    values = arg_values(session, world)
    client = browser(app, world.users["superuser"])
    token = csrf_of(client, "/account/tokens")  # a valid token, so CSRF does not hide what routing decides
    api_headers = {"Authorization": f"Bearer {world.tokens['superuser']}"}
    before = snapshot(app, ignore_denials=True, ignore_token_use=True)
    problems = []
    for rule in app.url_map.iter_rules():
        url = build_url(rule, values)
        api = rule.endpoint.startswith("api.")
        for method in METHODS:
            if method in rule.methods:
                continue
            # Another rule may take this method on the same path (/admin/policy GET and POST are two rules).
            try:
                app.url_map.bind("msgsys.test").match(url, method=method)
                continue
            except Exception:  # noqa: BLE001 - MethodNotAllowed or NotFound: no rule takes it
                pass
            if api:
                response = app.test_client().open(url, method=method, json={}, headers=api_headers)
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            if response.status_code not in (405, 404):
                problems.append(f"{method} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert diff_snapshots(before, snapshot(app, ignore_denials=True, ignore_token_use=True)) == []


def test_a_get_carrying_a_forms_fields_changes_nothing(app, session, world):
    """A forged link or <img src> to a form's URL, with the form's fields (and even a valid token) in the query string."""
    values = arg_values(session, world)
    plans = web_plans(session, world)
    fields = {}
    for _url, data, _allowed in plans.values():
        fields.update({k: v for k, v in data.items() if not isinstance(v, bytes)})
    clients = {who: browser(app, world.users[who]) for who in ("superuser", "author", "approver", "translator_es2", "admin")}
    before = snapshot(app, ignore_denials=True)
    for who, client in clients.items():
        token = csrf_of(client, "/account/tokens")
        urls = [url for url, _d, _a in plans.values()]
        urls += [build_url(r, values) for r in app.url_map.iter_rules() if "GET" in r.methods and not r.endpoint.startswith("api.")]
        for url in urls:
            for method in ("GET", "HEAD", "OPTIONS"):
                response = client.open(url, method=method, query_string={**fields, "csrf_token": token},
                                       headers={"X-HTTP-Method-Override": "POST"})
                # (HEAD on the translation editor answers 422: the view treats any non-GET as a submission; harmless.)
                assert response.status_code < 500, (method, url, response.status_code)
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


def test_the_method_override_header_does_not_turn_a_get_into_a_workflow_step(app, session, world):
    approver = browser(app, world.users["approver"])
    v = world.v["review"]
    for headers in ({"X-HTTP-Method-Override": "POST"}, {"X-Method-Override": "POST"}, {"X-HTTP-Method": "POST"}):
        response = approver.get(f"/admin/versions/{v.id}/approve", query_string={"_method": "POST", "reason": "ok"}, headers=headers)
        assert response.status_code == 405
    session.refresh(v)
    assert v.state == "in_review"


def test_state_changing_forms_are_posts_only_and_their_pages_say_which_methods(app):
    """Every rule that changes state takes no GET unless its GET only shows the form (the walk above proves that)."""
    mixed = sorted(r.endpoint for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING and "GET" in r.methods)
    # These show a form on GET and act on POST; anything else taking both needs a look.
    assert set(mixed) <= {"auth.login", "auth.tokens", "admin.user_list", "admin.user_edit", "content.campaign_list",
                          "content.campaign_detail", "content.message_new_version", "content.version_edit",
                          "translation.editor", "translation.glossary", "translation.catalog_upload", "public.subscribe"}, mixed
