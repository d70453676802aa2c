"""Twilio's webhooks take no CSRF token and no session: X-Twilio-Signature, computed with the account's auth token over
the public URL and every posted parameter, is their only guard. Each webhook refuses a post without it, one signed with
another account's token, and a real signature replayed with other parameters, with 403 and no change at all; the same
post correctly signed is applied (the control, so the refusals are the signature's doing).
"""
from __future__ import annotations

import pytest

from tests.security.conftest import TWILIO_BASE, WEBHOOK_KEYS, diff_snapshots, snapshot, webhook_plans
from tests.sms.signed import sign

FORGERIES = ["unsigned", "another account's token", "signature replayed with other parameters"]


def _forged(client, how, path, params, tampered):
    url = TWILIO_BASE + path
    if how == "unsigned":
        return client.post(path, data=params)
    if how == "another account's token":
        return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params, "another-account-token")})
    # A signature Twilio really made for `params`, sent with one value changed.
    return client.post(path, data=tampered, headers={"X-Twilio-Signature": sign(url, params)})


@pytest.mark.parametrize("how", FORGERIES)
@pytest.mark.parametrize("key", WEBHOOK_KEYS)
def test_a_forged_webhook_is_refused_and_changes_nothing(app, world, key, how):
    path, params, tampered = webhook_plans(world)[key]
    client = app.test_client()
    before = snapshot(app)
    response = _forged(client, how, path, params, tampered)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert diff_snapshots(before, snapshot(app)) == []


@pytest.mark.parametrize("key", WEBHOOK_KEYS)
def test_a_webhook_signed_for_the_other_webhooks_address_is_refused(app, world, key):
    """The URL is part of what is signed: a signature made for one webhook does not open the other."""
    path, params, _tampered = webhook_plans(world)[key]
    other_path = next(p for k, (p, _params, _t) in webhook_plans(world).items() if k != key)
    before = snapshot(app)
    response = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": sign(TWILIO_BASE + other_path, params)})
    assert response.status_code == 403
    assert diff_snapshots(before, snapshot(app)) == []


@pytest.mark.parametrize("key", WEBHOOK_KEYS)
def test_the_same_post_correctly_signed_is_accepted_without_any_csrf_token(app, session, world, key):
    """The control: Twilio's own post, signed for the public URL, is applied, with no token and no cookie."""
    from msgsys.sms import service

    path, params, _tampered = webhook_plans(world)[key]
    before = snapshot(app)
    response = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": sign(TWILIO_BASE + path, params)})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    changed = [line.split(":")[0] for line in diff_snapshots(before, snapshot(app))]
    session.expire_all()
    if key == "sms_webhooks.inbound":
        assert "inboundmessage" in changed and response.mimetype == "text/xml"
    else:
        assert service.find(session, params["To"]).state == "opted_out"  # Twilio's 21610: the number replied STOP
