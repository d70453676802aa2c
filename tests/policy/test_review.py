"""K'iche' rules take effect only when a K'iche' translator who did not write them approves them.

The patterns and texts here are placeholders in English: tests never write K'iche'.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.errors import InvalidTransition, NotFound, PermissionDenied, PolicyViolation, ValidationError
from msgsys.policy import review
from msgsys.policy import service as policy
from msgsys.policy.models import PolicyRule
from msgsys.translation import service as translations
from tests.factories import make_published, make_translation, make_user
from tests.security.conftest import diff_snapshots, snapshot

CLAIM = {"rule_type": "forbidden_phrase", "pattern": "placeholder claim beta", "severity": "block", "locale": "quc", "kinds": []}
TEXT = "Placeholder text with the placeholder claim beta in it."


@pytest.fixture
def people(session):
    return {
        "admin": make_user(session, roles="admin"),
        "quc": make_user(session, roles="translator", locales="quc"),
        "quc2": make_user(session, roles="translator", locales="quc"),
        "es": make_user(session, roles="translator", locales="es"),
        "admin_quc": make_user(session, roles="admin,translator", locales="quc"),
    }


def _applied(session, locale="quc", text=TEXT):
    """The blocking violations the checker finds in a text of that locale now."""
    return [v for v in policy.check(session, fields={"body": text}, locale=locale, kind="info") if v.blocking]


def _versions(session, key):
    session.expire_all()
    return [(r.version, r.active, r.status) for r in policy.rule_history(session, key)][::-1]


def _events(session, key):
    rows = session.exec(select(AuditEvent).where(AuditEvent.subject_type == "policy_rule", AuditEvent.subject_id == key)
                        .order_by(AuditEvent.id)).all()
    return [(e.action, e.actor_id, json.loads(e.after or "null"), e.note) for e in rows]


def test_a_kiche_rule_waits_and_is_not_applied_until_a_kiche_translator_approves_it(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    assert (rule.status, rule.active) == ("pending", False)
    assert policy.active_rules(session) == [] and review.pending_rules(session) == [rule]
    assert _applied(session) == []  # the text that breaks it still passes

    approved = review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc"], reason="Reads right.")
    session.commit()
    assert (approved.status, approved.active, approved.reviewed_by_id, approved.review_reason) == ("approved", True, people["quc"].id, "Reads right.")
    assert [r.id for r in policy.active_rules(session)] == [rule.id] and review.pending_rules(session) == []
    assert [v.rule_id for v in _applied(session)] == [rule.id]


def test_a_kiche_translation_passes_a_waiting_rule_and_is_refused_once_it_is_approved(session, people):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    texts = {"title": "Placeholder title", "body": TEXT, "sms_text": "Placeholder sms text."}
    _m, first = make_published(session, author=author, approver=approver)
    translation = make_translation(session, first, people["quc"], "quc", texts=texts)
    assert translation.state == "in_review"

    review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc2"])
    session.commit()
    _m, second = make_published(session, author=author, approver=approver)
    with pytest.raises(PolicyViolation):
        make_translation(session, second, people["quc"], "quc", texts=texts)
    session.rollback()
    with pytest.raises(PolicyViolation):  # nor can the one that went through earlier be approved now
        translations.transition(session, actor=people["quc2"], translation=translation, name="approve")


@pytest.mark.parametrize("who, message", [
    ("admin", "Your role does not allow this"),
    ("es", "You do not translate K'iche'"),
    ("admin_quc", "Four eyes"),  # wrote the rule, and translates K'iche' too
])
def test_only_a_kiche_translator_who_did_not_write_it_may_approve_or_reject(app, session, people, who, message):
    rule = policy.create_rule(session, actor=people["admin_quc"], data=CLAIM)
    session.commit()
    before = snapshot(app, ignore_denials=True)
    for act, kw in ((review.approve, {}), (review.reject, {"reason": "No."})):
        with pytest.raises(PermissionDenied, match=message):
            act(session, rule_key=rule.rule_key, version=1, actor=people[who], **kw)
        session.rollback()
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []
    denied = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied", AuditEvent.actor_id == people[who].id)).all()
    assert sorted(json.loads(e.after)["action"] for e in denied) == ["policy.approve", "policy.reject"]
    assert _applied(session) == []
    assert [u.email for u in review.approvers(session, rule)] == [people["quc"].email, people["quc2"].email]


def test_rejection_needs_a_reason_and_the_rule_never_takes_effect(app, session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    before = snapshot(app)
    with pytest.raises(ValidationError, match="Reason is required"):
        review.reject(session, rule_key=rule.rule_key, version=1, actor=people["quc"], reason="  ")
    session.rollback()
    assert diff_snapshots(before, snapshot(app)) == []

    review.reject(session, rule_key=rule.rule_key, version=1, actor=people["quc"], reason="The words do not say that.")
    session.commit()
    assert _versions(session, rule.rule_key) == [(1, False, "rejected")]
    assert policy.active_rules(session) == [] and review.pending_rules(session) == [] and _applied(session) == []
    with pytest.raises(InvalidTransition, match="not waiting for approval"):
        review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc2"])
    session.rollback()
    with pytest.raises(NotFound):
        review.approve(session, rule_key=rule.rule_key, version=2, actor=people["quc2"])


def test_an_edit_of_an_approved_rule_waits_while_the_approved_version_stays_in_force(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc"])
    session.commit()
    edited = policy.update_rule(session, rule_key=rule.rule_key, actor=people["admin"], data={**CLAIM, "pattern": "placeholder claim delta"})
    session.commit()
    assert edited.version == 2 and _versions(session, rule.rule_key) == [(1, True, "approved"), (2, False, "pending")]
    assert [r.id for r in policy.active_rules(session)] == [rule.id]
    assert len(_applied(session)) == 1 and _applied(session, text="The placeholder claim delta.") == []

    review.approve(session, rule_key=rule.rule_key, version=2, actor=people["quc2"])
    session.commit()
    assert _versions(session, rule.rule_key) == [(1, False, "approved"), (2, True, "approved")]
    assert _applied(session) == [] and len(_applied(session, text="The placeholder claim delta.")) == 1


def test_a_newer_edit_withdraws_the_waiting_one_which_can_no_longer_be_approved(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    policy.update_rule(session, rule_key=rule.rule_key, actor=people["admin"], data={**CLAIM, "pattern": "placeholder claim delta"})
    session.commit()
    assert _versions(session, rule.rule_key) == [(1, False, "withdrawn"), (2, False, "pending")]
    with pytest.raises(InvalidTransition):
        review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc"])
    session.rollback()
    assert policy.active_rules(session) == []


def test_an_edit_into_another_language_takes_effect_at_once_and_withdraws_the_waiting_one(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    policy.update_rule(session, rule_key=rule.rule_key, actor=people["admin"], data={**CLAIM, "locale": "en"})
    session.commit()
    assert _versions(session, rule.rule_key) == [(1, False, "withdrawn"), (2, True, "not_required")]


def test_deactivating_withdraws_the_waiting_version_and_switches_off_the_approved_one(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc"])
    policy.update_rule(session, rule_key=rule.rule_key, actor=people["admin"], data={**CLAIM, "pattern": "placeholder claim delta"})
    session.commit()
    policy.deactivate_rule(session, rule_key=rule.rule_key, actor=people["admin"])
    session.commit()
    assert _versions(session, rule.rule_key) == [(1, False, "approved"), (2, False, "withdrawn")]
    assert policy.active_rules(session) == [] and review.pending_rules(session) == []


def test_every_step_is_audited(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    key = rule.rule_key
    review.reject(session, rule_key=key, version=1, actor=people["quc"], reason="Wrong word.")
    session.commit()
    policy.update_rule(session, rule_key=key, actor=people["admin"], data={**CLAIM, "pattern": "placeholder claim delta"})
    policy.update_rule(session, rule_key=key, actor=people["admin"], data={**CLAIM, "pattern": "placeholder claim gamma"})
    session.commit()
    review.approve(session, rule_key=key, version=3, actor=people["quc2"], reason="Good.")
    session.commit()
    events = _events(session, key)
    assert [(action, actor) for action, actor, _after, _note in events] == [
        ("policy.create", people["admin"].id), ("policy.reject", people["quc"].id), ("policy.update", people["admin"].id),
        ("policy.withdraw", people["admin"].id), ("policy.update", people["admin"].id), ("policy.approve", people["quc2"].id),
    ]
    assert events[0][2]["status"] == "pending" and events[0][2]["active"] is False
    assert (events[1][2]["status"], events[1][3]) == ("rejected", "Wrong word.")
    assert (events[3][2]["version"], events[3][2]["status"], events[3][2]["replaced_by"]) == (2, "withdrawn", 3)
    assert (events[5][2]["version"], events[5][2]["status"], events[5][2]["active"], events[5][3]) == (3, "approved", True, "Good.")


def test_rules_of_other_languages_take_effect_at_once(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data={**CLAIM, "locale": "es"})
    session.commit()
    assert (rule.status, rule.active) == ("not_required", True)
    assert [r.id for r in policy.active_rules(session)] == [rule.id]
    with pytest.raises(InvalidTransition):
        review.approve(session, rule_key=rule.rule_key, version=1, actor=people["es"])


def test_no_writer_can_put_an_unapproved_kiche_rule_in_force(session, people):
    """The checker's query itself leaves out a K'iche' version nobody approved, however it was written."""
    session.add(PolicyRule(rule_key="direct", active=True, status="not_required", **{**CLAIM, "kinds": ""}))
    session.commit()
    assert policy.active_rules(session) == [] and _applied(session) == []


def test_seeded_kiche_rules_wait_for_a_kiche_translator_too(session, people, monkeypatch):
    seeds = policy.load_rules()
    base = seeds[0]
    extra = replace(base, locale="quc", pattern="placeholder claim beta", rule_type="forbidden_phrase", kinds=(),
                    **({"key": "placeholder-quc"} if hasattr(base, "key") else {}))
    monkeypatch.setattr(policy, "load_rules", lambda: [*seeds, extra])
    policy.seed_rules(session)
    session.commit()
    [waiting] = review.pending_rules(session)
    assert (waiting.pattern, waiting.created_by_id, waiting.active) == ("placeholder claim beta", None, False)
    assert _applied(session) == []
    review.approve(session, rule_key=waiting.rule_key, version=waiting.version, actor=people["quc"])
    session.commit()
    assert len(_applied(session)) == 1

    # A changed seed never puts its new text in force unapproved; the approved version stays.
    changed = replace(extra, pattern="placeholder claim delta")
    monkeypatch.setattr(policy, "load_rules", lambda: [*seeds, changed])
    policy.seed_rules(session)
    session.commit()
    assert len(_applied(session)) == 1 and _applied(session, text="The placeholder claim delta.") == []


def test_two_reviewers_at_once_one_wins(session, people):
    rule = policy.create_rule(session, actor=people["admin"], data=CLAIM)
    session.commit()
    review.approve(session, rule_key=rule.rule_key, version=1, actor=people["quc"])
    session.commit()
    for act, kw in ((review.approve, {}), (review.reject, {"reason": "Late."})):
        with pytest.raises(InvalidTransition):
            act(session, rule_key=rule.rule_key, version=1, actor=people["quc2"], **kw)
        session.rollback()
    assert _versions(session, rule.rule_key) == [(1, True, "approved")]
