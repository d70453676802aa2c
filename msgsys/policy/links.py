"""Links in message text and the allowlist of official domains they must stay within."""

from __future__ import annotations

import html
import re

_MD_TARGET = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)")
_MD_REFDEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.M)
_AUTOLINK = re.compile(r"<([a-z][a-z0-9+.\-]{1,31}:[^\s<>]*)>", re.I)
# The lookbehind anchors a scheme at its real start; a bare \b would retry from
# every letter of "a.a.a..." and go quadratic.
_BARE_URL = re.compile(r"(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]*:(?://|\\\\)[^\s<>\"'`]+", re.I)
_BARE_DANGER = re.compile(r"\b(?:javascript|vbscript|livescript):\S*|\bdata:[a-z]+/\S*", re.I)
_BARE_WWW = re.compile(r"(?<![\w./@-])www\.[^\s<>\"'`]+", re.I)
# Phones linkify bare domains in SMS, so "registro-mpp.com" counts as a link.
BARE_DOMAIN = re.compile(
    r"(?<![\w.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|net|org|gov|int|edu|info|biz|io|co|us|mx|gt|hn|sv|ni|cr|pa|app|xyz|online|site|top|me|ly|link)"
    r"(?![\w-]|\.\w)(?:/[^\s<>\"'`]*)?",
    re.I,
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def link_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_markdown_target) of every link-like thing, without overlaps."""
    found: list[tuple[int, int, bool]] = []
    taken = bytearray(len(text))  # linear overlap test, even with thousands of links

    def add(start: int, end: int, markdown: bool) -> None:
        if start < end and not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            found.append((start, end, markdown))

    for rx in (_MD_TARGET, _MD_REFDEF, _AUTOLINK):
        for m in rx.finditer(text):
            add(m.start(1), m.end(1), True)
    for rx in (_BARE_URL, _BARE_DANGER, _BARE_WWW, BARE_DOMAIN):
        for m in rx.finditer(text):
            end = m.end()
            # Sentence punctuation after a bare URL is not part of it; a closing
            # bracket is, when the URL opened one ("alert(1)", wiki-style paths).
            while end > m.start():
                last, span = text[end - 1], text[m.start():end]
                opener = {")": "(", "]": "["}.get(last)
                if last in ".,;:!?'\"" or (opener and span.count(opener) < span.count(last)):
                    end -= 1
                else:
                    break
            add(m.start(), end, False)
    return sorted(found)


def link_problem(raw: str, markdown: bool, allowed: tuple[str, ...]) -> tuple[str, dict] | None:
    """Why this link breaks the allowlist, as (message code, params), or None if fine."""
    url = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
    if markdown:
        # What the renderer will decode, so "&#106;avascript:" is seen as javascript:.
        url = html.unescape(_MD_ESCAPE.sub(r"\1", url))
    # Browsers drop tabs/newlines anywhere and controls/spaces at the ends.
    url = re.sub(r"[\t\n\r]", "", url).strip("\x00- ")
    m = _SCHEME.match(url)
    if m:
        scheme = m.group(1).lower()
        rest = url[m.end():]
        if scheme == "mailto":
            host = rest.split("?", 1)[0].rpartition("@")[2]
            return _host_problem(host, allowed)
        if scheme not in ("http", "https"):
            return "link_scheme", {"scheme": scheme}
        # Browsers treat backslashes as slashes and tolerate any count of them.
        return _authority_problem(rest.lstrip("/\\"), allowed)
    if url[:2] in ("//", "\\\\", "/\\", "\\/"):
        return _authority_problem(url.lstrip("/\\"), allowed)
    # A domain-shaped relative target is judged as the domain it reads as: the
    # same text in an SMS gets linkified by the phone.
    if url.lower().startswith("www.") or not markdown or BARE_DOMAIN.match(url):
        return _authority_problem(url, allowed)
    return None  # a relative link stays on our own site


def _authority_problem(rest: str, allowed: tuple[str, ...]) -> tuple[str, dict] | None:
    authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        # "uscis.gov@evil.com" really goes to evil.com; never legitimate here.
        return "link_userinfo", {"host": authority.rpartition("@")[2]}
    host = re.sub(r":\d*$", "", authority)
    return _host_problem(host, allowed)


def _host_problem(host: str, allowed: tuple[str, ...]) -> tuple[str, dict] | None:
    name = host.lower().rstrip(".")
    # Only plain ASCII names can match: IDN lookalikes, percent-encoding and IP
    # addresses fail here; punycode labels can only pass as real subdomains.
    if HOSTNAME.fullmatch(name) and not name.replace(".", "").isdigit():
        if any(name == d or name.endswith("." + d) for d in allowed):
            return None
    return "link_host", {"host": host}


def allowed_domains(pattern: str) -> tuple[str, ...]:
    return tuple(d.lower().lstrip("*.").rstrip(".") for d in re.split(r"[\s,]+", pattern) if d.strip("*."))
