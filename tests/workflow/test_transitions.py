"""Every step of the version workflow, as every role: allowed and refused, and the four-eyes rule."""
from __future__ import annotations

import pytest
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.content.models import MessageVersion
from msgsys.errors import InvalidTransition, PermissionDenied, ValidationError
from msgsys.workflow.transitions import VERSION_TRANSITIONS, available
from tests.factories import make_message, make_user, make_version, step

ROLES = ("author", "approver", "translator", "admin")
STEP_ROLE = {"submit": "author", "approve": "approver", "request_changes": "approver", "retire": "approver"}
REASON = "Checked against the advisory."


def _version_in(session, state, author, approver):
    """A version brought to `state` through the real workflow."""
    message = make_message(session)
    version = make_version(session, message, author)
    path = {
        "draft": [], "in_review": ["submit"], "changes_requested": ["submit", "request_changes"],
        "published": ["submit", "approve"],
    }
    if state == "approved":  # a future go-live keeps it approved
        from datetime import timedelta

        from msgsys.clock import now
        from msgsys.content import service as content

        content.update_draft(session, actor=author, version=version, data={
            "title": version.title, "body": version.body, "sms_text": version.sms_text, "go_live_at": now() + timedelta(days=3)})
        session.commit()
        path["approved"] = ["submit", "approve"]
    if state == "retired":
        path["retired"] = ["submit", "approve", "retire"]
    for name in path[state]:
        step(session, version, author if name == "submit" else approver, name, reason=REASON)
    assert version.state == state
    return version


STATES = ("draft", "in_review", "changes_requested", "approved", "published", "retired")
HUMAN_STEPS = ("submit", "approve", "request_changes", "retire")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", HUMAN_STEPS)
@pytest.mark.parametrize("role", ROLES)
def test_every_step_from_every_state_as_every_role(session, state, name, role):
    author = make_user(session, roles="author")
    approver = make_user(session, roles="approver")
    version = _version_in(session, state, author, approver)
    actor = make_user(session, roles=role, locales="es" if role == "translator" else "")
    if role == "author" and name == "submit":
        actor = author  # only the writer submits their own version
    allowed = state in VERSION_TRANSITIONS[name].sources and STEP_ROLE[name] == role
    before = version.state
    if allowed:
        step(session, version, actor, name, reason=REASON)
        assert version.state == VERSION_TRANSITIONS[name].target or (name == "approve" and version.state == "published")
    else:
        with pytest.raises((InvalidTransition, PermissionDenied)):
            step(session, version, actor, name, reason=REASON)
        session.rollback()
        assert session.get(MessageVersion, version.id).state == before


def test_available_matches_what_transition_allows(session):
    author = make_user(session, roles="author")
    approver = make_user(session, roles="approver")
    version = _version_in(session, "in_review", author, approver)
    assert [t.name for t in available(state="in_review", user=approver, author_id=author.id)] == ["approve", "request_changes"]
    assert available(state="in_review", user=author, author_id=author.id) == []


def test_four_eyes_the_author_who_is_also_approver_cannot_approve_or_reject(session):
    both = make_user(session, roles="author,approver")
    version = make_version(session, make_message(session), both)
    step(session, version, both, "submit")
    for name in ("approve", "request_changes"):
        with pytest.raises(PermissionDenied, match="Four eyes"):
            step(session, version, both, name, reason=REASON)
        session.rollback()
    assert session.get(MessageVersion, version.id).state == "in_review"
    refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied")).all()
    assert len(refusals) == 2 and all(e.actor_label == both.email for e in refusals)
    # Someone else can.
    other = make_user(session, roles="approver")
    step(session, version, other, "approve")
    assert version.state == "published" and version.reviewed_by_id == other.id


def test_only_the_writer_submits_their_draft(session):
    writer, colleague = make_user(session, roles="author"), make_user(session, roles="author")
    version = make_version(session, make_message(session), writer)
    with pytest.raises(PermissionDenied):
        step(session, version, colleague, "submit")
    session.rollback()
    assert session.get(MessageVersion, version.id).state == "draft"


@pytest.mark.parametrize("name", ["request_changes", "retire"])
def test_steps_that_need_a_reason_refuse_without_one(session, name):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    version = _version_in(session, "in_review" if name == "request_changes" else "published", author, approver)
    before = version.state
    with pytest.raises(ValidationError, match="reason"):
        step(session, version, approver, name, reason="   ")
    session.rollback()
    assert session.get(MessageVersion, version.id).state == before


def test_unknown_step_and_system_steps_are_refused(session):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    version = _version_in(session, "approved", author, approver)
    with pytest.raises(InvalidTransition):
        step(session, version, approver, "teleport")
    session.rollback()
    with pytest.raises(PermissionDenied, match="scheduler"):
        step(session, version, approver, "publish")
    session.rollback()
    assert session.get(MessageVersion, version.id).state == "approved"


def test_every_step_leaves_an_audit_event_with_states(session):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    version = make_version(session, make_message(session), author)
    step(session, version, author, "submit")
    step(session, version, approver, "request_changes", reason="Say where registration happens.")
    events = session.exec(select(AuditEvent).where(AuditEvent.subject_type == "version", AuditEvent.subject_id == str(version.id)).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_label) for e in events] == [
        ("version.create", author.email), ("version.submit", author.email), ("version.request_changes", approver.email)]
    assert '"in_review"' in events[2].before and '"changes_requested"' in events[2].after
    assert events[2].note == "Say where registration happens."
