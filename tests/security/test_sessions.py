"""Sessions and accounts: a role taken away or an account deactivated takes effect on the very next request;
sign-in neither tells which emails exist nor hands out cookies scripts or other sites can use.
"""
from __future__ import annotations

import re

from tests.factories import PASSWORD
from tests.security.conftest import browser, csrf_of, diff_snapshots, snapshot


def _post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_of(client, form_url or url)})


def test_a_deactivated_account_is_signed_out_on_its_next_request(app, session, world):
    author = browser(app, world.users["author"])
    token = csrf_of(author, f"/admin/messages/{world.m['draft'].id}/edit")
    admin = browser(app, world.users["admin"])
    r = _post(admin, f"/admin/users/{world.users['author'].id}", {"roles": ["author"]})  # "active" unticked
    assert r.status_code == 302
    before = snapshot(app, ignore_denials=True)
    response = author.post(f"/admin/messages/{world.m['draft'].id}/edit",
                           data={"csrf_token": token, "title": "After", "body": "B.", "sms_text": "S."})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []
    assert author.get("/admin/").status_code == 302


def test_a_role_taken_away_stops_working_at_once(app, session, world):
    approver = browser(app, world.users["approver"])
    v = world.v["review"]
    token = csrf_of(approver, f"/admin/versions/{v.id}")
    admin = browser(app, world.users["admin"])
    assert _post(admin, f"/admin/users/{world.users['approver'].id}", {"roles": ["author"], "active": "y"}).status_code == 302
    response = approver.post(f"/admin/versions/{v.id}/approve", data={"csrf_token": token, "reason": ""})
    assert response.status_code == 403
    session.refresh(v)
    assert v.state == "in_review"


def test_sign_in_does_not_tell_which_emails_have_accounts(app, world):
    def attempt(email, password):
        client = browser(app)
        return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(client)})

    unknown = attempt("nobody@example.org", "whatever password")
    wrong = attempt(world.users["author"].email, "wrong password here")
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong email or password." in unknown.get_data(as_text=True)
    def comparable(response, email):
        return re.sub(r'value="[^"]*"', 'value=""', response.get_data(as_text=True).replace(email, "X"))

    assert comparable(unknown, "nobody@example.org") == comparable(wrong, world.users["author"].email)


def test_the_session_cookie_is_out_of_reach_of_scripts_and_other_sites(app, world):
    client = browser(app)
    response = client.post("/login", data={"email": world.users["author"].email, "password": PASSWORD, "csrf_token": csrf_of(client)})
    assert response.status_code == 302
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie" and v.startswith("session=")]
    assert cookies, response.headers
    assert "HttpOnly" in cookies[-1] and "SameSite=Lax" in cookies[-1]


def test_officer_pages_are_never_cached(app, world):
    client = browser(app, world.users["superuser"])
    for url in ("/admin/", f"/admin/versions/{world.v['draft'].id}", "/account/tokens", f"/translate/{world.v['pub'].id}/es"):
        assert "no-store" in client.get(url).headers.get("Cache-Control", ""), url


def test_signing_out_really_ends_the_session(app, world):
    client = browser(app, world.users["author"])
    assert _post(client, "/logout", {}, form_url="/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302
    assert client.get("/account/tokens").status_code == 302
