"""Four eyes across versions: nobody approves text they wrote that no one else has approved, however it came back.

Each laundering path is one test: a colleague restores the approver's version, re-saves it unchanged,
restores a restore, or types the same text afresh. The honest cases around them still work.
"""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.content import service as content
from msgsys.errors import PermissionDenied
from msgsys.workflow import service as workflow
from tests.factories import make_message, make_user, make_version, step
from tests.refusals import refused

LAUNDERED = "You wrote text this version carries"


@pytest.fixture
def people(session):
    """A writes and approves; B writes; C and D approve (D also writes)."""
    return (make_user(session, roles="author,approver"), make_user(session, roles="author"),
            make_user(session, roles="approver"), make_user(session, roles="author,approver"))


def _committed(app, version):
    """The version's state and reviewer as the database holds them, read on a connection of its own."""
    with app.extensions["msgsys.engine"].connect() as conn:
        return tuple(conn.execute(sa.text("SELECT state, reviewed_by_id FROM messageversion WHERE id = :id"), {"id": version.id}).one())


def _refusals(session, user):
    return session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied", AuditEvent.actor_id == user.id)).all()


def _assert_refused(app, session, version, approver, *, wrote):
    """Approving and requesting changes are both refused with the reason, audited, and change nothing."""
    for name in ("approve", "request_changes"):
        err = refused(app, session, lambda: step(session, version, approver, name, reason="Looks right."), PermissionDenied,
                      match=LAUNDERED)
        assert f"version {wrote} of this message" in err.message
        assert _committed(app, version) == ("in_review", None)
    events = _refusals(session, approver)
    assert len(events) == 2 and all(LAUNDERED in e.note and e.subject_id == str(version.id) for e in events)
    assert json.loads(events[0].after)["wrote_versions"] == [int(n) for n in str(wrote).split(", ")]
    # Nor is it offered to them: not in their queue, no buttons.
    assert version.id not in [v.id for v in workflow.review_queue(session, user=approver)]
    assert workflow.steps_for(session, version=version, user=approver) == []


def _changes_requested(session, version, author, reviewer):
    step(session, version, author, "submit")
    step(session, version, reviewer, "request_changes", reason="Say where registration happens.")


def test_a_colleague_restoring_the_approvers_version_does_not_let_him_approve_it(app, session, people):
    a, b, c, _d = people
    message = make_message(session)
    v1 = make_version(session, message, a, title="Written by A")
    _changes_requested(session, v1, a, c)
    v2 = content.restore(session, actor=b, version=v1); session.commit()
    step(session, v2, b, "submit")

    _assert_refused(app, session, v2, a, wrote=1)
    # Someone who wrote none of it approves.
    step(session, v2, c, "approve")
    assert _committed(app, v2) == ("published", c.id)


def test_re_saving_unchanged_text_as_a_new_version_does_not_let_its_writer_approve_it(app, session, people):
    a, b, c, _d = people
    v1 = make_version(session, make_message(session), a, title="Written by A")
    step(session, v1, a, "submit")
    same = {"title": v1.title, "body": v1.body, "sms_text": v1.sms_text}
    v2 = content.edit(session, actor=b, version=v1, data=same); session.commit()
    assert (v2.number, v2.author_id) == (2, b.id)
    step(session, v2, b, "submit")

    _assert_refused(app, session, v2, a, wrote=1)
    step(session, v2, c, "approve")
    assert _committed(app, v2) == ("published", c.id)


def test_a_restore_of_a_restore_still_carries_the_first_writer(app, session, people):
    a, b, c, d = people
    message = make_message(session)
    v1 = make_version(session, message, a, title="Written by A", body="The border is closed. Register online.")
    _changes_requested(session, v1, a, c)
    # B writes something else, which C approves: the last approval now comes after A's version.
    v2 = content.edit(session, actor=b, version=v1, data={"title": "Written by B", "body": "Registration is virtual.", "sms_text": "Registration is virtual."})
    session.commit()
    step(session, v2, b, "submit"); step(session, v2, c, "approve")
    # B brings A's text back, D restores B's restore and changes one word, so the text is no longer the same.
    v3 = content.restore(session, actor=b, version=v1); session.commit()
    v4 = content.restore(session, actor=d, version=v3); session.commit()
    content.update_draft(session, actor=d, version=v4, data={"title": v4.title, "body": "The border is closed. Register online today.", "sms_text": v4.sms_text})
    session.commit()
    step(session, v4, d, "submit")

    _assert_refused(app, session, v4, a, wrote=1)
    step(session, v4, c, "approve")
    assert _committed(app, v4) == ("published", c.id)


def test_the_same_text_typed_again_as_an_unrelated_version_is_still_the_writers(app, session, people):
    a, b, c, _d = people
    message = make_message(session)
    v1 = make_version(session, message, a, title="Written by A", body="Register online.\n\nBring your papers.")
    _changes_requested(session, v1, a, c)
    v2 = content.edit(session, actor=b, version=v1, data={"title": "Written by B", "body": "Registration is virtual.", "sms_text": "Registration is virtual."})
    session.commit()
    step(session, v2, b, "submit"); step(session, v2, c, "approve")
    # A new version from the latest (B's, approved) with A's unapproved text, spaced differently.
    v3 = content.new_version(session, actor=b, message=message, data={"title": "Written  by A", "body": "Register online.\nBring your papers. ", "sms_text": v1.sms_text})
    session.commit()
    assert v3.based_on_id == v2.id
    step(session, v3, b, "submit")

    _assert_refused(app, session, v3, a, wrote=1)


def test_whoever_wrote_any_version_since_the_last_approval_may_not_approve(app, session, people):
    a, b, c, _d = people
    message = make_message(session)
    v1 = make_version(session, message, b, title="Approved long ago")
    step(session, v1, b, "submit"); step(session, v1, c, "approve")
    v2 = content.edit(session, actor=a, version=v1, data={"title": "A's change", "body": "b", "sms_text": "s"}); session.commit()
    _changes_requested(session, v2, a, c)
    # B starts again from the approved version, yet A took part in this round of writing.
    v3 = content.edit(session, actor=b, version=v1, data={"title": "B's change", "body": "b2", "sms_text": "s2"}); session.commit()
    assert v3.based_on_id == v1.id
    step(session, v3, b, "submit")

    _assert_refused(app, session, v3, a, wrote=2)
    step(session, v3, c, "approve")
    assert _committed(app, v3) == ("published", c.id)


def test_the_writer_of_a_version_approved_long_ago_approves_someone_elses_new_version(app, session, people):
    a, b, c, _d = people
    message = make_message(session)
    v1 = make_version(session, message, a, title="Written by A")
    step(session, v1, a, "submit"); step(session, v1, c, "approve")
    v2 = content.edit(session, actor=b, version=v1, data={"title": "B's update", "body": "Registration is virtual.", "sms_text": "Registration is virtual."})
    session.commit()
    step(session, v2, b, "submit")

    assert [t.name for t in workflow.steps_for(session, version=v2, user=a)] == ["approve", "request_changes"]
    assert v2.id in [v.id for v in workflow.review_queue(session, user=a)]
    step(session, v2, a, "approve")
    assert _committed(app, v2) == ("published", a.id)
    assert _refusals(session, a) == []


def test_text_someone_else_approved_may_come_back_for_its_writer_to_approve(app, session, people, clock):
    """A's text passed C's review; B restores it with a new expiry, and approving that change is ordinary review."""
    from datetime import timedelta

    a, b, c, _d = people
    message = make_message(session)
    v1 = make_version(session, message, a, title="Written by A")
    step(session, v1, a, "submit"); step(session, v1, c, "approve")
    v2 = content.edit(session, actor=b, version=v1, data={
        "title": v1.title, "body": v1.body, "sms_text": v1.sms_text, "expires_at": clock.now() + timedelta(days=30)})
    session.commit()
    step(session, v2, b, "submit")
    step(session, v2, a, "approve")
    assert _committed(app, v2) == ("published", a.id)


def test_the_direct_author_keeps_the_plain_four_eyes_reason(app, session, people):
    a, _b, _c, _d = people
    v1 = make_version(session, make_message(session), a)
    step(session, v1, a, "submit")
    refused(app, session, lambda: step(session, v1, a, "approve"), PermissionDenied, match="^Four eyes: you cannot review or approve your own work")
    assert _committed(app, v1) == ("in_review", None)
