"""K'iche' translators work from the approved Spanish translation beside an English source, when there is one.

Texts are placeholders: tests never write K'iche'.
"""
from __future__ import annotations

import re

import pytest

from msgsys.translation import service as translations
from tests.factories import ES, login, make_campaign, make_published, make_translation, make_version, step

LABEL = "Approved Spanish translation (reference)"


@pytest.fixture
def english_source(session, team):
    """A published English message in a campaign translated into Spanish and K'iche'."""
    campaign = make_campaign(session, slug="pathways", source_locale="en", targets=("es", "quc"))
    return make_published(session, author=team["author"], approver=team["approver"], campaign=campaign)


def _editor(app, user, version, locale="quc", **headers):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    response = client.get(f"/translate/{version.id}/{locale}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _approve_spanish(session, team, version, texts=None):
    translation = make_translation(session, version, team["es1"], texts=texts)
    translations.transition(session, actor=team["es2"], translation=translation, name="approve")
    session.commit()
    return translation


def test_the_kiche_editor_shows_the_approved_spanish_beside_the_english_source(app, session, team, english_source):
    _message, version = english_source
    _approve_spanish(session, team, version)
    page = _editor(app, team["quc"], version)
    assert page.count(LABEL) == 3  # title, web text and SMS text each have theirs
    for text in (ES["title"], ES["body"], ES["sms_text"]):
        assert f'<div class="text reference-text" lang="es">{text}</div>' in page
    # Beside the source, in the source's column, before the field the translator writes in.
    title = page[page.index('id="title-heading"'):page.index('id="body-heading"')]
    assert title.index('class="text source-text" lang="en"') < title.index(LABEL) < title.index('class="target')
    assert 'id="no-reference"' not in page


def test_without_an_approved_spanish_translation_the_editor_says_so(app, session, team, english_source):
    _message, version = english_source
    make_translation(session, version, team["es1"], texts={**ES, "title": "Borrador en revisión"})  # in review, not approved
    page = _editor(app, team["quc"], version)
    assert LABEL not in page and "Borrador en revisión" not in page
    notice = re.search(r'<p class="notice" role="note" id="no-reference">(.*?)</p>', page, re.S).group(1)
    assert "No approved Spanish translation of this version exists yet" in notice


def test_the_spanish_of_an_earlier_version_is_no_reference_for_a_newer_one(app, session, team, english_source):
    message, version = english_source
    _approve_spanish(session, team, version)
    newer = make_version(session, message, team["author"], title="Lawful pathways, updated")
    step(session, newer, team["author"], "submit")
    step(session, newer, team["approver"], "approve")  # the Spanish is carried over, outdated, not approved
    page = _editor(app, team["quc"], newer)
    assert LABEL not in page and 'id="no-reference"' in page
    assert 'lang="es"' not in page.split('id="title-heading"')[1].split('id="body-heading"')[0]


def test_the_reference_is_named_in_the_interface_language(app, session, team, english_source):
    _message, version = english_source
    _approve_spanish(session, team, version)
    page = _editor(app, team["quc"], version, **{"Accept-Language": "es"})
    assert "español" in page[page.index('id="title-heading"'):page.index('id="body-heading"')]


def test_no_reference_when_the_source_is_spanish_or_for_other_languages(app, session, team):
    campaign = make_campaign(session, slug="fuente-es", source_locale="es", targets=("en", "quc"))
    _message, version = make_published(session, author=team["author"], approver=team["approver"], campaign=campaign)
    page = _editor(app, team["quc"], version)
    assert LABEL not in page and 'id="no-reference"' not in page
    english = make_campaign(session, slug="english", source_locale="en", targets=("es", "quc"))
    _message, version = make_published(session, author=team["author"], approver=team["approver"], campaign=english)
    spanish_editor = _editor(app, team["es1"], version, locale="es")
    assert "(reference)" not in spanish_editor and 'id="no-reference"' not in spanish_editor
