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
    assert "quc" in permissions.refusal(_user("translator", locales="es"), "translation.edit", locale="quc")


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        permissions.can(_user("admin"), "rocket.launch")
