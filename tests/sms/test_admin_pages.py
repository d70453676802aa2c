"""The SMS admin pages as each role sees them: subscribers (search, counts, history, erasure), keywords per language
and their approval by a K'iche' translator, inbound messages with numbers masked for those who need not see them, and
the sandbox outbox, which persists in the database (another process sees it)."""
from __future__ import annotations

import os
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.sms import keywords as sms_keywords
from msgsys.sms import service
from msgsys.sms.clients.sandbox import SandboxClient
from msgsys.sms.models import InboundMessage, Keyword, SandboxMessage, Subscriber
from tests.factories import csrf_from, login, make_user, post_form
from tests.sms.pages import tables, text_by_id

ROOT = Path(__file__).resolve().parents[2]
GT, GT2, MX, SV = "+50255501234", "+50255501235", "+525512345678", "+50370123456"
# Not a K'iche' word: an obviously made-up token standing in for one (the K'iche' set starts empty on purpose).
FAKE_QUC_WORD = "TESTWORD"

PAGES = {
    "/admin/sms/subscribers": {"admin"},
    "/admin/sms/subscribers/{id}": {"admin"},
    "/admin/sms/keywords": {"admin", "translator_quc"},
    "/admin/sms/inbound": {"author", "approver", "translator_es", "translator_quc", "admin"},
    "/admin/sms/outbox": {"author", "approver", "admin"},
}
ROLES = {"author": ("author", ""), "approver": ("approver", ""), "translator_es": ("translator", "es"),
         "translator_quc": ("translator", "quc"), "admin": ("admin", "")}


def subscriber(session, clock, number=GT, *, locale="es", state="active", region=""):
    """A subscriber in the given state, made through the service as a web form and a YES would; committed."""
    sub = service.subscribe(session, number=number, locale=locale, consent_source="web_form", consent_text="I agree.",
                            now=clock.now(), region=region)
    if state in ("active", "opted_out"):
        service.confirm(session, sub, now=clock.now(), cause="sms:start")
    if state == "opted_out":
        service.mark_opted_out(session, number, source="sms:stop", now=clock.now())
    session.commit()
    return sub


def signed_in(app, session, who):
    roles, locales = ROLES[who]
    user = make_user(session, roles=roles, locales=locales)
    client = app.test_client()
    login(client, user.email)
    return client, user


def seed(app, session):
    """The starting keywords (JOIN, YES, STOP, ALTO, ...)."""
    with app.app_context():
        sms_keywords.seed_keywords(session)
        session.commit()


def inbound(session, clock, number, body, sid):
    result = service.handle_inbound(session, from_number=number, body=body, message_sid=sid, now=clock.now())
    session.commit()
    return result


# --- who may see what ------------------------------------------------------------------------------

@pytest.mark.parametrize("who", sorted(ROLES))
def test_each_sms_page_opens_for_its_roles_and_refuses_the_others_with_403(app, session, clock, who):
    sub = subscriber(session, clock)
    client, _user = signed_in(app, session, who)
    for path, allowed in PAGES.items():
        response = client.get(path.format(id=sub.id))
        assert response.status_code == (200 if who in allowed else 403), (who, path, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(client, session, clock):
    sub = subscriber(session, clock)
    for path in PAGES:
        response = client.get(path.format(id=sub.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_the_sms_link_in_the_navigation_is_for_admins(app, session):
    admin, _ = signed_in(app, session, "admin")
    author, _ = signed_in(app, session, "author")
    assert 'href="/admin/sms/subscribers">SMS</a>' in admin.get("/admin/").get_data(as_text=True)
    assert "/admin/sms/" not in author.get("/admin/").get_data(as_text=True)


# --- subscribers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["+502 5550 1234", "+502-5550-1234", "(+502) 5550.1234", "+50255501234"])
def test_search_finds_a_number_however_it_is_written(app, session, clock, written):
    subscriber(session, clock, GT)
    subscriber(session, clock, GT2)
    client, _ = signed_in(app, session, "admin")
    html = client.get("/admin/sms/subscribers", query_string={"number": written}).get_data(as_text=True)
    rows = tables(html)["Subscribers"][1:]
    assert [r[0] for r in rows] == [GT]


def test_an_unreadable_number_in_the_search_says_why_at_the_top(app, session, clock):
    subscriber(session, clock)
    client, _ = signed_in(app, session, "admin")
    response = client.get("/admin/sms/subscribers", query_string={"number": "5550123"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "5550123 is a short code, not a phone number." in text_by_id(html, "error-summary-title") + html
    assert html.index("There is a problem") < html.index("<h1>")
    assert tables(html)["Subscribers"][1:] == [["No subscriber matches."]]


def test_search_by_state_and_pages_of_fifty(app, session, clock):
    for n in range(52):
        subscriber(session, clock, f"+5025550{n:04d}", state="active" if n % 2 else "pending")
    client, _ = signed_in(app, session, "admin")
    first = client.get("/admin/sms/subscribers", query_string={"state": "pending"}).get_data(as_text=True)
    assert "26 subscribers match." in first
    assert len(tables(first)["Subscribers"]) - 1 == 26
    everyone = client.get("/admin/sms/subscribers").get_data(as_text=True)
    assert len(tables(everyone)["Subscribers"]) - 1 == 50 and "Older" in everyone
    rest = client.get("/admin/sms/subscribers", query_string={"page": 2}).get_data(as_text=True)
    numbers = [r[0] for r in tables(rest)["Subscribers"][1:]]
    assert numbers == ["+50255500001", "+50255500000"]  # newest first, so the oldest two are on page 2


def test_counts_per_language_and_country_keep_an_erased_subscriber(app, session, clock):
    subscriber(session, clock, GT, locale="es")
    subscriber(session, clock, GT2, locale="quc", state="pending")
    subscriber(session, clock, MX, locale="en", state="opted_out")
    erased = subscriber(session, clock, SV, locale="es")
    client, admin = signed_in(app, session, "admin")
    service.erase(session, erased, admin, now=clock.now())
    session.commit()
    counts = tables(client.get("/admin/sms/subscribers").get_data(as_text=True))
    assert counts["By language"] == [
        ["Language", "Waiting for confirmation", "Active", "Opted out", "Total"],
        ["English", "0", "0", "1", "1"], ["Spanish", "0", "1", "1", "2"], ["K'iche'", "1", "0", "0", "1"],
    ]
    assert counts["By country"][1:] == [["El Salvador", "0", "0", "1", "1"], ["Guatemala", "1", "1", "0", "2"],
                                        ["Mexico", "0", "0", "1", "1"]]


def test_one_subscribers_page_shows_consent_and_every_change(app, session, clock):
    seed(app, session)
    inbound(session, clock, GT, "JOIN", "SM" + "a" * 32)
    clock.advance(minutes=5)
    inbound(session, clock, GT, "YES", "SM" + "b" * 32)
    clock.advance(minutes=5)
    inbound(session, clock, GT, "ES", "SM" + "c" * 32)
    clock.advance(minutes=5)
    inbound(session, clock, GT, "STOP", "SM" + "d" * 32)
    sub = service.find(session, GT)
    client, _ = signed_in(app, session, "admin")
    html = unescape(client.get(f"/admin/sms/subscribers/{sub.id}").get_data(as_text=True))
    assert GT in html and "SMS keyword" in html and "Reply YES to confirm" in html
    history = tables(html)["Changes to this subscriber"][1:]
    assert [(r[1], r[2], r[3], r[4]) for r in history] == [
        ("State", "—", "Waiting for confirmation", "sms:join"),
        ("State", "Waiting for confirmation", "Active", "sms:start"),
        ("Language", "English", "Spanish", "sms:language"),
        ("State", "Active", "Opted out", "sms:stop"),
    ]


def test_an_unknown_subscriber_is_a_404(app, session):
    client, _ = signed_in(app, session, "admin")
    assert client.get("/admin/sms/subscribers/999").status_code == 404


# --- erasure -----------------------------------------------------------------------------------------

def test_erasing_needs_the_confirmation_box_and_changes_nothing_without_it(app, session, clock):
    sub = subscriber(session, clock)
    client, _ = signed_in(app, session, "admin")
    url = f"/admin/sms/subscribers/{sub.id}"
    response = post_form(client, f"{url}/erase", {}, form_url=url)
    assert response.status_code == 422
    assert "Tick the box to confirm that the person asked for the erasure." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Subscriber, sub.id).phone == GT


def test_erasing_without_a_csrf_token_is_refused(app, session, clock):
    sub = subscriber(session, clock)
    client, _ = signed_in(app, session, "admin")
    response = client.post(f"/admin/sms/subscribers/{sub.id}/erase", data={"confirm": "y"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Subscriber, sub.id).phone == GT


def test_erasing_removes_the_number_and_texts_keeps_the_counts_and_is_audited(app, session, clock):
    sub = subscriber(session, clock)
    other = subscriber(session, clock, GT2)
    inbound(session, clock, GT, "Is the border open?", "SM" + "e" * 32)
    with app.app_context():
        SandboxClient().send(to=GT, body="Hola", sender="msgsys", status_callback=None)
        SandboxClient().send(to=GT2, body="Hola", sender="msgsys", status_callback=None)
    client, admin = signed_in(app, session, "admin")
    url = f"/admin/sms/subscribers/{sub.id}"
    response = post_form(client, f"{url}/erase", {"confirm": "y"}, form_url=url)
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert GT not in html and "The number and messages of this subscriber were erased." in html
    session.expire_all()
    erased = session.get(Subscriber, sub.id)
    assert (erased.phone, erased.state, erased.locale, erased.country) == (None, "opted_out", "es", "GT")
    kept = session.exec(select(InboundMessage)).one()
    assert (kept.from_number, kept.body) == (None, None)
    assert [m.to for m in session.exec(select(SandboxMessage)).all()] == [GT2]  # only the erased number's messages go
    assert session.get(Subscriber, other.id).phone == GT2
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "subscriber.erase")).one()
    assert event.actor_label == admin.email and event.subject_id == str(sub.id) and GT not in (event.after or "")
    assert "By language" in tables(client.get("/admin/sms/subscribers").get_data(as_text=True))
    counts = tables(client.get("/admin/sms/subscribers").get_data(as_text=True))["By language"]
    assert ["Spanish", "0", "1", "1", "2"] in counts  # the erased one still counts, as opted out


def test_someone_who_is_not_an_admin_cannot_erase(app, session, clock):
    sub = subscriber(session, clock)
    client, _ = signed_in(app, session, "author")
    token = csrf_from(client, "/account/tokens")
    response = client.post(f"/admin/sms/subscribers/{sub.id}/erase", data={"confirm": "y", "csrf_token": token})
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Subscriber, sub.id).phone == GT


# --- keywords ----------------------------------------------------------------------------------------

def _keyword_rows(html, language):
    return tables(html)[f"Keywords in {language}"][1:]


def test_keywords_are_listed_per_language_and_an_admin_adds_one_in_force(app, session):
    seed(app, session)
    client, _ = signed_in(app, session, "admin")
    html = client.get("/admin/sms/keywords").get_data(as_text=True)
    assert ["ALTO", "Stop messages", "In force", "From the start", ""] in _keyword_rows(html, "Spanish")
    assert _keyword_rows(html, "K'iche'") == [["No keywords in K'iche' yet."]]
    response = post_form(client, "/admin/sms/keywords", {"locale": "es", "word": "Basta", "action": "stop", "target_locale": ""})
    assert response.status_code == 302
    html = client.get("/admin/sms/keywords").get_data(as_text=True)
    assert "Basta is added and in force." in html
    assert any(r[0] == "Basta" and r[2] == "In force" for r in _keyword_rows(html, "Spanish"))
    assert sms_keywords.match(session, "¡basta!").action == "stop"


def test_adding_a_keyword_needs_a_csrf_token_and_a_clash_is_named(app, session):
    seed(app, session)
    client, _ = signed_in(app, session, "admin")
    assert client.post("/admin/sms/keywords", data={"locale": "es", "word": "Basta", "action": "stop"}).status_code == 400
    response = post_form(client, "/admin/sms/keywords", {"locale": "es", "word": "alto", "action": "help", "target_locale": ""})
    assert response.status_code == 409
    assert "alto is already a keyword (Spanish, stop)." in response.get_data(as_text=True)
    assert session.exec(select(Keyword).where(Keyword.folded == "ALTO")).one().action == "stop"


def test_a_quc_keyword_waits_for_a_kiche_translator_who_approves_it_on_the_page(app, session):
    admin_client, _ = signed_in(app, session, "admin")
    response = post_form(admin_client, "/admin/sms/keywords",
                         {"locale": "quc", "word": FAKE_QUC_WORD, "action": "help", "target_locale": ""})
    assert response.status_code == 302
    html = unescape(admin_client.get("/admin/sms/keywords").get_data(as_text=True))
    assert "does nothing until a translator of K'iche' approves it" in html
    [row] = _keyword_rows(html, "K'iche'")
    assert row[0] == FAKE_QUC_WORD and row[2] == "Waiting for a translator's approval"
    assert "Waiting for a translator of K'iche'" in row[4]  # the admin gets no approve button
    assert sms_keywords.match(session, FAKE_QUC_WORD) is None

    es_client, _ = signed_in(app, session, "translator_es")
    assert es_client.get("/admin/sms/keywords").status_code == 403
    quc_client, _ = signed_in(app, session, "translator_quc")
    html = quc_client.get("/admin/sms/keywords").get_data(as_text=True)
    assert f"Approve {FAKE_QUC_WORD}" in " ".join(_keyword_rows(html, "K'iche'")[0])
    keyword = session.exec(select(Keyword).where(Keyword.word == FAKE_QUC_WORD)).one()
    assert post_form(quc_client, f"/admin/sms/keywords/{keyword.id}/approve", {}, form_url="/admin/sms/keywords").status_code == 302
    html = unescape(quc_client.get("/admin/sms/keywords").get_data(as_text=True))
    assert f"{FAKE_QUC_WORD} is approved and now in force." in html
    assert _keyword_rows(html, "K'iche'")[0][2] == "Approved, in force"
    session.expire_all()
    assert sms_keywords.match(session, FAKE_QUC_WORD.lower()).action == "help"


def test_whoever_added_a_quc_keyword_cannot_approve_it_and_others_are_refused(app, session):
    both = make_user(session, roles="admin,translator", locales="quc")
    client = app.test_client()
    login(client, both.email)
    post_form(client, "/admin/sms/keywords", {"locale": "quc", "word": FAKE_QUC_WORD, "action": "help", "target_locale": ""})
    keyword = session.exec(select(Keyword).where(Keyword.word == FAKE_QUC_WORD)).one()
    own = post_form(client, f"/admin/sms/keywords/{keyword.id}/approve", {}, form_url="/admin/sms/keywords")
    assert own.status_code == 403 and "Four eyes: you cannot review or approve your own work." in own.get_data(as_text=True)
    es_client, _ = signed_in(app, session, "translator_es")
    token = csrf_from(es_client, "/account/tokens")
    assert es_client.post(f"/admin/sms/keywords/{keyword.id}/approve", data={"csrf_token": token}).status_code == 403
    session.expire_all()
    assert session.get(Keyword, keyword.id).status == "pending"
    denied = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied",
                                                    AuditEvent.subject_type == "keyword")).all()
    assert len(denied) == 2


# --- inbound messages --------------------------------------------------------------------------------

def test_inbound_messages_newest_first_with_the_number_only_for_admins(app, session, clock):
    seed(app, session)
    subscriber(session, clock)
    inbound(session, clock, GT, "Is the border open tomorrow?", "SM" + "f" * 32)
    clock.advance(minutes=1)
    inbound(session, clock, GT2, "HELP", "SM" + "g" * 32)
    admin, _ = signed_in(app, session, "admin")
    rows = tables(admin.get("/admin/sms/inbound").get_data(as_text=True))["Inbound messages"][1:]
    assert [(r[1], r[2], r[3]) for r in rows] == [(GT2, "Help", "HELP"), (GT, "None: free text", "Is the border open tomorrow?")]
    for who in ("author", "translator_quc"):
        client, _ = signed_in(app, session, who)
        html = client.get("/admin/sms/inbound").get_data(as_text=True)
        assert GT not in html and GT2 not in html and "55501234" not in html
        rows = tables(html)["Inbound messages"][1:]
        assert [r[1] for r in rows] == ["+502 ••••••35", "+502 ••••••34"]
        assert rows[1][3] == "Is the border open tomorrow?"  # officers read the text; only the number is hidden


# --- the sandbox outbox ------------------------------------------------------------------------------

def test_the_outbox_shows_a_message_as_a_phone_gets_it(app, session):
    with app.app_context():
        SandboxClient().send(to=GT, body="Don’t go — “wait”", sender="msgsys", status_callback=None)
        SandboxClient().send(to=MX, body="Información: " + "á" * 70, sender="msgsys", status_callback=None)
    client, _ = signed_in(app, session, "admin")
    html = unescape(client.get("/admin/sms/outbox").get_data(as_text=True))
    newest, oldest = html.index(MX), html.index(GT)
    assert newest < oldest
    assert 'Don\'t go - "wait"' in html and "GSM-7 · 1 segment · 17 characters · folded for SMS" in html
    assert "UCS-2 · 2 segments · 83 characters" in html


def test_the_outbox_masks_numbers_for_non_admins(app, session):
    with app.app_context():
        SandboxClient().send(to=GT, body="Hola", sender="msgsys", status_callback=None)
    client, _ = signed_in(app, session, "approver")
    html = client.get("/admin/sms/outbox").get_data(as_text=True)
    assert GT not in html and "To +502 ••••••34" in html and "Hola" in html


def test_what_the_sandbox_sent_in_another_process_shows_in_the_outbox(app, session, database_url):
    script = ("from msgsys.sms.clients.sandbox import SandboxClient\n"
              "from msgsys.db import make_engine\n"
              f"SandboxClient(make_engine({database_url!r})).send(to={GT!r}, body='Sent from another process', "
              "sender='worker', status_callback=None)\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    client, _ = signed_in(app, session, "admin")
    html = client.get("/admin/sms/outbox").get_data(as_text=True)
    assert "Sent from another process" in html and "from worker" in html
    with app.app_context():  # and the client of this process finds it too, as it settles an ambiguous send
        assert [m.body for m in SandboxClient().outbox] == ["Sent from another process"]
