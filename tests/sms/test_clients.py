"""The SMS clients: the twilio backend drives the real Twilio SDK against the fake Twilio server on 127.0.0.1;
the sandbox keeps messages; the registry picks one by MSGSYS_SMS_BACKEND."""
from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import pytest

from msgsys.config import Settings
from msgsys.sms.clients import (
    CLIENTS,
    PermanentError,
    RetryableError,
    SandboxClient,
    TwilioClient,
    make_client,
)
from msgsys.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

TO, OTHER, SENDER = "+50255501234", "+50255509876", "+15005550006"
CALLBACK = "https://msgsys.example.org/sms/status"


@pytest.fixture
def client(fake):
    return TwilioClient(account_sid=DEFAULT_ACCOUNT_SID, auth_token=DEFAULT_AUTH_TOKEN, api_base=fake.url, timeout=0.5)


def _send(client, to=TO, body="Hola"):
    return client.send(to=to, body=body, sender=SENDER, status_callback=CALLBACK)


def _minute_ago():
    return datetime.now(timezone.utc) - timedelta(minutes=1)


def test_a_send_reaches_twilio_with_to_from_body_and_status_callback(fake, client):
    result = _send(client, body="¿Dónde está? Kʼicheʼ")
    [recorded] = fake.messages
    assert (recorded.to, recorded.from_, recorded.body, recorded.status_callback) == (
        TO, SENDER, "¿Dónde está? Kʼicheʼ", CALLBACK
    )
    assert result.sid == recorded.sid and result.sid.startswith("SM")
    assert result.status == "queued"


def test_a_messaging_service_sender_goes_as_messaging_service_sid(fake, client):
    service = "MG" + "ab" * 16
    client.send(to=TO, body="Hola", sender=service, status_callback=CALLBACK)
    [recorded] = fake.messages
    assert (recorded.messaging_service_sid, recorded.from_) == (service, "")
    assert [m.sid for m in client.lookup_messages(to=TO, sender=service, since=_minute_ago())] == [recorded.sid]


def test_rate_limited_is_retryable_and_nothing_was_sent(fake, client):
    fake.fail(20429)
    with pytest.raises(RetryableError) as caught:
        _send(client)
    assert (caught.value.status, caught.value.code, caught.value.ambiguous) == (429, 20429, False)
    assert fake.messages == []


def test_a_twilio_server_error_is_retryable_and_may_have_been_sent(fake, client):
    fake.fail(20500)
    with pytest.raises(RetryableError) as caught:
        _send(client)
    assert (caught.value.status, caught.value.ambiguous) == (500, True)


def test_a_timeout_is_retryable_and_the_message_list_settles_whether_it_went(fake, client):
    fake.hang(5)
    since = _minute_ago()
    with pytest.raises(RetryableError) as caught:
        _send(client, body="sent, answer lost")
    assert caught.value.ambiguous is True
    [found] = client.lookup_messages(to=TO, sender=SENDER, since=since)
    assert (found.sid, found.body) == (fake.messages[0].sid, "sent, answer lost")


def test_no_connection_is_retryable_and_certainly_not_sent():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    client = TwilioClient(
        account_sid=DEFAULT_ACCOUNT_SID, auth_token=DEFAULT_AUTH_TOKEN, api_base=f"http://127.0.0.1:{port}", timeout=0.5
    )
    with pytest.raises(RetryableError) as caught:
        _send(client)
    assert caught.value.ambiguous is False


@pytest.mark.parametrize("code", [21211, 21610, 21614])
def test_refusals_are_permanent_with_twilios_code(fake, client, code):
    fake.fail(code)
    with pytest.raises(PermanentError) as caught:
        _send(client)
    assert (caught.value.code, caught.value.status) == (code, 400)
    assert fake.messages == []


def test_a_number_that_is_not_e164_is_refused_as_invalid(fake, client):
    with pytest.raises(PermanentError) as caught:
        _send(client, to="5550123")
    assert caught.value.code == 21211


def test_a_fault_for_one_number_leaves_the_others_alone(fake, client):
    fake.fail(21610, to=OTHER)
    _send(client, to=TO)
    with pytest.raises(PermanentError):
        _send(client, to=OTHER)
    assert [m.to for m in fake.messages] == [TO]


def test_a_fault_on_a_share_of_requests_fails_some_and_sends_the_rest(fake, client):
    fake.fail(20429, share=0.5)
    outcomes = []
    for _ in range(20):
        try:
            _send(client)
            outcomes.append("sent")
        except RetryableError:
            outcomes.append("retry")
    assert 0 < outcomes.count("retry") < 20
    assert len(fake.messages) == outcomes.count("sent")


def test_a_fault_for_a_number_of_times_passes_afterwards(fake, client):
    fake.fail(20429, times=2)
    for _ in range(2):
        with pytest.raises(RetryableError):
            _send(client)
    assert _send(client).status == "queued"


def test_wrong_credentials_are_permanent(fake):
    client = TwilioClient(account_sid=DEFAULT_ACCOUNT_SID, auth_token="wrong", api_base=fake.url, timeout=0.5)
    with pytest.raises(PermanentError) as caught:
        _send(client)
    assert (caught.value.status, caught.value.code) == (401, 20003)
    with pytest.raises(PermanentError) as caught:
        client.lookup_messages(to=TO, sender=SENDER, since=_minute_ago())
    assert caught.value.status == 401


def test_lookup_finds_only_messages_to_that_number_from_that_sender_since_then(fake, client):
    sent = _send(client, body="this one")
    _send(client, to=OTHER, body="another number")
    client.send(to=TO, body="another sender", sender="+15005550001", status_callback=None)
    old = _send(client, body="yesterday")
    fake.find(old.sid).date_created -= timedelta(days=1)
    found = client.lookup_messages(to=TO, sender=SENDER, since=_minute_ago())
    assert [(m.sid, m.body, m.to, m.sender, m.status) for m in found] == [(sent.sid, "this one", TO, SENDER, "queued")]


def test_lookup_reads_every_page(fake, client):
    for n in range(55):  # the SDK asks for 50 a page
        fake.create({"To": TO, "From": SENDER, "Body": f"message {n}"})
    found = client.lookup_messages(to=TO, sender=SENDER, since=_minute_ago())
    assert len(found) == 55 and len({m.sid for m in found}) == 55


def test_sandbox_keeps_messages_and_finds_them_again():
    client = SandboxClient()
    result = client.send(to=TO, body="Hola", sender=SENDER, status_callback=None)
    assert [(m.sid, m.to, m.body) for m in client.outbox] == [(result.sid, TO, "Hola")]
    assert [m.sid for m in client.lookup_messages(to=TO, sender=SENDER, since=_minute_ago())] == [result.sid]
    assert client.lookup_messages(to=OTHER, sender=SENDER, since=_minute_ago()) == []


@pytest.mark.parametrize("number", ["5550123", "+502123", "+50255501234 ", "not a number"])
def test_sandbox_refuses_an_invalid_number_as_twilio_does(number):
    client = SandboxClient()
    with pytest.raises(PermanentError) as caught:
        client.send(to=number, body="Hola", sender=SENDER, status_callback=None)
    assert caught.value.code == 21211 and client.outbox == []


def test_the_backend_setting_chooses_the_client(fake):
    assert set(CLIENTS) == {"sandbox", "twilio"}
    assert isinstance(make_client(Settings()), SandboxClient)
    client = make_client(Settings(
        sms_backend="twilio", twilio_account_sid=DEFAULT_ACCOUNT_SID, twilio_auth_token=DEFAULT_AUTH_TOKEN,
        twilio_api_base=fake.url,
    ))
    assert isinstance(client, TwilioClient)
    assert _send(client).sid == fake.messages[0].sid
