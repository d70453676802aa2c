"""The msgsys command: users, tokens, demo; bad input gets a clear error, a non-zero exit and no change."""
from __future__ import annotations

import pytest
from sqlmodel import select

from msgsys.auth.models import ApiToken, User
from tests.factories import PASSWORD, make_user


def _users(session):
    return session.exec(select(User)).all()


def test_users_add_creates_an_account_that_can_sign_in(runner, session, client):
    result = runner.invoke(args=["users", "add", "T@Example.org", "--role", "translator", "--locales", "es,quc", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "added t@example.org" in result.output
    user = session.exec(select(User)).one()
    assert user.role_set == {"translator"} and user.locale_set == {"es", "quc"}


def test_users_add_prompts_for_the_password_when_not_given(runner, session):
    result = runner.invoke(args=["users", "add", "p@example.org", "--role", "author"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert len(_users(session)) == 1


@pytest.mark.parametrize("args, message", [
    (["--role", "boss"], "Unknown role(s): boss"),
    (["--role", "translator", "--locales", "fr"], "unknown locale(s): fr"),
    (["--role", "translator"], "needs at least one locale"),
    (["--role", "author", "--password", "short"], "at least 12 characters"),
])
def test_users_add_refuses_bad_input(runner, session, args, message):
    argv = ["users", "add", "x@example.org", *args]
    if "--password" not in args:
        argv += ["--password", PASSWORD]
    result = runner.invoke(args=argv)
    assert result.exit_code != 0
    assert message in result.output
    assert _users(session) == []


def test_users_add_refuses_a_duplicate_email_in_any_case(runner, session):
    make_user(session, email="dup@example.org")
    result = runner.invoke(args=["users", "add", "DUP@example.org", "--role", "admin", "--password", PASSWORD])
    assert result.exit_code != 0 and "already exists" in result.output
    assert len(_users(session)) == 1


def test_users_token_prints_a_working_token(runner, session, client):
    user = make_user(session)
    result = runner.invoke(args=["users", "token", user.email])
    assert result.exit_code == 0
    secret = result.output.strip()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json["email"] == user.email


def test_users_token_for_unknown_or_inactive_user_fails(runner, session):
    assert runner.invoke(args=["users", "token", "ghost@example.org"]).exit_code != 0
    inactive = make_user(session, active=False)
    result = runner.invoke(args=["users", "token", inactive.email])
    assert result.exit_code != 0 and "deactivated" in result.output
    assert session.exec(select(ApiToken)).all() == []


def test_revoke_unknown_token_fails(runner, session):
    result = runner.invoke(args=["users", "revoke-token", "999"])
    assert result.exit_code != 0 and "No such token" in result.output


def test_demo_creates_every_role_and_prints_working_logins(runner, session, client):
    from tests.factories import login

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    users = _users(session)
    roles = set().union(*(u.role_set for u in users))
    assert roles == {"author", "approver", "translator", "admin"}
    line = next(l for l in result.output.splitlines() if l.strip().startswith("approver@demo.msgsys"))
    password = line.split()[1]
    assert login(client, "approver@demo.msgsys", password).status_code == 302
    # The sample campaigns are published; their Spanish texts wait for a Spanish translator.
    from msgsys.translation.models import Translation

    translations = session.exec(select(Translation)).all()
    assert translations and {t.state for t in translations} == {"in_review"}
    assert all(t.approved_revision_id is None for t in translations)
    # Running it again is safe: no duplicates, fresh passwords.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert len(_users(session)) == len(users)


def test_a_name_with_hidden_characters_is_refused(runner, session):
    result = runner.invoke(args=["users", "add", "n@example.org", "--role", "author", "--name", "Ana\u202eadmin", "--password", PASSWORD])
    assert result.exit_code != 0 and "direction-override" in result.output
    assert _users(session) == []
