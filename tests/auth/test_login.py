"""Signing in and out, throttling and CSRF, as a person at the browser sees them."""
from __future__ import annotations

from msgsys.audit.models import AuditEvent
from sqlmodel import select

from tests.factories import PASSWORD, csrf_from, login, make_user


def test_sign_in_lands_on_the_dashboard_and_sign_out_ends_the_session(client, session):
    user = make_user(session, roles="author")
    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)

    token = csrf_from(client, "/admin/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302  # back to the sign-in page


def test_wrong_password_is_refused_with_a_clear_message(client, session):
    user = make_user(session)
    response = login(client, user.email, "not the password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, session):
    response = login(client, "nobody@example.org", PASSWORD)
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, session):
    user = make_user(session, active=False)
    response = login(client, user.email)
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_is_throttled_per_account_with_a_clear_message(app, client, session):
    user = make_user(session)
    for _ in range(5):
        assert login(client, user.email, "wrong").status_code == 401
    # Even the right password is refused now: the account is throttled.
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another account from the same address is not yet blocked.
    other = make_user(session)
    assert login(client, other.email).status_code == 302


def test_login_is_throttled_per_address_across_accounts(app, client, session):
    for i in range(20):
        assert login(client, f"guess{i}@example.org", "wrong").status_code == 401
    user = make_user(session)
    response = login(client, user.email)
    assert response.status_code == 429
    # A request from another address still works.
    token = csrf_from(client, "/login")
    other = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token},
                        environ_overrides={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_limit(client, session):
    user = make_user(session)
    for _ in range(8):
        assert login(client, user.email).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})


def test_login_without_csrf_token_is_refused_and_signs_nobody_in(client, session):
    user = make_user(session)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_with_forged_csrf_token_is_refused(client, session):
    user = make_user(session)
    csrf_from(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_logout_by_get_or_without_csrf_does_not_sign_out(client, session):
    user = make_user(session)
    login(client, user.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_open_redirect_after_login_is_refused(client, session):
    user = make_user(session)
    token = csrf_from(client, "/login")
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/admin/")


def test_sign_in_and_failures_leave_audit_events(client, session):
    user = make_user(session)
    login(client, user.email)
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "user.login")).all()
    assert [e.actor_label for e in events] == [user.email]


def test_deactivated_user_is_signed_out_on_the_next_request(client, session):
    user = make_user(session)
    login(client, user.email)
    assert client.get("/admin/").status_code == 200
    user.active = False
    session.add(user)
    session.commit()
    assert client.get("/admin/").status_code == 302


def test_password_is_stored_as_an_argon2_hash(session):
    user = make_user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_next_with_a_backslash_is_not_followed(client, session):
    user = make_user(session)
    token = csrf_from(client, "/login")
    response = client.post("/login?next=/%5Cevil.example/", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/admin/")


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, client, session):
    user = make_user(session)
    login(client, user.email)
    stolen = app.test_client()
    cookie = client.get_cookie("session", domain="msgsys.test")
    stolen.set_cookie("session", cookie.value, domain=cookie.domain)
    assert stolen.get("/admin/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    assert stolen.get("/admin/").status_code == 302


def test_a_password_change_ends_existing_sessions(client, session):
    from msgsys.auth import service

    user = make_user(session)
    login(client, user.email)
    service.set_password(session, user=user, password="another long password", label="test")
    session.commit()
    assert client.get("/admin/").status_code == 302
    assert login(client, user.email, "another long password").status_code == 302
