"""The fake Twilio server answers as Twilio does, takes faults over HTTP, and signs status callbacks so that the
Twilio SDK's RequestValidator accepts them; `msgsys fake-twilio --port N` serves it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.request_validator import RequestValidator

from msgsys.sms.clients import PermanentError, TwilioClient
from msgsys.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

TO, SENDER = "+50255501234", "+15005550006"
MESSAGES = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"


@pytest.fixture
def client(fake):
    return TwilioClient(account_sid=DEFAULT_ACCOUNT_SID, auth_token=DEFAULT_AUTH_TOKEN, api_base=fake.url, timeout=2)


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.received.append((self.path, dict(self.headers), dict(parse_qsl(body))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A web server standing in for msgsys's status webhook; it records what it is sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _callback_url(receiver):
    return f"http://127.0.0.1:{receiver.server_address[1]}/sms/status?delivery=7"


def test_a_status_callback_is_signed_as_twilio_signs_it(fake, client, receiver):
    url = _callback_url(receiver)
    sent = client.send(to=TO, body="Hola", sender=SENDER, status_callback=url)
    assert fake.send_status(sent.sid, "delivered") == 204
    [(path, headers, params)] = receiver.received
    assert path == "/sms/status?delivery=7"
    assert (params["MessageSid"], params["MessageStatus"], params["To"], params["From"]) == (
        sent.sid, "delivered", TO, SENDER
    )
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, params, headers["X-Twilio-Signature"])
    assert not RequestValidator("another token").validate(url, params, headers["X-Twilio-Signature"])
    assert not RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, {**params, "MessageStatus": "failed"},
                                                             headers["X-Twilio-Signature"])


def test_a_failed_status_carries_the_error_code_and_shows_in_the_message(fake, client, receiver):
    sent = client.send(to=TO, body="Hola", sender=SENDER, status_callback=_callback_url(receiver))
    fake.send_status(sent.sid, "undelivered", error_code=30003)
    [(_, _, params)] = receiver.received
    assert (params["MessageStatus"], params["ErrorCode"]) == ("undelivered", "30003")
    message = client.sdk.messages(sent.sid).fetch()
    assert (message.status, message.error_code) == ("undelivered", 30003)


def test_errors_come_in_twilios_legacy_json(fake):
    fake.fail(21610)
    answer = requests.post(fake.url + MESSAGES, data={"To": TO, "From": SENDER, "Body": "Hola"},
                           auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN), timeout=2)
    assert answer.status_code == 400
    assert answer.json() == {
        "code": 21610, "message": "Attempt to send to unsubscribed recipient",
        "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400,
    }


def test_without_credentials_the_api_answers_401(fake):
    answer = requests.get(fake.url + MESSAGES, timeout=2)
    assert (answer.status_code, answer.json()["code"]) == (401, 20003)


def test_faults_and_status_callbacks_over_the_control_api(fake, client, receiver):
    assert requests.post(fake.url + "/_fake/faults", json={"code": 21211, "to": TO}, timeout=2).status_code == 201
    with pytest.raises(PermanentError) as caught:
        client.send(to=TO, body="Hola", sender=SENDER, status_callback=None)
    assert caught.value.code == 21211
    requests.delete(fake.url + "/_fake/faults", timeout=2)
    sent = client.send(to=TO, body="Hola", sender=SENDER, status_callback=_callback_url(receiver))
    [listed] = requests.get(fake.url + "/_fake/messages", timeout=2).json()
    assert (listed["sid"], listed["status_callback"]) == (sent.sid, _callback_url(receiver))
    answer = requests.post(fake.url + f"/_fake/messages/{sent.sid}/status", json={"status": "sent"}, timeout=2)
    assert answer.json() == {"callback_status": 204}
    assert receiver.received[0][2]["MessageStatus"] == "sent"


def test_the_command_serves_the_fake_on_the_given_port(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    msgsys = Path(sys.executable).with_name("msgsys")
    env = {**os.environ, "MSGSYS_ENV": "development", "MSGSYS_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "token-from-settings"}
    process = subprocess.Popen([str(msgsys), "fake-twilio", "--port", str(port)], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line, line
        client = TwilioClient(account_sid="AC" + "1" * 32, auth_token="token-from-settings",
                              api_base=f"http://127.0.0.1:{port}", timeout=2)
        assert client.send(to=TO, body="Hola", sender=SENDER, status_callback=None).status == "queued"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.mark.parametrize(
    ("name", "value", "found"),
    [("DateSent", "2026-03-02", ["today"]), ("DateSent>", "2026-03-02", ["today"]),
     ("DateSent<", "2026-03-01", ["yesterday"]), ("DateSent>", "2026-03-02T11:59:59Z", ["today"]),
     ("DateSent<", "2026-03-02T12:00:00Z", ["today", "yesterday"])],
)
def test_the_message_list_filters_by_day_or_time_as_twilios_docs_write_them(fake, name, value, found):
    for body, day in (("yesterday", 1), ("today", 2)):
        message = fake.create({"To": TO, "From": SENDER, "Body": body})
        message.date_created = message.date_created.replace(year=2026, month=3, day=day, hour=12, minute=0, second=0)
    answer = requests.get(fake.url + MESSAGES, params={name: value, "To": TO},
                          auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN), timeout=2)
    assert [m["body"] for m in answer.json()["messages"]] == found
