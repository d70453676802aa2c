"""Publication: an expired version never goes live, and whoever's approval publishes a version is recorded as its publisher."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.content import service as content
from msgsys.errors import ValidationError
from msgsys.jobs import run_periodic
from tests.factories import make_message, make_user, make_version, step
from tests.refusals import refused


@pytest.fixture
def people(session):
    return make_user(session, roles="author"), make_user(session, roles="approver")


def _committed(app, version):
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.text("SELECT state, published_at, retire_reason FROM messageversion WHERE id = :id"), {"id": version.id}).one()


def _events(session, version):
    return [(e.action, e.actor_id, e.actor_label) for e in session.exec(
        select(AuditEvent).where(AuditEvent.subject_type == "version", AuditEvent.subject_id == str(version.id)).order_by(AuditEvent.id)).all()]


def test_a_version_whose_expiry_has_passed_is_refused_approval_naming_the_expiry(app, session, people, clock):
    author, approver = people
    version = make_version(session, make_message(session), author,
                           go_live_at=clock.now() + timedelta(hours=1), expires_at=clock.now() + timedelta(hours=2))
    step(session, version, author, "submit")
    clock.advance(hours=2)  # the expiry is now, so it has passed

    err = refused(app, session, lambda: step(session, version, approver, "approve", reason="Late, but fine."), ValidationError,
                  match="expires_at")
    assert err.details == {"field": "expires_at"}
    assert tuple(_committed(app, version)) == ("in_review", None, "")
    # Asking for changes is still possible: the author then makes a version with a later expiry.
    step(session, version, approver, "request_changes", reason="The expiry has passed.")
    assert version.state == "changes_requested"


def test_a_version_not_yet_expired_is_approved_and_published(app, session, people, clock):
    author, approver = people
    version = make_version(session, make_message(session), author, expires_at=clock.now() + timedelta(minutes=1))
    step(session, version, author, "submit")
    step(session, version, approver, "approve")
    assert _committed(app, version).state == "published"


def test_the_scheduler_never_publishes_a_version_that_expired_before_it_ran(app, session, people, clock):
    author, approver = people
    message = make_message(session)
    live = make_version(session, message, author, title="Live now")
    step(session, live, author, "submit"); step(session, live, approver, "approve")
    late = content.edit(session, actor=author, version=live, data={
        "title": "A short window", "body": "b", "sms_text": "s",
        "go_live_at": clock.now() + timedelta(hours=1), "expires_at": clock.now() + timedelta(hours=2)})
    session.commit()
    step(session, late, author, "submit"); step(session, late, approver, "approve")
    assert late.state == "approved"
    clock.advance(hours=3)  # no worker ran during the whole window

    assert run_periodic(app)["content.schedule"] == {"published": 0, "expired": 1}
    session.expire_all()
    state, published_at, reason = _committed(app, late)
    assert (state, published_at, reason) == ("retired", None, "expired")
    assert "version.publish" not in [a for a, _id, _label in _events(session, late)]
    # What was live stays live: the expired version superseded nothing.
    assert _committed(app, live).state == "published"
    assert content.published_version(session, message).id == live.id


def test_an_approval_that_publishes_at_once_is_recorded_as_the_approvers_doing(app, session, people):
    author, approver = people
    message = make_message(session)
    v1 = make_version(session, message, author, title="One")
    step(session, v1, author, "submit"); step(session, v1, approver, "approve")
    assert ("version.publish", approver.id, approver.email) in _events(session, v1)
    v2 = content.edit(session, actor=author, version=v1, data={"title": "Two", "body": "b", "sms_text": "s"}); session.commit()
    step(session, v2, author, "submit"); step(session, v2, approver, "approve")
    assert ("version.publish", approver.id, approver.email) in _events(session, v2)
    assert ("version.supersede", approver.id, approver.email) in _events(session, v1)


def test_a_scheduled_go_live_is_recorded_as_the_schedulers(app, session, people, clock):
    author, approver = people
    version = make_version(session, make_message(session), author, go_live_at=clock.now() + timedelta(hours=1))
    step(session, version, author, "submit"); step(session, version, approver, "approve")
    clock.advance(hours=1)
    assert run_periodic(app)["content.schedule"] == {"published": 1, "expired": 0}
    session.expire_all()
    events = _events(session, version)
    assert ("version.approve", approver.id, approver.email) in events
    assert ("version.publish", None, "scheduler") in events


def test_the_scheduler_acts_only_on_the_versions_it_claimed(app, session, people, clock):
    from msgsys.workflow import service as workflow

    author, approver = people
    due = []
    for title in ("Claimed", "Claimed by another worker"):
        version = make_version(session, make_message(session), author, title=title, go_live_at=clock.now() + timedelta(hours=1))
        step(session, version, author, "submit"); step(session, version, approver, "approve")
        due.append(version)
    clock.advance(hours=2)
    assert workflow.run_schedule(session, [due[0].id]) == {"published": 1, "expired": 0}
    session.commit()
    assert [_committed(app, v).state for v in due] == ["published", "approved"]
