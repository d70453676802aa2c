"""Links in message text and the allowlist they must stay within.

Two views of a text are checked, because what an author types is not what a reader follows:

- `find_link_problems` reads the source: every link-like token (msgsys.policy.linkscan), with
  its place in the text, judged on its own.
- `rendered_href_problems` reads the HTML the site really serves: every ``href`` as a browser
  resolves it, and the text a reader sees there.

URLs are resolved by ada (``ada-url``), the WHATWG URL parser browsers follow, so backslashes,
percent-encoding, IDNA (full-width letters, soft hyphens, punycode), trailing dots and IPv4
written in decimal, hex or octal come out as the browser sees them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Iterable
from urllib.parse import parse_qsl, unquote

import ada_url

from msgsys.policy import linkscan

# What rule validation accepts as an allowlist entry (a plain ASCII domain).
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
    for tok in linkscan.tokens(text or "", markdown):
        verdict = _verdict(_destinations(tok.url, tok.relative_ok), allow)
        if verdict:
            problems.append(LinkProblem(tok.start, tok.end, text[tok.start:tok.end], verdict[0],
                                        tuple(verdict[1].items())))
    return _without_repeats(problems)


def rendered_href_problems(html_text: str, allowed: Iterable[str], *, visible_text: bool = True) -> list[LinkProblem]:
    """Problems in HTML as served (render_markdown output): every URL attribute as a browser resolves it, and bare links in the visible text; start/end are None.

    visible_text=False leaves the visible text to the caller (who may already know which part of it is new).
    """
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
    for q in find_link_problems("".join(page.text), allowed, markdown=False) if visible_text else ():
        p = LinkProblem(None, None, q.excerpt, q.code, q.params)
        found.setdefault((p.excerpt, p.code, p.params), p)
    return list(found.values())


# --- the allowlist -------------------------------------------------------------


@dataclass(frozen=True)
class _Allow:
    domains: frozenset
    subdomain_suffixes: tuple[str, ...]
    ips: frozenset
    numbers: frozenset

    def domain_ok(self, name: str) -> bool:
        """True for an allowed domain or any subdomain of one (travel.state.gov under state.gov)."""
        return name in self.domains or name.endswith(self.subdomain_suffixes)


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
    return _Allow(frozenset(domains), tuple("." + d for d in domains), frozenset(ips), frozenset(numbers))


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
