"""Every officer, translator and admin page, as each role that sees it, on a phone and a laptop.

The roles: an author, an approver, a translator of Spanish and K'iche', an admin.

One database full of awkward real rows (long emails, long titles, long audit JSON, versions and
translations in every state, pending rules) is built once for the module, served once, and each
role signs in once; every page is then checked at 360 px and 1280 px for sideways scrolling and
axe-core violations. A GET page added under /admin, /translate or /account without being added
here fails test_every_officer_page_is_checked.
"""
from __future__ import annotations

import shutil
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from msgsys import create_app
from tests.browser.conftest import page_problems, sign_in
from tests.conftest import PG_URL, START, _truncate_all
from tests.factories import ES, PASSWORD, make_campaign, make_message, make_token, make_translation, make_user, make_version, step

pytestmark = pytest.mark.browser

WIDTHS = (360, 1280)
OFFICER_PREFIXES = ("/admin", "/translate", "/account")
# GET routes under those prefixes that answer with something other than a page.
NOT_PAGES = {"translation.catalog_download": "a .po file to download"}

# The translator translates into Spanish and K'iche'; the second translators of each review their work.
EVERYONE = ("author", "approver", "translator", "admin")
LONG_TITLE = ("Registration for the humanitarian visa programme is virtual only: no appointments are given at the "
              "consulates in Tapachula, Ciudad Hidalgo or Tecún Umán")
LONG_SLUG = "regional-safe-mobility-and-lawful-pathways-information-campaign-2026"
LONG_JSON_TEXT = "https://www.example.org/" + "lawful-pathways/" * 8 + "?utm_source=sms&utm_campaign=" + "x" * 60


# (endpoint, variant, roles that see it, url from the data and the role)
PAGES = [
    ("admin.dashboard", "", EVERYONE, lambda d, r: "/admin/"),
    ("admin.audit_log", "", ("admin",), lambda d, r: "/admin/audit"),
    ("admin.user_list", "", ("admin",), lambda d, r: "/admin/users"),
    ("admin.user_edit", "", ("admin",), lambda d, r: f"/admin/users/{d['users']['author'].id}"),
    ("auth.tokens", "", EVERYONE, lambda d, r: "/account/tokens"),
    ("content.campaign_list", "", EVERYONE, lambda d, r: "/admin/campaigns"),
    ("content.campaign_detail", "", EVERYONE, lambda d, r: f"/admin/campaigns/{LONG_SLUG}"),
    ("content.message_detail", "", EVERYONE, lambda d, r: f"/admin/messages/{d['advisory']}"),
    ("content.compare_pick", "", EVERYONE,
     lambda d, r: f"/admin/messages/{d['pathway']}/compare?a={d['p1']}&b={d['p3']}"),
    ("content.message_new_version", "", EVERYONE, lambda d, r: f"/admin/messages/{d['advisory']}/edit"),
    ("content.version_edit", "", EVERYONE, lambda d, r: f"/admin/versions/{d['draft']}/edit"),
    ("workflow.version_detail", "in_review", EVERYONE, lambda d, r: f"/admin/versions/{d['v2']}"),
    ("workflow.version_detail", "published", EVERYONE, lambda d, r: f"/admin/versions/{d['pathway_v2']}"),
    ("workflow.version_diff", "", EVERYONE, lambda d, r: f"/admin/versions/{d['v1']}/diff/{d['v2']}"),
    ("workflow.review_queue", "", ("approver",), lambda d, r: "/admin/review"),
    ("workflow.schedule", "", EVERYONE, lambda d, r: "/admin/schedule"),
    ("policy.rule_list", "", EVERYONE, lambda d, r: "/admin/policy"),
    ("policy.rule_detail", "", EVERYONE, lambda d, r: f"/admin/policy/{d['rule']}"),
    ("policy.pending_list", "", EVERYONE, lambda d, r: "/admin/policy/pending"),
    ("translation.index", "", ("translator",), lambda d, r: "/translate/"),
    ("translation.editor", "es", ("translator",), lambda d, r: f"/translate/{d['pathway_v2']}/es"),
    ("translation.editor", "quc", ("translator",), lambda d, r: f"/translate/{d['pathway_v2']}/quc"),
    ("translation.catalog_upload", "es", ("translator",), lambda d, r: f"/translate/catalog/{LONG_SLUG}/es"),
    ("translation.catalog_upload", "quc", ("translator",), lambda d, r: f"/translate/catalog/{LONG_SLUG}/quc"),
    ("translation.glossary", "es", ("translator",), lambda d, r: "/translate/glossary/es"),
    ("translation.glossary", "quc", ("translator",), lambda d, r: "/translate/glossary/quc"),
    ("sms.subscribers", "", ("admin",), lambda d, r: "/admin/sms/subscribers"),
    ("sms.subscriber_detail", "", ("admin",), lambda d, r: f"/admin/sms/subscribers/{d['subscriber']}"),
    ("sms.keyword_list", "", ("admin", "translator"), lambda d, r: "/admin/sms/keywords"),
    ("sms.inbound", "", EVERYONE, lambda d, r: "/admin/sms/inbound"),
    ("sms.outbox", "", ("author", "approver", "admin"), lambda d, r: "/admin/sms/outbox"),
]
VISITS = [(endpoint, variant, role, url) for endpoint, variant, roles, url in PAGES for role in roles]


def _visit_id(visit) -> str:
    endpoint, variant, role, _url = visit
    return f"{endpoint}{'[' + variant + ']' if variant else ''}-{role}"


def build(session) -> dict:
    """Rows on every page: long emails and titles, versions and translations in several states, rules, tokens."""
    from msgsys.audit import service as audit
    from msgsys.auth import service as accounts
    from msgsys.policy import review
    from msgsys.policy import service as policy
    from msgsys.translation import service as translations

    long = "-and-a-very-long-name-indeed"
    users = {
        "author": make_user(session, roles="author", email=f"communications.officer{long}@regional-migration-office.example.org"),
        "author2": make_user(session, roles="author", email="second.author@example.org"),
        "approver": make_user(session, roles="approver", email=f"approver{long}@regional-migration-office.example.org"),
        "translator": make_user(session, roles="translator", locales="es,quc", email=f"traductora.tzijonel{long}@example.org"),
        "translator_es2": make_user(session, roles="translator", locales="es"),
        "translator_quc2": make_user(session, roles="translator", locales="quc"),
        "admin": make_user(session, roles="admin", email=f"administrator{long}@regional-migration-office.example.org"),
    }
    author, approver, admin = users["author"], users["approver"], users["admin"]

    campaign = make_campaign(session, slug=LONG_SLUG, targets=("es", "quc"), actor=author)
    campaign.title = LONG_TITLE
    session.commit()
    make_campaign(session, slug="second-campaign", targets=("es",))

    # An advisory: version 1 published, 2 in review (long title and note), 3 a draft.
    advisory = make_message(session, campaign, kind="advisory", key="border-closed-do-not-approach-the-crossing-points")
    v1 = make_version(session, advisory, author, title="Do not approach the border")
    step(session, v1, author, "submit")
    step(session, v1, approver, "approve")
    make_translation(session, v1, users["translator_es2"], "es")  # in review, for the translator to review
    v2 = make_version(session, advisory, author, title=LONG_TITLE, change_note="Names the three consulates " * 6)
    step(session, v2, author, "submit")
    draft = make_version(session, advisory, users["author2"], title=LONG_TITLE + " (draft)")

    # A pathway: version 1 published and translated, version 2 published (the translations outdated), 3 sent back.
    pathway = make_message(session, campaign, kind="pathway", key="lawful-pathways-humanitarian-visa")
    p1 = make_version(session, pathway, author, title="Lawful pathways")
    step(session, p1, author, "submit")
    step(session, p1, approver, "approve")
    es = make_translation(session, p1, users["translator"], "es")
    translations.transition(session, actor=users["translator_es2"], translation=es, name="approve")
    session.commit()
    make_translation(session, p1, users["translator"], "quc",
                     texts={"title": "Placeholder title", "body": "Placeholder body.", "sms_text": "Placeholder SMS."})
    pathway_v2 = make_version(session, pathway, author, title=LONG_TITLE, body="Information on lawful pathways, updated.")
    step(session, pathway_v2, author, "submit")
    step(session, pathway_v2, approver, "approve")
    p3 = make_version(session, pathway, author, title="Lawful pathways, third try")
    step(session, p3, author, "submit")
    step(session, p3, approver, "request_changes", reason="The SMS is too long for one segment " * 3)

    # Scheduled: approved to go live later, and to expire.
    info = make_message(session, campaign, kind="info", key="office-hours")
    later = make_version(session, info, author, title=LONG_TITLE + " (scheduled)",
                         go_live_at=START + timedelta(days=2), expires_at=START + timedelta(days=9))
    step(session, later, author, "submit")
    step(session, later, approver, "approve")

    # Policy: a rule in force with a long pattern and two versions, a K'iche' rule waiting for approval.
    rule = policy.create_rule(session, actor=admin, data={
        "rule_type": "forbidden_phrase", "pattern": "(border|frontier|crossing|checkpoint|garita|frontera) (open|opened|reopened|abierta) ~8", "severity": "block",
        "locale": "*", "kinds": ["advisory", "pathway"], "description": "No claim that the border is open. " * 5})
    session.commit()
    policy.update_rule(session, rule_key=rule.rule_key, actor=admin, data={
        "rule_type": "forbidden_phrase", "pattern": "(border|frontier|crossing|checkpoint|garita|frontera|linea) (open|opened|reopened|abierta|abierto) ~10", "severity": "block",
        "locale": "*", "kinds": ["advisory"], "description": "No claim that the border is open. " * 5})
    session.commit()
    policy.create_rule(session, actor=admin, data={
        "rule_type": "link_allowlist", "pattern": "example.org gob.gt acnur.org", "severity": "warn", "locale": "es", "kinds": []})
    pending = policy.create_rule(session, actor=admin, data={
        "rule_type": "forbidden_phrase", "pattern": "placeholder claim beta", "severity": "block", "locale": "quc", "kinds": []})
    session.commit()
    rejected = policy.create_rule(session, actor=admin, data={
        "rule_type": "forbidden_phrase", "pattern": "placeholder claim gamma", "severity": "block", "locale": "quc", "kinds": []})
    session.commit()
    review.reject(session, rule_key=rejected.rule_key, version=1, actor=users["translator_quc2"], reason="Wrong word. " * 10)
    session.commit()

    # Glossaries, tokens (one used, one revoked), and audit events with long JSON.
    for locale, word in (("es", "asilo"), ("quc", "placeholder")):
        translations.add_term(session, actor=users["translator"], locale=locale, source_term="asylum",
                              required_translation=word, note="Always this word, in every channel and every campaign. " * 3)
        translations.add_term(session, actor=users["translator"], locale=locale, source_term="humanitarian visa programme",
                              required_translation=word + " " + word)
    session.commit()
    for user in users.values():
        accounts.user_for_token(session, make_token(session, user))  # used once: "last used" has a date
        accounts.issue_token(session, user=user, name="Partner feed for the regional radio network of the highlands", actor=user)
        revoked = accounts.issue_token(session, user=user, name="old", actor=admin)
        accounts.revoke_token(session, token_id=revoked.token.id, actor=admin)
    session.commit()
    # SMS: keywords (a K'iche' one waiting for approval), a subscriber who texted in, what the sandbox "sent".
    from msgsys.sms import keywords as sms_keywords
    from msgsys.sms import service as sms
    from msgsys.sms.clients.sandbox import SandboxClient

    sms_keywords.seed_keywords(session)
    sms_keywords.add_keyword(session, locale="quc", word="placeholderword", action="stop", actor=admin)
    subscriber = sms.subscribe(session, number="+50255501234", locale="es", consent_source="web_form", now=START,
                               region="Quetzaltenango, Totonicapán y Sololá", consent_text="Acepto recibir avisos. " * 20)
    session.commit()
    for n, body in enumerate(("ALTA", "Hola, ¿es cierto que la frontera está abierta para todos desde mañana? " * 3, "STOP")):
        sms.handle_inbound(session, from_number="+50255501234", body=body, message_sid=f"SM{n:032d}", now=START)
        session.commit()
    SandboxClient(session.get_bind()).send(to="+50255501234", body=ES["sms_text"] * 4, sender="+15005550006", status_callback=None)
    audit.record(session, actor=admin, action="partner.update", subject_type="partner", subject_id="radio-network-of-the-highlands",
                 before={"url": LONG_JSON_TEXT, "names": ["x" * 80]}, after={"url": LONG_JSON_TEXT + "2", "notes": "y" * 200},
                 note="Changed the feed address after the partner moved servers. " * 3)
    session.commit()
    ids = {"advisory": advisory.id, "pathway": pathway.id, "p1": p1.id, "p3": p3.id, "v1": v1.id, "v2": v2.id, "draft": draft.id, "pathway_v2": pathway_v2.id,
           "rule": rule.rule_key, "pending": pending.rule_key, "subscriber": subscriber.id}
    return {**ids, "users": {role: SimpleNamespace(id=u.id, email=u.email) for role, u in users.items()}}


@pytest.fixture(scope="module")
def site(_migrated_template, tmp_path_factory):
    """The app on one database with the data above, served on a loopback port for the whole module."""
    from msgsys import db
    from msgsys.clock import FrozenClock

    if PG_URL:
        _truncate_all(PG_URL)
        url = PG_URL
    else:
        path = tmp_path_factory.mktemp("officer-pages") / "msgsys.sqlite3"
        shutil.copy(_migrated_template, path)
        url = f"sqlite:///{path}"
    app = create_app({"ENV": "testing", "SECRET_KEY": "test-" + uuid.uuid4().hex, "DATABASE_URL": url,
                      "CLOCK": FrozenClock(START), "RATELIMIT_KEY_PREFIX": "t" + uuid.uuid4().hex[:12],
                      "PASSWORD_PROFILE": "CHEAPEST"})
    with app.app_context():
        data = build(db.session())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "data": data, "app": app}
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["msgsys.engine"].dispose()


@pytest.fixture(scope="module")
def pages(browser, site):
    """One signed-in page per role, made on first use and kept for the module; the test sets its width."""
    made, contexts = {}, []

    def page_of(role: str, width: int):
        if role not in made:
            context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1)
            contexts.append(context)
            page = context.new_page()
            sign_in(page, site["base"], site["data"]["users"][role].email, PASSWORD)
            page.wait_for_url(f"{site['base']}/admin/")
            made[role] = page
        page = made[role]
        page.set_viewport_size({"width": width, "height": 800})
        return page

    yield page_of
    for context in contexts:
        context.close()


# What the responsive tables promise, read from the page as shown: on a phone every table is one block per row and
# each cell is labelled with its column's header; on a laptop every column shows within the page; dates never wrap.
LAYOUT_PROBLEMS = """(width) => {
  const problems = [];
  const visible = (el) => { const copy = el.cloneNode(true); copy.querySelectorAll('.visually-hidden').forEach(h => h.remove());
                             return copy.textContent.replace(/\\s+/g, ' ').trim(); };
  const main = document.querySelector('main').getBoundingClientRect();
  document.querySelectorAll('main table').forEach((table, t) => {
    const name = `table ${t + 1} (${table.caption ? visible(table.caption) : 'no caption'})`;
    const headers = [];  // [text as read, text as shown] of each column
    table.querySelectorAll('thead tr:first-child th').forEach(th => {
      for (let i = 0; i < th.colSpan; i++) headers.push([th.textContent.replace(/\\s+/g, ' ').trim(), visible(th)]); });
    const rows = table.querySelectorAll('tbody tr');
    if (width < 768) {
      rows.forEach((row) => {
        if (getComputedStyle(row).display !== 'block') problems.push(`${name}: rows are not stacked`);
        let column = 0;
        for (const cell of row.cells) {
          const label = cell.getAttribute('data-label'), [header, shown] = headers[column] || ['', ''];
          column += cell.colSpan;
          if (cell.colSpan > 1 || (cell.tagName === 'TH' && label === null)) continue;
          // A column whose header is only for screen readers (a column of buttons) needs no label on screen.
          if (label === null && shown) problems.push(`${name}: a cell of column "${header}" has no label`);
          if (label !== null && label !== header) problems.push(`${name}: a cell is labelled "${label}" under "${header}"`);
          if (label && !getComputedStyle(cell, '::before').content.includes(label)) problems.push(`${name}: label "${label}" not shown`);
        }
      });
    } else {
      table.querySelectorAll('thead th').forEach(th => {
        const box = th.getBoundingClientRect();
        if (box.height < 2 || box.right > main.right + 1) problems.push(`${name}: column "${visible(th)}" not shown in full`);
      });
    }
  });
  document.querySelectorAll('time').forEach(time => {
    if (time.getClientRects().length > 1) problems.push(`date "${time.textContent.trim()}" wraps`);
  });
  return [...new Set(problems)];
}"""


def layout_problems(page, width: int) -> list[str]:
    """Tables stacked and labelled on a phone, every column shown on a laptop, dates on one line."""
    return page.evaluate(LAYOUT_PROBLEMS, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("visit", VISITS, ids=_visit_id)
def test_officer_page_fits_the_screen_and_passes_axe(visit, width, site, pages):
    _endpoint, _variant, role, url = visit
    page = pages(role, width)
    address = url(site["data"], role)
    response = page.goto(site["base"] + address)
    assert response.ok, f"{address} answered {response.status}"
    assert layout_problems(page, width) == [], f"{address} as {role} at {width}px"
    problems = page_problems(page)
    assert problems == [], f"{address} as {role} at {width}px: {problems}"


def test_each_page_is_checked_as_every_role_that_sees_it(site, pages):
    for endpoint, variant, roles, url in PAGES:
        for role in EVERYONE:
            address = url(site["data"], role)
            status = pages(role, 1280).request.get(site["base"] + address).status
            assert (status == 200) == (role in roles), f"{endpoint} {variant} ({address}) as {role}: {status}"


def test_every_officer_page_is_checked(site):
    """A GET page added under /admin, /translate or /account fails here until it is added to PAGES above.

    The module's own app: a test's fresh `app` would empty the shared PostgreSQL database under the module's data."""
    routes = {rule.endpoint for rule in site["app"].url_map.iter_rules()
              if "GET" in rule.methods and rule.rule.startswith(OFFICER_PREFIXES)}
    checked = {endpoint for endpoint, *_ in PAGES}
    assert routes - checked - set(NOT_PAGES) == set(), "officer pages nobody checks at 360 and 1280 px"
    assert (checked | set(NOT_PAGES)) - routes == set(), "checked pages that no longer exist"


def test_the_audit_table_shows_every_column_on_a_laptop_and_stacks_on_a_phone(site, pages):
    page = pages("admin", 1280)
    page.goto(site["base"] + "/admin/audit")
    page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")  # the recorded JSON, long
    columns = page.evaluate("""() => { const main = document.querySelector('main').getBoundingClientRect();
        return [...document.querySelectorAll('main thead th')].map(th => { const b = th.getBoundingClientRect();
          return [th.textContent.trim(), b.left >= main.left - 1 && b.right <= main.right + 1 && b.width > 40]; }); }""")
    assert [name for name, _shown in columns] == ["When (UTC)", "Who", "Action", "Subject", "Before", "After", "Note"]
    assert all(shown for _name, shown in columns), columns
    assert layout_problems(page, 1280) == [] and not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")

    page = pages("admin", 360)
    page.goto(site["base"] + "/admin/audit")
    page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
    labels = page.evaluate("""[...document.querySelector('main tbody tr').cells].map(
        cell => getComputedStyle(cell, '::before').content)""")
    assert labels == ['"When (UTC): "', '"Who: "', '"Action: "', '"Subject: "', '"Before: "', '"After: "', '"Note: "']
    assert layout_problems(page, 360) == [] and not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_skip_link_is_the_first_stop_and_takes_the_focus_into_main(width, site, pages):
    page = pages("author", width)
    page.goto(site["base"] + "/admin/campaigns")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip')")
    box = page.locator("a.skip").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width, box  # on screen while focused
    assert page.evaluate("""() => { const b = document.activeElement.getBoundingClientRect();
        return document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2) === document.activeElement; }""")

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is the page's first link, not the navigation again
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Schedule"
    assert page.locator("a.skip").bounding_box()["x"] < 0  # out of sight again


# Pages with forms, tables and side-by-side steps, as the roles that get the most on them.
FOCUS_PAGES = [("author", lambda d: "/admin/campaigns"), ("approver", lambda d: f"/admin/versions/{d['v2']}"),
               ("admin", lambda d: f"/admin/users/{d['users']['author'].id}"), ("translator", lambda d: "/translate/"),
               ("translator", lambda d: "/admin/policy/pending")]
FOCUS_STOPS = """() => { const el = document.activeElement, b = el.getBoundingClientRect();
  return {tag: el.tagName, text: (el.textContent || el.name || '').trim().slice(0, 30),
          top: b.top + scrollY, bottom: b.bottom + scrollY, left: b.left, right: b.right}; }"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_focus_moves_in_reading_order(width, site, pages):
    """Tab goes down the page, left to right within a line; a step back up only into the next column to the right."""
    for role, url in FOCUS_PAGES:
        page = pages(role, width)
        page.goto(site["base"] + url(site["data"]))
        stops = []
        for _ in range(45):
            page.keyboard.press("Tab")
            stop = page.evaluate(FOCUS_STOPS)
            if stop["tag"] == "BODY" or (stops and stop == stops[0]):
                break
            stops.append(stop)
        assert len(stops) > 5
        for a, b in zip(stops, stops[1:]):
            same_line = b["top"] < a["bottom"] - 2 and a["top"] < b["bottom"] - 2
            backwards = b["right"] <= a["left"] + 2 if same_line else (b["top"] < a["top"] - 2 and b["left"] <= a["left"] + 2)
            assert not backwards, f"{url(site['data'])} as {role} at {width}px: from {a} back to {b}"


STEP_BUTTONS = """() => [...document.querySelectorAll('.actions')].flatMap(actions =>
  [...actions.querySelectorAll(':scope > form.step')].map(step => {
    const button = step.querySelector(':scope > button');
    return {row: Math.round(step.getBoundingClientRect().top), text: button.textContent.trim(),
            bottom: Math.round(button.getBoundingClientRect().bottom)}; }))"""


def test_the_buttons_of_steps_side_by_side_line_up(site, pages):
    """Approve beside request changes (a version, a rule, a translation): one line of buttons, whatever is above them."""
    d = site["data"]
    for role, address in (("approver", f"/admin/versions/{d['v2']}"), ("translator", "/admin/policy/pending"),
                          ("translator", f"/translate/{d['v1']}/es")):
        page = pages(role, 1280)
        page.goto(site["base"] + address)
        rows = {}
        for step in page.evaluate(STEP_BUTTONS):
            rows.setdefault(step["row"], []).append(step)
        side_by_side = [steps for steps in rows.values() if len(steps) > 1]
        assert side_by_side, f"{address}: no steps side by side"
        for steps in side_by_side:
            assert len({s["bottom"] for s in steps}) == 1, f"{address} as {role}: {steps}"
