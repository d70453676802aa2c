"""`msgsys subscribers import` and `export`: a whole file checked first, every bad row reported by its line, all or
nothing (checked on a connection of its own), imported numbers active with their named source; export never writes an
erased number."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msgsys.db import make_engine
from msgsys.sms import service
from msgsys.sms.models import Subscriber, SubscriberEvent
from tests.factories import make_user

GT, GT2, MX = "+50255501234", "+50255501235", "+525512345678"
CONSENT = "I agree to receive migration notices by SMS."


@pytest.fixture
def import_file(tmp_path):
    def write(content: bytes | str, name: str = "list.csv"):
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(path)
    return write


def subscribers_in_database(database_url) -> list[tuple]:
    """What the database holds, read on a connection of its own (not the app's session)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT phone, state FROM subscriber ORDER BY id"))]
    finally:
        engine.dispose()


def run_import(runner, path, *args):
    return runner.invoke(args=["subscribers", "import", path, *args])


def errors_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


# --- a good file -------------------------------------------------------------------------------------

def test_a_good_file_imports_active_subscribers_with_their_named_source(runner, session, import_file, database_url):
    path = import_file("number,locale,region\n+502 5550 1234,es,Quetzaltenango\n+52 55 1234 5678,EN,\n")
    result = run_import(runner, path, "--source", "Red de albergues", "--consent-text", CONSENT)
    assert result.exit_code == 0, result.output
    assert "2 number(s) imported as active subscribers" in result.output
    assert subscribers_in_database(database_url) == [(GT, "active"), (MX, "active")]
    sub = service.find(session, GT)
    assert (sub.locale, sub.country, sub.region, sub.consent_source, sub.consent_source_name, sub.consent_text) == (
        "es", "GT", "Quetzaltenango", "import", "Red de albergues", CONSENT)
    assert sub.consent_at is not None
    history = session.exec(select(SubscriberEvent).where(SubscriberEvent.subscriber_id == sub.id)
                           .order_by(SubscriberEvent.id)).all()
    assert [(e.before, e.after, e.cause) for e in history] == [("", "pending", "import"), ("pending", "active", "import")]
    assert service.may_send(session, sub.id)


def test_cells_of_source_and_consent_text_columns_win_over_the_options(runner, session, import_file):
    path = import_file("number,locale,source,consent_text\n"
                       f"{GT},es,Cruz Roja,Acepto recibir avisos.\n"
                       f"{GT2},es,,\n")
    result = run_import(runner, path, "--source", "Default list", "--consent-text", CONSENT)
    assert result.exit_code == 0, result.output
    first, second = service.find(session, GT), service.find(session, GT2)
    assert (first.consent_source_name, first.consent_text) == ("Cruz Roja", "Acepto recibir avisos.")
    assert (second.consent_source_name, second.consent_text) == ("Default list", CONSENT)


def test_a_utf8_file_with_a_byte_order_mark_and_crlf_lines_reads(runner, session, import_file):
    path = import_file("\ufeffnumber,locale,region\r\n+50255501234,es,Sololá\r\n".encode())
    result = run_import(runner, path, "--source", "Lista", "--consent-text", CONSENT)
    assert result.exit_code == 0, result.output
    assert service.find(session, GT).region == "Sololá"


def test_numbers_already_known_are_left_as_they_are(runner, session, clock, import_file, database_url):
    """An opted-out number stays opted out: an old list must not subscribe someone who said STOP."""
    service.mark_opted_out(session, GT, source="sms:stop", now=clock.now())
    session.commit()
    path = import_file(f"number,locale\n{GT},es\n{GT2},es\n")
    result = run_import(runner, path, "--source", "Old list", "--consent-text", CONSENT)
    assert result.exit_code == 0, result.output
    assert "1 number(s) already known, left as they were (lines 2)" in result.output
    assert subscribers_in_database(database_url) == [(GT, "opted_out"), (GT2, "active")]


def test_the_help_says_imported_numbers_are_active(runner):
    text = " ".join(runner.invoke(args=["subscribers", "import", "--help"]).output.split())
    assert "Imported numbers become ACTIVE at once, with the consent source \"import\" and the named source" in text
    assert "--source NAME" in text and "--consent-text TEXT" in text


def test_the_import_is_audited_as_the_admin_named(runner, session, import_file):
    admin = make_user(session, roles="admin")
    result = run_import(runner, import_file(f"number,locale\n{GT},es\n"), "--source", "L", "--consent-text", CONSENT,
                        "--by", admin.email)
    assert result.exit_code == 0, result.output
    event = session.exec(select(SubscriberEvent).where(SubscriberEvent.after == "active")).one()
    assert event.actor_id == admin.id


def test_someone_who_is_not_an_admin_cannot_import(runner, session, import_file, database_url):
    author = make_user(session, roles="author")
    result = run_import(runner, import_file(f"number,locale\n{GT},es\n"), "--source", "L", "--consent-text", CONSENT,
                        "--by", author.email)
    assert result.exit_code == 2 and "Your role does not allow this" in result.stderr
    assert subscribers_in_database(database_url) == []


# --- all or nothing, every problem by line -----------------------------------------------------------

def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(runner, import_file, database_url):
    path = import_file(
        "number,locale,region\n"
        f"{GT},es,Huehuetenango\n"  # 2: good
        "5550123,es,\n"  # 3: a short code
        "+502 5550 12,es,\n"  # 4: not a valid number
        "call me,es,\n"  # 5: unreadable
        f"{MX},fr,\n"  # 6: unknown language
        "+502-5550-1234,en,\n"  # 7: line 2's number again, written another way
        ",es,\n"  # 8: no number
        f"{GT2},es,{'x' * 81}\n"  # 9: region too long
        f"{GT2},es,,extra\n"  # 10: a cell too many
    )
    result = run_import(runner, path, "--source", "List", "--consent-text", CONSENT)
    assert result.exit_code == 2
    assert errors_of(result) == [
        "error: line 3: 5550123 is a short code, not a phone number.",
        "error: line 4: +502 5550 12 is not a valid phone number.",
        "error: line 5: call me cannot be read as a phone number; write it with its country code (+502...).",
        "error: line 6: unknown language “fr” (use en, es, quc).",
        "error: line 7: +50255501234 is already on line 2.",
        "error: line 8: A phone number is required.",
        "error: line 9: region is too long: 81 characters, at most 80.",
        "error: line 10: 4 cells, but the header has 3 columns.",
        "error: Nothing was imported: the file has 8 problems.",
    ]
    assert subscribers_in_database(database_url) == []


def test_a_row_without_a_consent_source_is_refused(runner, import_file, database_url):
    path = import_file(f"number,locale,source\n{GT},es,Cruz Roja\n{GT2},es,\n")
    result = run_import(runner, path, "--consent-text", CONSENT)
    assert result.exit_code == 2
    assert errors_of(result)[0] == "error: line 3: no consent source (the source cell is empty and no --source was given)."
    assert subscribers_in_database(database_url) == []


def test_a_file_without_source_or_consent_text_is_refused_whole(runner, import_file, database_url):
    result = run_import(runner, import_file(f"number,locale\n{GT},es\n"))
    assert result.exit_code == 2
    assert errors_of(result)[:2] == ["error: No consent source: add a source column or give --source.",
                                     "error: No consent text: add a consent_text column or give --consent-text with the "
                                     "text people were shown."]
    assert subscribers_in_database(database_url) == []


@pytest.mark.parametrize("content, expected", [
    (b"", "error: The file is empty."),
    (b"\n\n  \n", "error: The file is empty."),
    (b"number,locale\n", "error: The file has a header but no numbers."),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "error: This is not a CSV text file (binary content: a spreadsheet "
     "or a document?). Save it as “CSV UTF-8” and import that."),
    (b"number,locale\n+50255501234,es\n\x00\x01\x02", "error: This is not a CSV text file (binary content: a "
     "spreadsheet or a document?). Save it as “CSV UTF-8” and import that."),
    (b"numero,locale\n+50255501234,es\n", "error: line 1: unknown column “numero” (the columns are number, locale, "
     "region, consent_text, source)."),
    (b"locale,locale\n", "error: line 1: the column locale appears twice."),
])
def test_an_unusable_file_says_why(runner, import_file, database_url, content, expected):
    result = run_import(runner, import_file(content), "--source", "List", "--consent-text", CONSENT)
    assert result.exit_code == 2 and expected in errors_of(result)
    assert subscribers_in_database(database_url) == []


def test_broken_encoding_names_every_line_that_is_not_utf8(runner, import_file, database_url):
    content = "number,locale,region\n+50255501234,es,Sololá\n+50255501235,es,Petén\n+525512345678,en,\n".encode("latin-1")
    result = run_import(runner, import_file(content), "--source", "List", "--consent-text", CONSENT)
    assert result.exit_code == 2
    assert errors_of(result) == [
        "error: line 2: not UTF-8 text (byte 0xE1 at column 22); save the file as “CSV UTF-8”.",
        "error: line 3: not UTF-8 text (byte 0xE9 at column 20); save the file as “CSV UTF-8”.",
        "error: Nothing was imported: the file has 2 problems.",
    ]
    assert subscribers_in_database(database_url) == []


def test_a_quoted_cell_over_several_lines_keeps_the_line_numbers_true(runner, import_file):
    path = import_file('number,locale,region\n+50255501234,es,"Alta\nVerapaz"\n5550123,es,\n')
    result = run_import(runner, path, "--source", "List", "--consent-text", CONSENT)
    assert errors_of(result)[0] == "error: line 4: 5550123 is a short code, not a phone number."


# --- export ------------------------------------------------------------------------------------------

def _read(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_writes_every_subscriber_but_never_an_erased_number(runner, session, clock, import_file, tmp_path):
    run_import(runner, import_file(f"number,locale,region\n{GT},es,Quiché\n{MX},en,=HYPERLINK(1)\n"),
               "--source", "Albergue", "--consent-text", CONSENT)
    erased = service.subscribe(session, number=GT2, locale="quc", consent_source="web_form", consent_text="ok",
                               now=clock.now())
    admin = make_user(session, roles="admin")
    service.erase(session, erased, admin, now=clock.now())
    session.commit()
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["subscribers", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = _read(out.read_text(encoding="utf-8"))
    assert list(rows[0]) == ["number", "locale", "country", "region", "state", "consent_source", "consent_source_name",
                             "consent_at"]
    assert [(r["number"], r["locale"], r["country"], r["region"], r["state"], r["consent_source"], r["consent_source_name"])
            for r in rows] == [(GT, "es", "GT", "Quiché", "active", "import", "Albergue"),
                               (MX, "en", "MX", "'=HYPERLINK(1)", "active", "import", "Albergue")]
    assert rows[0]["consent_at"].startswith("2026-03-02T15:00:00")
    assert "wrote 2 subscriber(s)" in result.stderr
    assert session.exec(select(Subscriber).where(Subscriber.id == erased.id)).one().phone is None


def test_export_to_standard_output_and_by_state(runner, session, clock):
    service.subscribe(session, number=GT, locale="es", consent_source="web_form", consent_text="ok", now=clock.now())
    service.mark_opted_out(session, MX, source="sms:stop", now=clock.now())
    session.commit()
    everyone = _read(runner.invoke(args=["subscribers", "export"]).stdout)
    assert [(r["number"], r["state"]) for r in everyone] == [(GT, "pending"), (MX, "opted_out")]
    pending = _read(runner.invoke(args=["subscribers", "export", "--state", "pending"]).stdout)
    assert [r["number"] for r in pending] == [GT]
