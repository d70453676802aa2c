"""Guarded pages as each role sees them, and managing users through the admin UI."""
from __future__ import annotations

import pytest
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.auth.models import User
from tests.factories import PASSWORD, csrf_from, login, make_user, post_form

PAGES = {
    "/admin/": {"author", "approver", "translator", "admin"},
    "/admin/users": {"admin"},
    "/admin/audit": {"admin"},
}


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("role", ["author", "approver", "translator", "admin"])
def test_guarded_pages_by_role(client, session, role, path):
    user = make_user(session, roles=role)
    login(client, user.email)
    response = client.get(path)
    assert response.status_code == (200 if role in PAGES[path] else 403)


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_refused_page_leaves_an_audit_event(client, session):
    user = make_user(session, roles="author")
    login(client, user.email)
    assert client.get("/admin/users").status_code == 403
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied")).one()
    assert event.actor_label == user.email and "user.manage" in event.after


def test_admin_adds_a_user_who_can_then_sign_in(client, session):
    admin = make_user(session, roles="admin")
    login(client, admin.email)
    response = post_form(client, "/admin/users", {
        "email": "New.Person@Example.org", "name": "New Person", "roles": ["translator"], "locales": ["quc"], "password": PASSWORD,
    })
    assert response.status_code == 302
    created = session.exec(select(User).where(User.email == "new.person@example.org")).one()
    assert created.role_set == {"translator"} and created.locale_set == {"quc"}
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.actor_label == admin.email)).one()
    assert "new.person@example.org" in event.after and event.subject_id == str(created.id)

    client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    assert login(client, "new.person@example.org").status_code == 302


@pytest.mark.parametrize("data, status, message", [
    ({"email": "DUP@example.org", "roles": ["author"], "password": PASSWORD}, 409, "A user with the email dup@example.org already exists."),
    ({"email": "not-an-email", "roles": ["author"], "password": PASSWORD}, 422, "not-an-email is not a valid email address."),
    ({"email": "t@example.org", "roles": ["translator"], "password": PASSWORD}, 422, "A translator needs at least one locale."),
    ({"email": "p@example.org", "roles": ["author"], "password": "short"}, 422, "The password needs at least 12 characters."),
    ({"email": "r@example.org", "roles": [], "password": PASSWORD}, 422, "Unknown role"),
])
def test_bad_new_user_is_refused_with_a_clear_message_and_nothing_changes(app, client, session, data, status, message):
    from tests.security.conftest import diff_snapshots, snapshot

    admin = make_user(session, roles="admin")
    make_user(session, email="dup@example.org")
    login(client, admin.email)
    before = snapshot(app)
    response = post_form(client, "/admin/users", data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []


def test_forged_role_value_is_refused(client, session):
    admin = make_user(session, roles="admin")
    login(client, admin.email)
    response = post_form(client, "/admin/users", {"email": "x@example.org", "roles": ["superuser"], "password": PASSWORD})
    assert response.status_code == 422
    assert session.exec(select(User).where(User.email == "x@example.org")).first() is None


def test_admin_re_roles_and_deactivates_a_user(client, session):
    admin = make_user(session, roles="admin")
    target = make_user(session, roles="author")
    login(client, admin.email)
    url = f"/admin/users/{target.id}"
    assert post_form(client, url, {"roles": ["approver"], "locales": [], "active": "y"}).status_code == 302
    session.refresh(target)
    assert target.role_set == {"approver"} and target.active
    assert post_form(client, url, {"roles": ["approver"], "locales": []}).status_code == 302
    session.refresh(target)
    assert not target.active
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.subject_id == str(target.id))).all()]
    assert "user.update" in actions and "user.deactivate" in actions


def test_admin_cannot_lock_themselves_out(client, session):
    admin = make_user(session, roles="admin")
    login(client, admin.email)
    response = post_form(client, f"/admin/users/{admin.id}", {"roles": ["author"], "locales": [], "active": "y"})
    assert response.status_code == 422
    session.refresh(admin)
    assert admin.role_set == {"admin"}


def test_user_edit_without_csrf_changes_nothing(client, session):
    admin = make_user(session, roles="admin")
    target = make_user(session, roles="author")
    login(client, admin.email)
    response = client.post(f"/admin/users/{target.id}", data={"roles": ["admin"], "active": "y"})
    assert response.status_code == 400
    session.refresh(target)
    assert target.role_set == {"author"}


def test_audit_page_lists_and_filters_events(client, session):
    admin = make_user(session, roles="admin")
    other = make_user(session, roles="author")
    login(client, admin.email)
    login(client, other.email)  # a second sign-in event by someone else
    client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    login(client, admin.email)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user.create" in page and "user.login" in page and other.email in page
    filtered = client.get(f"/admin/audit?action=user.login&actor={other.email}").get_data(as_text=True)
    assert "1 event" in filtered and other.email in filtered
    none = client.get("/admin/audit?action=nothing.like.this").get_data(as_text=True)
    assert "No events match" in none


def test_output_is_escaped(client, session):
    admin = make_user(session, roles="admin")
    login(client, admin.email)
    post_form(client, "/admin/users", {"email": "<script>alert(1)</script>@e.org", "roles": ["author"], "password": PASSWORD})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_admin_issues_a_token_for_a_user_shown_once(client, session):
    import re

    admin = make_user(session, roles="admin")
    partner_tool = make_user(session, roles="approver")
    login(client, admin.email)
    page = post_form(client, f"/admin/users/{partner_tool.id}/tokens", {"name": "partner feed"}, form_url=f"/admin/users/{partner_tool.id}")
    secret = re.search(r'<code class="secret">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json["email"] == partner_tool.email
    assert secret not in client.get(f"/admin/users/{partner_tool.id}").get_data(as_text=True)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "token.create", AuditEvent.actor_label == admin.email)).one()
    assert partner_tool.email in event.after


def test_only_admins_issue_tokens_for_others(client, session):
    author, other = make_user(session, roles="author"), make_user(session, roles="author")
    login(client, author.email)
    response = post_form(client, f"/admin/users/{other.id}/tokens", {"name": "x"}, form_url="/account/tokens")
    assert response.status_code == 403


def test_sign_out_is_audited(client, session):
    user = make_user(session)
    login(client, user.email)
    client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "user.logout")).one().actor_label == user.email
