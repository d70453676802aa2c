"""The version workflow against a matrix written by hand: every step, from every state, by every kind of actor.

The expectations are not read from msgsys/workflow/transitions.py: change a row there (a source state, a
target, who takes it) and these tests fail until the matrix below is changed too, on purpose.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from msgsys.audit.models import AuditEvent
from msgsys.content.models import MessageVersion
from msgsys.errors import InvalidTransition, PermissionDenied, ValidationError
from msgsys.workflow import service as workflow
from msgsys.workflow.engine import System
from msgsys.workflow.transitions import VERSION_TRANSITIONS
from tests.factories import make_campaign, make_message, make_user, make_version, step
from tests.refusals import refused
from tests.workflow.matrix import committed_state, parse, refused_as_written

REASON = "Checked against the advisory."

# ok      the step is taken
# state   refused: the step does not start from this state (InvalidTransition)
# role    refused: the actor's roles do not allow it (PermissionDenied)
# 4eyes   refused: the actor wrote the text under review (PermissionDenied)
# own     refused: only the text's author submits it (PermissionDenied)
# system  refused: the system takes this step, or (for the system) a person does (PermissionDenied)
#
# writer: wrote the version, and is an approver too; author: another author.
# import, scheduler: the system; approval: an approval publishing at once, on the approver's behalf.
MATRIX = parse("""
step             actor       draft   in_review  changes_requested  approved  published  retired
submit           writer      ok      state      state              state     state      state
submit           author      own     state      state              state     state      state
submit           approver    role    state      state              state     state      state
submit           translator  role    state      state              state     state      state
submit           admin       role    state      state              state     state      state
submit           import      system  state      state              state     state      state
submit           scheduler   system  state      state              state     state      state
submit           approval    system  state      state              state     state      state
approve          writer      state   4eyes      state              state     state      state
approve          author      state   role       state              state     state      state
approve          approver    state   ok         state              state     state      state
approve          translator  state   role       state              state     state      state
approve          admin       state   role       state              state     state      state
approve          import      state   system     state              state     state      state
approve          scheduler   state   system     state              state     state      state
approve          approval    state   system     state              state     state      state
request_changes  writer      state   4eyes      state              state     state      state
request_changes  author      state   role       state              state     state      state
request_changes  approver    state   ok         state              state     state      state
request_changes  translator  state   role       state              state     state      state
request_changes  admin       state   role       state              state     state      state
request_changes  import      state   system     state              state     state      state
request_changes  scheduler   state   system     state              state     state      state
request_changes  approval    state   system     state              state     state      state
retire           writer      state   state      state              ok        ok         state
retire           author      state   state      state              role      role       state
retire           approver    state   state      state              ok        ok         state
retire           translator  state   state      state              role      role       state
retire           admin       state   state      state              role      role       state
retire           import      state   state      state              system    system     state
retire           scheduler   state   state      state              system    system     state
retire           approval    state   state      state              system    system     state
submit_import    writer      system  state      state              state     state      state
submit_import    author      system  state      state              state     state      state
submit_import    approver    system  state      state              state     state      state
submit_import    translator  system  state      state              state     state      state
submit_import    admin       system  state      state              state     state      state
submit_import    import      ok      state      state              state     state      state
submit_import    scheduler   system  state      state              state     state      state
submit_import    approval    system  state      state              state     state      state
publish          writer      state   state      state              system    state      state
publish          author      state   state      state              system    state      state
publish          approver    state   state      state              system    state      state
publish          translator  state   state      state              system    state      state
publish          admin       state   state      state              system    state      state
publish          import      state   state      state              system    state      state
publish          scheduler   state   state      state              ok        state      state
publish          approval    state   state      state              ok        state      state
expire           writer      state   state      state              system    system     state
expire           author      state   state      state              system    system     state
expire           approver    state   state      state              system    system     state
expire           translator  state   state      state              system    system     state
expire           admin       state   state      state              system    system     state
expire           import      state   state      state              system    system     state
expire           scheduler   state   state      state              ok        ok         state
expire           approval    state   state      state              system    system     state
supersede        writer      state   state      state              system    system     state
supersede        author      state   state      state              system    system     state
supersede        approver    state   state      state              system    system     state
supersede        translator  state   state      state              system    system     state
supersede        admin       state   state      state              system    system     state
supersede        import      state   state      state              system    system     state
supersede        scheduler   state   state      state              ok        ok         state
supersede        approval    state   state      state              ok        ok         state
publish_now      writer      state   state      state              4eyes     state      state
publish_now      author      state   state      state              role      state      state
publish_now      approver    state   state      state              ok        state      state
publish_now      translator  state   state      state              role      state      state
publish_now      admin       state   state      state              role      state      state
publish_now      import      state   state      state              system    state      state
publish_now      scheduler   state   state      state              system    state      state
publish_now      approval    state   state      state              system    state      state
""")

TARGETS = {"submit": "in_review", "approve": "approved", "request_changes": "changes_requested", "retire": "retired",
           "submit_import": "in_review", "publish": "published", "expire": "retired", "supersede": "retired",
           "publish_now": "published"}
STATES = ("draft", "in_review", "changes_requested", "approved", "published", "retired")
PEOPLE = ("writer", "author", "approver", "translator", "admin")

# How a version reaches each state, through the workflow itself (go-live is days away, so approval does not publish;
# approved to go live together with its translations, none of which exists yet, so it is held for them).
PATHS = {
    "draft": [],
    "in_review": [("submit", "writer")],
    "changes_requested": [("submit", "writer"), ("request_changes", "approver")],
    "approved": [("submit", "writer"), ("approve", "approver")],
    "published": [("submit", "writer"), ("approve", "approver"), ("publish", "scheduler")],
    "retired": [("submit", "writer"), ("approve", "approver"), ("publish", "scheduler"), ("retire", "approver")],
}


@pytest.fixture
def actors(session):
    approver = make_user(session, roles="approver", email="approver@example.org")
    return {
        "writer": make_user(session, roles="author,approver", email="writer@example.org"),
        "author": make_user(session, roles="author", email="author@example.org"),
        "approver": approver,
        "translator": make_user(session, roles="translator", locales="es", email="translator@example.org"),
        "admin": make_user(session, roles="admin", email="admin@example.org"),
        "import": System("import", label="import:campaign.toml"),
        "scheduler": System("scheduler"),
        "approval": System("approval", user=approver),
    }


@pytest.fixture
def world(session, clock, actors):
    campaign = make_campaign(session)
    newer = make_version(session, make_message(session, campaign), actors["author"])  # what a superseded version names

    def version_in(state):
        version = make_version(session, make_message(session, campaign), actors["writer"], go_live_at=clock.now() + timedelta(days=3))
        for name, who in PATHS[state]:
            take(version, who, name)
        assert version.state == state
        return version

    def take(version, who, name):
        context = {"supersede": {"by": newer}, "approve": {"publication": "together"}}.get(name, {})
        workflow.transition(session, actor=actors[who], version=version, name=name, reason=REASON, **context)
        session.commit()

    return version_in, take


def test_the_table_has_the_steps_and_targets_of_the_matrix():
    assert {name: t.target for name, t in VERSION_TRANSITIONS.items()} == TARGETS
    assert {name for name, _who in MATRIX} == set(TARGETS)
    # Every state but draft (where a version is created) is reached by some step.
    assert set(STATES) - {"draft"} <= set(TARGETS.values())


@pytest.mark.parametrize("state", STATES)
def test_every_refused_step_from_this_state_is_refused_as_the_matrix_says_and_changes_nothing(app, session, actors, world, state):
    version_in, take = world
    version = version_in(state)
    expected, actual, changed = refused_as_written(app, session, MATRIX, state, PEOPLE, lambda who, name: take(version, who, name))
    assert actual == expected
    assert changed == {}
    assert committed_state(app, MessageVersion, version.id) == state


@pytest.mark.parametrize("state", STATES)
def test_every_allowed_step_from_this_state_moves_it_to_its_target_with_an_audit_event(app, session, actors, world, state):
    version_in, take = world
    allowed = [(name, who) for (name, who), outcomes in MATRIX.items() if outcomes[state] == "ok"]
    for name, who in allowed:
        version = version_in(state)
        take(version, who, name)
        assert committed_state(app, MessageVersion, version.id) == TARGETS[name], (name, who)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == f"version.{name}",
                                                      AuditEvent.subject_id == str(version.id))).one()
        recorded = actors[who].user if isinstance(actors[who], System) else actors[who]
        assert event.actor_label == (recorded.email if recorded else actors[who].label or actors[who].kind)
        assert (json.loads(event.before)["state"], json.loads(event.after)["state"]) == (state, TARGETS[name])


@pytest.mark.parametrize("state", STATES)
def test_the_steps_offered_to_each_person_are_the_steps_they_may_take(session, actors, world, state):
    version_in, _take = world
    version = version_in(state)
    offered = {who: sorted(t.name for t in workflow.steps_for(session, version=version, user=actors[who])) for who in PEOPLE}
    assert offered == {who: sorted(name for (name, person), outcomes in MATRIX.items() if person == who and outcomes[state] == "ok")
                       for who in PEOPLE}


def test_an_approval_without_a_go_live_publishes_at_once_as_the_approvers_doing(app, session, actors):
    version = make_version(session, make_message(session), actors["writer"])
    step(session, version, actors["writer"], "submit")
    step(session, version, actors["approver"], "approve")
    assert committed_state(app, MessageVersion, version.id) == "published"
    events = session.exec(select(AuditEvent).where(AuditEvent.subject_id == str(version.id), AuditEvent.subject_type == "version")
                          .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_label) for e in events][-2:] == [("version.approve", "approver@example.org"),
                                                                ("version.publish", "approver@example.org")]


@pytest.mark.parametrize("name", ["request_changes", "retire"])
def test_steps_that_need_a_reason_refuse_without_one_and_change_nothing(app, session, actors, world, name):
    version_in, _take = world
    version = version_in("in_review" if name == "request_changes" else "published")
    refused(app, session, lambda: workflow.transition(session, actor=actors["approver"], version=version, name=name, reason="   "),
            ValidationError, match="reason")
    assert version.state in ("in_review", "published")


def test_an_unknown_step_is_refused_and_changes_nothing(app, session, actors, world):
    version_in, _take = world
    version = version_in("approved")
    refused(app, session, lambda: workflow.transition(session, actor=actors["approver"], version=version, name="teleport"),
            InvalidTransition, match="no step called teleport")


def test_four_eyes_refusals_are_audited_as_the_refused_person(app, session, actors, world):
    version_in, _take = world
    version = version_in("in_review")
    for name in ("approve", "request_changes"):
        refused(app, session, lambda: workflow.transition(session, actor=actors["writer"], version=version, name=name, reason=REASON),
                PermissionDenied, match="Four eyes")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied")).all()
    assert [(e.actor_label, e.subject_id) for e in events] == [("writer@example.org", str(version.id))] * 2


def test_of_two_approvers_at_once_the_second_is_refused(app, session, actors, world):
    version_in, _take = world
    version = version_in("in_review")  # loaded in this session, as a page opened before the other approval
    other = make_user(session, roles="approver")
    with Session(app.extensions["msgsys.engine"], expire_on_commit=False) as elsewhere:
        workflow.transition(elsewhere, actor=other, version=elsewhere.get(MessageVersion, version.id), name="approve")
        elsewhere.commit()
    assert version.state == "in_review"  # this session has not looked again
    refused(app, session, lambda: workflow.transition(session, actor=actors["approver"], version=version, name="approve"),
            InvalidTransition, match="changed this meanwhile")
    approvals = session.exec(select(AuditEvent).where(AuditEvent.action == "version.approve", AuditEvent.subject_id == str(version.id))).all()
    assert [e.actor_id for e in approvals] == [other.id]


def test_every_step_leaves_an_audit_event_with_states(app, session, actors, world):
    version_in, take = world
    version = version_in("draft")
    take(version, "writer", "submit")
    workflow.transition(session, actor=actors["approver"], version=version, name="request_changes", reason="Say where registration happens.")
    session.commit()
    with app.extensions["msgsys.engine"].connect() as conn:
        events = conn.execute(sa.text("SELECT action, actor_label, before, after, note FROM auditevent WHERE subject_type = 'version' "
                                      "AND subject_id = :id ORDER BY id"), {"id": str(version.id)}).all()
    assert [(e.action, e.actor_label) for e in events] == [
        ("version.create", "writer@example.org"), ("version.submit", "writer@example.org"), ("version.request_changes", "approver@example.org")]
    assert json.loads(events[2].before) == {"state": "in_review"}
    assert json.loads(events[2].after)["state"] == "changes_requested"
    assert events[2].note == "Say where registration happens."
