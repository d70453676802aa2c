"""Invariant 1 on the public website: only the exact approved, published version reaches readers, in a translation
approved for that exact version, whatever URL shape, language, header or method a visitor tries.

The world (conftest.build_world) holds a draft, a version in review, one sent back, one approved for a later go-live,
a published one with a newer version in review, a retired one, a superseded one, an SMS-only one, and translations in
draft, in review, approved, and carried over as outdated. Each text carries a marker; markers of unapproved text must
never appear on any public page.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_message, make_translation, make_version, step
from tests.security.conftest import browser, diff_snapshots, snapshot

NEVER = ["draft", "review", "changes", "scheduled", "held", "pub_next", "retired", "sup_old", "smsonly",
         "es_draft", "quc_review", "es_review", "es_sup_old"]


def _m(world, name):
    return world.markers[name] + " "  # "MARK-PUB " is not a prefix of "MARK-PUB_NEXT ..." or "MARK-PUB2 ..."


def _public_urls(world):
    ids = sorted(m.id for m in world.m.values())
    urls = ["/", "/?lang=en", "/?lang=es", "/?lang=quc", "/en/", "/es/", "/quc/", "/en", "/es", "/favicon.ico"]
    for locale in ("en", "es", "quc"):
        for mid in [*ids, max(ids) + 1, 0]:
            urls += [f"/{locale}/n/{mid}", f"/{locale}/n/{mid}/", f"/{locale}/n/{mid}?lang=es"]
    return urls


def _visit_all(client, urls, **kw):
    pages = {}
    for url in urls:
        for method in ("GET", "HEAD"):
            response = client.open(url, method=method, follow_redirects=True, **kw)
            assert response.status_code in (200, 204, 404), (method, url, response.status_code)
            pages[f"{method} {url} {kw}"] = response.get_data(as_text=True)
    return pages


@pytest.mark.parametrize("headers", [
    {}, {"Accept-Language": "es"}, {"Accept-Language": "quc, es;q=0.5"}, {"Accept": "application/json"},
    {"Cookie": "lang=quc"},
], ids=["plain", "accept-es", "accept-quc", "accept-json", "cookie-quc"])
def test_no_public_url_shows_unapproved_text(app, session, world, headers):
    client = browser(app)
    pages = _visit_all(client, _public_urls(world), headers=headers)
    leaks = [(url, name) for url, html in pages.items() for name in NEVER if _m(world, name) in html]
    assert leaks == [], leaks
    everything = "\n".join(pages.values())
    # The control: what is approved and published does reach readers.
    for name in ("pub", "pub2", "sup_new", "es_approved"):
        assert _m(world, name) in everything, name
    # And nothing about the officers: who wrote or reviewed what, their notes and reasons.
    for private in ("@example.org", "fix it", "withdrawn"):
        assert private not in everything, private


def test_each_language_gets_the_approved_translation_of_that_exact_version_or_the_source(app, world):
    client = browser(app)
    pub, pub2, sup = world.m["pub"].id, world.m["pub2"].id, world.m["sup"].id
    es = client.get(f"/es/n/{pub}").get_data(as_text=True)
    assert _m(world, "es_approved") in es and _m(world, "es_draft") not in es and _m(world, "pub") not in es
    # K'iche' is only in review: the reader gets the nearest approved language (Spanish), and is told so.
    quc = client.get(f"/quc/n/{pub}").get_data(as_text=True)
    assert _m(world, "es_approved") in quc and _m(world, "quc_review") not in quc and "Español" in quc
    # Spanish in review: the source, never the text under review.
    es2 = client.get(f"/es/n/{pub2}").get_data(as_text=True)
    assert _m(world, "pub2") in es2 and _m(world, "es_review") not in es2
    # Version 2, a correction, superseded version 1: v1's approved Spanish stops, so Spanish readers get v2's source.
    es_sup = client.get(f"/es/n/{sup}").get_data(as_text=True)
    assert _m(world, "sup_new") in es_sup and _m(world, "es_sup_old") not in es_sup and _m(world, "sup_old") not in es_sup


def test_a_correction_going_live_never_carries_the_old_translation_to_readers(app, session, world):
    from msgsys.workflow import service as workflow

    workflow.transition(session, actor=world.users["approver"], version=world.v["pub_next"], name="approve", correction=True)
    session.commit()
    client = browser(app)
    for locale in ("es", "quc"):
        page = client.get(f"/{locale}/n/{world.m['pub'].id}").get_data(as_text=True)
        assert _m(world, "pub_next") in page
        assert _m(world, "es_approved") not in page and _m(world, "es_draft") not in page and _m(world, "quc_review") not in page


def test_a_new_version_going_live_keeps_only_the_approved_old_translation_labelled_as_earlier(app, session, world):
    step(session, world.v["pub_next"], world.users["approver"], "approve")
    client = browser(app)
    page = client.get(f"/es/n/{world.m['pub'].id}").get_data(as_text=True)
    assert _m(world, "es_approved") in page and 'class="meta earlier"' in page
    assert _m(world, "pub_next") not in page and _m(world, "es_draft") not in page


def test_scheduled_and_expiring_versions_appear_and_vanish_on_time(app, session, world, clock):
    from msgsys.workflow import service as workflow

    client = browser(app)
    scheduled = f"/en/n/{world.m['scheduled'].id}"
    assert client.get(scheduled).status_code == 404
    clock.advance(days=11)
    workflow.run_schedule(session)
    session.commit()
    assert _m(world, "scheduled") in client.get(scheduled).get_data(as_text=True)

    message = make_message(session, world.campaign, key="expiring")
    version = make_version(session, message, world.users["author"], title="EXPIRING title", expires_at=clock.now() + timedelta(hours=1))
    step(session, version, world.users["author"], "submit")
    step(session, version, world.users["approver"], "approve")
    assert "EXPIRING title" in client.get(f"/en/n/{message.id}").get_data(as_text=True)
    clock.advance(hours=2)
    workflow.run_schedule(session)
    session.commit()
    assert client.get(f"/en/n/{message.id}").status_code == 404
    assert "EXPIRING title" not in client.get("/en/").get_data(as_text=True)


def test_the_advisory_banner_shows_only_the_published_advisory(app, session, world):
    author, approver = world.users["author"], world.users["approver"]
    message = make_message(session, world.campaign, kind="advisory", key="advisory-msg")
    v1 = make_version(session, message, author, title="ADV-PUBLISHED title", sms_text="ADV-PUBLISHED sms. Do not approach the border until instructed.")
    step(session, v1, author, "submit")
    step(session, v1, approver, "approve")
    v2 = make_version(session, message, author, title="ADV-DRAFT title", sms_text="ADV-DRAFT sms. Do not approach the border until instructed.")
    v3 = make_version(session, message, author, title="ADV-REVIEW title", sms_text="ADV-REVIEW sms. Do not approach the border until instructed.")
    step(session, v3, author, "submit")
    make_translation(session, v1, world.users["translator_es"], "es",
                     texts={"title": "ADV-ES-REVIEW t", "body": "ADV-ES-REVIEW b.", "sms_text": "ADV-ES-REVIEW s."})
    client = browser(app)
    for url in ("/en/", "/es/", "/quc/", f"/en/n/{world.m['pub'].id}", f"/es/n/{world.m['pub2'].id}"):
        page = client.get(url).get_data(as_text=True)
        assert "ADV-PUBLISHED" in page, url
        assert "ADV-DRAFT" not in page and "ADV-REVIEW" not in page and "ADV-ES-REVIEW" not in page, url
    del v2


def test_visiting_the_public_site_changes_nothing(app, session, world):
    before = snapshot(app)
    _visit_all(browser(app), _public_urls(world))
    assert diff_snapshots(before, snapshot(app)) == []


def test_the_public_site_refuses_every_method_but_get_and_head(app, world):
    client = browser(app)
    for url in ("/", "/en/", f"/en/n/{world.m['pub'].id}"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert client.open(url, method=method).status_code == 405, (method, url)


@pytest.mark.parametrize("message_id", ["99999999999999999999", "9223372036854775808"])
def test_a_notice_id_too_large_for_the_database_is_a_plain_not_found(app, world, message_id):
    response = browser(app).get(f"/en/n/{message_id}")
    assert response.status_code == 404
