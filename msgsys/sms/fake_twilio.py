"""A fake Twilio Messaging API on 127.0.0.1, for tests and benchmarks: `msgsys fake-twilio --port N`.

It answers the calls msgsys makes through the real SDK (create a message, list messages filtered by To, From and
DateSent, fetch one) the way Twilio does, records every message, can be told to fail, and sends status callbacks
signed as Twilio signs them. Differences from Twilio, on purpose: nothing is delivered, a message keeps the status
"queued" until `send_status` moves it, and its date_sent is set when it is accepted (Twilio sets it later).

Faults, from Python (`fail`, `hang`, `clear_faults`) or over HTTP (the /_fake/ control API, JSON):
- `fail(code)`: answer with Twilio's error for that code (429/20429, 500/20500, 400/21211, 400/21610, ...);
  the message is not created.
- `hang(seconds)`: create the message, then answer only after `seconds`: a client that gives up first cannot
  know the message exists (the ambiguous send that the message list settles).
Each fault can be limited to one number (`to`), a share of requests (`share`, drawn from a seeded generator, so a
run repeats) and a number of `times`.

Written with the standard library's http.server rather than on a web framework: a few routes, no app, no
dependency, and a thread per request so a hanging answer does not hold up the others.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"
API_VERSION = "2010-04-01"

# Twilio's HTTP status and message for the error codes tests ask for; other codes answer 400 "Error <code>".
ERRORS = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service unavailable"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
}
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass
class FakeMessage:
    """One message the fake accepted, with the StatusCallback it was given."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    messaging_service_sid: str | None = None
    status: str = "queued"
    error_code: int | None = None
    date_created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    date_updated: datetime | None = None

    def resource(self) -> dict:
        """The message as Twilio's API shows it."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": format_datetime(self.date_created),
            "date_sent": format_datetime(self.date_created),
            "date_updated": format_datetime(self.date_updated or self.date_created),
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": self.to,
            "uri": uri,
        }


@dataclass
class Fault:
    """How to answer matching send requests instead of accepting them."""

    code: int | None = None  # a Twilio error code to answer with
    status: int | None = None  # its HTTP status (from ERRORS when not given)
    seconds: float = 0.0  # for a hang: how long to wait before answering
    to: str | None = None
    share: float = 1.0
    times: int | None = None


def signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1, keyed by the auth token, of the URL then each param's name and value
    in name order. Written out here (not taken from the SDK's RequestValidator) so the tests check one against
    the other."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class FakeTwilio:
    """The fake server: `start()` serves in a thread (tests), `serve_forever()` in the foreground (the CLI)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        seed: int = 0,
        verbose: bool = False,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.verbose = verbose
        self.messages: list[FakeMessage] = []
        self.faults: list[Fault] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.fake = self

    @property
    def url(self) -> str:
        """The API base to give the client (MSGSYS_TWILIO_API_BASE)."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeTwilio":
        """Serve in a background thread until `stop()`."""
        # a short poll so that stop() returns at once (each test starts and stops its own server)
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self.httpd.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, wake any hanging answers and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> "FakeTwilio":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # faults

    def fail(self, code: int, *, status: int | None = None, to: str | None = None, share: float = 1.0,
             times: int | None = None) -> None:
        """Answer matching sends with Twilio's error `code` (e.g. 20429 → 429, 20500 → 500, 21211, 21610)."""
        with self._lock:
            self.faults.append(Fault(code=code, status=status, to=to, share=share, times=times))

    def hang(self, seconds: float, *, to: str | None = None, share: float = 1.0, times: int | None = None) -> None:
        """Accept matching sends but answer only after `seconds` (longer than the client's timeout)."""
        with self._lock:
            self.faults.append(Fault(seconds=seconds, to=to, share=share, times=times))

    def clear_faults(self) -> None:
        """Accept every send again."""
        with self._lock:
            self.faults.clear()

    def _fault_for(self, to: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.to not in (None, to) or self._random.random() >= fault.share:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    # messages

    def create(self, params: dict[str, str]) -> FakeMessage:
        """Record an accepted message."""
        message = FakeMessage(
            sid="SM" + uuid.uuid4().hex,
            account_sid=self.account_sid,
            to=params["To"],
            from_=params.get("From", ""),
            body=params.get("Body", ""),
            status_callback=params.get("StatusCallback"),
            messaging_service_sid=params.get("MessagingServiceSid"),
        )
        with self._lock:
            self.messages.append(message)
        return message

    def find(self, sid: str) -> FakeMessage | None:
        """The recorded message with this SID."""
        with self._lock:
            return next((m for m in self.messages if m.sid == sid), None)

    def send_status(self, sid: str, status: str, *, error_code: int | None = None) -> int:
        """Move a message to `status` and POST the signed status callback to its StatusCallback URL, as Twilio
        does; returns the HTTP status the callback got."""
        message = self.find(sid)
        if message is None or not message.status_callback:
            raise LookupError(f"no message {sid} with a StatusCallback")
        message.status, message.error_code = status, error_code
        message.date_updated = datetime.now(timezone.utc)
        params = {
            "AccountSid": message.account_sid,
            "ApiVersion": API_VERSION,
            "From": message.from_,
            "MessageSid": message.sid,
            "MessageStatus": status,
            "SmsSid": message.sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        request = urllib.request.Request(
            message.status_callback,
            data=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
                "X-Twilio-Signature": signature(self.auth_token, message.status_callback, params),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def matching(self, query: dict[str, str]) -> list[FakeMessage]:
        """Messages the list filters (To, From, DateSent, DateSent<, DateSent>) select, newest first."""
        with self._lock:
            found = list(reversed(self.messages))
        if "To" in query:
            found = [m for m in found if m.to == query["To"]]
        if "From" in query:
            found = [m for m in found if m.from_ == query["From"]]
        for name, keep in (("DateSent", _same), ("DateSent>", _on_or_after), ("DateSent<", _on_or_before)):
            if name in query:
                bound = _parse_when(query[name])
                found = [m for m in found if keep(m.date_created, bound)]
        return sorted(found, key=lambda m: m.date_created, reverse=True)


def _parse_when(value: str) -> date | datetime:
    if "T" in value:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return date.fromisoformat(value)


def _same(sent: datetime, bound: date | datetime) -> bool:
    return sent.replace(microsecond=0) == bound if isinstance(bound, datetime) else sent.date() == bound


def _on_or_after(sent: datetime, bound: date | datetime) -> bool:
    return sent.replace(microsecond=0) >= bound if isinstance(bound, datetime) else sent.date() >= bound


def _on_or_before(sent: datetime, bound: date | datetime) -> bool:
    return sent.replace(microsecond=0) <= bound if isinstance(bound, datetime) else sent.date() <= bound


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1"
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after stop()

    @property
    def fake(self) -> FakeTwilio:
        return self.server.fake

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.fake.verbose:
            super().log_message(format, *args)

    # routing

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/_fake/messages":
            return self._json(200, [dict(m.resource(), status_callback=m.status_callback) for m in self.fake.messages])
        if not self._authorised():
            return
        prefix = f"/{API_VERSION}/Accounts/{self.fake.account_sid}/Messages"
        if parts.path == prefix + ".json":
            return self._list(parts)
        match = re.fullmatch(re.escape(prefix) + r"/(SM[0-9a-f]{32})\.json", parts.path)
        message = self.fake.find(match.group(1)) if match else None
        if message is None:
            return self._error(20404)
        return self._json(200, message.resource())

    def do_POST(self):
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if parts.path.startswith("/_fake/"):
            return self._control(parts.path, json.loads(raw or b"{}"))
        if not self._authorised():
            return
        if parts.path != f"/{API_VERSION}/Accounts/{self.fake.account_sid}/Messages.json":
            return self._error(20404)
        params = {name: values[-1] for name, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        self._create(params)

    def do_DELETE(self):
        if urlsplit(self.path).path == "/_fake/faults":
            self.fake.clear_faults()
            return self._json(200, {"faults": 0})
        self._error(20404)

    # the API

    def _create(self, params: dict[str, str]) -> None:
        for code, missing in ((21604, "To" not in params), (21603, not params.get("From") and
                              not params.get("MessagingServiceSid")), (21602, not params.get("Body"))):
            if missing:
                return self._error(code)
        if not _E164.fullmatch(params["To"]):
            return self._error(21211)
        fault = self.fake._fault_for(params["To"])
        if fault is not None and fault.code is not None:
            return self._error(fault.code, fault.status)
        message = self.fake.create(params)
        if fault is not None and fault.seconds:
            if self.fake._stopping.wait(fault.seconds):
                return  # shutting down: the client has long given up
        self._json(201, message.resource())

    def _list(self, parts) -> None:
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        try:
            found = self.fake.matching(query)
            page, size = int(query.get("Page", 0)), int(query.get("PageSize", 50))
        except ValueError:
            return self._json(400, {"code": 20001, "message": "Invalid filter", "more_info": "", "status": 400})
        rows = found[page * size:(page + 1) * size]
        base = {k: v for k, v in query.items() if k not in ("Page", "PageToken", "PageSize")}

        def uri(n: int) -> str:
            return f"{parts.path}?" + urlencode({**base, "PageSize": size, "Page": n, "PageToken": f"PA{n}"})

        has_next = (page + 1) * size < len(found)
        self._json(200, {
            "messages": [m.resource() for m in rows],
            "end": page * size + max(len(rows) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if has_next else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page else None,
            "start": page * size,
            "uri": uri(page),
        })

    def _control(self, path: str, payload: dict) -> None:
        if path == "/_fake/faults":
            if payload.get("hang"):
                self.fake.hang(float(payload["hang"]), to=payload.get("to"), share=float(payload.get("share", 1)),
                               times=payload.get("times"))
            else:
                self.fake.fail(int(payload["code"]), status=payload.get("status"), to=payload.get("to"),
                               share=float(payload.get("share", 1)), times=payload.get("times"))
            return self._json(201, {"faults": len(self.fake.faults)})
        match = re.fullmatch(r"/_fake/messages/(SM[0-9a-f]{32})/status", path)
        if match:
            try:
                sid, status, error_code = match.group(1), payload["status"], payload.get("error_code")
                answered = self.fake.send_status(sid, status, error_code=error_code)
            except LookupError as exc:
                return self._json(404, {"message": str(exc)})
            return self._json(200, {"callback_status": answered})
        self._error(20404)

    # answers

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.fake.account_sid}:{self.fake.auth_token}".encode()).decode()
        if hmac.compare_digest(self.headers.get("Authorization", ""), expected):
            return True
        self._error(20003)
        return False

    def _error(self, code: int, status: int | None = None) -> None:
        """Twilio's legacy error body: code, message, more_info, status."""
        known_status, message = ERRORS.get(code, (400, f"Error {code}"))
        status = status or known_status
        more_info = f"https://www.twilio.com/docs/errors/{code}"
        self._json(status, {"code": code, "message": message, "more_info": more_info, "status": status})

    def _json(self, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout); Twilio would not notice either
