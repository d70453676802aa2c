"""The msgsys command: users, tokens, demo; bad input gets a clear error, a non-zero exit and no change."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlmodel import select

from msgsys.auth.models import ApiToken, User
from tests.factories import PASSWORD, make_user


def _users(session):
    return session.exec(select(User)).all()


def _readme_commands() -> list[tuple[list[str], list[str]]]:
    """Each row of README's command table: the command's words and the options it shows."""
    from msgsys import ROOT

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## The `msgsys` command")[1].split("\n## ")[0]
    rows = []
    for usage in re.findall(r"^\| `msgsys ([^`]+)`", table, flags=re.M):
        words = list(itertools.takewhile(lambda w: re.fullmatch(r"[a-z][a-z-]*", w), usage.split()))
        rows.append((words, re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", usage)))
    return rows


def test_every_command_and_option_the_readme_documents_exists(runner):
    rows = _readme_commands()
    assert len(rows) >= 14 and (["demo"], ["--host", "--port"]) in rows
    for words, options in rows:
        result = runner.invoke(args=[*words, "--help"])
        assert result.exit_code == 0 and f"Usage: msgsys {' '.join(words)} " in result.output.replace("  ", " "), words
        for option in options:
            assert re.search(rf"(?<![\w-]){option}\b", result.output), (words, option)


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
    assert result.exit_code == 2
    assert message in result.output
    assert _users(session) == []


def test_users_add_refuses_a_duplicate_email_in_any_case(runner, session):
    make_user(session, email="dup@example.org")
    result = runner.invoke(args=["users", "add", "DUP@example.org", "--role", "admin", "--password", PASSWORD])
    assert result.exit_code == 2 and "already exists" in result.output
    assert len(_users(session)) == 1


def test_users_token_prints_a_working_token(runner, session, client):
    user = make_user(session)
    result = runner.invoke(args=["users", "token", user.email])
    assert result.exit_code == 0
    secret = result.output.strip()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json["email"] == user.email


def test_users_token_for_unknown_or_inactive_user_fails(runner, session):
    assert runner.invoke(args=["users", "token", "ghost@example.org"]).exit_code == 2
    inactive = make_user(session, active=False)
    result = runner.invoke(args=["users", "token", inactive.email])
    assert result.exit_code == 2 and "deactivated" in result.output
    assert session.exec(select(ApiToken)).all() == []


def test_revoke_unknown_token_fails(runner, session):
    result = runner.invoke(args=["users", "revoke-token", "999"])
    assert result.exit_code == 2 and "No such token" in result.output


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
    assert result.exit_code == 2 and "direction-override" in result.output
    assert _users(session) == []


# catalog import ----------------------------------------------------------------------------------

@pytest.fixture
def spanish_catalog(session, tmp_path):
    """A published message, two Spanish translators, and its catalog filled in as the first of them would."""
    import io

    from babel.messages.pofile import read_po, write_po

    from msgsys.translation import catalog
    from tests.factories import make_campaign, make_published

    campaign = make_campaign(session, slug="pathways")
    message, version = make_published(session, campaign=campaign, title="Lawful pathways", body="Apply from where you are.",
                                      sms_text="Apply from where you are.")
    parsed = read_po(io.BytesIO(catalog.export_catalog(session, campaign=campaign, locale="es")))
    for entry in parsed:
        if entry.id:
            entry.string = "Vías legales" if entry.context.endswith(".title") else "Haga su solicitud desde donde está."
    out = io.BytesIO()
    write_po(out, parsed, width=0)
    path = tmp_path / "es.po"
    path.write_bytes(out.getvalue())
    es1 = make_user(session, roles="translator", locales="es")
    es2 = make_user(session, roles="translator", locales="es")
    return {"path": path, "version": version, "es1": es1, "es2": es2}


@pytest.mark.parametrize("extra, message", [
    ([], "Missing option '--as'"),
    (["--as", ""], "--as needs the email of the translator who wrote the file."),
    (["--as", "   "], "--as needs the email of the translator who wrote the file."),
])
def test_catalog_import_must_name_the_translator_and_changes_nothing_otherwise(app, runner, spanish_catalog, extra, message):
    from tests.security.conftest import diff_snapshots, snapshot

    before = snapshot(app)
    result = runner.invoke(args=["catalog", "import", str(spanish_catalog["path"]), *extra])
    assert result.exit_code == 2 and message in result.output
    assert "--as EMAIL" in runner.invoke(args=["catalog", "import", "--help"]).output
    assert diff_snapshots(before, snapshot(app)) == []


@pytest.mark.parametrize("who, message", [("nobody@example.org", "no user with the email nobody@example.org"),
                                          ("author", "your role does not allow this: it takes the role of translator")])
def test_catalog_import_as_someone_who_cannot_refuses_and_changes_nothing(app, session, runner, spanish_catalog, who, message):
    from tests.security.conftest import diff_snapshots, snapshot

    email = make_user(session, roles="author").email if who == "author" else who
    before = snapshot(app, ignore_denials=True)
    result = runner.invoke(args=["catalog", "import", str(spanish_catalog["path"]), "--as", email])
    assert result.exit_code == 2 and message in result.output.lower()
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []


def test_catalog_import_records_the_translator_who_then_cannot_approve_it(session, runner, spanish_catalog):
    from msgsys.errors import PermissionDenied
    from msgsys.translation import service as translations

    es1, es2 = spanish_catalog["es1"], spanish_catalog["es2"]
    result = runner.invoke(args=["catalog", "import", str(spanish_catalog["path"]), "--as", es1.email])
    assert result.exit_code == 0, result.output
    translation = translations.find(session, spanish_catalog["version"], "es")
    assert translation.state == "in_review"
    assert translations.revision(session, translation.current_revision_id).author_id == es1.id
    with pytest.raises(PermissionDenied):
        translations.transition(session, actor=es1, translation=translation, name="approve")
    session.rollback()
    translations.transition(session, actor=es2, translation=translation, name="approve")
    session.commit()
    assert translation.state == "approved"
