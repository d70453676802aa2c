"""The translators' pages, used through the browser as real people: list, editor, four-eyes review, glossary, catalogs."""
from __future__ import annotations

import io
import re
from markupsafe import escape

import pytest
from babel.messages.pofile import read_po, write_po
from sqlmodel import select

from msgsys.content import service as content
from msgsys.translation import service as translations
from msgsys.translation.models import GlossaryTerm, Translation, TranslationRevision
from tests.factories import ES, csrf_from, login, make_campaign, make_published, make_translation, make_user, post_form, step


@pytest.fixture
def campaign(session):
    return make_campaign(session, slug="pathways")


def _published(session, team, campaign, **fields):
    return make_published(session, author=team["author"], approver=team["approver"], campaign=campaign, **fields)


def _browser(app, user):
    """A separate browser signed in as the user."""
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _editor(version, locale="es"):
    return f"/translate/{version.id}/{locale}"


def _step(client, translation, name, reason="", *, version):
    return post_form(client, f"/translate/t/{translation.id}/{name}", {"reason": reason}, form_url=_editor(version, translation.locale))


def _translation(session, version, locale="es"):
    session.expire_all()
    return translations.find(session, version, locale)


def test_a_spanish_translator_lists_translates_saves_and_submits(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    es1 = _browser(app, team["es1"])

    page = es1.get("/translate/").get_data(as_text=True)
    assert "Español" in page and version.title in page and "Untranslated" in page
    assert f'href="{_editor(version)}"' in page
    assert 'href="/translate/catalog/pathways/es.po"' in page
    assert 'href="/translate/"' in page  # the nav link
    assert version.title in es1.get("/translate/?state=untranslated").get_data(as_text=True)
    assert version.title not in es1.get("/translate/?state=approved").get_data(as_text=True)
    assert version.title in es1.get("/translate/?state=bogus").get_data(as_text=True)  # an unknown filter shows everything

    editor = es1.get(_editor(version))
    html = editor.get_data(as_text=True)
    assert editor.status_code == 200
    assert "Information on lawful pathways." in html  # the source, next to the empty translation
    assert 'data-sms-counter="sms-count"' in html and 'id="sms-count"' in html and "data-sms-label-segments" in html
    assert "smscount.js" in html

    response = post_form(es1, _editor(version), ES)
    assert response.status_code == 302 and response.headers["Location"].endswith(_editor(version))
    translation = _translation(session, version)
    revision = translations.revision(session, translation.current_revision_id)
    assert (translation.state, revision.number, revision.author_id, revision.origin) == ("draft", 1, team["es1"].id, "web")
    assert (revision.title, revision.sms_text) == (ES["title"], ES["sms_text"])

    html = es1.get(_editor(version)).get_data(as_text=True)
    assert "Vías legales" in html and "UCS-2" in html  # accents make the Spanish SMS UCS-2, counted server-side
    assert f"/translate/t/{translation.id}/submit" in html and team["es1"].email in html

    assert _step(es1, translation, "submit", version=version).status_code == 302
    assert _translation(session, version).state == "in_review"
    assert "In review" in es1.get("/translate/?state=in_review").get_data(as_text=True)


def test_four_eyes_the_author_cannot_approve_and_a_second_spanish_translator_does(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    translation = make_translation(session, version, team["es1"])
    es1 = _browser(app, team["es1"])

    html = es1.get(_editor(version)).get_data(as_text=True)
    assert f"/translate/t/{translation.id}/approve" not in html and "cannot approve your own work" in html
    forged = _step(es1, translation, "approve", version=version)
    assert forged.status_code == 403 and "Four eyes" in forged.get_data(as_text=True)
    assert _translation(session, version).state == "in_review"

    es2 = _browser(app, team["es2"])
    html = es2.get(_editor(version)).get_data(as_text=True)
    assert f"/translate/t/{translation.id}/approve" in html and f"/translate/t/{translation.id}/request_changes" in html
    refused = _step(es2, translation, "request_changes", version=version)
    assert refused.status_code == 422 and "Give a reason." in refused.get_data(as_text=True)
    assert _step(es2, translation, "approve", "Bien.", version=version).status_code == 302
    translation = _translation(session, version)
    assert translation.state == "approved" and translation.approved_revision_id == translation.current_revision_id
    assert translation.reviewed_by_id == team["es2"].id


def test_requested_changes_reach_the_author_with_the_reason(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    translation = make_translation(session, version, team["es1"])
    es2 = _browser(app, team["es2"])
    assert _step(es2, translation, "request_changes", "Use «asilo», not «refugio».", version=version).status_code == 302
    assert _translation(session, version).state == "changes_requested"

    es1 = _browser(app, team["es1"])
    html = es1.get(_editor(version)).get_data(as_text=True)
    assert "Use «asilo», not «refugio»." in html and team["es2"].email in html
    assert post_form(es1, _editor(version), {**ES, "title": "Vías legales de asilo"}).status_code == 302
    translation = _translation(session, version)
    assert translation.state == "draft" and len(translations.revisions(session, translation)) == 2
    assert _step(es1, translation, "submit", version=version).status_code == 302
    assert _translation(session, version).state == "in_review"


def test_people_who_do_not_translate_spanish_are_refused(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    translation = make_translation(session, version, team["es1"])
    quc = _browser(app, team["quc"])
    assert quc.get(_editor(version)).status_code == 403
    assert quc.get("/translate/catalog/pathways/es.po").status_code == 403
    token = csrf_from(quc, _editor(version, "quc"))
    assert quc.post(_editor(version), data={**ES, "csrf_token": token}).status_code == 403
    assert quc.post(f"/translate/t/{translation.id}/approve", data={"csrf_token": token}).status_code == 403
    assert _translation(session, version).state == "in_review"
    assert len(translations.revisions(session, translation)) == 1
    listing = quc.get("/translate/").get_data(as_text=True)
    assert 'id="locale-quc"' in listing and 'id="locale-es"' not in listing

    author = _browser(app, team["author"])
    assert author.get("/translate/").status_code == 403
    assert 'href="/translate/"' not in author.get("/admin/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, session, team, campaign):
    _message, version = _published(session, team, campaign)
    for path in ("/translate/", _editor(version), "/translate/catalog/pathways/es.po"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_outdated_translation_shows_the_old_and_new_source_word_by_word(app, session, team, campaign):
    _message, v1 = _published(session, team, campaign, title="Pathways", body="Old body.")
    t1 = make_translation(session, v1, team["es1"])
    translations.transition(session, actor=team["es2"], translation=t1, name="approve")
    session.commit()
    v2 = content.edit(session, actor=team["author"], version=v1, data={"title": "Pathways", "body": "New body.", "sms_text": v1.sms_text})
    session.commit()
    step(session, v2, team["author"], "submit")
    step(session, v2, team["approver"], "approve")
    assert _translation(session, v2).state == "outdated"

    es1 = _browser(app, team["es1"])
    assert v2.title in es1.get("/translate/?state=outdated").get_data(as_text=True)
    html = es1.get(_editor(v2)).get_data(as_text=True)
    assert "The source changed" in html
    assert "<del>Old</del>" in html and "<ins>New</ins>" in html
    assert ES["body"] in html  # the previous translation, ready to bring up to date
    assert "/submit" not in html  # an outdated translation is saved first, then submitted

    assert post_form(es1, _editor(v2), {**ES, "body": "Cuerpo nuevo."}).status_code == 302
    assert _translation(session, v2).state == "draft"


def test_a_blocking_check_is_shown_and_submission_refused(app, session, team, campaign):
    _message, version = _published(session, team, campaign, body="See https://www.uscis.gov/ now.", sms_text="See https://www.uscis.gov/")
    es1 = _browser(app, team["es1"])
    texts = {"title": "Vías", "body": "Vea https://example.com/ ahora.", "sms_text": "Vea https://www.uscis.gov/"}
    assert post_form(es1, _editor(version), texts).status_code == 302
    html = es1.get(_editor(version)).get_data(as_text=True)
    assert "Links must be the same as in the source" in html and "1 problem blocks submission" in html

    translation = _translation(session, version)
    refused = _step(es1, translation, "submit", version=version)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "cannot go forward" in body and "Links must be the same as in the source" in body and "Nothing was changed." in body
    assert _translation(session, version).state == "draft"


def test_glossary_terms_are_added_from_the_editor_and_warn(app, session, team, campaign):
    _message, version = _published(session, team, campaign, body="Apply for asylum in the region.")
    es1 = _browser(app, team["es1"])
    assert post_form(es1, _editor(version), {**ES, "body": "Pida protección en la región."}).status_code == 302

    response = post_form(es1, "/translate/glossary/es",
                         {"source_term": "asylum", "required_translation": "asilo", "note": "UNHCR usage", "version_id": str(version.id)},
                         form_url=_editor(version))
    assert response.status_code == 302 and _editor(version) in response.headers["Location"]
    html = es1.get(_editor(version)).get_data(as_text=True)
    assert "UNHCR usage" in html and "Glossary:" in html and "asilo" in html and "Warning" in html

    again = post_form(es1, "/translate/glossary/es",
                      {"source_term": "Asylum", "required_translation": "asilo", "version_id": str(version.id)}, form_url=_editor(version))
    assert again.status_code == 409 and "already has" in again.get_data(as_text=True)
    assert len(session.exec(select(GlossaryTerm)).all()) == 1

    quc = _browser(app, team["quc"])
    assert post_form(quc, "/translate/glossary/es", {"source_term": "border", "required_translation": "frontera"},
                     form_url="/translate/glossary/quc").status_code == 403
    assert len(session.exec(select(GlossaryTerm)).all()) == 1


def test_suggestions_come_from_approved_translations_of_similar_sources(app, session, team, campaign):
    _m, first = _published(session, team, campaign)
    done = make_translation(session, first, team["es1"])
    translations.transition(session, actor=team["es2"], translation=done, name="approve")
    session.commit()
    _m, second = _published(session, team, campaign, title="Lawful pathways!")
    html = _browser(app, team["es1"]).get(_editor(second)).get_data(as_text=True)
    assert "Translation memory" in html and ES["title"] in html and "% match" in html


def _fill(data: bytes, values: dict[str, str], extra: dict[str, str] | None = None) -> bytes:
    """Fill msgstrs the way a translator's tool would."""
    parsed = read_po(io.BytesIO(data))
    for m in parsed:
        if m.id and m.context in values:
            m.string = values[m.context]
    for ctx, text in (extra or {}).items():
        parsed.add(text, text, context=ctx)
    out = io.BytesIO()
    write_po(out, parsed, width=0, include_previous=True)
    return out.getvalue()


def _upload(client, data: bytes, filename="es.po", url="/translate/catalog/pathways/es"):
    token = csrf_from(client, url)
    return client.post(url, data={"file": (io.BytesIO(data), filename), "csrf_token": token}, content_type="multipart/form-data")


def test_a_catalog_goes_out_and_comes_back_for_review(app, session, team, campaign):
    message, version = _published(session, team, campaign)
    es1 = _browser(app, team["es1"])
    download = es1.get("/translate/catalog/pathways/es.po")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/x-gettext-translation; charset=utf-8"
    assert download.headers["Content-Disposition"] == 'attachment; filename="pathways-es.po"'
    entries = {m.context: m for m in read_po(io.BytesIO(download.data)) if m.id}
    assert set(entries) == {f"{message.key}.title", f"{message.key}.body", f"{message.key}.sms"}

    filled = _fill(download.data, {f"{message.key}.title": ES["title"], f"{message.key}.body": ES["body"], f"{message.key}.sms": ES["sms_text"]})
    response = _upload(es1, filled)
    assert response.status_code == 302
    page = es1.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 message imported" in page and "In review" in page

    translation = _translation(session, version)
    revision = translations.revision(session, translation.current_revision_id)
    assert translation.state == "in_review" and translation.approved_revision_id is None
    assert (revision.body, revision.origin, revision.author_id) == (ES["body"], "upload:es.po", team["es1"].id)


def test_a_refused_catalog_shows_every_problem_with_its_line_and_changes_nothing(app, session, team, campaign):
    message, version = _published(session, team, campaign, body="See https://www.uscis.gov/ now.")
    es1 = _browser(app, team["es1"])
    exported = es1.get("/translate/catalog/pathways/es.po").data
    bad = _fill(exported, {f"{message.key}.title": "Vías", f"{message.key}.body": "Vea https://example.com/ ahora.",
                           f"{message.key}.sms": ES["sms_text"]},
                extra={"no-such-message.title": "Hola"})
    response = _upload(es1, bad, filename="bad.po")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was applied." in html

    lines = bad.decode().splitlines()
    unknown_at = next(i for i, line in enumerate(lines, 1) if line == 'msgctxt "no-such-message.title"')
    problems = re.findall(r"<code>(line \d+: [^<]*)</code>", html)
    assert len(problems) == 2
    body_at = next(i for i, line in enumerate(lines, 1) if line == f'msgctxt "{message.key}.body"')
    assert sorted(problems) == sorted([
        f"line {body_at + 1}: {message.key}.body: Links must be the same as in the source: https://www.uscis.gov/",
        f"line {unknown_at + 1}: unknown entry no-such-message.title",
    ])
    assert session.exec(select(Translation)).all() == []

    garbage = _upload(es1, b"\x00\x01 not a catalog")
    assert garbage.status_code == 422 and "line 1:" in garbage.get_data(as_text=True)
    missing = post_form(es1, "/translate/catalog/pathways/es", {})
    assert missing.status_code == 422 and "Choose a .po file" in missing.get_data(as_text=True)
    assert session.exec(select(TranslationRevision)).all() == []


def test_hostile_html_in_a_translation_is_escaped_on_the_editor(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    es1 = _browser(app, team["es1"])
    hostile = {"title": "<script>alert(1)</script>", "body": '<img src=x onerror="alert(1)">', "sms_text": "</textarea><b>x</b>"}
    assert post_form(es1, _editor(version), hostile).status_code == 302
    html = es1.get(_editor(version)).get_data(as_text=True)
    for text in hostile.values():
        assert text not in html
    assert str(escape("<script>alert(1)</script>")) in html and "&lt;/textarea&gt;" in html


def test_kiche_sms_apostrophes_are_counted_as_gsm7(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    make_translation(session, version, team["quc"], locale="quc",
                     texts={"title": "Kʼicheʼ", "body": "Chaqʼabʼej.", "sms_text": "Chaqʼabʼej ri utzij."}, submit=False)
    html = _browser(app, team["quc"]).get(_editor(version, "quc")).get_data(as_text=True)
    assert "GSM-7" in html and str(escape("Chaq'ab'ej ri utzij.")) in html  # as sent by SMS, folded
    assert "Chaqʼabʼej ri utzij." in html  # the translator's own text is kept in the form


def test_posts_without_csrf_are_refused_and_change_nothing(app, session, team, campaign):
    _message, version = _published(session, team, campaign)
    es1 = _browser(app, team["es1"])
    assert es1.post(_editor(version), data=ES).status_code == 400
    assert es1.post("/translate/glossary/es", data={"source_term": "asylum", "required_translation": "asilo"}).status_code == 400
    assert es1.post("/translate/catalog/pathways/es", data={"file": (io.BytesIO(b""), "es.po")}, content_type="multipart/form-data").status_code == 400
    translation = make_translation(session, version, team["es1"], submit=False)
    assert es1.post(f"/translate/t/{translation.id}/submit", data={}).status_code == 400
    assert _translation(session, version).state == "draft"
    assert session.exec(select(GlossaryTerm)).all() == []
    assert len(session.exec(select(TranslationRevision)).all()) == 1
