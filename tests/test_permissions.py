"""The permission matrix: every role against every guarded action, in the one place that decides."""
from __future__ import annotations

import pytest

from msgsys import permissions
from msgsys.auth.models import User

EXPECTED = {
    # action: roles allowed (translator checks also need the locale)
    "officer.view": {"author", "approver", "translator", "admin"},
    "user.manage": {"admin"},
    "audit.view": {"admin"},
    "policy.manage": {"admin"},
    "policy.approve": {"translator"},
    "policy.reject": {"translator"},
    "sender.manage": {"admin"},
    "partner.manage": {"admin"},
    "campaign.create": {"author"},
    "campaign.edit": {"author"},
    "message.create": {"author"},
    "version.draft": {"author"},
    "version.submit": {"author"},
    "version.approve": {"approver"},
    "version.request_changes": {"approver"},
    "version.retire": {"approver"},
    "rumor.manage": {"author"},
    "broadcast.plan": {"author"},
    "broadcast.approve": {"approver"},
    "translation.edit": {"translator"},
    "translation.submit": {"translator"},
    "translation.approve": {"translator"},
    "translation.request_changes": {"translator"},
    "catalog.import": {"translator"},
    "sandbox.view": {"author", "approver", "admin"},
    "subscriber.manage": {"admin"},
    "keyword.manage": {"admin"},
    "keyword.approve": {"translator"},
}


def _user(roles, locales="es", uid=1, active=True):
    return User(id=uid, email=f"u{uid}@example.org", password_hash="x", roles=roles, locales=locales, active=active)


def test_every_action_is_in_the_matrix():
    assert set(EXPECTED) == set(permissions.ACTIONS)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", permissions.ROLES)
def test_role_against_action(role, action):
    user = _user(role)
    allowed = role in EXPECTED[action]
    assert permissions.can(user, action, locale="es") is allowed


@pytest.mark.parametrize("action", sorted(permissions.LOCALE_BOUND))
def test_translators_only_act_in_their_own_locales(action):
    translator = _user("translator", locales="es")
    assert permissions.can(translator, action, locale="es")
    assert not permissions.can(translator, action, locale="quc")
    assert not permissions.can(translator, action, locale="en")
    assert not permissions.can(translator, action)


@pytest.mark.parametrize("action", sorted(permissions.FOUR_EYES))
def test_four_eyes_nobody_reviews_their_own_work(action):
    role = "translator" if action.startswith(("translation", "policy", "keyword")) else "approver"
    reviewer = _user(role, uid=7)
    assert permissions.can(reviewer, action, locale="es", author_id=8)
    assert not permissions.can(reviewer, action, locale="es", author_id=7)


def test_an_admin_who_is_also_approver_still_cannot_approve_their_own_version():
    both = _user("admin,approver,author", uid=3)
    assert not permissions.can(both, "version.approve", author_id=3)
    assert permissions.can(both, "version.approve", author_id=4)


def test_deactivated_and_anonymous_users_can_do_nothing():
    from flask_login import AnonymousUserMixin

    for action in EXPECTED:
        assert not permissions.can(_user("admin,author,approver,translator", active=False), action, locale="es")
        assert not permissions.can(AnonymousUserMixin(), action, locale="es")


def test_refusal_says_why():
    assert "four eyes" in permissions.refusal(_user("approver", uid=5), "version.approve", author_id=5).lower()
    assert "K'iche'" in permissions.refusal(_user("translator", locales="es"), "translation.edit", locale="quc")


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError, match="rocket.launch"):
        permissions.can(_user("admin"), "rocket.launch")


def test_refusals_are_worded_as_users_read_them():
    from flask_login import AnonymousUserMixin

    assert permissions.refusal(None, "officer.view") == "You need to sign in."
    assert permissions.refusal(AnonymousUserMixin(), "officer.view") == "You need to sign in."
    assert permissions.refusal(_user("admin", active=False), "user.manage") == "This account is deactivated."
    assert permissions.refusal(_user("author"), "user.manage") == "Your role does not allow this: it takes the role of administrator."
    assert permissions.refusal(_user("translator"), "translation.edit", locale="quc") == "You do not translate K'iche'."
    assert permissions.refusal(_user("translator"), "translation.edit") == (
        "Name the language: you may only work in the languages you translate.")
    assert (permissions.refusal(_user("approver", uid=5), "version.approve", author_id=5)
            == "Four eyes: you cannot review or approve your own work.")


def _denials(session):
    from sqlmodel import select

    from msgsys.audit.models import AuditEvent

    session.expire_all()
    return session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied").order_by(AuditEvent.id)).all()


def test_require_refuses_with_the_reason_and_audits_who_tried_what(session):
    import json

    from msgsys.errors import PermissionDenied
    from tests.factories import make_user

    author = make_user(session, roles="author")
    permissions.require(author, "version.submit", subject_type="version", subject_id=9)  # allowed: nothing happens
    assert _denials(session) == []
    with pytest.raises(PermissionDenied) as refused:
        permissions.require(author, "version.approve", subject_type="version", subject_id=9, author_id=None)
    assert refused.value.message == "Your role does not allow this: it takes the role of approver."
    assert refused.value.details == {"action": "version.approve"}
    [event] = _denials(session)
    assert (event.actor_id, event.actor_label, event.subject_type, event.subject_id) == (author.id, author.email, "version", "9")
    assert json.loads(event.after) == {"action": "version.approve"}
    assert event.note == "Your role does not allow this: it takes the role of approver."


def test_a_refused_translator_is_audited_with_the_locale_and_the_subject_named_or_else_the_domain(session):
    import json

    from msgsys.errors import PermissionDenied
    from tests.factories import make_user

    translator = make_user(session, roles="translator", locales="es")
    with pytest.raises(PermissionDenied):
        permissions.require(translator, "translation.edit", locale="quc")
    with pytest.raises(PermissionDenied):
        permissions.require(translator, "catalog.import", subject_type="campaign", subject_id="border-2026", locale="quc")
    with pytest.raises(PermissionDenied):
        permissions.deny(translator, "translation.approve", "Four eyes: you cannot review or approve your own work.")
    first, second, third = _denials(session)
    assert (first.actor_label, first.subject_type, first.subject_id) == (translator.email, "translation", "")
    assert json.loads(first.after) == {"action": "translation.edit", "locale": "quc"}
    assert first.note == "You do not translate K'iche'."
    assert (second.subject_type, second.subject_id) == ("campaign", "border-2026")
    assert (third.subject_type, third.subject_id, third.actor_label) == ("translation", "", translator.email)


def test_an_anonymous_refusal_is_audited_as_anonymous(session):
    from flask_login import AnonymousUserMixin

    from msgsys.errors import PermissionDenied

    with pytest.raises(PermissionDenied, match="You need to sign in."):
        permissions.require(AnonymousUserMixin(), "audit.view")
    [event] = _denials(session)
    assert (event.actor_id, event.actor_label, event.subject_type) == (None, "anonymous", "audit")


def test_a_refusal_inside_a_refused_write_is_audited_while_the_write_is_not(app, session):
    import sqlalchemy as sa

    from msgsys import db
    from msgsys.auth.models import User as UserModel
    from msgsys.errors import PermissionDenied
    from tests.factories import make_user

    author = make_user(session, roles="author")
    with pytest.raises(PermissionDenied):
        with db.transaction() as s:
            s.add(UserModel(email="half-made@example.org", password_hash="x", roles="author", locales=""))
            s.flush()
            permissions.require(author, "user.manage", subject_type="user")
    [event] = _denials(session)
    assert (event.actor_label, event.subject_type, event.note) == (author.email, "user", "Your role does not allow this: it takes the role of administrator.")
    with app.extensions["msgsys.engine"].connect() as conn:  # what is committed, read on a connection of its own
        assert conn.execute(sa.text("SELECT count(*) FROM \"user\" WHERE email = 'half-made@example.org'")).scalar() == 0
