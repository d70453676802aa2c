"""Approving a K'iche' advisory: until an approved K'iche' rule checks for "do not approach the border until
instructed", the reviewer confirms it in a recorded checkbox (web) or field (API).

Texts are placeholders in English: tests never write K'iche'.
"""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.errors import ValidationError
from msgsys.policy import review
from msgsys.policy import service as policy
from msgsys.translation import service as translations
from msgsys.translation.models import Translation
from tests.factories import login, make_published, make_token, make_translation, make_user, post_form
from tests.security.conftest import diff_snapshots, snapshot

TEXTS = {"title": "Placeholder title", "body": "Placeholder statement alpha. Placeholder body.", "sms_text": "Placeholder statement alpha."}
STATEMENT = {"rule_type": "required_statement", "pattern": "placeholder statement alpha", "severity": "block", "locale": "quc",
             "kinds": ["advisory"]}
LABEL = "I confirm that this text tells people not to approach the border until instructed."
REFUSAL = "Confirm that this text tells people not to approach the border until instructed"


@pytest.fixture
def quc2(session):
    return make_user(session, roles="translator", locales="quc")


def _in_review(session, team, kind="advisory", locale="quc"):
    _m, version = make_published(session, kind=kind, author=team["author"], approver=team["approver"])
    translator = team["quc"] if locale == "quc" else team["es1"]
    return version, make_translation(session, version, translator, locale, texts=TEXTS)


def _approval_event(session, translation):
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "translation.approve",
                                                  AuditEvent.subject_id == str(translation.id))).one()
    return json.loads(event.after)


def _statement_rule_approved(session, quc_reviewer):
    admin = make_user(session, roles="admin")
    rule = policy.create_rule(session, actor=admin, data=STATEMENT)
    session.commit()
    review.approve(session, rule_key=rule.rule_key, version=1, actor=quc_reviewer)
    session.commit()
    return rule


def test_without_the_confirmation_the_approval_is_refused_and_nothing_changes(app, session, team, quc2):
    _version, translation = _in_review(session, team)
    assert translations.statement_confirmation_needed(session, translation)
    before = snapshot(app)
    with pytest.raises(ValidationError, match=REFUSAL) as err:
        translations.transition(session, actor=quc2, translation=translation, name="approve")
    session.rollback()
    assert err.value.details == {"field": "confirm_required_statement"}
    assert diff_snapshots(before, snapshot(app)) == []

    translations.transition(session, actor=quc2, translation=translation, name="approve", confirm_required_statement=True)
    session.commit()
    assert translation.state == "approved"
    assert _approval_event(session, translation)["confirmed_required_statement"] is True


@pytest.mark.parametrize("kind, locale", [("info", "quc"), ("advisory", "es")])
def test_other_kinds_and_languages_need_no_confirmation(session, team, kind, locale):
    _version, translation = _in_review(session, team, kind=kind, locale=locale)
    assert not translations.statement_confirmation_needed(session, translation)
    reviewer = make_user(session, roles="translator", locales=locale)
    translations.transition(session, actor=reviewer, translation=translation, name="approve")
    session.commit()
    assert translation.state == "approved" and "confirmed_required_statement" not in _approval_event(session, translation)


def test_a_waiting_statement_rule_does_not_lift_it_and_an_approved_one_does(session, team, quc2):
    _version, translation = _in_review(session, team)
    admin = make_user(session, roles="admin")
    rule = policy.create_rule(session, actor=admin, data=STATEMENT)
    session.commit()
    assert translations.statement_confirmation_needed(session, translation)  # pending: checks nothing yet
    policy.create_rule(session, actor=admin, data={**STATEMENT, "locale": "es"})
    policy.create_rule(session, actor=admin, data={**STATEMENT, "locale": "*"})
    session.commit()
    assert translations.statement_confirmation_needed(session, translation)  # not K'iche' rules

    review.approve(session, rule_key=rule.rule_key, version=1, actor=team["quc"])
    session.commit()
    assert not translations.statement_confirmation_needed(session, translation)
    translations.transition(session, actor=quc2, translation=translation, name="approve")
    session.commit()
    assert translation.state == "approved" and "confirmed_required_statement" not in _approval_event(session, translation)


def test_a_warning_only_or_other_kinds_statement_rule_does_not_lift_it(session, team):
    _version, translation = _in_review(session, team)
    admin = make_user(session, roles="admin")
    for data in ({**STATEMENT, "severity": "warn"}, {**STATEMENT, "kinds": ["info"]}):
        rule = policy.create_rule(session, actor=admin, data=data)
        session.commit()
        review.approve(session, rule_key=rule.rule_key, version=1, actor=team["quc"])
        session.commit()
    assert translations.statement_confirmation_needed(session, translation)


# --- the web editor -----------------------------------------------------------------------------

def _browser(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_the_editor_shows_the_checkbox_and_refuses_an_approval_without_it(app, session, team, quc2):
    version, translation = _in_review(session, team)
    client = _browser(app, quc2)
    editor = f"/translate/{version.id}/quc"
    page = client.get(editor).get_data(as_text=True)
    assert LABEL in page and 'name="confirm_required_statement"' in page and 'type="checkbox"' in page

    before = snapshot(app)
    response = post_form(client, f"/translate/t/{translation.id}/approve", {"reason": ""}, form_url=editor)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert REFUSAL in html and "Nothing was changed." in html and LABEL in html
    assert diff_snapshots(before, snapshot(app)) == []

    response = post_form(client, f"/translate/t/{translation.id}/approve", {"reason": "", "confirm_required_statement": "y"},
                         form_url=editor)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Translation, translation.id).state == "approved"
    assert _approval_event(session, translation)["confirmed_required_statement"] is True


def test_the_editor_asks_nothing_once_an_approved_rule_checks_the_statement(app, session, team, quc2):
    version, translation = _in_review(session, team)
    _statement_rule_approved(session, team["quc"])
    client = _browser(app, quc2)
    editor = f"/translate/{version.id}/quc"
    assert LABEL not in client.get(editor).get_data(as_text=True)
    assert post_form(client, f"/translate/t/{translation.id}/approve", {"reason": ""}, form_url=editor).status_code == 302
    session.expire_all()
    assert session.get(Translation, translation.id).state == "approved"


# --- the JSON API -------------------------------------------------------------------------------

def _api(client, secret, method, url, json_body=None):
    return client.open(f"/api/v1{url}", method=method, json=json_body, headers={"Authorization": f"Bearer {secret}"})


def test_the_api_takes_the_confirmation_as_a_boolean_and_refuses_without_it(app, client, session, team, quc2):
    version, translation = _in_review(session, team)
    secret = make_token(session, quc2)
    url = f"/versions/{version.id}/translations/quc"
    detail = _api(client, secret, "GET", url).get_json()
    assert {t["name"]: t["needs_statement_confirmation"] for t in detail["allowed_transitions"]} == {"approve": True, "request_changes": False}

    before = snapshot(app, ignore_token_use=True)
    for body in (None, {}, {"confirm_required_statement": False}):
        response = _api(client, secret, "POST", url + "/approve", body)
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["code"] == "validation_error", body
        assert REFUSAL in error["message"] and error["details"]["field"] == "confirm_required_statement"
    response = _api(client, secret, "POST", url + "/approve", {"confirm_required_statement": "yes"})
    assert response.status_code == 422 and response.get_json()["error"]["details"]["field"] == "confirm_required_statement"
    assert diff_snapshots(before, snapshot(app, ignore_token_use=True)) == []

    response = _api(client, secret, "POST", url + "/approve", {"confirm_required_statement": True, "reason": "Checked."})
    assert response.status_code == 200 and response.get_json()["state"] == "approved"
    assert _approval_event(session, translation)["confirmed_required_statement"] is True


def test_the_api_needs_no_confirmation_once_an_approved_rule_checks_the_statement(client, session, team, quc2):
    version, translation = _in_review(session, team)
    _statement_rule_approved(session, team["quc"])
    secret = make_token(session, quc2)
    url = f"/versions/{version.id}/translations/quc"
    detail = _api(client, secret, "GET", url).get_json()
    assert [t["needs_statement_confirmation"] for t in detail["allowed_transitions"]] == [False, False]
    assert _api(client, secret, "POST", url + "/approve", {}).status_code == 200


def test_the_openapi_document_describes_the_confirmation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    approve = doc["paths"]["/versions/{version_id}/translations/{locale}/approve"]["post"]
    ref = approve["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    field = schema["properties"]["confirm_required_statement"]
    assert field["type"] == "boolean" and field["default"] is False
    assert "not to approach the border until instructed" in field["description"]
    assert "confirm_required_statement" in approve["summary"]
    steps = doc["components"]["schemas"]["AllowedTranslationTransition"]["properties"]
    assert steps["needs_statement_confirmation"]["type"] == "boolean"
