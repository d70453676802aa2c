"""Every documented operation, called for real: each success, and each refusal every operation shares, fits the document.

The test client here checks each response against the document (tests/api/conftest.py); these tests make sure that
every operation is reached, so no part of the document goes unchecked.
"""
from __future__ import annotations

import re

import pytest

from tests.api.documented import checker_of
from tests.factories import ApiClient, ES, make_token, make_user

TEXT = {"title": "Registration is virtual", "body": "Register online first.", "sms_text": "Register online first."}


def _ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.json)
    return response.json


def _documented(app) -> dict[tuple[str, str], dict]:
    return {(method, path): op for path, ops in checker_of(app).doc["paths"].items() for method, op in ops.items()}


def _fill(path: str, **values) -> str:
    return re.sub(r"{([a-z_]+)}", lambda m: str(values[m.group(1)]), path)


@pytest.fixture
def people(client, session):
    """An author, an approver, two Spanish translators and a K'iche' one, each with a token."""
    users = {
        "author": make_user(session, roles="author"),
        "approver": make_user(session, roles="approver"),
        "es1": make_user(session, roles="translator", locales="es"),
        "es2": make_user(session, roles="translator", locales="es"),
        "quc": make_user(session, roles="translator", locales="quc"),
    }
    return {name: ApiClient(client, make_token(session, user)) for name, user in users.items()}


@pytest.fixture
def world(people):
    """A campaign and message with a published version (v2, after v1 was sent back), translated and approved in Spanish."""
    author, approver, es1, es2 = people["author"], people["approver"], people["es1"], people["es2"]
    _ok(author.call("POST", "/campaigns", {"slug": "docs", "title": "Docs", "target_locales": ["es"]}), 201)
    message = _ok(author.call("POST", "/campaigns/docs/messages", {"key": "register", "kind": "info"}), 201)
    v1 = _ok(author.call("POST", f"/messages/{message['id']}/versions", TEXT), 201)
    _ok(author.call("POST", f"/versions/{v1['id']}/submit"))
    _ok(approver.call("POST", f"/versions/{v1['id']}/request-changes", {"reason": "Say where."}))
    v2 = _ok(author.call("POST", f"/messages/{message['id']}/versions", {**TEXT, "body": "Register online first, at home."}), 201)
    _ok(author.call("POST", f"/versions/{v2['id']}/submit", {}))
    _ok(approver.call("POST", f"/versions/{v2['id']}/approve", {"reason": "Fine."}))
    translation = f"/versions/{v2['id']}/translations/es"
    _ok(es1.call("PUT", translation, ES))
    _ok(es1.call("POST", translation + "/submit"))
    _ok(es2.call("POST", translation + "/request-changes", {"reason": "Use usted."}))
    _ok(es1.call("PUT", translation, {**ES, "title": ES["title"] + "."}))
    _ok(es1.call("POST", translation + "/submit"))
    _ok(es2.call("POST", translation + "/approve", {}))
    draft = _ok(author.call("POST", f"/messages/{message['id']}/versions", {**TEXT, "title": "A draft"}), 201)
    review = _ok(author.call("POST", f"/messages/{message['id']}/versions", {**TEXT, "title": "In review"}), 201)
    _ok(author.call("POST", f"/versions/{review['id']}/submit"))
    # Approved to go live together with its Spanish translation, which does not exist yet: held.
    held_message = _ok(author.call("POST", "/campaigns/docs/messages", {"key": "held", "kind": "info"}), 201)
    held = _ok(author.call("POST", f"/messages/{held_message['id']}/versions", TEXT), 201)
    _ok(author.call("POST", f"/versions/{held['id']}/submit"))
    held = _ok(approver.call("POST", f"/versions/{held['id']}/approve", {"publication": "together"}))
    assert (held["state"], held["publication"], [t["name"] for t in held["allowed_transitions"]]) == (
        "approved", "together", ["retire", "publish_now"])
    return {"slug": "docs", "message_id": message["id"], "version_id": v2["id"], "other_id": v1["id"], "locale": "es",
            "draft_id": draft["id"], "review_id": review["id"], "held_id": held["id"]}


def _body(method: str, path: str) -> dict | None:
    """A body the operation accepts."""
    if method == "put":
        return ES
    if path == "/campaigns":
        return {"slug": "new", "title": "New"}
    if path.endswith("/messages"):
        return {"key": "new", "kind": "info"}
    if path.endswith("/versions"):
        return TEXT
    return {"reason": "A reason."}


def test_every_operation_answers_its_documented_success(app, people, world):
    author, approver, es1 = people["author"], people["approver"], people["es1"]
    anonymous = ApiClient(app.test_client())
    v, other = world["version_id"], world["other_id"]
    _ok(anonymous.call("GET", "/openapi.json"))
    _ok(author.call("GET", "/me"))
    _ok(author.call("GET", "/campaigns"))
    _ok(author.call("GET", "/campaigns/docs"))
    _ok(author.call("GET", f"/messages/{world['message_id']}/versions"))
    _ok(author.call("GET", f"/versions/{v}"))
    _ok(author.call("GET", f"/versions/{other}/diff/{v}"))
    _ok(es1.call("GET", f"/versions/{v}/translations/es"))
    _ok(approver.call("POST", f"/versions/{v}/retire", {"reason": "The process ended."}))
    assert _ok(approver.call("POST", f"/versions/{world['held_id']}/publish-now"))["state"] == "published"

    documented = {(method, path, status) for (method, path), op in _documented(app).items()
                  for status in op["responses"] if status.startswith("2")}
    seen = {entry for entry in checker_of(app).seen if entry[2].startswith("2")}
    assert documented - seen == set(), "operations never called with success"
    assert seen - documented == set()


def test_every_operation_refuses_a_missing_or_unknown_token_as_documented(app, world):
    for (method, path), op in _documented(app).items():
        if "401" not in op["responses"]:
            assert op["security"] == [], (method, path)
            continue
        url = _fill(path, **world)
        for api in (ApiClient(app.test_client()), ApiClient(app.test_client(), "not-a-token")):
            response = api.call(method.upper(), url, {} if "requestBody" in op else None)
            assert (response.status_code, response.json["error"]["code"]) == (401, "unauthorized"), (method, path)


def test_every_operation_that_names_a_row_answers_not_found_for_one_that_does_not_exist(app, people, world):
    for (method, path), op in _documented(app).items():
        if "{" not in path:
            continue
        assert "404" in op["responses"], (method, path)
        for missing in ({"version_id": 2**31 - 1, "message_id": 2**31 - 1, "other_id": 2**31 - 1},
                        {"slug": "no-such-campaign"}, {"locale": "fr"}):
            values = {**world, **missing}
            if not set(missing) & set(re.findall(r"{([a-z_]+)}", path)):
                continue
            who = people["es1"] if method == "put" else people["approver"]
            response = who.call(method.upper(), _fill(path, **values), _body(method, path) if "requestBody" in op else None)
            assert (response.status_code, response.json["error"]["code"]) == (404, "not_found"), (method, path, missing)


def test_every_operation_that_writes_refuses_a_token_without_the_role_as_documented(app, people, world):
    # Every role reads (a token with none, such as a partner's would be, is refused reading too): reads are not tried.
    for (method, path), op in _documented(app).items():
        if method == "get":
            continue
        assert "403" in op["responses"], (method, path)
        # Each step on a version in the state it starts from, so that only the role is wrong.
        version = {"submit": world["draft_id"], "approve": world["review_id"], "request-changes": world["review_id"],
                   "publish-now": world["held_id"]}
        step = path.rsplit("/", 1)[1]
        values = world
        if "translations" not in path:
            values = {**world, "version_id": version.get(step, world["version_id"])}
        elif step in ("submit", "approve", "request-changes"):
            translation = _fill("/versions/{version_id}/translations/es", **world)
            _ok(people["es1"].call("PUT", translation, {**ES, "title": ES["title"] + " " + step}))
            if step != "submit":
                _ok(people["es1"].call("POST", translation + "/submit"))
        response = people["quc"].call(method.upper(), _fill(path, **values), _body(method, path))
        assert (response.status_code, response.json["error"]["code"]) == (403, "permission_denied"), (method, path, response.json)


def test_every_operation_with_a_body_refuses_a_body_that_is_not_an_object_and_one_over_the_limit(app, people, world):
    too_big = "[" + " " * app.config["MAX_CONTENT_LENGTH"] + "]"
    for (method, path), op in _documented(app).items():
        if "requestBody" not in op:
            continue
        url = _fill(path, **world)
        for body, status, code in (("[]", 422, "validation_error"), ("not json", 422, "validation_error"),
                                   (too_big, 413, "request_entity_too_large")):
            response = people["author"].call(method.upper(), url, data=body, headers={"Content-Type": "application/json"})
            assert (response.status_code, response.json["error"]["code"]) == (status, code), (method, path, body[:10])
