"""Shared ground for the attacker's tests: one world with content in every state, people of every role,
clients signed in as each of them, and a snapshot of every table to prove that a refusal changed nothing.

Exceptions are not propagated here: a crash shows up as the 500 page a real visitor would get.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from tests.factories import (
    PASSWORD, login, make_campaign, make_message, make_token, make_translation, make_user, make_version, step,
)
from tests.sms.signed import BASE as TWILIO_BASE, TOKEN as TWILIO_TOKEN

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
# What must never appear raw in any HTML page.
RAW_MARKERS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "onerror=alert(1)>")

ALL_IDENTITIES = ("anonymous", "author", "author2", "approver", "author_approver", "translator_es", "translator_es2",
                  "translator_quc", "admin")


@pytest.fixture
def config(config):
    """The suite's settings, but errors end as the error page a visitor sees instead of propagating into the test."""
    config["PROPAGATE_EXCEPTIONS"] = False
    # Twilio's webhooks verify every request against an auth token and the public address Twilio calls (both test values).
    config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"] = TWILIO_TOKEN, TWILIO_BASE
    return config


# --- database snapshots ---------------------------------------------------------------------------

def snapshot(app, *, ignore_denials: bool = False, ignore_token_use: bool = False) -> dict[str, list[dict]]:
    """Every row of every table, read through a connection of its own (what is committed)."""
    engine = app.extensions["msgsys.engine"]
    meta = app.extensions.get("tests.reflected")
    if meta is None:  # reflected once per app: some tests take hundreds of snapshots
        meta = app.extensions["tests.reflected"] = sa.MetaData()
        meta.reflect(engine)
    out: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for table in sorted(meta.tables.values(), key=lambda t: t.name):
            if table.name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = [dict(r) for r in conn.execute(sa.select(table).order_by(*order)).mappings().all()]
            if table.name == "auditevent" and ignore_denials:
                rows = [r for r in rows if r["action"] != "permission.denied"]
            if table.name == "apitoken" and ignore_token_use:
                for r in rows:
                    r.pop("last_used_at", None)
            out[table.name] = rows
    return out


def diff_snapshots(before: dict, after: dict) -> list[str]:
    """Human-readable list of what changed between two snapshots (empty when nothing did)."""
    changes = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name, []), after.get(name, [])
        if b != a:
            added = [r for r in a if r not in b]
            removed = [r for r in b if r not in a]
            changes.append(f"{name}: +{added[:3]} -{removed[:3]}")
    return changes


def audit_actions(app, since_id: int = 0) -> list[dict]:
    """Audit events after the given id, oldest first."""
    engine = app.extensions["msgsys.engine"]
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM auditevent WHERE id > :i ORDER BY id"), {"i": since_id}).mappings().all()
    return [dict(r) for r in rows]


def last_audit_id(app) -> int:
    engine = app.extensions["msgsys.engine"]
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM auditevent")).scalar()


# --- CSRF tokens and browsers ---------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(client, url: str = "/login") -> str:
    """A CSRF token valid for this client's session, read from a page with a form."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def browser(app, user=None):
    """A separate browser; signed in as the user unless None."""
    client = app.test_client()
    if user is not None:
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def offsite(location: str | None, base: str = "http://msgsys.test/login") -> bool:
    """True when a browser following this Location would leave the site (WHATWG rules: \\ is /, tabs and newlines drop)."""
    if not location:
        return False
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00 ").replace("\\", "/")
    target = urljoin(base, cleaned)
    parts = urlsplit(target)
    return parts.scheme not in ("http", "https") or parts.hostname != "msgsys.test"


# --- the world ------------------------------------------------------------------------------------

@dataclass
class World:
    """People, tokens and content in every state, all committed."""

    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    campaign: object = None
    v: dict = field(default_factory=dict)  # name -> MessageVersion
    m: dict = field(default_factory=dict)  # name -> Message
    t: dict = field(default_factory=dict)  # name -> Translation
    rule_key: str = ""
    quc_rule_key: str = ""  # a K'iche' rule waiting for a K'iche' translator's approval
    markers: dict = field(default_factory=dict)  # name -> text that must (or must not) appear publicly
    subscriber: object = None  # an active SMS subscriber, who sent one text and was "sent" one by the sandbox
    keywords: dict = field(default_factory=dict)  # "es" (in force), "quc" (waiting for a K'iche' translator)

    def user(self, name):
        return None if name == "anonymous" else self.users[name]


def _texts(mark: str) -> dict:
    return {"title": f"{mark} title", "body": f"{mark} body text.", "sms_text": f"{mark} sms text."}


def build_world(session, clock) -> World:
    from msgsys.policy import service as policy
    from msgsys.translation import service as translations
    from msgsys.workflow import service as workflow

    w = World()
    roles = {
        "author": ("author", ""), "author2": ("author", ""), "approver": ("approver", ""),
        "author_approver": ("author,approver", ""), "translator_es": ("translator", "es"),
        "translator_es2": ("translator", "es"), "translator_quc": ("translator", "quc"), "admin": ("admin", ""),
        "superuser": ("author,approver,translator,admin", "es,quc"),
    }
    for name, (r, locales) in roles.items():
        w.users[name] = make_user(session, roles=r, locales=locales, email=f"{name}@example.org")
    for name, user in w.users.items():
        w.tokens[name] = make_token(session, user)

    author, approver, es1, es2, quc = (w.users[n] for n in ("author", "approver", "translator_es", "translator_es2", "translator_quc"))
    w.campaign = c = make_campaign(session, slug="sec-campaign", targets=("es", "quc"))

    def version(name, message, who, **extra):
        w.markers[name] = f"MARK-{name.upper()}"
        return make_version(session, message, who, **_texts(w.markers[name]), **extra)

    # A draft, one in review (written by someone who also approves), one sent back.
    w.m["draft"] = make_message(session, c, key="draft-msg")
    w.v["draft"] = version("draft", w.m["draft"], author)
    w.m["review"] = make_message(session, c, key="review-msg")
    w.v["review"] = version("review", w.m["review"], w.users["author_approver"])
    step(session, w.v["review"], w.users["author_approver"], "submit")
    w.m["changes"] = make_message(session, c, key="changes-msg")
    w.v["changes"] = version("changes", w.m["changes"], author)
    step(session, w.v["changes"], author, "submit")
    step(session, w.v["changes"], approver, "request_changes", reason="fix it")

    # Approved, going live in ten days.
    w.m["scheduled"] = make_message(session, c, key="scheduled-msg")
    w.v["scheduled"] = version("scheduled", w.m["scheduled"], author, go_live_at=clock.now() + timedelta(days=10))
    step(session, w.v["scheduled"], author, "submit")
    step(session, w.v["scheduled"], approver, "approve")

    # Approved to go live together with its translations, none approved: held, never public.
    w.m["held"] = make_message(session, c, key="held-msg")
    w.v["held"] = version("held", w.m["held"], author)
    step(session, w.v["held"], author, "submit")
    workflow.transition(session, actor=approver, version=w.v["held"], name="approve", publication="together")
    session.commit()

    # Published, with an approved Spanish translation that has a newer draft revision, and K'iche' in review;
    # then a second version of it waits for review.
    w.m["pub"] = make_message(session, c, key="pub-msg")
    w.v["pub"] = version("pub", w.m["pub"], author)
    step(session, w.v["pub"], author, "submit")
    step(session, w.v["pub"], approver, "approve")
    w.markers["es_approved"], w.markers["es_draft"], w.markers["quc_review"] = "MARK-ES-APPROVED", "MARK-ES-DRAFTREV", "MARK-QUC-INREVIEW"
    w.t["pub_es"] = make_translation(session, w.v["pub"], es1, "es", texts=_texts("MARK-ES-APPROVED"))
    translations.transition(session, actor=es2, translation=w.t["pub_es"], name="approve")
    translations.save(session, actor=es1, translation=w.t["pub_es"], data=_texts("MARK-ES-DRAFTREV"))
    session.commit()
    w.t["pub_quc"] = make_translation(session, w.v["pub"], quc, "quc", texts=_texts("MARK-QUC-INREVIEW"))
    w.v["pub_next"] = version("pub_next", w.m["pub"], author)
    step(session, w.v["pub_next"], author, "submit")

    # Published with a Spanish translation in review (for the review steps).
    w.m["pub2"] = make_message(session, c, key="pub2-msg")
    w.v["pub2"] = version("pub2", w.m["pub2"], author)
    step(session, w.v["pub2"], author, "submit")
    step(session, w.v["pub2"], approver, "approve")
    w.markers["es_review"] = "MARK-ES-INREVIEW"
    w.t["pub2_es"] = make_translation(session, w.v["pub2"], es1, "es", texts=_texts("MARK-ES-INREVIEW"))

    # Published then retired.
    w.m["retired"] = make_message(session, c, key="retired-msg")
    w.v["retired"] = version("retired", w.m["retired"], author)
    step(session, w.v["retired"], author, "submit")
    step(session, w.v["retired"], approver, "approve")
    step(session, w.v["retired"], approver, "retire", reason="withdrawn")

    # Version 1 published with Spanish approved, then version 2 published as a correction: v1 and its translation
    # are history (without the correction mark, Spanish readers would keep v1's approved Spanish, labelled as earlier).
    w.m["sup"] = make_message(session, c, key="sup-msg")
    w.v["sup_old"] = version("sup_old", w.m["sup"], author)
    step(session, w.v["sup_old"], author, "submit")
    step(session, w.v["sup_old"], approver, "approve")
    w.markers["es_sup_old"] = "MARK-ES-SUPOLD"
    w.t["sup_old_es"] = make_translation(session, w.v["sup_old"], es1, "es", texts=_texts("MARK-ES-SUPOLD"))
    translations.transition(session, actor=es2, translation=w.t["sup_old_es"], name="approve")
    session.commit()
    w.v["sup_new"] = version("sup_new", w.m["sup"], author)
    step(session, w.v["sup_new"], author, "submit")
    workflow.transition(session, actor=approver, version=w.v["sup_new"], name="approve", correction=True)
    session.commit()

    # An SMS-only message, published: never on the web.
    w.m["smsonly"] = make_message(session, c, key="smsonly-msg", channels=("sms",))
    w.v["smsonly"] = version("smsonly", w.m["smsonly"], author)
    step(session, w.v["smsonly"], author, "submit")
    step(session, w.v["smsonly"], approver, "approve")

    rule = policy.create_rule(session, label="test", data={
        "rule_type": "forbidden_phrase", "pattern": "border is open", "severity": "block", "locale": "*",
        "kinds": [], "description": "The borders are not open."})
    session.commit()
    w.rule_key = rule.rule_key
    w.quc_rule_key = policy.create_rule(session, label="test", data={
        "rule_type": "forbidden_phrase", "pattern": "placeholder claim", "severity": "block", "locale": "quc",
        "kinds": [], "description": "Waits for approval."}).rule_key
    session.commit()
    translations.add_term(session, actor=es1, locale="es", source_term="asylum", required_translation="asilo")
    session.commit()
    _sms_world(session, clock, w)
    for obj in (*w.v.values(), *w.t.values(), w.subscriber, *w.keywords.values()):
        session.refresh(obj)
    return w


SUBSCRIBER_NUMBER = "+50255550123"


def _sms_world(session, clock, w: World) -> None:
    """One active subscriber (subscribed, then confirmed, as the web form and a YES reply do), a text it sent us, a
    message the sandbox "sent" it, and two keywords the admin added: a Spanish one, in force, and a K'iche' one waiting
    for a K'iche' translator who did not add it."""
    from msgsys.sms import keywords as sms_keywords
    from msgsys.sms import service as sms
    from msgsys.sms.clients.sandbox import SandboxClient

    w.subscriber = sms.subscribe(session, number=SUBSCRIBER_NUMBER, locale="es", consent_source="web_form",
                                 consent_text="I agree to receive SMS.", now=clock.now())
    sms.confirm(session, w.subscriber, now=clock.now(), cause="sms:start")
    sms.handle_inbound(session, from_number=SUBSCRIBER_NUMBER, body="When is the next notice?", message_sid="SM" + "1" * 32,
                       now=clock.now())
    admin = w.users["admin"]
    w.keywords["es"] = sms_keywords.add_keyword(session, locale="es", word="PRUEBA", action="help", actor=admin)
    # Not a K'iche' word: an obviously made-up token standing in for one (K'iche' words come from K'iche' speakers only).
    w.keywords["quc"] = sms_keywords.add_keyword(session, locale="quc", word="TESTWORD", action="help", actor=admin)
    session.commit()
    # The sandbox keeps its outbox in a short transaction of its own, so it is sent after the commit above.
    SandboxClient().send(to=SUBSCRIBER_NUMBER, body="Reply YES to confirm.", sender="msgsys", status_callback=None)


@pytest.fixture
def world(session, clock) -> World:
    return build_world(session, clock)


# --- what to send to each state-changing page -----------------------------------------------------

def catalog_bytes(session, w: World, locale: str = "es") -> bytes:
    """The campaign's exported catalog with every untranslated (not fuzzy) entry filled in: a real import."""
    from babel.messages.pofile import read_po, write_po

    from msgsys.translation import catalog

    parsed = read_po(io.BytesIO(catalog.export_catalog(session, campaign=w.campaign, locale=locale)))
    for entry in parsed:
        if entry.id and not entry.string and not entry.fuzzy:
            entry.string = f"{locale.upper()} {entry.id}"
    out = io.BytesIO()
    write_po(out, parsed, width=0, include_previous=True, sort_output=False)
    return out.getvalue()


def web_plans(session, w: World) -> dict[tuple[str, str], tuple[str, dict, frozenset[str]]]:
    """(endpoint, variant) -> (url, valid form data, identities allowed to do it). Everyone else must be refused."""
    authors = frozenset({"author", "author2", "author_approver"})
    admin = frozenset({"admin"})
    signed_in = frozenset(ALL_IDENTITIES) - {"anonymous"}
    u, v, t = w.users, w.v, w.t
    from msgsys.auth import service as users

    author_token = users.list_tokens(session, user=u["author"])[0].id
    version_data = {"title": "New title", "body": "New body.", "sms_text": "New sms.", "change_note": "note"}
    rule_data = {"rule_type": "forbidden_phrase", "pattern": "borders are wide open", "severity": "block", "locale": "*",
                 "description": "no"}
    return {
        ("admin.user_list", ""): ("/admin/users", {"email": "new@example.org", "name": "New", "roles": ["author"],
                                                  "password": "a long enough password"}, admin),
        ("admin.user_edit", ""): (f"/admin/users/{u['author'].id}", {"roles": ["author", "approver"], "active": "y"}, admin),
        ("admin.token_create", ""): (f"/admin/users/{u['author'].id}/tokens", {"name": "partner"}, admin),
        ("admin.token_revoke", ""): (f"/admin/tokens/{author_token}/revoke", {}, admin),
        ("policy.rule_create", ""): ("/admin/policy", rule_data, admin),
        ("policy.rule_update", ""): (f"/admin/policy/{w.rule_key}", rule_data, admin),
        ("policy.rule_deactivate", ""): (f"/admin/policy/{w.rule_key}/deactivate", {}, admin),
        ("policy.rule_review", "approve"): (f"/admin/policy/{w.quc_rule_key}/approve", {"version": "1"}, frozenset({"translator_quc"})),
        ("policy.rule_review", "reject"): (f"/admin/policy/{w.quc_rule_key}/reject", {"version": "1", "reason": "no"},
                                           frozenset({"translator_quc"})),
        ("content.campaign_list", ""): ("/admin/campaigns", {"slug": "new-campaign", "title": "New", "source_locale": "en",
                                                            "target_locales": ["es"], "audience_countries": ["GT"]}, authors),
        ("content.campaign_detail", ""): (f"/admin/campaigns/{w.campaign.slug}", {"key": "new-key", "kind": "info",
                                                                                 "channels": ["web", "sms"]}, authors),
        ("content.message_new_version", ""): (f"/admin/messages/{w.m['draft'].id}/edit", version_data, authors),
        ("content.version_edit", ""): (f"/admin/versions/{v['pub'].id}/edit", version_data, authors),
        ("workflow.version_restore", ""): (f"/admin/versions/{v['retired'].id}/restore", {}, authors),
        ("workflow.version_step", "submit"): (f"/admin/versions/{v['draft'].id}/submit", {"reason": ""}, frozenset({"author"})),
        ("workflow.version_step", "approve"): (f"/admin/versions/{v['review'].id}/approve", {"reason": "ok"}, frozenset({"approver"})),
        ("workflow.version_step", "request_changes"): (f"/admin/versions/{v['review'].id}/request_changes", {"reason": "no"},
                                                      frozenset({"approver"})),
        ("workflow.version_step", "retire"): (f"/admin/versions/{v['pub'].id}/retire", {"reason": "old"},
                                             frozenset({"approver", "author_approver"})),
        ("translation.editor", ""): (f"/translate/{v['pub'].id}/es", _texts("NEW-ES"), frozenset({"translator_es", "translator_es2"})),
        ("translation.take_step", "submit"): (f"/translate/t/{t['pub_es'].id}/submit", {"reason": ""}, frozenset({"translator_es"})),
        ("translation.take_step", "approve"): (f"/translate/t/{t['pub2_es'].id}/approve", {"reason": ""},
                                               frozenset({"translator_es2"})),
        ("translation.take_step", "request_changes"): (f"/translate/t/{t['pub2_es'].id}/request_changes", {"reason": "no"},
                                                       frozenset({"translator_es2"})),
        ("translation.glossary", ""): ("/translate/glossary/es", {"source_term": "border", "required_translation": "frontera"},
                                       frozenset({"translator_es", "translator_es2"})),
        ("translation.catalog_upload", ""): (f"/translate/catalog/{w.campaign.slug}/es",
                                             {"file": catalog_bytes(session, w)}, frozenset({"translator_es", "translator_es2"})),
        ("auth.tokens", ""): ("/account/tokens", {"name": "mine"}, signed_in),
        ("auth.logout", ""): ("/logout", {}, signed_in),
        ("auth.revoke", ""): (f"/account/tokens/{author_token}/revoke", {}, signed_in),
        ("sms.subscriber_erase", ""): (f"/admin/sms/subscribers/{w.subscriber.id}/erase", {"confirm": "y"}, admin),
        ("sms.keyword_add", ""): ("/admin/sms/keywords", {"locale": "es", "word": "BASTA", "action": "stop", "target_locale": ""},
                                  admin),
        # Added by the admin, so any K'iche' translator is a second pair of eyes; nobody else may approve it.
        ("sms.keyword_approve", ""): (f"/admin/sms/keywords/{w.keywords['quc'].id}/approve", {}, frozenset({"translator_quc"})),
    }


def public_plans(w: World) -> dict[str, tuple[str, dict]]:
    """endpoint -> (url, valid form data) of the forms anyone may send: no role to check, but CSRF guards them too."""
    return {
        "auth.login": ("/login", {"email": w.users["author"].email, "password": PASSWORD}),
        # The English page, so the CSRF refusal can be recognised by its English words.
        "public.subscribe": ("/en/subscribe", {"phone": "+50255550124", "language": "es"}),
    }


# Twilio's webhooks: exempt from CSRF (Twilio sends no token, no cookie); X-Twilio-Signature is their only guard.
WEBHOOK_KEYS = ["sms_webhooks.inbound", "sms_webhooks.status"]
ANOTHER_NUMBER = "+50255550125"


def webhook_plans(w: World) -> dict[str, tuple[str, dict, dict]]:
    """endpoint -> (path, the parameters Twilio posts, the same with one value changed). Signed, the first changes
    something (the control); the second is what a replayed signature would try to carry."""
    inbound = {"MessageSid": "SM" + "2" * 32, "AccountSid": "AC" + "0" * 32, "From": SUBSCRIBER_NUMBER, "To": "+15005550006",
               "Body": "Where can I read the notices?", "NumMedia": "0"}
    # Error 21610: the recipient replied STOP to Twilio, so the `To` number is opted out.
    status = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "undelivered", "ErrorCode": "21610", "To": SUBSCRIBER_NUMBER}
    return {
        "sms_webhooks.inbound": ("/sms/inbound", inbound, {**inbound, "Body": "STOP"}),
        # Deliveries are not recorded yet, so the id names none; the callback still acts on its `To` number.
        "sms_webhooks.status": ("/sms/status/1", status, {**status, "To": ANOTHER_NUMBER}),
    }


def form_data(data: dict, token: str | None = None) -> dict:
    """Form fields for the test client; bytes become an uploaded .po file; a token is added when given."""
    out = {}
    for key, value in data.items():
        out[key] = (io.BytesIO(value), "catalog.po") if isinstance(value, bytes) else value
    if token is not None:
        out["csrf_token"] = token
    return out


STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def arg_values(session, w: World) -> dict[str, object]:
    """A real value for every URL argument name the app uses."""
    from msgsys.auth import service as users

    return {
        "version_id": w.v["review"].id, "other_id": w.v["pub"].id, "message_id": w.m["draft"].id,
        "slug": w.campaign.slug, "locale": "es", "step": "approve", "rule_key": w.rule_key,
        "token_id": users.list_tokens(session, user=w.users["author"])[0].id, "user_id": w.users["author"].id,
        "translation_id": w.t["pub2_es"].id, "filename": "app.css",
        "subscriber_id": w.subscriber.id, "keyword_id": w.keywords["quc"].id, "delivery_id": 1,
    }


def build_url(rule, values: dict[str, object]) -> str:
    """The rule's path with every argument filled from `values` (fails on an argument nobody taught us)."""
    missing = sorted(a for a in rule.arguments if a not in values)
    if missing:
        pytest.fail(f"{rule.endpoint} ({rule.rule}) has URL arguments this suite does not know: {missing}; add them to arg_values")
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", str(values[name]), path)
    if "<any(" in path:  # the public locale converter: <any(en,es,quc):locale>
        path = re.sub(r"<any\([^)]*\):locale>", str(values["locale"]), path)
    return path
