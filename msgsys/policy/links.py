"""Links in message text and the allowlist they must stay within.

Two views of a text are checked, because what an author types is not what a reader follows:

- `find_link_problems` reads the source, marks every link-like token with its place in the text
  and judges each one on its own. A token is never skipped because it overlaps another: when our
  reading of where a link ends differs from a phone's or from the Markdown renderer's, each
  reading is judged. The only thing not taken as a link is a domain-shaped word inside the path
  of a URL (``https://uscis.gov/forms/i-589.com``): no linkifier starts a new link there, and the
  narrow set of path characters used for that (`_PATH`) is one every linkifier accepts.
- `rendered_href_problems` reads the HTML the site really serves and judges every ``href`` as a
  browser resolves it, plus the text a reader sees there.

URLs are resolved by ada (``ada-url``), the WHATWG URL parser browsers follow, so backslashes,
percent-encoding, IDNA (full-width letters, soft hyphens, punycode), trailing dots and IPv4
written in decimal, hex or octal come out as the browser sees them. Bare domains (which phones
turn into links in an SMS) are recognised by the Public Suffix List, from the snapshot bundled in
``publicsuffixlist``; nothing is fetched at run time.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from html.parser import HTMLParser
from typing import Iterable, NamedTuple
from urllib.parse import parse_qsl, unquote

import ada_url
from markdown_it.common.utils import unescapeAll
from publicsuffixlist import PublicSuffixList

HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")


@dataclass(frozen=True)
class LinkProblem:
    """One link that leaves the allowlist; start/end locate it in the checked text (None when unknown)."""

    start: int | None
    end: int | None
    excerpt: str
    code: str  # link_scheme, link_userinfo, link_host, link_ip, link_tel
    params: tuple[tuple[str, object], ...] = ()


def allowed_domains(pattern: str) -> tuple[str, ...]:
    """The entries of an allowlist rule: lowercase domains (``*.`` and trailing dots dropped), IPs, ``tel:`` numbers."""
    return tuple(d.lower().lstrip("*.").rstrip(".") for d in re.split(r"[\s,]+", pattern) if d.strip("*."))


def find_link_problems(text: str, allowed: Iterable[str], *, markdown: bool) -> list[LinkProblem]:
    """Every link-like token of text that leaves the allowlist, in text order.

    markdown=True for a web body (Markdown source: link targets, autolinks and reference
    definitions are read as the renderer reads them, and escapes and character references
    are decoded before looking for bare links); False for SMS text and titles, plain text a
    phone will linkify. Bare URLs, ``www.`` names, domains with a public suffix, IPv4 and
    ``mailto:`` count in both.

    ``tel:`` links are refused unless the allowlist lists that exact number (``tel:+15555550100``):
    a phone number is not a domain, so no domain entry can vouch for it. Phone numbers written
    without ``tel:`` are left alone: every phone makes them callable anyway, and honest notices
    carry helplines.
    """
    allow = _allowlist(tuple(allowed))
    problems = []
    for tok in _tokens(text or "", markdown):
        verdict = _verdict(_destinations(tok.url, tok.relative_ok), allow)
        if verdict:
            problems.append(LinkProblem(tok.start, tok.end, text[tok.start:tok.end], verdict[0],
                                        tuple(verdict[1].items())))
    return _without_repeats(problems)


def rendered_href_problems(html_text: str, allowed: Iterable[str]) -> list[LinkProblem]:
    """Problems in HTML as served (render_markdown output): every URL attribute as a browser resolves it, and bare links in the visible text; start/end are None."""
    allow = _allowlist(tuple(allowed))
    page = _Page()
    page.feed(str(html_text or ""))
    page.close()
    found: dict[tuple, LinkProblem] = {}
    for url in page.urls:
        verdict = _verdict(_destinations(url, True), allow)
        if verdict:
            p = LinkProblem(None, None, url, verdict[0], tuple(verdict[1].items()))
            found.setdefault((p.excerpt, p.code, p.params), p)
    for q in find_link_problems("".join(page.text), allowed, markdown=False):
        p = LinkProblem(None, None, q.excerpt, q.code, q.params)
        found.setdefault((p.excerpt, p.code, p.params), p)
    return list(found.values())


# --- the allowlist -------------------------------------------------------------


@dataclass(frozen=True)
class _Allow:
    domains: frozenset
    ips: frozenset
    numbers: frozenset

    def domain_ok(self, name: str) -> bool:
        """True for an allowed domain or any subdomain of one (travel.state.gov under state.gov)."""
        return name in self.domains or name.endswith(tuple("." + d for d in self.domains))


def _tel_key(number: str) -> str:
    # RFC 3966 visual separators carry no meaning: "+1 (555) 555-0100" is "+15555550100".
    return re.sub(r"[\s\-.()]", "", unquote(number))


@lru_cache(maxsize=64)
def _allowlist(entries: tuple[str, ...]) -> _Allow:
    domains, ips, numbers = [], set(), set()
    for entry in entries:
        entry = entry.strip().lower()
        if entry.startswith("tel:"):
            numbers.add(_tel_key(entry[4:]))
            continue
        try:
            ips.add(ipaddress.ip_address(entry.strip("[]")))
            continue
        except ValueError:
            pass
        name = entry.rstrip(".")
        if name and not name.isascii():
            name = ada_url.idna_to_ascii(name).decode("ascii", "replace")
        if name:
            domains.append(name)
    return _Allow(frozenset(domains), frozenset(ips), frozenset(numbers))


# --- where a URL goes ---------------------------------------------------------------
#
# Resolving a URL does not depend on the allowlist, so it is done (and cached) once per URL:
# _destinations gives every place following it can lead, each as (code, shown, key) where
# code is the problem it would be, shown the message parameter and key what the allowlist
# is asked about. Then _verdict asks the allowlist.

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.I)
# Two pages of our own site, on different schemes: a relative link resolves to them, and
# "https:evil.com" is relative only on a page of the same scheme, so both are tried.
_BASES = (("https://a.msgsys.invalid/p/", "a.msgsys.invalid"), ("http://b.msgsys.invalid/p/", "b.msgsys.invalid"))
# A last label starting with a letter is never read as an IPv4 number.
_PLAIN_HTTP = re.compile(r"https?://((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?)\.?/?", re.I)
_LDH = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?\.?", re.I)

Destination = tuple[str, str, object]


def _verdict(destinations: tuple[Destination, ...], allow: _Allow) -> tuple[str, dict] | None:
    """(message code, params) for the first destination outside the allowlist, or None."""
    for code, shown, key in destinations:
        if code == "link_host" and allow.domain_ok(key):
            continue
        if code == "link_ip" and key in allow.ips:
            continue
        if code == "link_tel" and key in allow.numbers:
            continue
        return code, {"number" if code == "link_tel" else "scheme" if code == "link_scheme" else "host": shown}
    return None


@lru_cache(maxsize=8192)
def _destinations(url: str, relative_ok: bool) -> tuple[Destination, ...]:
    """Where following url can lead; relative_ok for a link on our own page (relative ones stay there)."""
    # What browsers do before anything else: drop tabs and newlines, trim controls and spaces.
    url = re.sub(r"[\t\n\r]", "", url).strip("\x00- ")
    if fast := _PLAIN_HTTP.fullmatch(url):
        # Most links are plain ASCII names; the parser would only lowercase them.
        host = fast.group(1).lower()
        return (("link_host", host, host),)
    m = _SCHEME.match(url)
    scheme = m.group(1).lower() if m else ""
    if scheme == "mailto":
        return _mail_destinations(url[m.end():])
    if scheme == "tel":
        number = unquote(url[m.end():]).strip()
        return (("link_tel", number, _tel_key(number)),)
    if scheme not in ("", "http", "https"):
        return (("link_scheme", scheme, scheme),)
    found: list[Destination] = []
    for base, base_host in _BASES if relative_ok else ((None, None),):
        try:
            parsed = ada_url.URL(url, base=base) if base else ada_url.URL(url)
        except ValueError:
            # Not a URL a browser can follow; a linkifier may still make one of it, so the
            # host it names counts.
            found += _unparsable_destination(url)
            continue
        if base and parsed.hostname == base_host:
            continue  # a relative link: stays on our site
        found.append(_parsed_destination(parsed))
    return tuple(dict.fromkeys(found))


def _parsed_destination(url: ada_url.URL) -> Destination:
    host = url.hostname
    if url.username or url.password:
        # "uscis.gov@evil.com" really goes to evil.com; never legitimate here.
        return "link_userinfo", host, host
    if url.host_type in (ada_url.HostType.IPV4, ada_url.HostType.IPV6):
        return "link_ip", host, ipaddress.ip_address(host.strip("[]"))
    return "link_host", host, host.rstrip(".")


def _unparsable_destination(url: str) -> list[Destination]:
    authority = re.match(r"(?:[a-z][a-z0-9+.\-]*:)?[/\\]*([^/\\?#]*)", url, re.I).group(1)
    if "@" in authority:
        host = authority.rpartition("@")[2]
        return [("link_userinfo", host, host)]
    host = re.sub(r":\d*$", "", authority)
    return [("link_host", host, host.lower().rstrip("."))] if host else []


def _host_destinations(host: str) -> tuple[Destination, ...]:
    """A bare host name, of a domain token or an e-mail address."""
    if _LDH.fullmatch(host):
        return (("link_host", host.lower(), host.lower().rstrip(".")),)
    if re.search(r"[/\\?#@:\s]", host) and not host.startswith("["):
        return (("link_host", host, host),)
    return _destinations("http://" + host + "/", False)


def _mail_destinations(rest: str) -> tuple[Destination, ...]:
    # Every recipient counts: "a@uscis.gov,b@evil.com" and ?to=/?cc=/?bcc= headers; mail
    # programs percent-decode them, so "%40" is an "@".
    path, _, query = rest.partition("?")
    addresses = path.split(",")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in ("to", "cc", "bcc"):
            addresses += value.split(",")
    found: list[Destination] = []
    for address in addresses:
        address = unquote(address).strip().rstrip(">").strip()
        if address:
            found += _host_destinations(address.rpartition("@")[2])
    return tuple(dict.fromkeys(found))


# --- finding link-like tokens -----------------------------------------------------


class _Token(NamedTuple):
    start: int
    end: int
    url: str  # what is judged
    relative_ok: bool  # a Markdown target or href: a relative one stays on our site
    markdown: bool  # found by Markdown syntax (kept for link_spans)


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


def _tokens(text: str, markdown: bool) -> list[_Token]:
    tokens: list[_Token] = []
    if markdown:
        for rx in (_MD_TARGET, _MD_REFDEF):
            for m in rx.finditer(text):
                raw = m.group(1)
                url = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
                tokens.append(_Token(m.start(1), m.end(1), unescapeAll(url), True, True))
        for m in _AUTOLINK.finditer(text):
            tokens.append(_Token(m.start(1), m.end(1), m.group(1), False, True))
        for m in _EMAIL_AUTOLINK.finditer(text):
            tokens.append(_Token(m.start(1), m.end(1), "mailto:" + m.group(1), False, True))
    folded, starts, ends = _fold(text, markdown)
    for s, e, url in _bare_tokens(folded):
        if starts is not None:
            s, e = starts[s], ends[e - 1]
        tokens.append(_Token(s, e, url, False, False))
    return tokens


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


def _without_repeats(problems: list[LinkProblem]) -> list[LinkProblem]:
    """Drop a problem that another one with the same message already covers (same link seen twice)."""
    problems.sort(key=lambda p: (p.start, -p.end))
    kept, reach = [], {}
    for p in problems:
        key = (p.code, p.params)
        if reach.get(key, -1) >= p.end:
            continue
        reach[key] = max(reach.get(key, -1), p.end)
        kept.append(p)
    return kept


class _Page(HTMLParser):
    """URL attributes and visible text of served HTML; character references decoded as a browser does."""

    _URL_ATTRS = frozenset({"href", "src", "action", "formaction", "cite", "poster", "background", "xlink:href"})
    _BLOCKS = frozenset({"p", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "div"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.text: list[str] = ["\n"]

    def handle_starttag(self, tag: str, attrs) -> None:
        self.urls.extend(v for k, v in attrs if k in self._URL_ATTRS and v is not None)
        if tag in self._BLOCKS:
            self.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.text.append("\n")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


# --- the interface check_fields uses until it moves to find_link_problems -------------


def link_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_markdown_target) of every link-like token (see find_link_problems)."""
    tokens = sorted(_tokens(text or "", True), key=lambda t: (t.start, -t.end, not t.markdown))
    spans: dict[tuple[int, int], bool] = {}
    reach: dict[tuple, int] = {}
    for tok in tokens:
        # The same link read twice (as a Markdown target and as a bare URL) is one span.
        where = _destinations(tok.url, tok.relative_ok)
        if reach.get(where, -1) >= tok.end:
            continue
        reach[where] = max(reach.get(where, -1), tok.end)
        spans[tok.start, tok.end] = spans.get((tok.start, tok.end), False) or tok.markdown
    return sorted((s, e, md) for (s, e), md in spans.items())


_OLD_CODES = {"link_ip": "link_host", "link_tel": "link_scheme"}


def link_problem(raw: str, markdown: bool, allowed: tuple[str, ...]) -> tuple[str, dict] | None:
    """Why the token raw (from link_spans) breaks the allowlist, as (message code, params), or None."""
    if markdown:
        problems = find_link_problems(f"[]({raw})", allowed, markdown=True)
    else:
        # A bare token may come from the decoded Markdown text ("evil\\.com").
        problems = find_link_problems(raw, allowed, markdown=False) or find_link_problems(raw, allowed, markdown=True)
    if not problems:
        return None
    code, params = problems[0].code, dict(problems[0].params)
    if code == "link_tel":
        params = {"scheme": "tel"}
    return _OLD_CODES.get(code, code), params
