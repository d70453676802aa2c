"""API tokens: shown once, stored hashed, refused once revoked."""
from __future__ import annotations

import hashlib
import re

from sqlmodel import select

from msgsys.auth.models import ApiToken
from tests.factories import csrf_from, login, make_token, make_user


def _me(client, secret):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def test_token_authenticates_the_api_as_its_user(client, session):
    user = make_user(session, roles="translator", locales="es,quc")
    secret = make_token(session, user)
    response = _me(client, secret)
    assert response.status_code == 200
    assert response.json == {"id": user.id, "email": user.email, "roles": ["translator"], "locales": ["es", "quc"]}


def test_only_a_hash_of_the_token_is_stored(session):
    user = make_user(session)
    secret = make_token(session, user)
    stored = session.exec(select(ApiToken)).one()
    assert secret not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_revoked_token_is_refused_with_a_json_error(client, session, runner):
    user = make_user(session)
    secret = make_token(session, user)
    token_id = session.exec(select(ApiToken)).one().id
    assert _me(client, secret).status_code == 200
    result = runner.invoke(args=["users", "revoke-token", str(token_id)])
    assert result.exit_code == 0, result.output
    response = _me(client, secret)
    assert response.status_code == 401
    assert response.json["error"] == {"code": "unauthorized", "message": "This API token has been revoked."}


def test_missing_malformed_and_unknown_tokens_are_refused(client, session):
    assert client.get("/api/v1/me").json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert _me(client, "msg_not-a-real-token").json["error"]["message"] == "Unknown API token."


def test_token_of_a_deactivated_user_is_refused(client, session):
    user = make_user(session)
    secret = make_token(session, user)
    user.active = False
    session.add(user)
    session.commit()
    assert _me(client, secret).status_code == 401


def test_a_signed_in_browser_session_does_not_authenticate_the_api(client, session):
    user = make_user(session)
    login(client, user.email)
    assert client.get("/api/v1/me").status_code == 401


def test_user_creates_a_token_in_the_ui_sees_it_once_and_can_revoke_it(client, session):
    user = make_user(session)
    login(client, user.email)
    page = client.post("/account/tokens", data={"name": "laptop", "csrf_token": csrf_from(client, "/account/tokens")})
    html = page.get_data(as_text=True)
    secret = re.search(r'<code class="secret">([^<]+)</code>', html).group(1)
    assert _me(client, secret).status_code == 200
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "laptop" in again

    token_id = session.exec(select(ApiToken)).one().id
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(client, "/account/tokens")})
    assert _me(client, secret).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token_from_the_account_page(client, session):
    owner, other = make_user(session), make_user(session)
    secret = make_token(session, owner)
    token_id = session.exec(select(ApiToken)).one().id
    login(client, other.email)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(client, "/account/tokens")})
    assert _me(client, secret).status_code == 200
