"""Content catalogs: export, import all-or-nothing, round trip, msgfmt --check, malformed and hostile files."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from babel.messages.pofile import read_po

from msgsys.content import service as content
from msgsys.errors import PermissionDenied, ValidationError
from msgsys.translation import catalog
from msgsys.translation import service as translations
from tests.factories import ES, make_campaign, make_published, make_translation, make_user, step
from tests.security.conftest import diff_snapshots, snapshot


@pytest.fixture
def world(app, session):
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    es1, es2 = make_user(session, roles="translator", locales="es"), make_user(session, roles="translator", locales="es")
    campaign = make_campaign(session, slug="pathways")
    message, version = make_published(session, author=author, approver=approver, campaign=campaign,
                                      title="Lawful pathways", body="Apply from where you are.\n\nSee https://www.uscis.gov/",
                                      sms_text="Apply from where you are. See https://www.uscis.gov/")
    return {"author": author, "approver": approver, "es1": es1, "es2": es2, "campaign": campaign, "message": message, "version": version,
            "app": app}


def _export(session, world, locale="es"):
    return catalog.export_catalog(session, campaign=world["campaign"], locale=locale)


def _entries(data: bytes):
    return {m.context: m for m in read_po(io.BytesIO(data)) if m.id}


def _fill(data: bytes, values: dict[str, str]) -> bytes:
    """Fill msgstrs the way a translator's tool would, keeping the file's layout."""
    parsed = read_po(io.BytesIO(data))
    for m in parsed:
        if m.id and m.context in values:
            m.string = values[m.context]
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, parsed, width=0, include_previous=True)
    return out.getvalue()


GOOD = {
    "{key}.title": "Vías legales",
    "{key}.body": "Haga su solicitud desde donde está.\n\nVea https://www.uscis.gov/",
    "{key}.sms": "Haga su solicitud desde donde está. Vea https://www.uscis.gov/",
}


def _good(world):
    return {k.format(key=world["message"].key): v for k, v in GOOD.items()}


def test_export_has_one_entry_per_field_with_context_and_sms_comment(session, world):
    entries = _entries(_export(session, world))
    key = world["message"].key
    assert set(entries) == {f"{key}.title", f"{key}.body", f"{key}.sms"}
    assert entries[f"{key}.title"].id == "Lawful pathways" and entries[f"{key}.title"].string == ""
    assert any("SMS" in c and "segment" in c for c in entries[f"{key}.sms"].auto_comments)


def test_exports_pass_msgfmt_check(session, world, tmp_path):
    assert shutil.which("msgfmt"), "GNU gettext's msgfmt is needed (apt-get install gettext)"
    make_translation(session, world["version"], world["es1"], texts={"title": "Vías", "body": "Cuerpo\n\nVea https://www.uscis.gov/", "sms_text": "Vea https://www.uscis.gov/"})
    path = tmp_path / "es.po"
    path.write_bytes(_export(session, world))
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_import_applies_as_new_revisions_awaiting_review_never_approved(session, world):
    data = _fill(_export(session, world), _good(world))
    report = catalog.import_catalog(session, data=data, actor=world["es1"], origin="import:es.po")
    session.commit()
    assert report.applied == {world["message"].key: ["body", "sms_text", "title"]}
    translation = translations.find(session, world["version"], "es")
    assert translation.state == "in_review" and translation.approved_revision_id is None
    assert translations.revision(session, translation.current_revision_id).origin == "import:es.po"


def test_round_trip_preserves_every_field(session, world):
    catalog.import_catalog(session, data=_fill(_export(session, world), _good(world)), actor=world["es1"], origin="import")
    session.commit()
    entries = _entries(_export(session, world))
    assert {k: e.string for k, e in entries.items()} == _good(world)


def test_import_never_overwrites_an_approved_translation_silently(session, world):
    translation = make_translation(session, world["version"], world["es1"], texts={"title": "Vías", "body": "Haga.\n\nVea https://www.uscis.gov/", "sms_text": "Vea https://www.uscis.gov/"})
    translations.transition(session, actor=world["es2"], translation=translation, name="approve")
    session.commit()
    approved = translation.approved_revision_id
    catalog.import_catalog(session, data=_fill(_export(session, world), _good(world)), actor=world["es1"], origin="import")
    session.commit()
    assert translation.approved_revision_id == approved  # recipients still get the approved text
    assert translation.current_revision_id != approved and translation.state == "in_review"
    assert [r.number for r in translations.revisions(session, translation)] == [2, 1]


def test_outdated_entries_export_fuzzy_with_the_previous_source(session, world):
    translation = make_translation(session, world["version"], world["es1"], texts={"title": "Vías", "body": "Haga.\n\nVea https://www.uscis.gov/", "sms_text": "Vea https://www.uscis.gov/"})
    translations.transition(session, actor=world["es2"], translation=translation, name="approve")
    session.commit()
    v2 = content.edit(session, actor=world["author"], version=world["version"], data={
        "title": "Lawful pathways to protection", "body": world["version"].body, "sms_text": world["version"].sms_text})
    session.commit()
    step(session, v2, world["author"], "submit")
    step(session, v2, world["approver"], "approve")
    data = _export(session, world)
    entries = _entries(data)
    title = entries[f"{world['message'].key}.title"]
    assert title.fuzzy and title.string == "Vías" and title.id == "Lawful pathways to protection"
    # Babel does not read `#|` back, so look at the file as a translator's tool would.
    assert f'#| msgid "Lawful pathways"\nmsgctxt "{world["message"].key}.title"' in data.decode()
    assert not entries[f"{world['message'].key}.body"].fuzzy


def _refused(session, world, data, *, actor=None, message=None, **kw):
    """The import's problems, having checked on a connection of its own that nothing was applied.

    The session is committed first: whatever the import wrote before refusing would now be there for anyone to read.
    """
    before = snapshot(world["app"])
    with pytest.raises(ValidationError) as err:
        catalog.import_catalog(session, data=data, actor=actor or world["es1"], origin="import", **kw)
    session.commit()
    assert diff_snapshots(before, snapshot(world["app"])) == [], "nothing may be applied"
    if message is not None:
        assert err.value.message == message
    problems = err.value.details["problems"]
    assert problems and all(p.startswith("line ") and not p.startswith("line 0") for p in problems), problems
    return problems


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def _imported(session, world, data) -> dict:
    catalog.import_catalog(session, data=data, actor=world["es1"], origin="import")
    session.commit()
    translation = translations.find(session, world["version"], "es")
    rev = translations.revision(session, translation.current_revision_id)
    return {f: getattr(rev, f) for f in ("title", "body", "sms_text")}


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00binary", b"", b"\n\n", b"# only a comment\n", b"this is just some text\nwith lines\n",
    b"msgctxt,msgid,msgstr\npathways.title,Lawful pathways,Vias legales\n", b'{"msgid": "a", "msgstr": "b"}',
    "\ufeffmsgctxt;msgid\n".encode("utf-16"),
])
def test_a_file_that_is_not_a_po_file_is_told_so(session, world, data):
    problems = _refused(session, world, data, message="This is not a PO file.")
    assert problems == ["line 1: no msgid or msgctxt line: this is not a gettext PO file"]


def test_a_broken_po_file_is_refused_at_the_line_counted_from_one(session, world):
    problems = _refused(session, world, 'msgid ""\nmsgstr ""\n"Project-Id-Version: campaign:pathways\\n"\n\nmsgid "a"\nmsgstr "b"\nnonsense here\n'.encode())
    assert problems == ["line 7: Unknown or misformatted keyword: nonsense here"]


def test_a_utf8_file_whose_header_says_latin1_is_refused_not_stored_garbled(session, world):
    text = _fill(_export(session, world), _good(world)).decode()
    mislabeled = text.replace("charset=utf-8", "charset=ISO-8859-1")
    problems = _refused(session, world, mislabeled.encode(), message="The file is UTF-8 but its header says charset=ISO-8859-1.")
    assert problems == [f"line {_line_of(text, 'Content-Type')}: the header declares charset=ISO-8859-1, but the text "
                        f"(from line {_line_of(text, 'Vías')}) is UTF-8: declare charset=UTF-8"]


@pytest.mark.parametrize("charset", ["ISO-8859-1", "latin1", "windows-1252"])
def test_a_file_in_another_charset_is_read_by_the_charset_it_declares(session, world, charset):
    text = _fill(_export(session, world), _good(world)).decode().replace("charset=utf-8", f"charset={charset}")
    assert _imported(session, world, text.encode(charset)) == {
        "title": "Vías legales", "body": "Haga su solicitud desde donde está.\n\nVea https://www.uscis.gov/",
        "sms_text": "Haga su solicitud desde donde está. Vea https://www.uscis.gov/"}


def test_bytes_that_are_not_valid_in_the_declared_charset_are_refused_with_their_line(session, world):
    text = _fill(_export(session, world), _good(world)).decode()
    latin1_bytes = text.encode("utf-8").replace("Vías".encode(), "Vías".encode("latin-1"))  # says UTF-8, is not
    problems = _refused(session, world, latin1_bytes, message="The file is not valid utf-8 text.")
    assert problems == [f"line {_line_of(text, 'Vías')}: this line is not valid utf-8 text (declared on line {_line_of(text, 'Content-Type')})"]
    cp1252 = text.replace("charset=utf-8", "charset=windows-1252").encode("cp1252").replace(b"V\xedas", b"V\x81as")  # 0x81: no character
    problems = _refused(session, world, cp1252, message="The file is not valid windows-1252 text.")
    assert problems[0].startswith(f"line {_line_of(text, 'Vías')}: ")
    for unknown in ("klingon", "base64", "UTF-16"):  # the last two are codecs, but not what a PO file is written in
        problems = _refused(session, world, text.replace("charset=utf-8", f"charset={unknown}").encode())
        assert problems == [f"line {_line_of(text, 'Content-Type')}: unknown charset {unknown}"]


def test_a_utf8_file_with_a_byte_order_mark_imports(session, world):
    data = b"\xef\xbb\xbf" + _fill(_export(session, world), _good(world))
    assert _imported(session, world, data)["title"] == "Vías legales"


def test_a_file_saved_with_windows_line_ends_imports(session, world):
    data = _fill(_export(session, world), _good(world)).replace(b"\n", b"\r\n")
    assert _imported(session, world, data)["body"] == "Haga su solicitud desde donde está.\n\nVea https://www.uscis.gov/"


def test_a_duplicate_is_found_however_its_msgctxt_is_written(session, world):
    text = _fill(_export(session, world), _good(world)).decode()
    key = world["message"].key
    first = _line_of(text, f'msgctxt "{key}.title"')
    split = f'\nmsgctxt ""\n"{key}."\n"title"\nmsgid "Lawful pathways"\nmsgstr "Otra cosa"\n'
    problems = _refused(session, world, (text + split).encode())
    assert problems == [f"line {_line_of(text + split, split.strip())}: duplicate entry {key}.title (first at line {first})"]
    wrapped = text.replace(f'msgctxt "{key}.title"', f'msgctxt ""\n"{key}.title"')
    again = f'\nmsgctxt "{key}.title"\nmsgid "Lawful pathways"\nmsgstr "Otra"\n'
    problems = _refused(session, world, (wrapped + again).encode())
    assert problems == [f"line {_line_of(wrapped + again, again.strip())}: duplicate entry {key}.title (first at line {first})"]


TITLE = 'msgstr "Vías legales"'


@pytest.mark.parametrize("written, below, problem", [
    ('msgstr[0] "Vías legales"', 0, "plural forms are not used in content catalogs"),
    ('msgid_plural "Lawful pathways"\nmsgstr[0] "Vías legales"\nmsgstr[1] "Vías legales"', 0, "plural forms are not used in content catalogs"),
    ('msgstr "Vías\\q legales"', 0, "msgstr: invalid escape \\q (write \\\\ for a backslash)"),
    ('msgstr "Vías legales\\"', 0, "msgstr: a backslash at the end escapes the closing quote (write \\\\ for a backslash)"),
    ('msgstr "Vías "legales""', 0, 'msgstr: text after the closing quote (write \\" for a quote inside the text)'),
    ('msgstr "Vías legales', 0, "msgstr: the closing quote is missing"),
    ('msgstr ""\n"Vías \\a legales"', 1, "invalid escape \\a (write \\\\ for a backslash)"),
    ('msgstr ""\n"Vías legales\\', 1, "the closing quote is missing"),
    ('msgstr "Vías legales"\nmsgstr "Otra"', 1, "a second msgstr for the same msgid"),
])
def test_plural_entries_bad_escapes_and_stray_keywords_are_refused_with_their_line(session, world, written, below, problem):
    text = _fill(_export(session, world), _good(world)).decode()
    assert text.count(TITLE) == 1
    problems = _refused(session, world, text.replace(TITLE, written).encode())
    assert f"line {_line_of(text, TITLE) + below}: {problem}" in problems, problems


def test_honest_escapes_still_import(session, world):
    text = _fill(_export(session, world), _good(world)).decode()
    text = text.replace(TITLE, 'msgstr ""\n"Vías \\"legales\\" "\n"a\\\\b"')
    assert _imported(session, world, text.encode())["title"] == 'Vías "legales" a\\b'


def test_wrong_locale_or_campaign(session, world):
    data = _fill(_export(session, world), _good(world))
    problems = _refused(session, world, data.replace(b"Language: es", b"Language: fr"))
    assert any("wrong language" in p for p in problems)
    problems = _refused(session, world, data, expect_campaign="another-campaign")
    assert any("another-campaign" in p for p in problems)
    problems = _refused(session, world, data.replace(b"Project-Id-Version: msgsys pathways", b"Project-Id-Version: msgsys nope"))
    assert problems


def test_duplicate_entries_are_reported_with_their_lines(session, world):
    data = _fill(_export(session, world), _good(world)).decode()
    key = world["message"].key
    block = data[data.index(f'msgctxt "{key}.title"'):]
    block = block[:block.index("\n\n") + 2]
    problems = _refused(session, world, (data + "\n" + block).encode())
    assert any("duplicate" in p and p.startswith("line ") for p in problems)


def test_broken_placeholder_or_link_is_refused_with_the_line(session, world):
    values = _good(world)
    values[f"{world['message'].key}.sms"] = "Haga su solicitud. Vea https://evil.example/"
    problems = _refused(session, world, _fill(_export(session, world), values))
    assert any("Links must be the same" in p and p.startswith("line ") for p in problems)


def test_one_bad_message_keeps_every_other_one_out_too(session, world):
    second, _v = make_published(session, author=world["author"], approver=world["approver"], campaign=world["campaign"],
                                title="Second", body="Second body.", sms_text="Second text.")
    values = {**_good(world), f"{second.key}.title": "Segundo", f"{second.key}.body": "Cuerpo https://evil.example/",
              f"{second.key}.sms": "Texto."}
    problems = _refused(session, world, _fill(_export(session, world), values))
    assert any(p.startswith("line ") and f"{second.key}.body" in p for p in problems)


def test_forbidden_phrase_is_refused_and_nothing_applied(session, world):
    from msgsys.policy import service as policy

    policy.seed_rules(session)
    session.commit()
    values = _good(world)
    values[f"{world['message'].key}.title"] = "La frontera está abierta"
    problems = _refused(session, world, _fill(_export(session, world), values))
    assert any("frontera" in p.lower() or "forbidden" in p.lower() for p in problems)


def test_stale_catalog_whose_source_changed_is_refused(session, world):
    data = _fill(_export(session, world), _good(world)).replace(b'msgid "Lawful pathways"', b'msgid "Lawful pathways (old)"')
    problems = _refused(session, world, data)
    assert any("export it again" in p for p in problems)


def test_hostile_text_in_a_catalog_is_refused(session, world):
    values = _good(world)
    values[f"{world['message'].key}.title"] = "Vías\u202elegales"
    assert _refused(session, world, _fill(_export(session, world), values))


def test_a_translator_of_another_locale_cannot_import(session, world):
    quc = make_user(session, roles="translator", locales="quc")
    with pytest.raises(PermissionDenied):
        catalog.import_catalog(session, data=_fill(_export(session, world), _good(world)), actor=quc, origin="import")


def test_fuzzy_and_empty_entries_are_skipped_not_imported(session, world):
    data = _export(session, world)
    report = catalog.import_catalog(session, data=data, actor=world["es1"], origin="import")
    assert report.applied == {} and report.skipped_empty == 3


def test_cli_export_and_import(runner, session, world, tmp_path):
    out = tmp_path / "es.po"
    result = runner.invoke(args=["catalog", "export", "--campaign", "pathways", "--locale", "es", "-o", str(out)])
    assert result.exit_code == 0, result.output
    out.write_bytes(_fill(out.read_bytes(), _good(world)))
    result = runner.invoke(args=["catalog", "import", str(out), "--as", world["es1"].email])
    assert result.exit_code == 0, result.output
    assert translations.find(session, world["version"], "es").state == "in_review"


def test_cli_import_prints_each_problem_and_exits_non_zero(runner, session, world, tmp_path):
    bad = tmp_path / "bad.po"
    values = _good(world)
    values[f"{world['message'].key}.sms"] = "Vea https://evil.example/"
    bad.write_bytes(_fill(_export(session, world), values))
    result = runner.invoke(args=["catalog", "import", str(bad), "--as", world["es1"].email])
    assert result.exit_code != 0
    assert "line " in result.output and "Links must be the same" in result.output
    assert translations.find(session, world["version"], "es") is None


def test_a_message_with_an_entry_still_fuzzy_is_saved_as_draft_not_submitted(session, world):
    translation = make_translation(session, world["version"], world["es1"], texts={"title": "Vías", "body": "Haga.\n\nVea https://www.uscis.gov/", "sms_text": "Vea https://www.uscis.gov/"})
    translations.transition(session, actor=world["es2"], translation=translation, name="approve")
    session.commit()
    v2 = content.edit(session, actor=world["author"], version=world["version"], data={
        "title": "Lawful pathways to protection", "body": "Apply from where you are, now.\n\nSee https://www.uscis.gov/", "sms_text": world["version"].sms_text})
    session.commit()
    step(session, v2, world["author"], "submit")
    step(session, v2, world["approver"], "approve")
    key = world["message"].key
    # The translator redoes the title (clearing its fuzzy flag) but not yet the body.
    parsed = read_po(io.BytesIO(_export(session, world)))
    for m in parsed:
        if m.context == f"{key}.title":
            m.string, m.flags = "Vías legales de protección", set()
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, parsed, width=0)
    report = catalog.import_catalog(session, data=out.getvalue(), actor=world["es1"], origin="import")
    session.commit()
    t2 = translations.find(session, v2, "es")
    assert report.left_draft == [key] and t2.state == "draft" and t2.outdated_list == ["body"]


def test_a_web_only_message_with_an_sms_text_exports_and_imports_that_text_too(session, world):
    # Its SMS text shows in the public advisory banner, so it is checked and translated like the rest.
    message, version = make_published(session, author=world["author"], approver=world["approver"], campaign=world["campaign"],
                                      title="Web only", body="Body.", sms_text="Short text.")
    message.channels = "web"
    session.add(message)
    session.commit()
    entries = _entries(_export(session, world))
    assert f"{message.key}.sms" in entries
    values = {**_good(world), f"{message.key}.title": "Solo web", f"{message.key}.body": "Cuerpo.", f"{message.key}.sms": "Texto corto."}
    report = catalog.import_catalog(session, data=_fill(_export(session, world), values), actor=world["es1"], origin="import")
    assert sorted(report.applied[message.key]) == ["body", "sms_text", "title"]


@pytest.mark.parametrize("claim", [
    "The border is open, come now.",          # an English claim in a Spanish catalog
    "#LaFronteraEstáAbierta",                 # a hashtag
    "la fr0ntera ya se abrió",                # leetspeak and another word form
    "Permisos para cruzar: www.registro-cbp.lat",  # a paraphrase and a link outside the allowlist
])
def test_a_po_upload_carrying_a_claim_in_any_wording_or_language_is_refused(session, world, claim):
    from msgsys.policy import service as policy

    policy.seed_rules(session)
    session.commit()
    values = _good(world)
    values[f"{world['message'].key}.sms"] = claim
    problems = _refused(session, world, _fill(_export(session, world), values))
    assert problems
