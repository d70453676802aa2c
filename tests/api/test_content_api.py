"""The JSON API for campaigns, messages and versions, through the real app with real tokens."""
from __future__ import annotations

import pytest
from sqlmodel import select

from msgsys.auth.models import ApiToken
from msgsys.content.models import Campaign, Message, MessageVersion
from tests.factories import ApiClient, make_token, make_user

ADVISORY_STATEMENT = "Do not approach the border until instructed to do so."
CAMPAIGN = {
    "slug": "mpp-2021", "title": "MPP processing", "objective": "Tell people how registration works.",
    "source_locale": "en", "target_locales": ["es", "quc"], "audience_countries": ["GT", "MX"],
    "starts_on": "2021-02-19", "ends_on": "2021-06-30",
}


def _api(client, session, roles):
    user = make_user(session, roles=roles)
    return ApiClient(client, make_token(session, user)), user


@pytest.fixture
def author(client, session):
    return _api(client, session, "author")[0]


@pytest.fixture
def approver(client, session):
    return _api(client, session, "approver")[0]


def _version(api, *, kind="info", title="Registration is virtual", body="Register online first.", sms="Register online first.", slug="mpp-2021"):
    """A campaign (made once), a message of that kind and a draft version; returns the version JSON."""
    if api.get(f"/campaigns/{slug}").status_code == 404:
        assert api.post("/campaigns", {**CAMPAIGN, "slug": slug}).status_code == 201
    key = f"{kind.replace('_', '-')}-{len(api.get(f'/campaigns/{slug}').json['messages']) + 1}"
    message = api.post(f"/campaigns/{slug}/messages", {"key": key, "kind": kind, "channels": ["web", "sms"]})
    assert message.status_code == 201, message.json
    version = api.post(f"/messages/{message.json['id']}/versions", {"title": title, "body": body, "sms_text": sms})
    assert version.status_code == 201, version.json
    return version.json


def _error(response, status, code):
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code, response.json
    return response.json["error"]


# The happy path -----------------------------------------------------------------------------

def test_author_drafts_and_submits_and_another_person_approves_and_it_is_published(author, approver):
    created = author.post("/campaigns", CAMPAIGN)
    assert created.status_code == 201
    campaign = created.json
    assert campaign["slug"] == "mpp-2021" and campaign["target_locales"] == ["es", "quc"]
    assert campaign["audience_countries"] == ["GT", "MX"] and campaign["starts_on"] == "2021-02-19"
    assert campaign["created_at"] == "2026-03-02T15:00:00Z"
    assert [c["slug"] for c in author.get("/campaigns").json["campaigns"]] == ["mpp-2021"]

    message = author.post("/campaigns/mpp-2021/messages", {"key": "register-online", "kind": "info", "channels": ["web", "sms"]})
    assert message.status_code == 201
    assert message.json["latest_version"] is None and message.json["channels"] == ["web", "sms"]

    draft = author.post(f"/messages/{message.json['id']}/versions", {
        "title": "Registration is virtual", "body": "Register online **first**.", "sms_text": "Register online first.",
        "change_note": "first draft",
    })
    assert draft.status_code == 201
    assert draft.json["state"] == "draft" and draft.json["number"] == 1
    assert [t["name"] for t in draft.json["allowed_transitions"]] == ["submit"]
    version_id = draft.json["id"]

    submitted = author.post(f"/versions/{version_id}/submit")
    assert submitted.status_code == 200
    assert submitted.json["state"] == "in_review" and submitted.json["submitted_at"] == "2026-03-02T15:00:00Z"
    assert author.get(f"/versions/{version_id}").json["allowed_transitions"] == []
    assert [t["name"] for t in approver.get(f"/versions/{version_id}").json["allowed_transitions"]] == ["approve", "request_changes"]

    approved = approver.post(f"/versions/{version_id}/approve", {"reason": "matches the advisory"})
    assert approved.status_code == 200
    assert approved.json["state"] == "published" and approved.json["published_at"] == "2026-03-02T15:00:00Z"
    assert approved.json["review_reason"] == "matches the advisory"

    detail = author.get("/campaigns/mpp-2021").json
    assert detail["messages"] == [{
        **message.json,
        "latest_version": {"id": version_id, "number": 1, "state": "published"},
        "published_version": {"id": version_id, "number": 1, "state": "published"},
    }]


def test_versions_are_listed_newest_first_and_times_are_utc(author, approver, session):
    first = _version(author)
    message_id = first["message_id"]
    second = author.post(f"/messages/{message_id}/versions", {
        "title": "Registration is virtual", "body": "Register online.", "sms_text": "Register online.",
        "go_live_at": "2026-03-05T09:00:00-06:00", "expires_at": "2026-04-01T00:00:00+00:00",
    })
    assert second.status_code == 201
    assert second.json["go_live_at"] == "2026-03-05T15:00:00Z" and second.json["expires_at"] == "2026-04-01T00:00:00Z"
    listed = author.get(f"/messages/{message_id}/versions").json["versions"]
    assert [v["number"] for v in listed] == [2, 1]

    author.post(f"/versions/{second.json['id']}/submit")
    approved = approver.post(f"/versions/{second.json['id']}/approve")
    assert approved.json["state"] == "approved"  # goes live later, by the scheduler


def test_an_approver_retires_a_published_version_with_a_reason(author, approver):
    version = _version(author)
    author.post(f"/versions/{version['id']}/submit")
    approver.post(f"/versions/{version['id']}/approve")
    _error(approver.post(f"/versions/{version['id']}/retire"), 422, "validation_error")
    retired = approver.post(f"/versions/{version['id']}/retire", {"reason": "the process ended"})
    assert retired.status_code == 200
    assert retired.json["state"] == "retired" and retired.json["retire_reason"] == "the process ended"


# Who may do what ----------------------------------------------------------------------------

def test_four_eyes_an_author_who_is_also_approver_cannot_approve_their_own_version(client, session):
    both, _user = _api(client, session, "author,approver")
    version = _version(both)
    assert both.post(f"/versions/{version['id']}/submit").status_code == 200
    assert "approve" not in [t["name"] for t in both.get(f"/versions/{version['id']}").json["allowed_transitions"]]

    error = _error(both.post(f"/versions/{version['id']}/approve"), 403, "permission_denied")
    assert "Four eyes" in error["message"]
    _error(both.post(f"/versions/{version['id']}/request-changes", {"reason": "self-review"}), 403, "permission_denied")
    assert both.get(f"/versions/{version['id']}").json["state"] == "in_review"


@pytest.mark.parametrize("roles", ["translator", "approver"])
def test_translators_and_approvers_cannot_create_campaigns(client, session, roles):
    api, _user = _api(client, session, roles)
    _error(api.post("/campaigns", CAMPAIGN), 403, "permission_denied")
    assert session.exec(select(Campaign)).all() == []


def test_an_approver_cannot_add_messages_or_draft_versions(author, approver):
    version = _version(author)
    _error(approver.post("/campaigns/mpp-2021/messages", {"key": "other", "kind": "info"}), 403, "permission_denied")
    _error(approver.post(f"/messages/{version['message_id']}/versions", {"title": "x", "body": "y", "sms_text": "z"}), 403, "permission_denied")
    assert len(author.get(f"/messages/{version['message_id']}/versions").json["versions"]) == 1


def test_only_the_author_submits_their_draft(client, session, author):
    version = _version(author)
    other, _user = _api(client, session, "author")
    _error(other.post(f"/versions/{version['id']}/submit"), 403, "permission_denied")
    assert author.get(f"/versions/{version['id']}").json["state"] == "draft"


# The workflow's refusals ---------------------------------------------------------------------

def test_approving_a_draft_is_an_invalid_transition(author, approver):
    version = _version(author)
    error = _error(approver.post(f"/versions/{version['id']}/approve"), 409, "invalid_transition")
    assert error["details"]["state"] == "draft"
    assert author.get(f"/versions/{version['id']}").json["state"] == "draft"


def test_request_changes_needs_a_reason(author, approver):
    version = _version(author)
    author.post(f"/versions/{version['id']}/submit")
    error = _error(approver.post(f"/versions/{version['id']}/request-changes", {}), 422, "validation_error")
    assert error["details"]["field"] == "reason"
    _error(approver.post(f"/versions/{version['id']}/request-changes", {"reason": "   "}), 422, "validation_error")
    assert author.get(f"/versions/{version['id']}").json["state"] == "in_review"

    sent_back = approver.post(f"/versions/{version['id']}/request-changes", {"reason": "Add the date of the next step."})
    assert sent_back.status_code == 200
    assert sent_back.json["state"] == "changes_requested" and sent_back.json["review_reason"] == "Add the date of the next step."


# Advisory policy -----------------------------------------------------------------------------

@pytest.fixture
def seeded(session):
    from msgsys.policy import service as policy

    policy.seed_rules(session)
    session.commit()


def test_an_advisory_without_the_required_statement_cannot_be_submitted(author, seeded):
    version = _version(author, kind="advisory", title="MPP update", body="Registration is online.", sms="Registration is online.")
    report = author.get(f"/versions/{version['id']}").json["policy"]
    assert report["blocking"] is True

    error = _error(author.post(f"/versions/{version['id']}/submit"), 422, "policy_violation")
    violations = error["details"]["violations"]
    missing = [v for v in violations if v["rule_type"] == "required_statement"]
    assert missing and missing[0]["severity"] == "block"
    assert set(missing[0]) >= {"rule_type", "severity", "field", "start", "end", "excerpt", "message"}
    assert "approach the border until" in missing[0]["message"]
    assert sorted(v["field"] for v in missing) == ["body", "sms_text"]  # each channel must say it
    assert author.get(f"/versions/{version['id']}").json["state"] == "draft"


def test_an_advisory_with_the_statement_passes(author, seeded):
    version = _version(author, kind="advisory", body=f"Registration is online. {ADVISORY_STATEMENT}", sms=ADVISORY_STATEMENT)
    assert version["policy"] == {"blocking": False, "violations": []}
    assert author.post(f"/versions/{version['id']}/submit").json["state"] == "in_review"


def test_a_forbidden_claim_in_a_pathway_is_refused_with_its_place(author, seeded):
    body = "Good news: the border is open for everyone."
    version = _version(author, kind="pathway", body=body, sms="Register online.")
    error = _error(author.post(f"/versions/{version['id']}/submit"), 422, "policy_violation")
    claim = [v for v in error["details"]["violations"] if v["rule_type"] == "forbidden_phrase"][0]
    assert claim["field"] == "body"
    assert body[claim["start"]:claim["end"]].lower() == "border is open"
    assert "border is open" in claim["excerpt"]
    assert author.get(f"/versions/{version['id']}").json["state"] == "draft"


# Bad input changes nothing -------------------------------------------------------------------

@pytest.mark.parametrize("raw, content_type, field", [
    ("{not json", "application/json", "body"),
    ("[1, 2]", "application/json", "body"),
    ('"a string"', "application/json", "body"),
    ("slug=x&title=y", "application/x-www-form-urlencoded", "body"),
])
def test_a_body_that_is_not_a_json_object_is_refused(author, session, raw, content_type, field):
    response = author.client.post("/api/v1/campaigns", data=raw, headers={**author.headers, "Content-Type": content_type})
    assert _error(response, 422, "validation_error")["details"]["field"] == field
    assert session.exec(select(Campaign)).all() == []


@pytest.mark.parametrize("change, field", [
    ({"title": 42}, "title"),
    ({"title": None}, "title"),
    ({"target_locales": "es"}, "target_locales"),
    ({"target_locales": ["fr"]}, "target_locales.0"),
    ({"audience_countries": [1]}, "audience_countries.0"),
    ({"starts_on": 20210219}, "starts_on"),
    ({"owner_id": 1}, "owner_id"),
    ({"slug": "Not A Slug"}, "slug"),
    ({"ends_on": "2021-01-01"}, "ends_on"),
])
def test_wrong_types_and_unknown_fields_in_a_campaign_are_refused(author, session, change, field):
    error = _error(author.post("/campaigns", {**CAMPAIGN, **change}), 422, "validation_error")
    assert error["details"]["field"] == field
    assert session.exec(select(Campaign)).all() == []


def test_a_missing_required_field_is_named(author):
    error = _error(author.post("/campaigns", {"slug": "x"}), 422, "validation_error")
    assert error["details"]["field"] == "title"
    assert [e["type"] for e in error["details"]["errors"]] == ["missing"]


@pytest.mark.parametrize("body, field", [
    ({"key": "k", "kind": "poem"}, "kind"),
    ({"key": "k", "kind": "info", "channels": "web"}, "channels"),
    ({"key": "k", "kind": "info", "channels": []}, "channels"),
    ({"key": "k", "kind": "info", "campaign_id": 9}, "campaign_id"),
    ({"key": 7, "kind": "info"}, "key"),
])
def test_bad_messages_are_refused(author, session, body, field):
    author.post("/campaigns", CAMPAIGN)
    assert _error(author.post("/campaigns/mpp-2021/messages", body), 422, "validation_error")["details"]["field"] == field
    assert session.exec(select(Message)).all() == []


@pytest.mark.parametrize("change, field", [
    ({"title": 1}, "title"),
    ({"body": ["a"]}, "body"),
    ({"state": "approved"}, "state"),
    ({"author_id": 1}, "author_id"),
    ({"go_live_at": "tomorrow"}, "go_live_at"),
    ({"go_live_at": "2026-03-05T09:00:00"}, "go_live_at"),  # no offset: ambiguous, refused
    ({"go_live_at": 1772700000}, "go_live_at"),
    ({"go_live_at": "2026-03-06T00:00:00Z", "expires_at": "2026-03-05T00:00:00Z"}, "expires_at"),
    ({"sms_text": ""}, "sms_text"),
    ({"title": "x" * 201}, "title"),
    ({"body": "hidden \u202e text"}, "body"),
])
def test_bad_versions_are_refused_and_nothing_is_written(author, session, change, field):
    version = _version(author)
    body = {"title": "Registration", "body": "Register online.", "sms_text": "Register online.", **change}
    error = _error(author.post(f"/messages/{version['message_id']}/versions", body), 422, "validation_error")
    assert error["details"]["field"] == field
    assert len(session.exec(select(MessageVersion)).all()) == 1


def test_unknown_fields_in_a_transition_are_refused_and_the_state_holds(author):
    version = _version(author)
    error = _error(author.post(f"/versions/{version['id']}/submit", {"state": "approved"}), 422, "validation_error")
    assert error["details"]["field"] == "state"
    _error(author.post(f"/versions/{version['id']}/submit", {"reason": 5}), 422, "validation_error")
    assert author.get(f"/versions/{version['id']}").json["state"] == "draft"


def test_duplicates_are_conflicts(author):
    author.post("/campaigns", CAMPAIGN)
    assert _error(author.post("/campaigns", CAMPAIGN), 409, "conflict")["details"]["field"] == "slug"
    author.post("/campaigns/mpp-2021/messages", {"key": "k", "kind": "info"})
    _error(author.post("/campaigns/mpp-2021/messages", {"key": "k", "kind": "pathway"}), 409, "conflict")
    assert len(author.get("/campaigns/mpp-2021").json["messages"]) == 1


# Not found, diff, tokens ---------------------------------------------------------------------

def test_unknown_things_are_404(author):
    version = _version(author)
    _error(author.get("/campaigns/nope"), 404, "not_found")
    _error(author.post("/campaigns/nope/messages", {"key": "k", "kind": "info"}), 404, "not_found")
    _error(author.get("/messages/999/versions"), 404, "not_found")
    _error(author.post("/messages/999/versions", {"title": "t", "body": "b", "sms_text": "s"}), 404, "not_found")
    _error(author.get("/versions/999"), 404, "not_found")
    _error(author.post("/versions/999/submit"), 404, "not_found")
    _error(author.get(f"/versions/{version['id']}/diff/999"), 404, "not_found")
    _error(author.get("/versions/abc"), 404, "not_found")
    _error(author.get("/versions/0"), 404, "not_found")
    _error(author.get("/versions/99999999999999999999"), 404, "not_found")  # too big for any id column
    _error(author.get("/nothing-here"), 404, "not_found")


def test_diff_shows_word_operations_per_field(author):
    first = _version(author, title="Registration is virtual", body="Register online first.", sms="Register online.")
    second = author.post(f"/messages/{first['message_id']}/versions", {
        "title": "Registration is virtual", "body": "Register online today.", "sms_text": "Register online.",
    }).json
    diff = author.get(f"/versions/{first['id']}/diff/{second['id']}")
    assert diff.status_code == 200
    assert diff.json["from"] == first["id"] and diff.json["to"] == second["id"]
    fields = diff.json["fields"]
    assert set(fields) == {"title", "body", "sms_text"}
    assert fields["title"]["changed"] is False and fields["sms_text"]["changed"] is False
    assert fields["body"]["changed"] is True
    assert {"op": "replace", "old": "first.", "new": "today."} in fields["body"]["ops"]
    assert "".join(op["new"] for op in fields["body"]["ops"]) == "Register online today."


def test_a_revoked_token_is_refused_everywhere(client, session, runner):
    user = make_user(session, roles="author")
    api = ApiClient(client, make_token(session, user))
    assert api.post("/campaigns", CAMPAIGN).status_code == 201
    token_id = session.exec(select(ApiToken)).one().id
    assert runner.invoke(args=["users", "revoke-token", str(token_id)]).exit_code == 0
    _error(api.get("/campaigns"), 401, "unauthorized")
    _error(api.post("/campaigns", {**CAMPAIGN, "slug": "another"}), 401, "unauthorized")
    _error(api.post("/campaigns/mpp-2021/messages", {"key": "k", "kind": "info"}), 401, "unauthorized")
    assert [c.slug for c in session.exec(select(Campaign)).all()] == ["mpp-2021"]


def test_no_token_no_content(client):
    _error(client.get("/api/v1/campaigns"), 401, "unauthorized")
    _error(client.post("/api/v1/campaigns", json=CAMPAIGN), 401, "unauthorized")
