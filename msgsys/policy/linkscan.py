"""Finding link-like tokens in text: what a phone, a reader or the Markdown renderer makes a link of.

Every token is reported, overlapping ones included: when our reading of where a link ends
differs from a phone's or from the renderer's, each reading is judged (msgsys.policy.links).
The only thing not taken as a link is a domain-shaped word inside the path of a URL
(``https://uscis.gov/forms/i-589.com``): no linkifier starts a new link there, and the narrow
set of path characters used for that (`_PATH`) is one every linkifier keeps in a URL.

Bare domains are recognised by the Public Suffix List, from the snapshot bundled in
``publicsuffixlist``; nothing is fetched at run time.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

import ada_url
from markdown_it.common.utils import unescapeAll
from publicsuffixlist import PublicSuffixList


class Token(NamedTuple):
    """A link-like thing at text[start:end] and the URL it leads to as written (not yet resolved)."""

    start: int
    end: int
    url: str
    relative_ok: bool  # a Markdown link target: a relative one stays on our own site
    markdown: bool  # found through Markdown syntax rather than as a bare link


# Markdown link targets as markdown-it reads them (a bracketed target, or one with balanced
# parentheses), reference definitions and autolinks. Each regex only ever moves forward,
# so the scan stays linear however the brackets nest.
_MD_TARGET = re.compile(r"\]\(\s*(<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))+)")
_MD_REFDEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\n?[ \t]*(<[^<>\n]*>|\S+)", re.M)
_AUTOLINK = re.compile(r"<([a-z][a-z0-9+.\-]{1,31}:[^\s<>]*)>", re.I)
_EMAIL_AUTOLINK = re.compile(r"<([^\s<>@:]+@[^\s<>@]+)>")

# A scheme written at its real start (the lookbehind stops a retry from every letter of
# "a.a.a...", which would go quadratic): any scheme followed by a slash or backslash, and the
# script/data/mail schemes that need none.
_SCHEME_TOKEN = re.compile(
    r"(?<![a-z0-9+.\-])(?:[a-z][a-z0-9+.\-]{0,31}:[/\\]|(?:javascript|vbscript|livescript|mailto):|data:[a-z]+/)",
    re.I,
)
# Where a linkifier stops: whitespace, angle brackets, quotes and backticks (or the end).
_STOP = re.compile(r"[\s<>\"'`]|\Z")
_SLASHES = re.compile(r"[/\\]*")
_AUTHORITY_END = re.compile(r"[/\\?#]")
# A word worth a closer look: a label after a dot that starts with a letter (a possible
# top-level domain), "www.", a hex number, or four numbers.
_MAYBE_LINK = re.compile(r"\.[^\W\d_][\w\-]|^www\.|0x|^\d+\.\d+\.\d+\.\d", re.I)
# Characters every linkifier keeps inside a URL path; see the module docstring.
_PATH = re.compile(r"[\w\-.~/%?=&#+]*")
_PORT_PATH = re.compile(r"(?::\d{1,5})?(?:[/?#][\w\-.~/%?=&#+]*)?")
# Dot-separated words: the shape of a domain or an IPv4 address. A word starts after a
# non-word character, or after a dot that itself follows one ("...evil.com"), never in the
# middle of "a.b.c".
_HOSTISH = re.compile(r"(?<![\w\-])(?<!\w\.)[\w\-]+(?:\.[\w\-]+)+")
_SENTENCE_END = ".,;:!?"


def tokens(text: str, markdown: bool) -> list[Token]:
    """Every link-like token of text, overlapping ones included; markdown=True reads it as a web body's Markdown."""
    found: list[Token] = []
    if markdown:
        for rx in (_MD_TARGET, _MD_REFDEF):
            for m in rx.finditer(text):
                raw = m.group(1)
                url = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
                found.append(Token(m.start(1), m.end(1), unescapeAll(url), True, True))
        for m in _AUTOLINK.finditer(text):
            found.append(Token(m.start(1), m.end(1), m.group(1), False, True))
        for m in _EMAIL_AUTOLINK.finditer(text):
            found.append(Token(m.start(1), m.end(1), "mailto:" + m.group(1), False, True))
    folded, starts, ends = _fold(text, markdown)
    for s, e, url in _bare_tokens(folded):
        if starts is not None:
            s, e = starts[s], ends[e - 1]
        found.append(Token(s, e, url, False, False))
    return found


def _bare_tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of every link a phone or a reader would make of plain text."""
    found: list[tuple[int, int, str]] = []
    covers: list[tuple[int, int]] = []
    schemes = [m.span() for m in _SCHEME_TOKEN.finditer(text)]
    stop = -1
    for n, (start, after) in enumerate(schemes):
        if start >= stop:  # links nested in one run share its end: each character is read once
            stop = _STOP.search(text, start).start()
        # What is judged stops where the next scheme starts: that one is judged on its own,
        # and this keeps "http://http://http://..." linear.
        limit = min(stop, schemes[n + 1][0]) if n + 1 < len(schemes) else stop
        if text[after - 1] == ":" or text[after - 2] != ":":
            judged = cover = _trim(text, start, limit)  # mailto:, javascript:, data:text/...
        else:
            after = _SLASHES.match(text, after, limit).end()
            host_end = _AUTHORITY_END.search(text, after, limit)
            host_end = host_end.start() if host_end else limit
            judged = _trim(text, after, host_end)
            cover = _PATH.match(text, host_end, limit).end()
        # The highlighted span: the whole link, capped so nested links stay linear.
        end = max(judged, _trim(text, start, min(stop, start + 2048)))
        found.append((start, end, text[start:judged]))
        covers.append((start, cover))
    covers.sort()

    c, covered_to = 0, -1
    for m in _HOSTISH.finditer(text):
        s = m.start()
        while c < len(covers) and covers[c][0] <= s:
            covered_to = max(covered_to, covers[c][1])
            c += 1
        if s < covered_to:
            continue  # inside the path of a URL: part of that link, not one of its own
        word = m.group()
        if not _MAYBE_LINK.search(word):
            continue  # "e.g.", "9.30", "1.2.3": no label could be a top-level domain
        host = _host_of(word)
        if host is None:
            continue
        e = _trim(text, s, _PORT_PATH.match(text, s + len(host)).end())
        found.append((s, e, "http://" + host))
        covered_to = max(covered_to, e)
    return found


def _trim(text: str, start: int, end: int) -> int:
    """End of a bare link without the sentence punctuation or unmatched bracket after it."""
    while end > start:
        last = text[end - 1]
        if last in _SENTENCE_END:
            end -= 1
        elif last in ")]" and text.count("([" [last == "]"], start, end) < text.count(last, start, end):
            end -= 1
        else:
            break
    return end


@cache
def _psl() -> PublicSuffixList:
    # Unicode rules only (accept_encoded_idn=False): the punycoded copy costs ten times the load
    # time; punycode labels are decoded before the look-up instead.
    return PublicSuffixList(accept_unknown=False, accept_encoded_idn=False)


def _is_tld(label: str) -> bool:
    # Every top-level domain has two characters or more and starts with a letter.
    return len(label) > 1 and not label[0].isdigit() and _is_tld_name(label.lower())


@lru_cache(maxsize=8192)
def _is_tld_name(label: str) -> bool:
    if label.startswith("xn--"):
        label = ada_url.idna_to_unicode(label)
    return bool(label) and not label.isdigit() and _psl().publicsuffix(label) == label


_HEX_IP_PART = re.compile(r"0x[0-9a-f]*|\d+", re.I)


def _host_of(word: str) -> str | None:
    """The host a linkifier makes of dot-separated words, or None when they are no link.

    The longest run of labels ending in a top-level domain (as phones match greedily);
    a TLD may end at a hyphen ("evil.com-x" links evil.com). Then "www." names, and IPv4:
    four decimal numbers, or any form with hex parts browsers accept. Amounts such as
    "1.000.000.000" are not addresses: written numbers never pad a group with zeros after
    an unpadded first one, and an IP in the usual notation never does either.
    """
    labels = word.split(".")
    for k in range(len(labels) - 1, 0, -1):
        label = labels[k]
        if len(label) < 2 or label[0].isdigit():
            continue  # the cheap test first: no top-level domain is that short or starts with a digit
        if _is_tld(label):
            return ".".join(labels[: k + 1])
        if "-" in label and _is_tld(label.split("-", 1)[0]):
            return ".".join(labels[:k] + [label.split("-", 1)[0]])
    if labels[0].lower() == "www":
        return word
    if not word[0].isdigit():
        return None
    parts = labels[:4]
    if len(parts) == 4 and all(p.isascii() and p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        padded_later = any(len(p) > 1 and p[0] == "0" for p in parts[1:])
        if parts[0][0] == "0" or not padded_later:
            return ".".join(parts)
        return None
    if len(labels) <= 4 and "0x" in word.lower() and all(_HEX_IP_PART.fullmatch(p) for p in labels):
        return word
    return None


def _fold(text: str, markdown: bool) -> tuple[str, list[int] | None, list[int] | None]:
    """Text as a reader sees it, with each character's (start, end) in the original.

    Invisible format characters (soft hyphen, zero-width space) are dropped and
    compatibility forms (full-width letters and dots) folded, as a reader typing the address
    would; in Markdown, backslash escapes and character references are decoded as the
    renderer does. Returns (text, None, None) when nothing changes.
    """
    table = {c: _fold_char(c) for c in set(text) if c > "\x7f" and _fold_char(c) != c}
    # One character for one keeps every position: a plain translation (full-width forms).
    text = text.translate({ord(c): r for c, r in table.items() if len(r) == 1})
    parts = []
    if markdown:
        parts.append(r"\\[!-/:-@\[-`{-~]|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
    if resized := "".join(sorted(c for c, r in table.items() if len(r) != 1)):
        parts.append("[" + re.escape(resized) + "]")
    if not parts:
        return text, None, None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in re.finditer("|".join(parts), text):
        a, b = m.span()
        piece = m.group()
        if piece[0] == "\\":
            rep = piece[1]
        elif piece[0] == "&":
            rep = "".join(_fold_char(c) for c in html.unescape(piece))
        else:
            rep = _fold_char(piece)
        if rep == piece:
            continue
        out.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        out.append(rep)
        starts.extend([a] * len(rep))
        ends.extend([b] * len(rep))
        pos = b
    if not out:
        return text, None, None
    out.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(out), starts, ends


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    return "".join(x for x in unicodedata.normalize("NFKC", c) if unicodedata.category(x) != "Cf")
