"""Stored and reflected XSS: hostile text planted through the real forms in every field that is displayed,
then every page of the site (officers' and public) is fetched and checked as a browser would parse it.

Each planted value carries a tag naming its field, so the test also proves the field was displayed (escaped):
a page that simply left the field out would not count as safe.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlmodel import select

from tests.factories import PASSWORD
from tests.security.conftest import PAYLOADS, RAW_MARKERS, STATE_CHANGING, browser, build_url, csrf_of
from tests.sms.signed import Twilio

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "base", "frame", "frameset", "applet", "img", "link", "style", "meta"}
DANGEROUS_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data|livescript)\s*:", re.I)
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcdoc"}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in DANGEROUS_TAGS:
            allowed = (tag == "script" and (attrs.get("src") or "").startswith("/static/") and len(attrs) <= 2) or \
                      (tag == "link" and attrs.get("rel") == "stylesheet" and (attrs.get("href") or "").startswith("/static/")) or \
                      (tag == "meta" and set(attrs) <= {"charset", "name", "content"} and attrs.get("name") in (None, "viewport"))
            if not allowed:
                self.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has event handler {name}={value!r}")
            if name in URL_ATTRS and value and DANGEROUS_SCHEMES.match(re.sub(r"[\x00-\x20]", "", value)):
                self.problems.append(f"<{tag}> {name}={value!r}")
            if name == "style":
                self.problems.append(f"<{tag}> has inline style {value!r}")

    handle_startendtag = handle_starttag


def dangerous(html: str) -> list[str]:
    """What in this page a browser would run: script, event handlers, javascript: links, raw payloads."""
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.problems + [f"raw {m!r}" for m in RAW_MARKERS if m in html]


def test_the_scanner_catches_what_it_must():
    assert dangerous('<p><img src=x onerror=alert(1)></p>')
    assert dangerous('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert dangerous('<a href=" JavaScript:alert(1)">x</a>')
    assert dangerous("<script>alert(1)</script>")
    assert not dangerous('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script src="/static/smscount.js" defer></script>')


def planted(tag: str, which: int = 0) -> str:
    return f"{PAYLOADS[which]}XSS-{tag}"


MARKDOWN_ATTACKS = [
    "[a](javascript:alert(1))", "[b](JaVaScRiPt:alert(1))", "[c](&#106;avascript:alert(1))", "[d](java\tscript:alert(1))",
    "[e](vbscript:msgbox(1))", "[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "<javascript:alert(1)>",
    "![g](https://evil.example/x.png)", "<a href=\"javascript:alert(1)\">h</a>", "<img src=x onerror=alert(1)>",
    "[i](<javascript:alert(1)>)", "[j](  javascript:alert(1))", "[k][r]\n\n[r]: javascript:alert(1)",
    "<svg onload=alert(1)>", "<iframe src=javascript:alert(1)>", "[l](https://ok.example \"x\\\" onmouseover=\\\"alert(1)\")",
    "1. one\n\n<ol start=\"1 onclick=alert(1)\">", "<scr<script>ipt>alert(1)</script>",
]


def _post(client, url, data, form_url=None, files=None):
    token = csrf_of(client, form_url or url)
    payload = {**data, "csrf_token": token}
    if files:
        payload.update(files)
    return client.post(url, data=payload)


def _plant_everything(app, session, world):
    """Plant hostile text through the web forms as the people who may write each field; return the planted values
    (tag -> value) and every HTML response seen on the way (failed forms re-render what was sent)."""
    from msgsys.auth.models import User
    from msgsys.content.models import Message, MessageVersion
    from msgsys.translation import service as translations

    seen: list[tuple[str, str]] = []
    values: dict[str, str] = {}

    def keep(label, response):
        seen.append((label, response.get_data(as_text=True)))
        return response

    admin = browser(app, world.users["admin"])
    # Accounts whose email and name are hostile (the address still has the shape the app accepts).
    emails = {"author": "<script>alert(1)</script>@evil.example", "translator": "\"><img/src=x/onerror=alert(1)>@evil.example"}
    for role, email in emails.items():
        r = keep("user", _post(admin, "/admin/users", {"email": email, "name": planted(f"name-{role}"), "roles": [role],
                                                          "locales": ["es"] if role == "translator" else [], "password": PASSWORD}))
        assert r.status_code == 302, r.get_data(as_text=True)[:400]
    values["email-author"], values["email-translator"] = emails["author"], emails["translator"]
    session.expire_all()
    xss_author = session.exec(select(User).where(User.email == emails["author"])).one()
    xss_translator = session.exec(select(User).where(User.email == emails["translator"].lower())).one()
    values["token-admin"] = planted("token-admin", 1)
    keep("token", _post(admin, f"/admin/users/{xss_author.id}/tokens", {"name": values["token-admin"]}, form_url=f"/admin/users/{xss_author.id}"))
    # A warning rule whose pattern and description are hostile, and that the hostile version below will trip.
    values["rule-pattern"], values["rule-description"] = planted("rule-pattern"), planted("rule-description", 1)
    r = keep("rule", _post(admin, "/admin/policy", {"rule_type": "forbidden_phrase", "pattern": values["rule-pattern"],
                                                   "severity": "warn", "locale": "*", "description": values["rule-description"]}))
    assert r.status_code == 302, r.get_data(as_text=True)[:400]

    author = browser(app, xss_author)
    values["token-own"] = planted("token-own")
    keep("own token", _post(author, "/account/tokens", {"name": values["token-own"]}))
    values["campaign-title"], values["campaign-objective"] = planted("campaign-title"), planted("campaign-objective", 1)
    r = keep("campaign", _post(author, "/admin/campaigns", {
        "slug": "xss-campaign", "title": values["campaign-title"], "objective": values["campaign-objective"],
        "source_locale": "en", "target_locales": ["es"], "audience_countries": ["GT"]}))
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    # A hostile key is refused, and the refusal does not echo it raw.
    r = keep("bad key", _post(author, "/admin/campaigns/xss-campaign", {"key": planted("key"), "kind": "info", "channels": ["web", "sms"]}))
    assert r.status_code == 422
    for key, kind in (("xss-one", "advisory"), ("xss-two", "info"), ("xss-three", "info"), ("xss-four", "info")):
        r = keep("message", _post(author, "/admin/campaigns/xss-campaign", {"key": key, "kind": kind, "channels": ["web", "sms"]}))
        assert r.status_code == 302, r.get_data(as_text=True)[:400]
    session.expire_all()
    messages = {m.key: m for m in session.exec(select(Message).where(Message.key.in_(["xss-one", "xss-two", "xss-three", "xss-four"]))).all()}

    def draft(message, tag, body_extra="", **extra):
        data = {"title": planted(f"title-{tag}"), "body": planted(f"body-{tag}", 1) + "\n\n" + body_extra + "\n\n" + values["rule-pattern"],
                "sms_text": planted(f"sms-{tag}"), "change_note": planted(f"note-{tag}", 1), **extra}
        values.update({f"title-{tag}": data["title"], f"sms-{tag}": data["sms_text"], f"note-{tag}": data["change_note"]})
        r = keep("draft", _post(author, f"/admin/messages/{message.id}/edit", data))
        assert r.status_code == 302, r.get_data(as_text=True)[:600]
        session.expire_all()
        return session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id)
                            .order_by(MessageVersion.number.desc())).first()

    v1 = draft(messages["xss-one"], "one", "\n\n".join(MARKDOWN_ATTACKS))
    v2 = draft(messages["xss-two"], "two")
    v3 = draft(messages["xss-three"], "three")
    # One stays in review with a go-live date: the review queue and the schedule show it.
    v4 = draft(messages["xss-four"], "four", go_live_at="2026-04-01T09:00")
    # A refused edit re-renders the editor with what was sent.
    keep("refused edit", _post(author, f"/admin/versions/{v1.id}/edit", {"title": planted("refused-title"), "body": "", "sms_text": ""}))
    for v in (v1, v2, v3, v4):
        r = keep("submit", _post(author, f"/admin/versions/{v.id}/submit", {"reason": ""}, form_url=f"/admin/versions/{v.id}"))
        assert r.status_code == 302, r.get_data(as_text=True)[:600]

    approver = browser(app, world.users["approver"])
    values["approve-comment"], values["changes-reason"], values["retire-reason"] = (
        planted("approve-comment"), planted("changes-reason", 1), planted("retire-reason"))
    for v, step_name, reason in ((v1, "approve", values["approve-comment"]), (v2, "request_changes", values["changes-reason"]),
                                 (v3, "approve", "fine")):
        r = keep(step_name, _post(approver, f"/admin/versions/{v.id}/{step_name}", {"reason": reason}, form_url=f"/admin/versions/{v.id}"))
        assert r.status_code == 302, r.get_data(as_text=True)[:600]
    r = keep("retire", _post(approver, f"/admin/versions/{v3.id}/retire", {"reason": values["retire-reason"]}, form_url=f"/admin/versions/{v3.id}"))
    assert r.status_code == 302

    translator = browser(app, xss_translator)
    tr = {"title": planted("tr-title"), "body": planted("tr-body", 1), "sms_text": planted("tr-sms")}
    values.update({"tr-title": tr["title"], "tr-sms": tr["sms_text"]})
    session.refresh(v1)
    # The translation must keep the source's links; the hostile Markdown is copied as is.
    tr["body"] = tr["body"] + "\n\n" + "\n\n".join(MARKDOWN_ATTACKS) + "\n\n" + values["rule-pattern"]
    r = keep("translation", _post(translator, f"/translate/{v1.id}/es", tr))
    assert r.status_code == 302, r.get_data(as_text=True)[:600]
    translation = translations.find(session, v1, "es")
    values["glossary-term"], values["glossary-translation"], values["glossary-note"] = (
        planted("glossary-term"), planted("glossary-translation", 1), planted("glossary-note"))
    r = keep("glossary", _post(translator, "/translate/glossary/es", {"source_term": values["glossary-term"],
                                                                    "required_translation": values["glossary-translation"],
                                                                    "note": values["glossary-note"]}))
    assert r.status_code == 302, r.get_data(as_text=True)[:600]
    r = keep("tr submit", _post(translator, f"/translate/t/{translation.id}/submit", {"reason": ""}, form_url=f"/translate/{v1.id}/es"))
    values["tr-review"] = planted("tr-review", 1)
    reviewer = browser(app, world.users["translator_es2"])
    r = keep("tr approve", _post(reviewer, f"/translate/t/{translation.id}/approve", {"reason": values["tr-review"]},
                                 form_url=f"/translate/{v1.id}/es"))
    assert r.status_code == 302, r.get_data(as_text=True)[:600]
    _plant_sms(app, admin, values, keep)
    return values, seen


def _plant_sms(app, admin, values, keep):
    """Hostile text where SMS recipients' data comes in: an admin's import file (region, consent text, source), a text
    Twilio delivers to the inbound webhook, a keyword typed into the admin's form, a body the sandbox "sent"."""
    from msgsys.sms.clients.sandbox import SandboxClient

    number = "+50255550126"
    values["sub-region"], values["sub-consent"], values["sub-source"] = (
        planted("sub-region", 1), planted("sub-consent"), planted("sub-source", 1))
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/subscribers.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["number", "locale", "region", "consent_text", "source"])
            writer.writerow([number, "es", values["sub-region"], values["sub-consent"], values["sub-source"]])
        result = app.test_cli_runner().invoke(args=["subscribers", "import", path, "--by", "admin@example.org"])
    assert result.exit_code == 0, result.output

    values["inbound-body"] = planted("inbound-body", 1)
    response = Twilio(app.test_client()).inbound(values["inbound-body"], number)
    assert response.status_code == 200, response.get_data(as_text=True)

    # A keyword is one word of letters or digits: a hostile one is refused, and the refusal shows it back escaped.
    values["keyword-word"] = planted("keyword-word")
    r = keep("keyword", _post(admin, "/admin/sms/keywords", {"locale": "es", "word": values["keyword-word"], "action": "help",
                                                             "target_locale": ""}))
    assert r.status_code == 422, r.get_data(as_text=True)[:600]

    values["outbox-body"] = planted("outbox-body", 1)
    SandboxClient().send(to=number, body=values["outbox-body"], sender="msgsys", status_callback=None)


def _every_page(app, session, world, client, public: bool):
    """Every GET page of the app, for every value of its URL arguments that names something."""
    from msgsys.auth.models import User
    from msgsys.content.models import Campaign, Message, MessageVersion
    from msgsys.policy.models import PolicyRule
    from msgsys.sms.models import Keyword, Subscriber

    session.expire_all()
    choices = {
        "version_id": [v.id for v in session.exec(select(MessageVersion)).all()],
        "other_id": [world.v["pub"].id],
        "message_id": [m.id for m in session.exec(select(Message)).all()],
        "slug": [c.slug for c in session.exec(select(Campaign)).all()],
        "locale": ["en", "es", "quc"],
        "rule_key": sorted({r.rule_key for r in session.exec(select(PolicyRule)).all()}),
        "user_id": [u.id for u in session.exec(select(User)).all()],
        "filename": ["app.css"],
        "subscriber_id": [sub.id for sub in session.exec(select(Subscriber)).all()],
        "keyword_id": [k.id for k in session.exec(select(Keyword)).all()],
        "delivery_id": [1],
    }
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "api.openapi") or rule.endpoint.startswith("api."):
            continue
        if rule.endpoint.startswith("public.") != public:
            continue
        combos = [{}]
        for arg in sorted(rule.arguments):
            if arg not in choices:
                pytest.fail(f"no values for {arg} of {rule.endpoint}")
            combos = [{**c, arg: value} for c in combos for value in choices[arg]]
        for combo in combos:
            url = build_url(rule, combo)
            response = client.get(url)
            if response.mimetype == "text/html":
                pages.append((url, response.get_data(as_text=True)))
    extra = ["/admin/audit?page=2", "/translate/?state=approved", "/admin/review"]
    for url in ([] if public else extra):
        pages.append((url, client.get(url).get_data(as_text=True)))
    return pages


def test_hostile_text_in_every_field_is_shown_escaped_on_every_page(app, session, world):
    values, seen = _plant_everything(app, session, world)
    viewers = {name: browser(app, world.users[name]) for name in ("superuser", "admin", "translator_es2", "approver")}
    pages = list(seen)
    for name, client in viewers.items():
        pages += [(f"{name} {url}", html) for url, html in _every_page(app, session, world, client, public=False)]
    pages += [(f"public {url}", html) for url, html in _every_page(app, session, world, browser(app), public=True)]

    problems = {label: found for label, html in pages if (found := dangerous(html))}
    assert not problems, "\n".join(f"{label}: {found[:4]}" for label, found in list(problems.items())[:20])

    everything = "\n".join(html for _label, html in pages)
    not_shown = [tag for tag, value in values.items() if str(escape(value)) not in everything]
    assert not_shown == [], f"these planted fields never appeared (escaped) on any page, so their escaping is untested: {not_shown}"


def test_the_hostile_markdown_reaches_the_public_page_defused(app, session, world):
    """The approved hostile version and its approved Spanish translation are public: the body rendered, nothing live."""
    _plant_everything(app, session, world)
    public = browser(app)
    home = public.get("/en/").get_data(as_text=True)
    assert "XSS-title-one" in home
    for url, html in _every_page(app, session, world, public, public=True):
        assert not dangerous(html), (url, dangerous(html))
    es_home = public.get("/es/").get_data(as_text=True)
    assert "XSS-tr-title" in es_home


REFLECTED_PATHS = [
    "/admin/campaigns/{p}", "/admin/policy/{p}", "/translate/glossary/{p}", "/translate/{v}/{p}", "/translate/catalog/{p}/es",
    "/translate/catalog/sec-campaign/{p}", "/translate/catalog/sec-campaign/{p}.po", "/{p}/", "/en/n/{p}", "/admin/versions/{v}/diff/{p}",
]
REFLECTED_QUERIES = [
    "/admin/audit?actor={p}&action={p}&subject_type={p}&subject_id={p}", "/translate/?state={p}", "/?lang={p}", "/login?next={p}",
    "/admin/messages/{m}/compare?a={p}&b={p}", "/admin/?lang={p}", "/en/?lang={p}",
    "/admin/sms/subscribers?number={p}&state={p}", "/admin/sms/inbound?page={p}", "/admin/sms/outbox?page={p}", "/en/subscribe?lang={p}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_urls_is_never_reflected_raw(app, world, payload):
    client = browser(app, world.users["superuser"])
    quoted = quote(payload, safe="")
    for template in REFLECTED_PATHS + REFLECTED_QUERIES:
        url = template.format(p=quoted, v=world.v["pub"].id, m=world.m["pub"].id)
        for c in (client, browser(app)):
            response = c.get(url)
            assert response.status_code < 500, (url, response.status_code)
            html = response.get_data(as_text=True)
            assert not dangerous(html), (url, dangerous(html))
    api = app.test_client()
    response = api.get(f"/api/v1/campaigns/{quoted}", headers={"Authorization": f"Bearer {world.tokens['author']}"})
    assert response.status_code == 404 and response.mimetype == "application/json"


def test_a_hostile_translation_catalog_download_is_never_rendered_as_a_page(app, session, world):
    """The .po download carries officers' text; it must be an attachment of its own type, never sniffed as HTML."""
    _plant_everything(app, session, world)
    es = browser(app, world.users["translator_es"])
    response = es.get("/translate/catalog/xss-campaign/es.po")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "text/x-gettext-translation"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_page_sends_the_headers_that_stop_script_and_framing(app, session, world):
    """Defence in depth against whatever escaping might miss: a CSP without inline script, no framing, no sniffing."""
    for name in ("superuser", None):
        client = browser(app, world.users[name] if name else None)
        for url, _html in _every_page(app, session, world, client, public=name is None):
            response = client.get(url)
            csp = response.headers.get("Content-Security-Policy", "")
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, url
            assert response.headers.get("X-Content-Type-Options") == "nosniff", url
            assert response.headers.get("X-Frame-Options") == "DENY", url
