"""Plain functions that make test data through the same services the app uses."""
from __future__ import annotations

import itertools
import re

from msgsys.auth import service as users

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(session, *, roles="author", locales="", email=None, password=PASSWORD, active=True):
    """A user with the given roles; committed."""
    roles_str = roles if isinstance(roles, str) else ",".join(roles)
    if "translator" in roles_str and not locales:
        locales = "es"
    user = users.create_user(
        session, email=email or f"{roles_str.replace(',', '-')}{next(_seq)}@example.org", password=password,
        roles=roles_str, locales=locales, label="test",
    )
    if not active:
        user.active = False
        session.add(user)
    session.commit()
    return user


def make_token(session, user) -> str:
    """A fresh API token secret for the user; committed."""
    issued = users.issue_token(session, user=user, label="test")
    session.commit()
    return issued.secret


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, url: str) -> str:
    """The CSRF token a page's form carries."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the real form, CSRF token and all."""
    token = csrf_from(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post_form(client, url: str, data: dict, *, form_url: str | None = None):
    """Submit a form with the CSRF token taken from the page that shows it."""
    token = csrf_from(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token})


ADVISORY_EN = "Do not approach the border until instructed. Registration is virtual."


def make_campaign(session, *, slug=None, source_locale="en", targets=("es", "quc"), actor=None):
    """A campaign; committed."""
    from msgsys.content import service as content

    campaign = content.create_campaign(session, actor=actor, label="test", data={
        "slug": slug or f"campaign-{next(_seq)}", "title": "Test campaign", "source_locale": source_locale,
        "target_locales": list(targets), "audience_countries": ["GT", "HN"],
    })
    session.commit()
    return campaign


def make_message(session, campaign=None, *, kind="info", key=None, channels=("web", "sms")):
    """A message in a campaign (a new campaign when none is given); committed."""
    from msgsys.content import service as content

    campaign = campaign or make_campaign(session)
    message = content.create_message(session, actor=None, label="test", campaign=campaign,
                                     data={"key": key or f"msg-{next(_seq)}", "kind": kind, "channels": list(channels)})
    session.commit()
    return message


def make_version(session, message, author, *, title="Lawful pathways", body=None, sms_text=None, **extra):
    """A draft version written by `author`; committed."""
    from msgsys.content import service as content

    text = ADVISORY_EN if message.kind == "advisory" else "Information on lawful pathways."
    version = content.new_version(session, actor=author, message=message, data={
        "title": title, "body": body if body is not None else text, "sms_text": sms_text if sms_text is not None else text, **extra,
    })
    session.commit()
    return version


def step(session, version, actor, name, reason=""):
    """Take a workflow step and commit."""
    from msgsys.workflow import service as workflow

    workflow.transition(session, actor=actor, version=version, name=name, reason=reason)
    session.commit()
    return version


ES = {"title": "Vías legales", "body": "Información sobre vías legales.", "sms_text": "Información sobre vías legales."}


def make_published(session, *, kind="info", author=None, approver=None, campaign=None, **fields):
    """A message whose first version went through review and is published; returns (message, version)."""
    author = author or make_user(session, roles="author")
    approver = approver or make_user(session, roles="approver")
    message = make_message(session, campaign, kind=kind)
    version = make_version(session, message, author, **fields)
    step(session, version, author, "submit")
    step(session, version, approver, "approve")
    return message, version


def make_translation(session, version, translator, locale="es", texts=None, submit=True):
    """A translation of a version with one revision by `translator`; committed."""
    from msgsys.translation import service as translations

    translation = translations.start(session, actor=translator, version=version, locale=locale)
    translations.save(session, actor=translator, translation=translation, data=texts or ES)
    if submit:
        translations.transition(session, actor=translator, translation=translation, name="submit")
    session.commit()
    return translation


class ApiClient:
    """Calls to /api/v1 with one user's bearer token (or none), through the Flask test client."""

    def __init__(self, client, secret=None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def call(self, method, url, json=None, **kw):
        return self.client.open(f"/api/v1{url}", method=method, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def get(self, url, **kw):
        return self.call("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self.call("POST", url, json, **kw)

    def put(self, url, json=None, **kw):
        return self.call("PUT", url, json, **kw)
