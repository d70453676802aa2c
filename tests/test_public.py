"""The public site: published notices only, in the reader's language or the nearest approved one, and it says so."""
from __future__ import annotations

import pytest

from msgsys.translation import service as translations
from tests.factories import ES, make_message, make_published, make_translation, make_user, make_version


@pytest.fixture
def spanish_only(session):
    """A published notice with an approved Spanish translation and no K'iche' one."""
    message, version = make_published(session, title="Lawful pathways", body="Information on **lawful** pathways.")
    t = make_translation(session, version, make_user(session, roles="translator", locales="es"))
    translations.transition(session, actor=make_user(session, roles="translator", locales="es"), translation=t, name="approve")
    session.commit()
    return message


def test_kiche_reader_gets_the_approved_spanish_and_the_page_says_so(client, spanish_only):
    html = client.get(f"/quc/n/{spanish_only.id}").get_data(as_text=True)
    assert ES["body"] in html and 'lang="es"' in html
    note = html[html.index('class="fallback"'):]
    note = note[:note.index("</p>")]
    # The names are in the page's interface language (K'iche' pages fall back to Spanish strings).
    assert "español" in note and "k&#39;iche&#39;" in note


def test_spanish_reader_gets_spanish_without_a_fallback_note(client, spanish_only):
    html = client.get(f"/es/n/{spanish_only.id}").get_data(as_text=True)
    assert ES["title"] in html and "fallback" not in html


def test_english_reader_gets_the_source(client, spanish_only):
    html = client.get(f"/en/n/{spanish_only.id}").get_data(as_text=True)
    assert "<strong>lawful</strong>" in html


def test_drafts_and_unapproved_versions_are_never_shown(client, session):
    message = make_message(session)
    make_version(session, message, make_user(session, roles="author"), title="Secret draft")
    assert client.get(f"/en/n/{message.id}").status_code == 404
    assert "Secret draft" not in client.get("/en/").get_data(as_text=True)


def test_home_lists_notices_and_the_active_advisory_is_on_every_page(client, session, spanish_only):
    advisory, _v = make_published(session, kind="advisory", title="Stay where you are")
    home = client.get("/en/").get_data(as_text=True)
    assert "Lawful pathways" in home and 'class="advisory"' in home and "Stay where you are" in home
    page = client.get(f"/en/n/{spanish_only.id}").get_data(as_text=True)
    assert "Stay where you are" in page


def test_pages_are_small_cacheable_and_script_free(client, spanish_only):
    response = client.get(f"/es/n/{spanish_only.id}")
    assert "public" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "<script" not in html and len(html.encode()) < 14_000


def test_unknown_locale_is_404_and_root_negotiates(client):
    assert client.get("/fr/").status_code == 404
    response = client.get("/", headers={"Accept-Language": "es-GT,es;q=0.9"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/es/")


@pytest.mark.parametrize("locale", ["en", "es", "quc"])
def test_the_home_page_leads_to_the_sms_subscribe_form_in_its_language(client, locale):
    html = client.get(f"/{locale}/").get_data(as_text=True)
    assert f'href="/{locale}/subscribe"' in html
    assert client.get(f"/{locale}/subscribe").status_code == 200
