"""What translators are told about catalogs: a file that is not a PO file is called that (on the catalog page, from
the translations list and by `msgsys catalog import`), in their language; and an exported catalog's header names the
project, the campaign and the language, with none of Babel's placeholders."""
from __future__ import annotations

import io

import pytest
from babel.messages.pofile import read_po

from msgsys.content import service as content
from msgsys.errors import ValidationError
from msgsys.translation import catalog
from tests.forms.conftest import signed_in
from tests.forms.page import summary
from tests.security.conftest import diff_snapshots, snapshot

NOT_PO = {
    "text": b"Dear translators,\nhere are the texts for this week.\nThanks!\n",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
    "empty": b"",
}
PLACEHOLDERS = ("PROJECT", "ORGANIZATION", "EMAIL@ADDRESS", "FULL NAME", "LANGUAGE <LL@li.org>", "YEAR", "VERSION")


def _upload(client, data: bytes, *, form_page: str, filename: str = "notes.po"):
    from tests.factories import csrf_from

    token = csrf_from(client, form_page)
    return client.post("/translate/catalog/forms-campaign/es", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), filename)})


@pytest.mark.parametrize("kind", list(NOT_PO))
@pytest.mark.parametrize("form_page", ["/translate/catalog/forms-campaign/es", "/translate/"])
def test_a_file_that_is_not_a_po_file_is_called_that_on_the_page(app, session, w, kind, form_page):
    es1 = signed_in(app, w.people["es1"])
    before = snapshot(app)
    response = _upload(es1, NOT_PO[kind], form_page=form_page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    found = summary(html)
    assert found.texts()[0] == "This is not a PO file."
    assert all(href == "#file" for href, _t in found.items[1:])
    assert "line 0" not in html and "misformatted keyword" not in html and "Traceback" not in html
    assert "Nothing was applied." in found.box.text()
    assert diff_snapshots(before, snapshot(app)) == []


def test_the_page_says_it_in_the_translator_s_language(app, session, w):
    es1 = signed_in(app, w.people["es1"])
    es1.get("/translate/?lang=es")  # the language picker's choice sticks
    found = summary(_upload(es1, NOT_PO["text"], form_page="/translate/").get_data(as_text=True))
    assert found.texts()[0] == "Este no es un archivo PO."


@pytest.mark.parametrize("kind", list(NOT_PO))
def test_the_cli_calls_it_not_a_po_file_too(runner, app, session, w, kind, tmp_path):
    path = tmp_path / f"{kind}.po"
    path.write_bytes(NOT_PO[kind])
    before = snapshot(app)
    result = runner.invoke(args=["catalog", "import", str(path), "--as", w.people["es1"].email])
    assert result.exit_code == 2
    assert "error: This is not a PO file." in result.output
    assert "line 0" not in result.output and "misformatted keyword" not in result.output
    assert diff_snapshots(before, snapshot(app)) == []


def _header(data: bytes) -> tuple[str, dict[str, str]]:
    """The header comment and the header fields of a PO file."""
    text = data.decode()
    head = text[:text.index("\n\n")]
    comment = "\n".join(line for line in head.splitlines() if line.startswith("#"))
    fields = dict(line.strip('"').removesuffix("\\n").split(": ", 1) for line in head.splitlines()
                  if line.startswith('"') and ": " in line)
    return comment, fields


def test_the_exported_header_names_the_project_the_campaign_and_the_language(app, session, w):
    es1 = signed_in(app, w.people["es1"])
    data = es1.get("/translate/catalog/forms-campaign/es.po").data
    comment, fields = _header(data)
    assert fields["Project-Id-Version"] == "msgsys forms-campaign"
    assert fields["Language"] == "es"
    assert "Test campaign" in comment and "forms-campaign" in comment and "Spanish" in comment
    assert fields["Language-Team"] == "Spanish translators of msgsys"
    assert fields["Report-Msgid-Bugs-To"] == "http://127.0.0.1:5000/translate/catalog/forms-campaign/es"
    assert fields["Last-Translator"] == "es1@example.org"  # the Spanish translations in this catalog are theirs
    header = data.decode()[:data.decode().index("\n\n")]
    assert not [p for p in PLACEHOLDERS if p in header]


def test_the_header_keeps_a_title_with_babel_s_placeholder_words_and_names_the_owner(app, session, w):
    campaign = content.create_campaign(session, actor=w.people["author"], data={
        "slug": "year-of-the-project", "title": "PROJECT of the YEAR, VERSION 2 by ORGANIZATION",
        "source_locale": "en", "target_locales": ["es", "quc"]})
    session.commit()
    data = catalog.export_catalog(session, campaign=campaign, locale="quc")
    comment, fields = _header(data)
    assert '"PROJECT of the YEAR, VERSION 2 by ORGANIZATION"' in comment
    assert fields["Project-Id-Version"] == "msgsys year-of-the-project" and fields["Language"] == "quc"
    assert fields["Report-Msgid-Bugs-To"] == "author@example.org"  # who to ask about the source text
    assert fields["Last-Translator"] == fields["Language-Team"] == "K'iche' translators of msgsys"  # nobody yet
    parsed = read_po(io.BytesIO(data))
    assert (parsed.project, parsed.version, str(parsed.locale)) == ("msgsys", "year-of-the-project", "quc")


def test_catalogs_exported_with_the_old_header_still_import(app, session, w):
    data = catalog.export_catalog(session, campaign=w.campaign, locale="es")
    old = data.replace(b"Project-Id-Version: msgsys forms-campaign", b"Project-Id-Version: msgsys campaign:forms-campaign")
    assert old != data
    report = catalog.import_catalog(session, data=old, actor=w.people["es2"], origin="import")
    assert report.campaign == "forms-campaign" and report.locale == "es"
    unknown = data.replace(b"Project-Id-Version: msgsys forms-campaign", b"Project-Id-Version: someone-else 1.0")
    with pytest.raises(ValidationError, match="not a msgsys content catalog"):
        catalog.import_catalog(session, data=unknown, actor=w.people["es2"], origin="import")
