"""Reading a translator's PO file strictly: Babel parses it, and what Babel lets pass is refused here, with its line.

Babel reads leniently, which suits a build but not an import that people's text comes from: it decodes by the
charset it meets in the header even when the text is not in it, stumbles on a byte order mark, keeps one of two
entries with the same context and source, takes `msgstr[0]` as the translation of an entry without plural forms,
and leaves an unknown escape or a lone trailing backslash in the text. GNU gettext refuses all of these, but it is
not a Python library, so the few rules are written out here.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, PoFileParser
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from msgsys.errors import ValidationError

MAX_BYTES = 2 * 1024 * 1024
BOM = codecs.BOM_UTF8
# What makes a file a PO file at all: an entry's keyword at the start of a line.
_ENTRY = re.compile(rb"^[ \t]*(?:#~[ \t]*)?(?:msgctxt|msgid)[ \t]+\"", re.M)
# The header's charset, read from the raw bytes: the header names the charset the rest is decoded with.
_CHARSET = re.compile(rb"^[ \t]*\"Content-Type:[^\"\n]*charset=([A-Za-z0-9_.:-]+)", re.M | re.I)
_PROBE = b'msgid "a\\n"\n'
_BLANK = re.compile(rb"\n[ \t\r]*\n")
_ESCAPES = '\\"ntr'  # the escapes Babel turns back into characters; any other would stay in the text as typed
_SOUND = re.compile(r'"(?:[^"\\]|\\[\\"ntr])*"')
# Babel's own words for what stopped it, in the reader's language.
_BABEL_PROBLEMS = {
    "Unknown or misformatted keyword": _l("Unknown or misformatted keyword"),
    "Got line starting with \" but not in msgid, msgstr or msgctxt": _l("a quoted line outside msgid, msgstr and msgctxt"),
}


@dataclass
class Problem:
    """One reason an import is refused, at its line."""

    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(problem)s", line=self.line, problem=self.message)


def refuse(message: str, problems: list[Problem]) -> ValidationError:
    """The refusal of a whole file, every problem with its line."""
    return ValidationError(message, details={"problems": [str(p) for p in sorted(problems, key=lambda p: p.line)]})


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> str:
    """The file as text, decoded by the charset its header declares (UTF-8 when it declares none)."""
    if len(data) > MAX_BYTES:
        raise refuse(_("The catalog is larger than 2 MB."), [Problem(1, _("file too large"))])
    if data.startswith(BOM):
        data = data[len(BOM):]  # Notepad and some editors start UTF-8 files with one; it is not part of the text
    if b"\x00" in data or not _ENTRY.search(data):  # binary, empty, a spreadsheet, plain text...
        raise refuse(_("This is not a PO file."), [Problem(1, _("no msgid or msgctxt line: this is not a gettext PO file"))])
    blank = _BLANK.search(data)
    match = _CHARSET.search(data, 0, blank.start() if blank else len(data))  # only in the header, the first entry
    declared, header_line = (match.group(1).decode("ascii"), _line_of(data, match.start())) if match else ("UTF-8", 1)
    try:
        codec = codecs.lookup(declared).name
        # The keywords and quotes of the file were found as ASCII bytes: a charset that writes them otherwise
        # (UTF-16, EBCDIC) is not what this file is in.
        usable = _PROBE.decode(codec) == _PROBE.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        usable = False
    if not usable:
        raise refuse(_("The file's charset is unknown."), [Problem(header_line, _("unknown charset %(charset)s", charset=declared))])
    if codec != "utf-8" and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            # Text in another 8-bit charset is practically never valid UTF-8 as well: this file is UTF-8 mislabeled.
            # Decoding it as declared would store every accented letter garbled.
            first = _line_of(data, re.search(rb"[\x80-\xff]", data).start())
            raise refuse(_("The file is UTF-8 but its header says charset=%(charset)s.", charset=declared), [Problem(
                header_line, _("the header declares charset=%(charset)s, but the text (from line %(line)d) is UTF-8: "
                               "declare charset=UTF-8", charset=declared, line=first))])
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise refuse(_("The file is not valid %(charset)s text.", charset=declared), [Problem(
            _line_of(data, exc.start), _("this line is not valid %(charset)s text (declared on line %(header)d)",
                                         charset=declared, header=header_line))]) from None


def string_problem(text: str) -> str | None:
    """Why a quoted PO string is not one, or None when it is sound."""
    if _SOUND.fullmatch(text):
        return None
    if len(text) < 2 or text[0] != '"':
        return _("expected text in double quotes")
    i = 1
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 < len(text) and text[i + 1] not in _ESCAPES:
                return _("invalid escape \\%(char)s (write \\\\ for a backslash)", char=text[i + 1])
            i += 2
            continue
        if char == '"':
            return None if i == len(text) - 1 else _('text after the closing quote (write \\" for a quote inside the text)')
        i += 1
    if text.endswith('\\"'):
        return _("a backslash at the end escapes the closing quote (write \\\\ for a backslash)")
    return _("the closing quote is missing")


class StrictParser(PoFileParser):
    """Babel's parser, noting every problem it would let pass with its line (1-based)."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog, abort_invalid=True)
        self.problems: list[Problem] = []
        self.seen: dict[tuple, int] = {}  # (context,) or (None, msgid) -> line of the first entry
        self.entry_line = 0

    # Babel numbers lines from 0; people and editors from 1.

    def _process_keyword_line(self, lineno, line, obsolete=False) -> None:
        keyword, _space, arg = line.partition(" ")
        here = lineno + 1
        plural = keyword == "msgid_plural" or keyword.startswith("msgstr[")
        if keyword in ("msgctxt", "msgid", "msgstr") or plural:
            problem = string_problem(arg.strip())
            if problem:
                self.problems.append(Problem(here, f"{keyword}: {problem}"))
        if plural:
            self.problems.append(Problem(here, _("plural forms are not used in content catalogs")))
        if keyword in ("msgctxt", "msgid"):
            if keyword == "msgctxt" and self.context is not None and not self.messages:
                self.problems.append(Problem(self.entry_line, _("msgctxt without a msgid")))
            self._finish_current_message()
            if keyword == "msgctxt" or self.context is None:
                self.entry_line = here
        if keyword == "msgstr" or keyword.startswith("msgstr["):
            if not self.messages:
                self.problems.append(Problem(here, _("msgstr without a msgid")))
            elif keyword == "msgstr" and self.translations:
                self.problems.append(Problem(here, _("a second msgstr for the same msgid")))
        super()._process_keyword_line(lineno, line, obsolete)

    def _process_string_continuation_line(self, line, lineno) -> None:
        problem = string_problem(line.strip())
        if problem:
            self.problems.append(Problem(lineno + 1, problem))
        super()._process_string_continuation_line(line, lineno)

    def _add_message(self) -> None:
        if not self.obsolete:
            msgid = self.messages[0].denormalize()
            context = self.context.denormalize() if self.context is not None else None
            key = (context,) if context is not None else (None, msgid)
            if key in self.seen:
                name = context if context is not None else (msgid or _("the header"))
                self.problems.append(Problem(self.entry_line, _("duplicate entry %(ctx)s (first at line %(first)d)", ctx=name, first=self.seen[key])))
            else:
                self.seen[key] = self.entry_line
        super()._add_message()


def read(data: bytes) -> tuple[Catalog, list[Problem]]:
    """The catalog in a PO file and every problem found in it; refuses a file that cannot be read at all."""
    text = decode(data)
    parser = StrictParser(Catalog())
    try:
        parser.parse(text.split("\n"))
    except PoFileError as exc:
        message = str(exc).rsplit(" on ", 1)[0]
        message = str(_BABEL_PROBLEMS.get(message, message))
        shown = exc.line.strip()[:60]
        parser.problems.append(Problem(exc.lineno + 1, f"{message}: {shown}" if shown else message))
        raise refuse(_("This is not a valid PO file (line %(line)s).", line=exc.lineno + 1), parser.problems) from None
    except Exception as exc:  # Babel raises assorted errors on hostile input (a bad Plural-Forms, a broken date)
        raise refuse(_("This is not a valid PO file."), [*parser.problems, Problem(1, str(exc))]) from None
    if parser.context is not None and not parser.messages and parser.entry_line:
        parser.problems.append(Problem(parser.entry_line, _("msgctxt without a msgid")))
    return parser.catalog, parser.problems
