"""What waits for each person: the dashboard's sections, the counts in the navigation, the reason a version was sent
back on its editor, and the re-review's diff against the version sent back."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape
from sqlmodel import select

from msgsys import queues
from msgsys.content import service as content
from msgsys.content.models import MessageVersion
from msgsys.policy import service as policy
from msgsys.sms import keywords
from msgsys.translation import service as translations
from msgsys.workflow import service as workflow
from tests.factories import (
    ES, login, make_campaign, make_message, make_published, make_translation, make_user, make_version, post_form, step,
)

CLAIM = {"rule_type": "forbidden_phrase", "pattern": "placeholder claim gamma", "severity": "block", "locale": "quc", "kinds": []}


def _browser(app, user):
    """A separate browser signed in as the user."""
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _page(client, url="/admin/"):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _section(page, heading_id):
    """The HTML of one dashboard section (from its heading to the next section)."""
    match = re.search(rf'<section class="queue" aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {heading_id}"
    return match.group(1)


def _nav(page):
    return page.split("</nav>")[0]


def _nav_link(page, name):
    """The text of one navigation link, tags kept."""
    match = re.search(rf'<a href="[^"]*">{name}(.*?)</a>', _nav(page), re.S)
    assert match, f"no nav link {name}"
    return name + match.group(1)


def _count(n):
    return f'<span class="count">{n}<span class="visually-hidden"> waiting</span></span>'


def _sent_back(session, clock, *, author, approver, title="Lawful pathways", reason="Say where to register."):
    """A message whose version 1 an approver sent back with a reason; returns (message, version)."""
    message = make_message(session)
    version = make_version(session, message, author, title=title, body="Registration is open.", sms_text="Registration is open.")
    step(session, version, author, "submit")
    clock.advance(minutes=5)
    step(session, version, approver, "request_changes", reason=reason)
    return message, version


@pytest.fixture
def people(session):
    return {
        "author": make_user(session, roles="author"),
        "author2": make_user(session, roles="author"),
        "approver": make_user(session, roles="approver"),
        "approver2": make_user(session, roles="approver"),
        "es1": make_user(session, roles="translator", locales="es"),
        "es2": make_user(session, roles="translator", locales="es"),
        "quc": make_user(session, roles="translator", locales="quc"),
        "admin": make_user(session, roles="admin"),
    }


# Authors ------------------------------------------------------------------------------------------

def test_an_author_sees_their_drafts_and_versions_sent_back_newest_first_with_the_reason(app, session, clock, people):
    author, approver = people["author"], people["approver"]
    first = make_version(session, make_message(session, key="older-draft"), author, title="Older draft")
    clock.advance(minutes=1)
    second = make_version(session, make_message(session, key="newer-draft"), author, title="Newer draft")
    make_version(session, make_message(session, key="not-mine"), people["author2"])
    _msg, early = _sent_back(session, clock, author=author, approver=approver, reason="Name the office.")
    clock.advance(minutes=1)
    _msg, late = _sent_back(session, clock, author=author, approver=approver, reason="Say <where> to register.")

    page = _page(_browser(app, author))
    drafts = _section(page, "q-drafts")
    assert drafts.index(f'href="/admin/versions/{second.id}/edit"') < drafts.index(f'href="/admin/versions/{first.id}/edit"')
    assert "not-mine" not in page
    back = _section(page, "q-sent-back")
    assert back.index(f'href="/admin/versions/{late.id}/edit"') < back.index(f'href="/admin/versions/{early.id}/edit"')
    assert f"Changes requested by {approver.email}" in back
    assert str(escape("Say <where> to register.")) in back and "Name the office." in back  # the reason, escaped
    assert "Say <where>" not in page
    assert _nav_link(page, "Dashboard") == "Dashboard " + _count(4)


def test_the_reason_shows_on_the_sent_back_versions_editor_and_on_the_draft_made_from_it(app, session, clock, people):
    author, approver = people["author"], people["approver"]
    message, sent = _sent_back(session, clock, author=author, approver=approver, reason="Say where to register.")
    browser = _browser(app, author)

    editor = _page(browser, f"/admin/versions/{sent.id}/edit")
    top = editor.split('<form method="post" class="editor">')[0]
    assert "Changes requested" in top and f"{approver.email} sent version 1 back" in top
    assert "Say where to register." in top and "2026-03-02 15:05 UTC" in top
    assert "Say where to register." in _page(browser, f"/admin/versions/{sent.id}")  # and on its own page
    assert "Say where to register." in _page(browser, f"/admin/messages/{message.id}/edit")  # a new version starts from it

    response = post_form(browser, f"/admin/versions/{sent.id}/edit",
                         {"title": "Lawful pathways", "body": "Register online at the office.", "sms_text": "Register online."})
    assert response.status_code == 302
    draft = content.latest_version(session, message)
    assert (draft.number, draft.based_on_id, draft.state) == (2, sent.id, "draft")
    top = _page(browser, f"/admin/versions/{draft.id}/edit").split('<form method="post" class="editor">')[0]
    assert "Say where to register." in top and f"{approver.email} sent version 1 back" in top

    # Taken up: the version sent back leaves the author's list, the draft answering it is there with the reason.
    page = _page(browser)
    assert f'href="/admin/versions/{sent.id}/edit"' not in _section(page, "q-sent-back")
    drafts = _section(page, "q-drafts")
    assert f'href="/admin/versions/{draft.id}/edit"' in drafts and "Say where to register." in drafts

    # Once approved, the draft's text no longer answers anything: the editor says nothing about it.
    step(session, draft, author, "submit")
    step(session, draft, approver, "approve")
    assert "Changes requested" not in _page(browser, f"/admin/versions/{draft.id}/edit").split("<form")[0]


def test_an_ordinary_draft_shows_no_sent_back_box(app, session, people):
    message = make_message(session)
    version = make_version(session, message, people["author"])
    page = _page(_browser(app, people["author"]), f"/admin/versions/{version.id}/edit")
    assert "sent-back" not in page and "Changes requested" not in page.split("<form")[0]


# Approvers ----------------------------------------------------------------------------------------

def test_an_approver_sees_the_review_queue_newest_first_never_their_own(app, session, clock, people):
    author, approver = people["author"], people["approver"]
    older = make_version(session, make_message(session, key="older"), author)
    step(session, older, author, "submit")
    clock.advance(minutes=1)
    newer = make_version(session, make_message(session, key="newer"), author)
    step(session, newer, author, "submit")
    # A version carrying the approver's unapproved writing is not theirs to review (four eyes).
    both = make_user(session, roles="author,approver")
    carried = make_message(session, key="carried")
    theirs = make_version(session, carried, both, title="Their draft")
    edited = content.edit(session, actor=author, version=theirs, data={"title": "Edited by the author", "body": "x", "sms_text": "x"})
    session.commit()
    step(session, edited, author, "submit")

    page = _page(_browser(app, approver))
    review = _section(page, "q-review")
    assert review.index(f'href="/admin/versions/{newer.id}"') < review.index(f'href="/admin/versions/{older.id}"')
    assert f'href="/admin/versions/{edited.id}"' in review
    assert _nav_link(page, "Review") == "Review " + _count(3)
    assert "Review queue: 3 versions wait for you" in page

    mine = _page(_browser(app, both))
    assert f'href="/admin/versions/{edited.id}"' not in _section(mine, "q-review")
    assert _nav_link(mine, "Review") == "Review " + _count(2)
    # The item leads to the page where the approval happens.
    assert f'/admin/versions/{newer.id}/approve' in _page(_browser(app, approver), f"/admin/versions/{newer.id}")


def test_the_re_review_links_the_changes_since_the_version_sent_back(app, session, clock, people):
    author, approver = people["author"], people["approver"]
    message, sent = _sent_back(session, clock, author=author, approver=approver, reason="Name the office.")
    draft = content.edit(session, actor=author, version=sent,
                         data={"title": "Lawful pathways", "body": "Registration is open at the consulate.", "sms_text": "Registration is open."})
    session.commit()
    draft = content.update_draft(session, actor=author, version=draft,  # worked on again in place
                                 data={"title": "Lawful pathways", "body": "Registration is open at the consulate office.",
                                       "sms_text": "Registration is open."})
    session.commit()
    step(session, draft, author, "submit")
    link = f'href="/admin/versions/{sent.id}/diff/{draft.id}"'
    browser = _browser(app, approver)

    queue = _page(browser, "/admin/review")
    assert link in queue and "Changes since the version sent back" in queue and "Name the office." in queue
    version_page = _page(browser, f"/admin/versions/{draft.id}")
    assert link in version_page and "Changes since the version sent back" in version_page
    review = _section(_page(browser), "q-review")
    assert link in review
    diff = _page(browser, f"/admin/versions/{sent.id}/diff/{draft.id}")
    assert re.search(r"<ins>[^<]*consulate", diff) and "Name the office." in diff

    # A version that answers nothing sent back gets no such link.
    other = make_version(session, make_message(session), author)
    step(session, other, author, "submit")
    assert "Changes since the version sent back" not in _page(browser, f"/admin/versions/{other.id}")


def test_an_approved_version_held_for_its_translations_waits_for_an_approver(app, session, people):
    author, approver = people["author"], people["approver"]
    message = make_message(session, make_campaign(session, targets=("es",)))
    version = make_version(session, message, author)
    step(session, version, author, "submit")
    workflow.transition(session, actor=approver, version=version, name="approve", publication="together")
    session.commit()
    assert version.state == "approved"

    page = _page(_browser(app, people["approver2"]))
    held = _section(page, "q-held")
    assert f'href="/admin/versions/{version.id}"' in held
    assert "Publish now" in _page(_browser(app, people["approver2"]), f"/admin/versions/{version.id}")


# Translators --------------------------------------------------------------------------------------

def test_a_translator_sees_per_language_untranslated_outdated_sent_back_and_to_review(app, session, clock, people):
    author, approver, es1, es2 = people["author"], people["approver"], people["es1"], people["es2"]
    campaign = make_campaign(session, targets=("es", "quc"))
    published = lambda **kw: make_published(session, author=author, approver=approver, campaign=campaign, **kw)  # noqa: E731
    _m, untranslated = published(title="Untranslated one")
    clock.advance(minutes=1)
    outdated_msg, old = published(title="Will change")
    make_translation(session, old, es2)
    translations.transition(session, actor=es1, translation=translations.find(session, old, "es"), name="approve")
    session.commit()
    new = make_version(session, outdated_msg, author, title="Will change", body="Changed text.", sms_text="Changed text.")
    step(session, new, author, "submit")
    step(session, new, approver, "approve")
    _m, by_es2 = published(title="Written by es2")
    to_review = make_translation(session, by_es2, es2)
    _m, by_es1 = published(title="Written by es1")
    make_translation(session, by_es1, es1)  # their own: not theirs to review
    _m, sent = published(title="Sent back one")
    sent_back = make_translation(session, sent, es1)
    translations.transition(session, actor=es2, translation=sent_back, name="request_changes", reason="Use usted.")
    session.commit()

    page = _page(_browser(app, es1))
    section = _section(page, "q-tr-es")
    editor = lambda v: f'href="/translate/{v.id}/es"'  # noqa: E731
    untranslated_part = section.split('id="q-tr-es-untranslated"')[1].split("<h3")[0]
    assert editor(untranslated) in untranslated_part
    assert editor(new) in section.split('id="q-tr-es-outdated"')[1].split("<h3")[0]
    sent_part = section.split('id="q-tr-es-sent_back"')[1].split("<h3")[0]
    assert editor(sent) in sent_part and "Use usted." in sent_part and es2.email in sent_part
    review_part = section.split('id="q-tr-es-to_review"')[1]
    assert editor(by_es2) in review_part and editor(by_es1) not in review_part
    assert "q-tr-quc" not in page  # not their language
    assert _nav_link(page, "Translations") == "Translations " + _count(4)

    # es2 wrote two of them and sent one back: they review es1's, and the one they sent back waits for someone else.
    other = _section(_page(_browser(app, es2)), "q-tr-es")
    assert editor(by_es1) in other.split('id="q-tr-es-to_review"')[1] and editor(by_es2) not in other.split('id="q-tr-es-to_review"')[1]
    assert 'id="q-tr-es-sent_back"' not in other
    # The K'iche' translator gets the K'iche' side of the same campaign.
    quc = _section(_page(_browser(app, people["quc"])), "q-tr-quc")
    assert 'href="/translate/' in quc and "/quc" in quc
    assert to_review.state == "in_review"


def test_a_translator_signs_in_to_a_dashboard_listing_their_work(app, session, people):
    _m, version = make_published(session, author=people["author"], approver=people["approver"])
    client = app.test_client()
    response = login(client, people["es1"].email)
    assert response.headers["Location"].endswith("/admin/")
    page = _page(client)
    assert f'href="/translate/{version.id}/es"' in _section(page, "q-tr-es")
    editor = _page(client, f"/translate/{version.id}/es")
    assert version.title in editor


# Admins -------------------------------------------------------------------------------------------

def test_an_admin_sees_rules_and_keywords_waiting_for_a_kiche_translator(app, session, people):
    admin = people["admin"]
    rule = policy.create_rule(session, actor=admin, data=CLAIM)
    in_force = policy.create_rule(session, actor=admin, data={**CLAIM, "locale": "es"})
    keyword = keywords.add_keyword(session, locale="quc", word="ZZPLACEHOLDER", action="help", actor=admin)
    session.commit()

    page = _page(_browser(app, admin))
    rules = _section(page, "q-rules")
    assert f'href="/admin/policy/{rule.rule_key}"' in rules and f"/admin/policy/{in_force.rule_key}\"" not in rules
    assert "ZZPLACEHOLDER" in _section(page, "q-keywords")
    assert _nav_link(page, "Policy") == "Policy " + _count(1)
    assert _nav_link(page, "Dashboard") == "Dashboard " + _count(2)
    # The K'iche' translator who approves them sees the same work; a Spanish translator does not.
    quc = _page(_browser(app, people["quc"]))
    assert f'href="/admin/policy/{rule.rule_key}"' in _section(quc, "q-rules") and "ZZPLACEHOLDER" in _section(quc, "q-keywords")
    spanish = _page(_browser(app, people["es1"]))
    assert 'id="q-rules"' not in spanish and "ZZPLACEHOLDER" not in spanish
    assert keyword.status == "pending"


def test_nothing_waiting_shows_no_counts(app, session, people):
    page = _page(_browser(app, people["approver"]))
    assert 'class="count"' not in _nav(page) and ">Review</a>" in _nav(page)
    assert "Nothing is waiting for you." in page


def test_several_roles_see_every_section_that_applies(app, session, people):
    everyone = make_user(session, roles="author,approver,translator,admin", locales="es,quc")
    page = _page(_browser(app, everyone))
    for heading in ("q-drafts", "q-sent-back", "q-review", "q-tr-es", "q-tr-quc", "q-rules", "q-keywords"):
        assert f'id="{heading}"' in page
    author_only = _page(_browser(app, people["author"]))
    assert 'id="q-drafts"' in author_only and 'id="q-review"' not in author_only and 'id="q-rules"' not in author_only


# Cost ---------------------------------------------------------------------------------------------

def _queries(app, client, url="/admin/"):
    engine = app.extensions["msgsys.engine"]
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _work(session, clock, people, campaign):
    """One more of every kind of work for the all-roles user below."""
    author, approver = people["author"], people["approver"]
    everyone = people["everyone"]
    make_version(session, make_message(session, campaign), everyone)
    _sent_back(session, clock, author=everyone, approver=approver)
    waiting = make_version(session, make_message(session, campaign), author)
    step(session, waiting, author, "submit")
    _m, published = make_published(session, author=author, approver=approver, campaign=campaign)
    make_translation(session, published, people["es2"])
    make_published(session, author=author, approver=approver, campaign=campaign)
    policy.create_rule(session, actor=people["admin"], data={**CLAIM, "pattern": f"placeholder {campaign.id} {clock.now().minute}"})
    session.commit()


def test_the_dashboard_and_its_counts_cost_the_same_queries_however_much_waits(app, session, clock, people):
    people["everyone"] = make_user(session, roles="author,approver,translator,admin", locales="es,quc")
    campaign = make_campaign(session, targets=("es", "quc"))
    client = _browser(app, people["everyone"])
    _work(session, clock, people, campaign)
    few = _queries(app, client)
    for _ in range(4):
        clock.advance(minutes=1)
        _work(session, clock, people, campaign)
    page = _page(client)
    assert _nav_link(page, "Review") == "Review " + _count(5)
    assert _queries(app, client) == few
    assert _queries(app, client, "/admin/campaigns") <= few  # the nav's counts on every page, read once


# The bulk four-eyes reading is the services' own rule (writers_among) ------------------------------------

def test_an_approver_is_never_offered_a_version_carrying_their_unapproved_writing(session, people):
    author, other, approver = people["author"], people["author2"], people["approver"]
    message = make_message(session)
    v1 = make_version(session, message, author, title="One")
    step(session, v1, author, "submit")
    step(session, v1, approver, "approve")
    writer = make_user(session, roles="author,approver", email="writer-approver@example.org")
    v2 = content.edit(session, actor=writer, version=v1, data={"title": "Two", "body": "b", "sms_text": "s"})
    v3 = content.restore(session, actor=other, version=v2)  # another author restores the writer's unapproved text
    session.commit()
    step(session, v3, other, "submit")
    review, _held = queues.approvals(session, writer)
    assert v3.id not in [item.version.id for item in review]
    review, _held = queues.approvals(session, approver)
    assert v3.id in [item.version.id for item in review]


def test_a_session_that_cannot_read_leaves_the_navigation_without_counts(app, session, people, monkeypatch):
    def broken(*_a, **_k):
        raise sa.exc.OperationalError("SELECT", {}, Exception("gone"))

    monkeypatch.setattr(queues, "waiting", broken)
    client = _browser(app, people["approver"])
    page = client.get("/admin/campaigns")
    assert page.status_code == 200 and 'class="count"' not in _nav(page.get_data(as_text=True))


def test_the_navigation_and_the_dashboard_read_what_waits_once_per_request(app, session, people, monkeypatch):
    calls = []
    real = queues.waiting

    def counted(s, user):
        calls.append(user.id)
        return real(s, user)

    monkeypatch.setattr(queues, "waiting", counted)
    client = _browser(app, people["approver"])
    calls.clear()
    page = _page(client)
    assert 'id="q-review"' in page and ">Review" in _nav(page)
    assert calls == [people["approver"].id]
    _page(client, "/admin/campaigns")
    assert calls == [people["approver"].id] * 2
