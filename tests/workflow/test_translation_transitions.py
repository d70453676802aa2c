"""The translation workflow against a matrix written by hand: every step, from every state, by every kind of actor.

As for versions (test_transitions.py), the expectations are not read from msgsys/workflow/transitions.py.
"""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.content import service as content
from msgsys.translation import service as translations
from msgsys.translation.models import Translation
from msgsys.workflow.engine import System
from msgsys.workflow.transitions import TRANSLATION_TRANSITIONS
from tests.factories import ES, make_campaign, make_message, make_translation, make_user, make_version, step
from tests.workflow.matrix import attempt, committed_state, parse, refused_as_written

REASON = "Use the glossary's term."

# Outcomes as in test_transitions.py. writer: the Spanish translator who wrote the current revision;
# translator: another Spanish translator; quc: a K'iche' translator. import, save, carry-over: the system.
MATRIX = parse("""
step             actor       draft   in_review  changes_requested  approved  outdated
submit           writer      ok      state      state              state     state
submit           translator  own     state      state              state     state
submit           quc         role    state      state              state     state
submit           approver    role    state      state              state     state
submit           admin       role    state      state              state     state
submit           import      system  state      state              state     state
submit           save        system  state      state              state     state
submit           carry-over  system  state      state              state     state
approve          writer      state   4eyes      state              state     state
approve          translator  state   ok         state              state     state
approve          quc         state   role       state              state     state
approve          approver    state   role       state              state     state
approve          admin       state   role       state              state     state
approve          import      state   system     state              state     state
approve          save        state   system     state              state     state
approve          carry-over  state   system     state              state     state
request_changes  writer      state   4eyes      state              state     state
request_changes  translator  state   ok         state              state     state
request_changes  quc         state   role       state              state     state
request_changes  approver    state   role       state              state     state
request_changes  admin       state   role       state              state     state
request_changes  import      state   system     state              state     state
request_changes  save        state   system     state              state     state
request_changes  carry-over  state   system     state              state     state
submit_import    writer      system  state      state              state     state
submit_import    translator  system  state      state              state     state
submit_import    quc         system  state      state              state     state
submit_import    approver    system  state      state              state     state
submit_import    admin       system  state      state              state     state
submit_import    import      ok      state      state              state     state
submit_import    save        system  state      state              state     state
submit_import    carry-over  system  state      state              state     state
reopen           writer      state   system     system             system    system
reopen           translator  state   system     system             system    system
reopen           quc         state   system     system             system    system
reopen           approver    state   system     system             system    system
reopen           admin       state   system     system             system    system
reopen           import      state   system     system             system    system
reopen           save        state   ok         ok                 ok        ok
reopen           carry-over  state   system     system             system    system
carry_over       writer      system  state      state              state     state
carry_over       translator  system  state      state              state     state
carry_over       quc         system  state      state              state     state
carry_over       approver    system  state      state              state     state
carry_over       admin       system  state      state              state     state
carry_over       import      system  state      state              state     state
carry_over       save        system  state      state              state     state
carry_over       carry-over  ok      state      state              state     state
""")

TARGETS = {"submit": "in_review", "approve": "approved", "request_changes": "changes_requested", "submit_import": "in_review",
           "reopen": "draft", "carry_over": "outdated"}
STATES = ("draft", "in_review", "changes_requested", "approved", "outdated")
PEOPLE = ("writer", "translator", "quc", "approver", "admin")
PATHS = {
    "draft": [],
    "in_review": [("submit", "writer")],
    "changes_requested": [("submit", "writer"), ("request_changes", "translator")],
    "approved": [("submit", "writer"), ("approve", "translator")],
}


@pytest.fixture
def actors(session):
    return {
        "writer": make_user(session, roles="translator", locales="es", email="writer@example.org"),
        "translator": make_user(session, roles="translator", locales="es", email="translator@example.org"),
        "quc": make_user(session, roles="translator", locales="quc", email="quc@example.org"),
        "approver": make_user(session, roles="approver", email="approver@example.org"),
        "admin": make_user(session, roles="admin", email="admin@example.org"),
        "import": System("import", label="import:es.po"),
        "save": System("save"),
        "carry-over": System("carry-over"),
    }


@pytest.fixture
def world(session, actors):
    campaign = make_campaign(session, targets=("es", "quc"))
    author = make_user(session, roles="author")

    def published():
        version = make_version(session, make_message(session, campaign), author)
        step(session, version, author, "submit")
        step(session, version, actors["approver"], "approve")
        return version

    def take(translation, who, name):
        translations.transition(session, actor=actors[who], translation=translation, name=name, reason=REASON)
        session.commit()

    def translation_in(state):
        version = published()
        translation = make_translation(session, version, actors["writer"], "es", submit=False)
        if state == "outdated":  # a newer source version is approved: the translation is carried over to it
            take(translation, "writer", "submit")
            take(translation, "translator", "approve")
            newer = content.edit(session, actor=author, version=version, data={"title": version.title, "body": "New body.",
                                                                                "sms_text": version.sms_text})
            session.commit()
            step(session, newer, author, "submit")
            step(session, newer, actors["approver"], "approve")
            translation = translations.find(session, newer, "es")
        for name, who in PATHS.get(state, []):
            take(translation, who, name)
        assert translation.state == state
        return translation

    return translation_in, take


def test_the_table_has_the_steps_and_targets_of_the_matrix():
    assert {name: t.target for name, t in TRANSLATION_TRANSITIONS.items()} == TARGETS
    assert {name for name, _who in MATRIX} == set(TARGETS)
    assert set(STATES) - {"draft"} <= set(TARGETS.values())


@pytest.mark.parametrize("state", STATES)
def test_every_refused_step_from_this_state_is_refused_as_the_matrix_says_and_changes_nothing(app, session, world, state):
    translation_in, take = world
    translation = translation_in(state)
    expected, actual, changed = refused_as_written(app, session, MATRIX, state, PEOPLE, lambda who, name: take(translation, who, name))
    assert actual == expected
    assert changed == {}
    assert committed_state(app, Translation, translation.id) == state


@pytest.mark.parametrize("state", STATES)
def test_every_allowed_step_from_this_state_moves_it_to_its_target_with_an_audit_event(app, session, actors, world, state):
    translation_in, take = world
    for name, who in [(name, who) for (name, who), outcomes in MATRIX.items() if outcomes[state] == "ok"]:
        translation = translation_in(state)
        take(translation, who, name)
        assert committed_state(app, Translation, translation.id) == TARGETS[name], (name, who)
        events = session.exec(select(AuditEvent).where(AuditEvent.action == f"translation.{name}",
                                                       AuditEvent.subject_id == str(translation.id)).order_by(AuditEvent.id)).all()
        event = events[-1]
        actor = actors[who]
        assert event.actor_label == (actor.label or actor.kind if isinstance(actor, System) else actor.email)
        assert (json.loads(event.before)["state"], json.loads(event.after)["state"]) == (state, TARGETS[name])


@pytest.mark.parametrize("state", STATES)
def test_the_steps_offered_to_each_person_are_the_steps_they_may_take(session, actors, world, state):
    translation_in, _take = world
    translation = translation_in(state)
    offered = {who: sorted(t.name for t in translations.steps_for(session, translation=translation, user=actors[who])) for who in PEOPLE}
    assert offered == {who: sorted(name for (name, person), outcomes in MATRIX.items() if person == who and outcomes[state] == "ok")
                       for who in PEOPLE}


def test_whoever_wrote_a_revision_since_the_last_approval_is_neither_offered_nor_allowed_the_review(app, session, actors, world):
    translation_in, take = world
    translation = translation_in("draft")
    translations.save(session, actor=actors["translator"], translation=translation, data={**ES, "title": "Vías legales."})
    session.commit()
    take(translation, "translator", "submit")
    assert translations.steps_for(session, translation=translation, user=actors["writer"]) == []
    outcome, diff = attempt(app, session, lambda: take(translation, "writer", "approve"))
    assert (outcome, diff) == ("4eyes", [])
    refusal = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied")).one()
    assert json.loads(refusal.after)["wrote_revisions"] == [1]
    third = make_user(session, roles="translator", locales="es")
    assert [t.name for t in translations.steps_for(session, translation=translation, user=third)] == ["approve", "request_changes"]


def test_a_save_reopens_a_translation_under_review_as_the_saver_with_both_events(app, session, actors, world):
    translation_in, _take = world
    translation = translation_in("in_review")
    translations.save(session, actor=actors["translator"], translation=translation, data={**ES, "body": "Otro texto."})
    session.commit()
    assert committed_state(app, Translation, translation.id) == "draft"
    events = session.exec(select(AuditEvent).where(AuditEvent.subject_type == "translation", AuditEvent.subject_id == str(translation.id))
                          .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_label) for e in events][-2:] == [("translation.edit", "translator@example.org"),
                                                                ("translation.reopen", "translator@example.org")]
    assert (json.loads(events[-1].before), json.loads(events[-1].after)) == ({"state": "in_review"}, {"state": "draft", "revision": 2})


def test_carry_over_is_recorded_as_the_systems_with_what_changed(app, session, world):
    translation_in, _take = world
    translation = translation_in("outdated")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "translation.carry_over",
                                                  AuditEvent.subject_id == str(translation.id))).one()
    after = json.loads(event.after)
    assert (event.actor_id, event.actor_label) == (None, "carry-over")
    assert (after["state"], after["changed"], after["from"]) == ("outdated", ["body"], translation.carried_from_id)
