"""Subscribers in and out as CSV files: `msgsys subscribers import` and `msgsys subscribers export`.

An import file is UTF-8 CSV with a header row. Columns: `number` and `locale` (required), `region`, `consent_text`
and `source` (optional). Each row needs a consent source and the consent text the person was shown: from its own
`source` / `consent_text` cell, else from the --source / --consent-text options; a row with neither is refused.
The whole file is checked first and every problem is reported with its line; one problem and nothing is imported.
Imported numbers are active at once (their consent was recorded where the list came from), with the consent source
"import" and the named source; numbers we already know are left as they are (an opted-out number stays opted out).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session, col, select

from msgsys.auth.models import User
from msgsys.errors import ValidationError
from msgsys.locales import LOCALES
from msgsys.sms import service
from msgsys.sms.models import SUBSCRIBER_STATES, Subscriber
from msgsys.text import clean_text

IMPORT_COLUMNS = ("number", "locale", "region", "consent_text", "source")
REQUIRED_COLUMNS = ("number", "locale")
EXPORT_COLUMNS = ("number", "locale", "country", "region", "state", "consent_source", "consent_source_name", "consent_at")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_PROBLEMS = 1000  # reported one by one; past this, only how many more there are
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


@dataclass(frozen=True)
class ImportRow:
    """One row of an import file, checked: the number in E.164 and the rest cleaned."""

    line: int
    number: str
    locale: str
    region: str
    consent_text: str
    source: str


@dataclass
class ImportReport:
    """What an import did: how many numbers it added (active), and how many it left as they were."""

    added: int = 0
    known: list[int] = field(default_factory=list)  # the lines whose number we already knew


def _refuse(problems: list[str]) -> ValidationError:
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(_("… and %(n)d more problems.", n=len(problems) - MAX_PROBLEMS))
    message = ngettext("Nothing was imported: the file has %(num)d problem.",
                       "Nothing was imported: the file has %(num)d problems.", len(problems))
    return ValidationError(message, details={"problems": shown})


def _at(line: int, problem: str) -> str:
    return _("line %(line)d: %(problem)s", line=line, problem=problem)


def _decode(data: bytes) -> str:
    """The file's text; ValidationError for an empty, binary, oversized or not UTF-8 file (every bad line named)."""
    if len(data) > MAX_BYTES:
        raise _refuse([_("The file is larger than %(mb)d MB; split it into smaller files.", mb=MAX_BYTES // (1024 * 1024))])
    if b"\x00" in data or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise _refuse([_("This is not a CSV text file (binary content: a spreadsheet or a document?). "
                         "Save it as “CSV UTF-8” and import that.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(_at(number, _("not UTF-8 text (byte 0x%(byte)02X at column %(column)d); save the file "
                                              "as “CSV UTF-8”.", byte=raw[exc.start], column=exc.start + 1)))
        raise _refuse(problems) from None
    if not text.strip():
        raise _refuse([_("The file is empty.")])
    return text


def _header(names: list[str]) -> list[str]:
    """Problems with the header row (line 1): unknown, repeated or missing columns."""
    problems = []
    seen = set()
    for name in names:
        if name not in IMPORT_COLUMNS:
            problems.append(_at(1, _("unknown column “%(name)s” (the columns are %(known)s).", name=name,
                                     known=", ".join(IMPORT_COLUMNS))))
        elif name in seen:
            problems.append(_at(1, _("the column %(name)s appears twice.", name=name)))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(_at(1, _("the column %(name)s is missing.", name=name)))
    return problems


def _missing_options(names: list[str], *, source: str, consent_text: str) -> list[str]:
    """A consent source or text that neither a column nor an option gives, for the whole file."""
    problems = []
    if "source" not in names and not source:
        problems.append(_("No consent source: add a source column or give --source."))
    if "consent_text" not in names and not consent_text:
        problems.append(_("No consent text: add a consent_text column or give --consent-text with the text people were "
                          "shown."))
    return problems


def _row(line: int, cells: dict[str, str], *, source: str, consent_text: str) -> tuple[ImportRow | None, list[str]]:
    problems = []
    number = ""
    try:
        number, _country = service.parse_number(cells.get("number", ""))
    except ValidationError as exc:
        problems.append(_at(line, exc.message))
    locale = cells.get("locale", "").strip().lower()
    if locale not in LOCALES:
        problems.append(_at(line, _("unknown language “%(locale)s” (use %(known)s).", locale=cells.get("locale", "").strip(),
                                    known=", ".join(LOCALES))))
    values = {}
    for name, limit, default in (("region", 80, ""), ("consent_text", 2000, consent_text), ("source", 200, source)):
        try:
            values[name] = clean_text(cells.get(name) or default, name, limit)
        except ValidationError as exc:
            problems.append(_at(line, exc.message))
            values[name] = ""
    # A row lacking both only where the file has the column (else the file as a whole was refused for it, once).
    readable = not problems
    if readable and not values["source"] and "source" in cells:
        problems.append(_at(line, _("no consent source (the source cell is empty and no --source was given).")))
    if readable and not values["consent_text"] and "consent_text" in cells:
        problems.append(_at(line, _("no consent text (the consent_text cell is empty and no --consent-text was given).")))
    if problems:
        return None, problems
    return ImportRow(line=line, number=number, locale=locale, region=values["region"], consent_text=values["consent_text"],
                     source=values["source"]), []


def read_import(data: bytes, *, source: str = "", consent_text: str = "") -> list[ImportRow]:
    """Check a whole import file; its rows, or ValidationError listing every problem by line (details["problems"])."""
    source, consent_text = (source or "").strip(), (consent_text or "").strip()
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    problems: list[str] = []
    try:
        names = [n.strip().lower() for n in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise _refuse([_at(1, _("the header row cannot be read (%(error)s).", error=str(exc) or "-"))]) from None
    problems += _header(names)
    if problems:
        raise _refuse(problems)  # without the columns, no row can be read
    problems += _missing_options(names, source=source, consent_text=consent_text)
    rows: list[ImportRow] = []
    first_line: dict[str, int] = {}
    records = 0
    while True:
        line = reader.line_num + 1  # where the record starts; a quoted cell may run over several lines
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_at(line, _("this line cannot be read as CSV (%(error)s).", error=str(exc))))
            break  # the reader cannot go on past a broken record
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) > len(names):
            problems.append(_at(line, _("%(n)d cells, but the header has %(columns)d columns.", n=len(cells), columns=len(names))))
            continue
        records += 1
        if records > MAX_ROWS:
            problems.append(_("The file has more than %(n)d rows; split it into smaller files.", n=MAX_ROWS))
            break
        cells += [""] * (len(names) - len(cells))  # short rows: the cells missing at the end are empty
        row, found = _row(line, dict(zip(names, cells)), source=source, consent_text=consent_text)
        problems += found
        if row is None:
            continue
        if row.number in first_line:
            problems.append(_at(line, _("%(number)s is already on line %(first)d.", number=row.number, first=first_line[row.number])))
            continue
        first_line[row.number] = line
        rows.append(row)
    if problems:
        raise _refuse(problems)
    if not rows:
        raise _refuse([_("The file has a header but no numbers.")])
    return rows


def import_subscribers(session: Session, *, data: bytes, source: str = "", consent_text: str = "", now: datetime,
                       actor: User | None = None) -> ImportReport:
    """Check the file, then add every new number in the caller's transaction; on any problem nothing is added."""
    report = ImportReport()
    for row in read_import(data, source=source, consent_text=consent_text):
        added = service.add_imported(session, number=row.number, locale=row.locale, region=row.region,
                                     consent_text=row.consent_text, source_name=row.source, now=now, actor=actor)
        if added is None:
            report.known.append(row.line)
        else:
            report.added += 1
    return report


def _cell(value: str) -> str:
    """A free-text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_subscribers(session: Session, out: io.TextIOBase, *, state: str = "") -> int:
    """Write the subscribers (never an erased one: their numbers are gone) as CSV; returns how many rows."""
    query = select(Subscriber).where(col(Subscriber.phone).is_not(None), col(Subscriber.erased_at).is_(None))
    if state:
        if state not in SUBSCRIBER_STATES:
            raise ValidationError(_("Unknown state %(state)s.", state=state), details={"field": "state"})
        query = query.where(Subscriber.state == state)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    written = 0
    for sub in session.exec(query.order_by(col(Subscriber.id)).execution_options(yield_per=1000)):
        writer.writerow([sub.phone, sub.locale, sub.country, _cell(sub.region), sub.state, sub.consent_source,
                         _cell(sub.consent_source_name), sub.consent_at.isoformat() if sub.consent_at else ""])
        written += 1
    return written
