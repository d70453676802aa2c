"""Through the API: four eyes across versions, expired versions, and who published a version."""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from tests.api.test_content_api import _error, _version
from tests.factories import ApiClient, make_token, make_user

LAUNDERED = "You wrote text this version carries"
TEXT = {"title": "Registration is virtual", "body": "Register online first.", "sms_text": "Register online first."}


def _people(client, session):
    """A writes and approves, B writes, C approves: each with a token."""
    users = [make_user(session, roles=r) for r in ("author,approver", "author", "approver")]
    return [(ApiClient(client, make_token(session, u)), u) for u in users]


def _committed_state(app, version_id):
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.text("SELECT state FROM messageversion WHERE id = :id"), {"id": version_id}).scalar_one()


def _steps(api, version_id):
    return [t["name"] for t in api.get(f"/versions/{version_id}").json["allowed_transitions"]]


def test_a_colleague_re_saving_the_approvers_text_does_not_let_him_approve_it(app, client, session):
    (a, a_user), (b, _b_user), (c, c_user) = _people(client, session)
    v1 = _version(a, **{"sms": TEXT["sms_text"]})
    assert a.post(f"/versions/{v1['id']}/submit").status_code == 200
    assert c.post(f"/versions/{v1['id']}/request-changes", {"reason": "Say where."}).status_code == 200
    # B posts the same text again as a new version of the message.
    v2 = b.post(f"/messages/{v1['message_id']}/versions", {"title": v1["title"], "body": v1["body"], "sms_text": v1["sms_text"]})
    assert v2.status_code == 201 and v2.json["author_id"] != a_user.id
    v2 = v2.json
    assert b.post(f"/versions/{v2['id']}/submit").status_code == 200

    assert _steps(a, v2["id"]) == []
    for name in ("approve", "request-changes"):
        error = _error(a.post(f"/versions/{v2['id']}/{name}", {"reason": "fine"}), 403, "permission_denied")
        assert LAUNDERED in error["message"] and "version 1" in error["message"]
        assert _committed_state(app, v2["id"]) == "in_review"
    refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied", AuditEvent.actor_id == a_user.id)).all()
    assert len(refusals) == 2 and all(LAUNDERED in e.note and e.subject_id == str(v2["id"]) for e in refusals)
    assert json.loads(refusals[0].after)["wrote_versions"] == [1]

    # An approver who wrote none of it can.
    assert _steps(c, v2["id"]) == ["approve", "request_changes"]
    approved = c.post(f"/versions/{v2['id']}/approve", {"reason": "checked"})
    assert approved.status_code == 200 and approved.json["state"] == "published"


def test_the_writer_of_an_approved_version_approves_a_colleagues_new_version(app, client, session):
    (a, a_user), (b, _b_user), (c, _c_user) = _people(client, session)
    v1 = _version(a)
    a.post(f"/versions/{v1['id']}/submit")
    assert c.post(f"/versions/{v1['id']}/approve").json["state"] == "published"
    v2 = b.post(f"/messages/{v1['message_id']}/versions", {**TEXT, "body": "Register online first, then wait for a call."}).json
    b.post(f"/versions/{v2['id']}/submit")

    assert _steps(a, v2["id"]) == ["approve", "request_changes"]
    approved = a.post(f"/versions/{v2['id']}/approve", {"reason": "checked"})
    assert approved.status_code == 200 and approved.json["state"] == "published" and approved.json["reviewed_by_id"] == a_user.id


def test_a_version_whose_expiry_has_passed_cannot_be_approved(app, client, session, clock):
    (a, _a_user), (_b, _b_user), (c, _c_user) = _people(client, session)
    message_id = _version(a)["message_id"]
    go_live, expiry = clock.now() + timedelta(hours=1), clock.now() + timedelta(hours=2)
    version = a.post(f"/messages/{message_id}/versions", {**TEXT, "go_live_at": go_live.isoformat(), "expires_at": expiry.isoformat()}).json
    a.post(f"/versions/{version['id']}/submit")
    clock.advance(hours=3)

    error = _error(c.post(f"/versions/{version['id']}/approve", {"reason": "late"}), 422, "validation_error")
    assert "expires_at" in error["message"] and error["details"]["field"] == "expires_at"
    assert _committed_state(app, version["id"]) == "in_review"
    assert session.exec(select(AuditEvent).where(AuditEvent.action.in_(["version.approve", "version.publish"]),
                                                 AuditEvent.subject_id == str(version["id"]))).all() == []


def test_an_approval_that_publishes_at_once_records_the_approver_as_publisher(app, client, session):
    (a, _a_user), (_b, _b_user), (c, c_user) = _people(client, session)
    v1 = _version(a)
    a.post(f"/versions/{v1['id']}/submit")
    c.post(f"/versions/{v1['id']}/approve")
    v2 = a.post(f"/messages/{v1['message_id']}/versions", {**TEXT, "title": "Registration is virtual now"}).json
    a.post(f"/versions/{v2['id']}/submit")
    assert c.post(f"/versions/{v2['id']}/approve").json["state"] == "published"

    events = {(e.action, e.subject_id): e for e in session.exec(select(AuditEvent).where(AuditEvent.subject_type == "version")).all()}
    for key in (("version.publish", str(v1["id"])), ("version.publish", str(v2["id"])), ("version.supersede", str(v1["id"]))):
        assert (events[key].actor_id, events[key].actor_label) == (c_user.id, c_user.email), key
