"""The JSON API for translations, through the real app with real tokens: locale-bound rights, four eyes, checks."""
from __future__ import annotations

import pytest
from sqlmodel import select

from msgsys.translation import service as translations
from msgsys.translation.models import Translation, TranslationRevision
from tests.factories import ApiClient, ES, make_campaign, make_message, make_published, make_token, make_user, make_version


@pytest.fixture
def team(client, session):
    """Users with their API clients: an author, an approver, two Spanish translators and a K'iche' one."""
    people = {
        "author": make_user(session, roles="author"),
        "approver": make_user(session, roles="approver"),
        "es1": make_user(session, roles="translator", locales="es"),
        "es2": make_user(session, roles="translator", locales="es"),
        "quc": make_user(session, roles="translator", locales="quc"),
    }
    return {name: (ApiClient(client, make_token(session, user)), user) for name, user in people.items()}


@pytest.fixture
def version(session, team):
    """A published source version (English, translated into es and quc)."""
    return make_published(session, author=team["author"][1], approver=team["approver"][1])[1]


def _url(version, locale="es", step=""):
    vid = version if isinstance(version, int) else version.id
    return f"/versions/{vid}/translations/{locale}" + (f"/{step}" if step else "")


def _put(api, version, texts=None, locale="es"):
    return api.put(_url(version, locale), ES if texts is None else texts)


def _error(response, status, code):
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code, response.json
    return response.json["error"]


def _steps(response):
    return [t["name"] for t in response.json["allowed_transitions"]]


def _saved(session):
    return session.exec(select(Translation)).all(), session.exec(select(TranslationRevision)).all()


# The happy path -----------------------------------------------------------------------------

def test_a_translator_writes_and_submits_and_a_second_one_approves(session, team, version):
    es1, es1_user = team["es1"]
    es2, es2_user = team["es2"]

    saved = _put(es1, version)
    assert saved.status_code == 200, saved.json
    body = saved.json
    assert (body["version_id"], body["locale"], body["state"]) == (version.id, "es", "draft")
    revision = body["current_revision"]
    assert {k: revision[k] for k in ("number", "title", "body", "sms_text", "author_id", "author_label", "origin")} == {
        "number": 1, **ES, "author_id": es1_user.id, "author_label": es1_user.email, "origin": "api"}
    assert revision["created_at"] == "2026-03-02T15:00:00Z"
    assert body["approved_revision"] is None and body["outdated_fields"] == []
    assert body["checks"]["blocking"] is False and all(not i["blocking"] for i in body["checks"]["issues"])
    assert _steps(saved) == ["submit"]

    submitted = es1.post(_url(version, step="submit"))
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["state"] == "in_review" and _steps(submitted) == []
    assert _steps(es2.get(_url(version))) == ["approve", "request_changes"]
    assert _steps(team["quc"][0].get(_url(version))) == []  # staff may read; only Spanish translators act

    approved = es2.post(_url(version, step="approve"), {"reason": "Reads well."})
    assert approved.status_code == 200, approved.json
    shown = es1.get(_url(version))
    assert shown.status_code == 200
    assert shown.json["state"] == "approved" and shown.json["review_reason"] == "Reads well."
    assert shown.json["reviewed_by_id"] == es2_user.id and shown.json["reviewed_at"] == "2026-03-02T15:00:00Z"
    assert shown.json["approved_revision"] == {"id": revision["id"], "number": 1}
    assert shown.json["current_revision"]["id"] == revision["id"]

    resolved = translations.resolve(session, version=version, locale="es")
    assert (resolved.locale, resolved.title) == ("es", ES["title"])


def test_a_new_save_returns_to_draft_while_the_approved_revision_keeps_serving(team, version):
    es1, es2 = team["es1"][0], team["es2"][0]
    first = _put(es1, version).json["current_revision"]
    es1.post(_url(version, step="submit"))
    es2.post(_url(version, step="approve"))

    again = _put(es2, version, {**ES, "title": "Vías legales y seguras"})
    assert again.status_code == 200
    assert again.json["state"] == "draft" and again.json["current_revision"]["number"] == 2
    assert again.json["current_revision"]["author_id"] == team["es2"][1].id
    assert again.json["approved_revision"] == {"id": first["id"], "number": 1}


# Who may do what ----------------------------------------------------------------------------

def test_four_eyes_the_translator_cannot_approve_or_send_back_their_own_text(team, version):
    es1 = team["es1"][0]
    _put(es1, version)
    es1.post(_url(version, step="submit"))

    error = _error(es1.post(_url(version, step="approve")), 403, "permission_denied")
    assert "Four eyes" in error["message"]
    _error(es1.post(_url(version, step="request-changes"), {"reason": "self-review"}), 403, "permission_denied")
    shown = es1.get(_url(version)).json
    assert shown["state"] == "in_review" and shown["approved_revision"] is None


def test_a_kiche_translator_cannot_write_or_review_spanish(session, team, version):
    quc = team["quc"][0]
    error = _error(_put(quc, version), 403, "permission_denied")
    assert error["message"] == "You do not translate Spanish."
    assert _saved(session) == ([], [])

    _put(team["es1"][0], version)
    team["es1"][0].post(_url(version, step="submit"))
    _error(_put(quc, version), 403, "permission_denied")
    _error(quc.post(_url(version, step="approve")), 403, "permission_denied")
    shown = quc.get(_url(version)).json
    assert shown["state"] == "in_review" and shown["current_revision"]["number"] == 1


@pytest.mark.parametrize("who", ["author", "approver"])
def test_people_who_are_not_translators_cannot_write_translations(session, team, version, who):
    _error(_put(team[who][0], version), 403, "permission_denied")
    assert _saved(session) == ([], [])


def test_a_token_is_needed(client, version):
    _error(client.get(f"/api/v1{_url(version)}"), 401, "unauthorized")
    _error(client.put(f"/api/v1{_url(version)}", json=ES), 401, "unauthorized")


# The workflow's refusals ---------------------------------------------------------------------

def test_an_unapproved_source_version_cannot_be_translated(session, team):
    draft = make_version(session, make_message(session), team["author"][1])
    error = _error(_put(team["es1"][0], draft), 409, "invalid_transition")
    assert "approved" in error["message"]
    assert _saved(session) == ([], [])


def test_a_locale_that_is_not_a_target_of_the_campaign_is_refused(session, team):
    campaign = make_campaign(session, targets=("es",))
    version = make_published(session, author=team["author"][1], approver=team["approver"][1], campaign=campaign)[1]
    error = _error(_put(team["quc"][0], version, locale="quc"), 422, "validation_error")
    assert error["details"]["field"] == "locale"
    english = ApiClient(team["es1"][0].client, make_token(session, make_user(session, roles="translator", locales="en")))
    _error(_put(english, version, locale="en"), 422, "validation_error")  # the source language itself
    assert _saved(session) == ([], [])


def test_approving_a_draft_is_an_invalid_transition(team, version):
    _put(team["es1"][0], version)
    error = _error(team["es2"][0].post(_url(version, step="approve")), 409, "invalid_transition")
    assert error["details"]["state"] == "draft"


def test_request_changes_needs_a_reason(team, version):
    es1, es2 = team["es1"][0], team["es2"][0]
    _put(es1, version)
    es1.post(_url(version, step="submit"))
    error = _error(es2.post(_url(version, step="request-changes")), 422, "validation_error")
    assert error["details"]["field"] == "reason"
    _error(es2.post(_url(version, step="request-changes"), {"reason": "   "}), 422, "validation_error")
    assert es2.get(_url(version)).json["state"] == "in_review"

    sent_back = es2.post(_url(version, step="request-changes"), {"reason": "Use 'asilo'."})
    assert sent_back.status_code == 200
    assert sent_back.json["state"] == "changes_requested" and sent_back.json["review_reason"] == "Use 'asilo'."
    assert _put(es1, version).json["state"] == "draft"


# Checks -------------------------------------------------------------------------------------

def test_a_changed_link_blocks_submission_and_the_state_stays_draft(session, team):
    version = make_published(session, author=team["author"][1], approver=team["approver"][1],
                             body="See https://www.uscis.gov/ today.", sms_text="See https://www.uscis.gov/")[1]
    es1 = team["es1"][0]
    texts = {"title": "Vías legales", "body": "Vea https://example.com/ hoy.", "sms_text": "Vea https://www.uscis.gov/"}
    saved = _put(es1, version, texts)
    assert saved.status_code == 200 and saved.json["checks"]["blocking"] is True
    assert {(i["field"], i["code"]) for i in saved.json["checks"]["issues"] if i["blocking"]} == {("body", "urls")}

    error = _error(es1.post(_url(version, step="submit")), 422, "policy_violation")
    violations = error["details"]["violations"]
    assert all(set(v) == {"field", "code", "message", "blocking"} for v in violations)
    urls = [v for v in violations if v["code"] == "urls"]
    assert urls and urls[0]["field"] == "body" and urls[0]["blocking"] is True and "uscis.gov" in urls[0]["message"]
    assert es1.get(_url(version)).json["state"] == "draft"


# Bad input changes nothing -------------------------------------------------------------------

@pytest.mark.parametrize("raw, content_type, field", [
    ("{not json", "application/json", "body"),
    ("[1, 2]", "application/json", "body"),
    ('"Vías"', "application/json", "body"),
    ("title=x&body=y", "application/x-www-form-urlencoded", "body"),
    ('{"title": 42, "body": "b", "sms_text": "s"}', "application/json", "title"),
    ('{"title": "t", "body": ["b"], "sms_text": "s"}', "application/json", "body"),
    ('{"title": "t", "body": "b", "sms_text": null}', "application/json", "sms_text"),
    ('{"title": "t", "body": "b"}', "application/json", "sms_text"),
    ('{"title": "t", "body": "b", "sms_text": "s", "state": "approved"}', "application/json", "state"),
    ('{"title": "t", "body": "b", "sms_text": "s", "origin": "carried"}', "application/json", "origin"),
    ('{"title": "' + "x" * 201 + '", "body": "b", "sms_text": "s"}', "application/json", "title"),  # the service's limit
    ('{"title": "t", "body": "hidden \\u202e text", "sms_text": "s"}', "application/json", "body"),
])
def test_bad_bodies_are_refused_and_nothing_is_saved(session, team, version, raw, content_type, field):
    es1 = team["es1"][0]
    response = es1.put(_url(version), data=raw, content_type=content_type)
    assert _error(response, 422, "validation_error")["details"]["field"] == field
    assert _saved(session) == ([], [])

    _put(es1, version)
    response = es1.put(_url(version), data=raw, content_type=content_type)
    _error(response, 422, "validation_error")
    translations_, revisions = _saved(session)
    assert len(translations_) == 1 and [r.number for r in revisions] == [1]


def test_unknown_fields_in_a_step_are_refused_and_the_state_holds(team, version):
    es1 = team["es1"][0]
    _put(es1, version)
    assert _error(es1.post(_url(version, step="submit"), {"state": "approved"}), 422, "validation_error")["details"]["field"] == "state"
    _error(es1.post(_url(version, step="submit"), {"reason": 5}), 422, "validation_error")
    assert es1.get(_url(version)).json["state"] == "draft"


# Not found ----------------------------------------------------------------------------------

def test_an_unstarted_translation_is_not_found(team, version):
    es1 = team["es1"][0]
    error = _error(es1.get(_url(version)), 404, "not_found")
    assert error["message"] == f"Version {version.number} has no Spanish translation yet."
    assert error["details"] == {"version_id": version.id, "locale": "es"}
    _error(team["es2"][0].post(_url(version, step="submit")), 404, "not_found")
    _error(team["es2"][0].post(_url(version, step="approve")), 404, "not_found")


def test_unknown_versions_and_locales_are_not_found(session, team, version):
    es1 = team["es1"][0]
    _error(es1.get(_url(999)), 404, "not_found")
    _error(_put(es1, 999), 404, "not_found")
    _error(es1.post(_url(999, step="submit")), 404, "not_found")
    assert "fr" in _error(es1.get(_url(version, "fr")), 404, "not_found")["message"]
    _error(_put(es1, version, locale="fr"), 404, "not_found")
    _error(es1.get(f"/versions/{version.id}/translations/es/publish"), 404, "not_found")
    assert _saved(session) == ([], [])


def test_the_openapi_document_describes_the_translation_operations(client):
    doc = client.get("/api/v1/openapi.json").json
    ops = doc["paths"]["/versions/{version_id}/translations/{locale}"]
    assert set(ops) == {"get", "put"}
    assert ops["put"]["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TranslationSave"}
    assert {"403", "404", "409", "422"} <= set(ops["put"]["responses"])
    assert ops["get"]["parameters"][1]["schema"]["enum"] == ["en", "es", "quc"]
    schemas = doc["components"]["schemas"]
    assert schemas["TranslationSave"]["additionalProperties"] is False
    assert set(schemas["TranslationSave"]["required"]) == {"title", "body", "sms_text"}
    assert set(schemas["TranslationDetail"]["properties"]) >= {
        "state", "outdated_fields", "current_revision", "approved_revision", "checks", "allowed_transitions"}
    submit = doc["paths"]["/versions/{version_id}/translations/{locale}/submit"]["post"]["responses"]["422"]
    assert {"$ref": "#/components/schemas/TranslationPolicyViolation"} in submit["content"]["application/json"]["schema"]["oneOf"]
    details = schemas["TranslationPolicyViolation"]["properties"]["error"]["properties"]["details"]
    assert details == {"$ref": "#/components/schemas/TranslationPolicyViolationDetails"}
    items = schemas["TranslationPolicyViolationDetails"]["properties"]["violations"]["items"]
    assert items == {"$ref": "#/components/schemas/TranslationIssue"}
    assert set(schemas["TranslationIssue"]["properties"]) == {"field", "code", "message", "blocking"}


def test_a_co_writer_is_not_offered_approval_and_another_translator_is(client, session, team, version):
    """es1 wrote a revision, es2 rewrote and submitted it: es1's text is in it, so only a third translator may approve."""
    es3 = make_user(session, roles="translator", locales="es")
    third = ApiClient(client, make_token(session, es3))
    es1, es2 = team["es1"][0], team["es2"][0]
    assert _put(es1, version).status_code in (200, 201)
    assert _put(es2, version, {**ES, "title": ES["title"] + " (revisado)"}).status_code in (200, 201)
    assert es2.post(_url(version, step="submit")).status_code == 200
    def offered(api):
        return [t["name"] for t in api.get(_url(version)).json["allowed_transitions"]]

    assert "approve" not in offered(es1)
    assert "approve" in offered(third)
    _error(es1.post(_url(version, step="approve")), 403, "permission_denied")
