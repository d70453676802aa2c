"""Tests for msgsys.content.markup: the Markdown subset and its sanitizing."""

import html
import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from msgsys.content.markup import ALLOWED_TAGS, MAX_BODY_CHARS, render_markdown


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parse(out: str) -> list[tuple[str, dict]]:
    c = _Collector()
    c.feed(out)
    c.close()
    return c.tags


def tags_of(out: str) -> list[str]:
    return [t for t, _ in parse(out)]


# --- the subset ------------------------------------------------------------------


def test_returns_markup():
    out = render_markdown("Hello")
    assert isinstance(out, Markup)
    assert out == "<p>Hello</p>\n"


def test_paragraphs_emphasis_and_line_breaks():
    out = render_markdown("First *em* and **strong**\nsecond line\n\nNew paragraph")
    assert out == (
        "<p>First <em>em</em> and <strong>strong</strong><br>\nsecond line</p>\n"
        "<p>New paragraph</p>\n"
    )


def test_lists_keep_their_start_number():
    out = render_markdown("- one\n- two\n\n3. three\n4. four")
    assert tags_of(out) == ["ul", "li", "li", "ol", "li", "li"]
    assert parse(out)[3] == ("ol", {"start": "3"})


@pytest.mark.parametrize(
    "src, tag",
    [("# T", "h2"), ("## T", "h2"), ("### T", "h3"), ("#### T", "h4"),
     ("##### T", "h4"), ("###### T", "h4"), ("T\n===", "h2"), ("T\n---", "h2")],
)
def test_headings_are_h2_to_h4(src, tag):
    assert tags_of(render_markdown(src)) == [tag]


def test_blockquote():
    assert tags_of(render_markdown("> Quoted *text*")) == ["blockquote", "p", "em"]


def test_links_get_only_href_and_rel():
    out = render_markdown('[USCIS](https://www.uscis.gov/es "title") and <https://www.dhs.gov>')
    links = [a for t, a in parse(out) if t == "a"]
    assert links == [
        {"href": "https://www.uscis.gov/es", "rel": "nofollow noopener"},
        {"href": "https://www.dhs.gov", "rel": "nofollow noopener"},
    ]


def test_no_generic_attributes_leak_through():
    out = render_markdown('[x](https://www.uscis.gov "Official site")')
    assert parse(out) == [("p", {}), ("a", {"href": "https://www.uscis.gov", "rel": "nofollow noopener"})]


def test_mailto_and_tel_links_survive():
    out = render_markdown("[mail](mailto:info@uscis.gov) [call](tel:+18003755283)")
    assert [a["href"] for t, a in parse(out) if t == "a"] == ["mailto:info@uscis.gov", "tel:+18003755283"]


@pytest.mark.parametrize(
    "src",
    ["![alt](https://example.org/x.png)", "`code`", "```\ncode\n```", "    indented code",
     "---", "| a | b |\n|---|---|\n| 1 | 2 |", "~~strike~~", "<b>raw</b>"],
)
def test_everything_outside_the_subset_stays_text(src):
    assert set(tags_of(render_markdown(src))) <= {"p", "br", "a", "h2"}
    assert "img" not in tags_of(render_markdown(src))


def test_raw_html_is_escaped_not_dropped():
    out = render_markdown("Use <b>bold</b> & stay safe")
    assert out == "<p>Use &lt;b&gt;bold&lt;/b&gt; &amp; stay safe</p>\n"


def test_empty_and_too_long():
    assert render_markdown("") == ""
    render_markdown("x" * MAX_BODY_CHARS)
    with pytest.raises(ValueError):
        render_markdown("x" * (MAX_BODY_CHARS + 1))


# --- XSS -------------------------------------------------------------------------


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)" onclick="alert(1)">x</a>',
    '<p style="background:url(javascript:alert(1))" onmouseover="alert(1)">x</p>',
    '<div style="x:expression(alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<object data="javascript:alert(1)"></object>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<!--<img src=x onerror=alert(1)>-->",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java\\u0073cript:alert(1))",
    "[click](%6A%61vascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](javascript\\:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:image/png;base64,iVBORw0KGgo=)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "<javascript:alert(1)>",
    "<data:text/html,alert(1)>",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.org/x.png)',
    '[x](https://example.org/" onmouseover="alert(1))',
    '[x](https://example.org/ "a\\" onmouseover=\\"alert(1)")',
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "- [x](javascript:alert(1))\n- <svg/onload=alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x](\u006aavascript:alert(1))",
    "[x](\u2028javascript:alert(1))",
    "[x](&Tab;javascript:alert(1))",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
]


def _href_is_dangerous(href: str) -> bool:
    # What a browser would do: decode entities, drop whitespace/controls, compare
    # the scheme case-insensitively.
    cleaned = re.sub(r"[\x00-\x20\u2028\u2029]", "", html.unescape(href)).lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:"))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_is_neutralised(payload):
    out = str(render_markdown(payload))
    lower = out.lower()
    assert "<script" not in lower
    assert not re.search(r"<[^>]*\son\w+\s*=", lower)
    for tag, attrs in parse(out):
        assert tag in ALLOWED_TAGS, (tag, out)
        assert not any(name.startswith("on") for name in attrs), out
        assert "style" not in attrs
        allowed = {"a": {"href", "rel"}, "ol": {"start"}}.get(tag, set())
        assert set(attrs) <= allowed, (tag, attrs)
        if "href" in attrs:
            assert not _href_is_dangerous(attrs["href"] or ""), out


def test_enough_payloads():
    assert len(XSS_PAYLOADS) >= 25
