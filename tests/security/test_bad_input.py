"""Invariant 8: bad input gets a clear error and changes nothing. Oversized and hostile text through every form,
numbers too large for the database in every URL, and type confusion in every JSON API call.
"""
from __future__ import annotations

import io

import pytest

from tests.security.conftest import browser, csrf_of, diff_snapshots, snapshot

RLO = "\u202e"  # right-to-left override: makes "evil.com/gro.su" read as something else


def _post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_of(client, form_url or url)})


def _web_forms(w):
    """(who, url, valid data, form page): each form of the site with data it accepts."""
    v = w.v
    version = {"title": "T", "body": "B.", "sms_text": "S.", "change_note": ""}
    return {
        "campaign": ("author", "/admin/campaigns", {"slug": "ok-slug", "title": "T", "objective": "", "source_locale": "en",
                                                     "target_locales": ["es"], "audience_countries": ["GT"]}, None),
        "message": ("author", f"/admin/campaigns/{w.campaign.slug}", {"key": "ok-key", "kind": "info", "channels": ["web", "sms"]}, None),
        "version": ("author", f"/admin/messages/{w.m['draft'].id}/edit", version, None),
        "version_edit": ("author", f"/admin/versions/{v['draft'].id}/edit", version, None),
        "request_changes": ("approver", f"/admin/versions/{v['review'].id}/request_changes", {"reason": "r"}, f"/admin/versions/{v['review'].id}"),
        "retire": ("approver", f"/admin/versions/{v['pub'].id}/retire", {"reason": "r"}, f"/admin/versions/{v['pub'].id}"),
        "translation": ("translator_es", f"/translate/{v['pub2'].id}/es", {"title": "T", "body": "B.", "sms_text": "S."}, None),
        "translation_changes": ("translator_es2", f"/translate/t/{w.t['pub2_es'].id}/request_changes", {"reason": "r"},
                                f"/translate/{v['pub2'].id}/es"),
        "glossary": ("translator_es", "/translate/glossary/es", {"source_term": "sea", "required_translation": "mar", "note": ""}, None),
        "rule": ("admin", "/admin/policy", {"rule_type": "forbidden_phrase", "pattern": "x y", "severity": "block", "locale": "*",
                                            "description": ""}, None),
        "user": ("admin", "/admin/users", {"email": "ok@example.org", "name": "", "roles": ["author"], "password": "long enough pass"}, None),
        "token": ("author", "/account/tokens", {"name": "t"}, None),
        "admin_token": ("admin", f"/admin/users/{w.users['author'].id}/tokens", {"name": "t"}, f"/admin/users/{w.users['author'].id}"),
    }


# (form, field, longest accepted length)
LIMITS = [
    ("campaign", "slug", 80), ("campaign", "title", 200), ("campaign", "objective", 2000), ("message", "key", 80),
    ("version", "title", 200), ("version", "body", 20_000), ("version", "sms_text", 1600), ("version", "change_note", 500),
    ("version_edit", "title", 200), ("request_changes", "reason", 2000), ("retire", "reason", 2000),
    ("translation", "title", 200), ("translation", "body", 20_000), ("translation", "sms_text", 1600),
    ("translation_changes", "reason", 2000), ("glossary", "source_term", 120), ("glossary", "required_translation", 120),
    ("glossary", "note", 500), ("rule", "pattern", 2000), ("rule", "description", 500), ("user", "name", 120),
    ("user", "password", 1000), ("token", "name", 80), ("admin_token", "name", 80),
]


@pytest.mark.parametrize("form,field,limit", LIMITS, ids=[f"{f}.{n}" for f, n, _l in LIMITS])
def test_a_field_one_character_too_long_is_refused_with_a_message_and_changes_nothing(app, session, world, form, field, limit):
    who, url, data, form_url = _web_forms(world)[form]
    client = browser(app, world.users[who])
    fill = "a" * (limit + 1)
    before = snapshot(app, ignore_denials=True)
    response = _post(client, url, {**data, field: fill}, form_url)
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    assert "at most" in page or "too long" in page or "characters" in page, "no message says what is wrong"
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


@pytest.mark.parametrize("form", ["campaign", "version", "translation", "glossary", "rule", "user", "token"])
def test_the_same_forms_accept_their_valid_data(app, session, world, form):
    """The control for the test above: with the field in bounds, the form does change something."""
    who, url, data, form_url = _web_forms(world)[form]
    client = browser(app, world.users[who])
    before = snapshot(app)
    response = _post(client, url, data, form_url)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:400]
    assert diff_snapshots(before, snapshot(app)) != []


@pytest.mark.parametrize("form,field", [("version", "title"), ("version", "body"), ("version", "sms_text"), ("version", "change_note"),
                                        ("campaign", "title"), ("campaign", "objective"), ("translation", "title"),
                                        ("translation", "body")])
@pytest.mark.parametrize("hostile", [RLO + "lanigiro", "bell\x07", "nul\x00byte", "esc\x1b[31m"], ids=["rlo", "bell", "nul", "ansi"])
def test_control_and_direction_override_characters_are_refused(app, session, world, form, field, hostile):
    who, url, data, form_url = _web_forms(world)[form]
    client = browser(app, world.users[who])
    before = snapshot(app, ignore_denials=True)
    response = _post(client, url, {**data, field: f"Text {hostile} here"}, form_url)
    assert response.status_code == 422
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


@pytest.mark.parametrize("form", ["request_changes", "retire", "translation_changes"])
@pytest.mark.parametrize("hostile", [RLO + "lanigiro", "nul\x00byte"], ids=["rlo", "nul"])
def test_control_and_direction_override_characters_in_a_reason_are_refused(app, session, world, form, hostile):
    who, url, data, form_url = _web_forms(world)[form]
    client = browser(app, world.users[who])
    before = snapshot(app, ignore_denials=True)
    response = _post(client, url, {"reason": f"Please fix {hostile} this"}, form_url)
    assert response.status_code == 422
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


def test_a_request_body_over_the_limit_is_refused_whole(app, session, world):
    client, es = browser(app, world.users["author"]), browser(app, world.users["translator_es"])
    before = snapshot(app, ignore_token_use=True)
    token = csrf_of(client, f"/admin/messages/{world.m['draft'].id}/edit")
    huge = "a" * (5 * 1024 * 1024)
    response = client.post(f"/admin/messages/{world.m['draft'].id}/edit",
                           data={"csrf_token": token, "title": "t", "body": huge, "sms_text": "s"})
    assert response.status_code == 413
    token = csrf_of(es, f"/translate/catalog/{world.campaign.slug}/es")
    response = es.post(f"/translate/catalog/{world.campaign.slug}/es",
                       data={"csrf_token": token, "file": (io.BytesIO(b"#" * (5 * 1024 * 1024)), "big.po")})
    assert response.status_code == 413
    response = app.test_client().post(f"/api/v1/messages/{world.m['draft'].id}/versions", data='{"title": "' + huge + '"}',
                                      headers={"Authorization": f"Bearer {world.tokens['author']}", "Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "request_entity_too_large"
    assert diff_snapshots(before, snapshot(app, ignore_token_use=True)) == []


@pytest.mark.parametrize("content", [
    b"\xff\xfe not utf-8 \x80\x81", b"\x00\x01\x02 binary", b"msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: campaign:sec-campaign\\n\"\n\"Language: quc\\n\"\n",
    b"msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: campaign:other\\n\"\n\"Language: es\\n\"\n", b"msgid \"unterminated\nmsgstr \"",
    b"#" * (2 * 1024 * 1024 + 10),
], ids=["not-utf8", "binary", "wrong-locale", "wrong-campaign", "broken", "over-2mb"])
def test_a_hostile_catalog_upload_is_refused_whole_with_a_message(app, session, world, content):
    es = browser(app, world.users["translator_es"])
    url = f"/translate/catalog/{world.campaign.slug}/es"
    before = snapshot(app, ignore_denials=True)
    response = es.post(url, data={"csrf_token": csrf_of(es, url), "file": (io.BytesIO(content), "x.po")})
    assert response.status_code in (403, 422), response.status_code
    assert "Nothing was applied" in response.get_data(as_text=True) or response.status_code == 403
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


def test_a_catalog_with_hostile_text_in_a_translation_is_refused_whole(app, session, world):
    from tests.security.conftest import catalog_bytes

    data = catalog_bytes(session, world).replace(b'msgstr "ES ', b'msgstr "\\x1b ES ', 1).replace(b"\\x1b", "\u202e".encode())
    es = browser(app, world.users["translator_es"])
    url = f"/translate/catalog/{world.campaign.slug}/es"
    before = snapshot(app, ignore_denials=True)
    response = es.post(url, data={"csrf_token": csrf_of(es, url), "file": (io.BytesIO(data), "x.po")})
    assert response.status_code == 422
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


# --- numbers too large for the database -----------------------------------------------------

HUGE = "99999999999999999999"  # more than 64 bits; SQLite raises OverflowError, PostgreSQL "integer out of range"


@pytest.mark.parametrize("url", [
    f"/admin/versions/{HUGE}", f"/admin/messages/{HUGE}", f"/admin/users/{HUGE}", f"/admin/versions/{HUGE}/edit",
    f"/admin/messages/{HUGE}/edit", f"/translate/{HUGE}/es", "/admin/versions/1/diff/" + HUGE,
])
def test_an_id_too_large_for_the_database_is_a_plain_not_found(app, world, url):
    response = browser(app, world.users["superuser"]).get(url)
    assert response.status_code == 404


def test_an_audit_page_number_too_large_is_not_a_crash(app, world):
    response = browser(app, world.users["admin"]).get(f"/admin/audit?page={HUGE}")
    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize("url", ["/api/v1/versions/0", "/api/v1/versions/-1", "/api/v1/versions/2147483648",
                                 f"/api/v1/versions/{HUGE}", "/api/v1/versions/abc",
                                 "/api/v1/versions/1/translations/xx", "/api/v1/versions/1/translations/ES",
                                 "/api/v1/versions/1/translations/es%2F..%2Fen", "/api/v1/campaigns/..%2F..%2Fetc"])
def test_api_ids_and_locales_that_name_nothing_are_a_json_not_found(app, world, url):
    response = app.test_client().get(url, headers={"Authorization": f"Bearer {world.tokens['author']}"})
    assert response.status_code == 404, response.status_code
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method,url", [("GET", f"/api/v1/messages/{HUGE}/versions"), ("GET", "/api/v1/messages/0/versions"),
                                        ("PUT", "/api/v1/versions/0/translations/es")])
def test_api_ids_that_name_nothing_are_not_found_whatever_the_method(app, world, method, url):
    response = app.test_client().open(url, method=method, json={}, headers={"Authorization": f"Bearer {world.tokens['author']}"})
    assert response.status_code == 404, response.status_code


# --- JSON API type confusion ------------------------------------------------------------------

def _api_calls(w):
    v = w.v
    return {
        "campaign": ("author", "POST", "/api/v1/campaigns", {"slug": "api-ok", "title": "T"}),
        "message": ("author", "POST", f"/api/v1/campaigns/{w.campaign.slug}/messages", {"key": "api-ok", "kind": "info"}),
        "version": ("author", "POST", f"/api/v1/messages/{w.m['draft'].id}/versions", {"title": "T", "body": "B", "sms_text": "S"}),
        "submit": ("author", "POST", f"/api/v1/versions/{v['draft'].id}/submit", {}),
        "approve": ("approver", "POST", f"/api/v1/versions/{v['review'].id}/approve", {}),
        "request_changes": ("approver", "POST", f"/api/v1/versions/{v['review'].id}/request-changes", {"reason": "r"}),
        "retire": ("approver", "POST", f"/api/v1/versions/{v['pub'].id}/retire", {"reason": "r"}),
        "translation": ("translator_es", "PUT", f"/api/v1/versions/{v['pub2'].id}/translations/es",
                        {"title": "T", "body": "B.", "sms_text": "S."}),
        "translation_approve": ("translator_es2", "POST", f"/api/v1/versions/{v['pub2'].id}/translations/es/approve", {}),
        "translation_changes": ("translator_es2", "POST", f"/api/v1/versions/{v['pub2'].id}/translations/es/request-changes",
                                {"reason": "r"}),
    }


WHOLE_BODIES = [b"not json", b"[]", b"null", b'"text"', b"1", b"true", b"{", b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000,
                b'{"reason": "a", "reason": 5}']


def _deep(n):
    body = {}
    for _ in range(n):
        body = {"x": body}
    return body


FIELD_CONFUSION = {
    "campaign": [{"slug": 1, "title": "T"}, {"slug": "a", "title": ["T"]}, {"slug": "a", "title": "T", "target_locales": "es"},
                 {"slug": "a", "title": "T", "target_locales": ["xx"]}, {"slug": "a", "title": "T", "starts_on": "tomorrow"},
                 {"slug": "a", "title": "T", "owner_id": 1}, {"slug": "a", "title": None}, {"slug": {"$ne": ""}, "title": "T"},
                 {"slug": "a", "title": "T", "audience_countries": [1]}, {"slug": "Bad Slug!", "title": "T"}],
    "message": [{"key": "k", "kind": "evil"}, {"key": "k", "kind": "info", "channels": []}, {"key": "k", "kind": "info", "channels": "web"},
                {"key": 5, "kind": "info"}, {"key": "k", "kind": ["info"]}, {"key": "k", "kind": "info", "channels": ["fax"]}],
    "version": [{"title": 1}, {"title": True}, {"title": "T", "body": ["B"]}, {"title": "T", "body": "B", "sms_text": "S", "state": "published"},
                {"title": "T", "body": "B", "sms_text": "S", "go_live_at": "2026-04-01T09:00:00"},
                {"title": "T", "body": "B", "sms_text": "S", "go_live_at": 1775000000},
                {"title": "T", "body": "B", "sms_text": "S", "author_id": 1}, {"title": "x" * 201, "body": "B", "sms_text": "S"},
                {"title": "T", "body": "B", "sms_text": "S", "go_live_at": "2026-04-02T00:00:00Z", "expires_at": "2026-04-01T00:00:00Z"},
                {"title": "T", "body": "B", "sms_text": "S" * 1601}, {"title": "T\u202e", "body": "B", "sms_text": "S"}, _deep(200)],
    "submit": [{"reason": 5}, {"reason": ["a"]}, {"reason": None}, {"state": "published"}],
    "approve": [{"reason": 5}, {"reason": {"a": 1}}, {"approved_by": 1}, {"reason": "x" * 2001}],
    "request_changes": [{"reason": 5}, {}, {"reason": "   "}, {"reason": "x" * 2001}],
    "retire": [{"reason": False}, {}, {"reason": "x" * 2001}],
    "translation": [{"title": "T", "body": "B."}, {"title": 1, "body": "B.", "sms_text": "S."},
                    {"title": "T", "body": "B.", "sms_text": "S.", "state": "approved"},
                    {"title": "T", "body": "B.", "sms_text": "S.", "approved_revision_id": 1},
                    {"title": "T", "body": "B" * 20_001, "sms_text": "S."}, {"title": "T", "body": "B.\x00", "sms_text": "S."}],
    "translation_approve": [{"reason": 1}, {"revision": 1}],
    "translation_changes": [{"reason": []}, {}],
}


@pytest.mark.parametrize("call", list(FIELD_CONFUSION))
def test_api_type_confusion_gets_a_clear_error_and_changes_nothing(app, session, world, call):
    who, method, url, _ok = _api_calls(world)[call]
    headers = {"Authorization": f"Bearer {world.tokens[who]}"}
    client = app.test_client()
    before = snapshot(app, ignore_token_use=True)
    problems = []
    bodies = [(b, "application/json") for b in WHOLE_BODIES] + [(None, "form")]
    for raw, ctype in bodies:
        if raw is None:
            response = client.open(url, method=method, data={"title": "T"}, headers=headers)
        else:
            response = client.open(url, method=method, data=raw, headers={**headers, "Content-Type": ctype})
        body = response.get_json(silent=True) or {}
        if response.status_code != 422 or body.get("error", {}).get("code") != "validation_error" or not body["error"].get("message"):
            problems.append(f"{raw[:30] if raw else 'form'!r}: {response.status_code} {body}")
    for payload in FIELD_CONFUSION[call]:
        response = client.open(url, method=method, json=payload, headers=headers)
        body = response.get_json(silent=True) or {}
        if response.status_code != 422 or not body.get("error", {}).get("message"):
            problems.append(f"{str(payload)[:80]}: {response.status_code} {str(body)[:200]}")
    assert not problems, "\n".join(problems)
    assert diff_snapshots(before, snapshot(app, ignore_token_use=True)) == []
    # The control: the well-formed call goes through.
    response = client.open(url, method=method, json=_ok, headers=headers)
    assert response.status_code in (200, 201), response.get_json()


@pytest.mark.parametrize("call", ["translation_approve", "translation_changes"])
def test_api_refuses_an_oversized_translation_review_reason(app, session, world, call):
    who, method, url, _ok = _api_calls(world)[call]
    before = snapshot(app, ignore_token_use=True)
    response = app.test_client().open(url, method=method, json={"reason": "x" * 5000},
                                      headers={"Authorization": f"Bearer {world.tokens[who]}"})
    assert response.status_code == 422
    assert diff_snapshots(before, snapshot(app, ignore_token_use=True)) == []
