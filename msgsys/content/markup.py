"""The web body's small Markdown subset, rendered and then sanitized."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_BODY_CHARS = 20_000

ALLOWED_TAGS = frozenset({
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
})
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# "zero" has only paragraphs and text; turn on exactly the subset officers may use.
# html=False escapes raw HTML as text; image is left off so ![x](y) is not an <img>.
# breaks=True: officers type in a plain textarea and expect a newline to be one.
_md = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False, "typographer": False})
_md.enable(["heading", "lheading", "list", "blockquote"])
_md.enable(["newline", "escape", "entity", "emphasis", "link", "autolink"])

# Headings are section titles under the page's own <h1>.
_HEADING_TAG = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    # <ol start> keeps numbered steps that resume after a paragraph; anything
    # but a plain number is dropped.
    if tag == "ol" and attr == "start":
        return value if value.isdigit() else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    # The explicit empty "*" entry matters: without it ammonia keeps its default
    # generic attributes (title, lang) on every tag.
    attributes={"*": set(), "a": {"href"}, "ol": {"start"}},
    attribute_filter=_keep_attribute,
    url_schemes=set(ALLOWED_SCHEMES),
    link_rel="nofollow noopener",
    strip_comments=True,
)


@lru_cache(maxsize=32)
def render_markdown(text: str) -> Markup:
    """Render body Markdown to safe HTML; raises ValueError above MAX_BODY_CHARS."""
    if len(text) > MAX_BODY_CHARS:
        # Refuse rather than truncate: a silently shortened public message is worse.
        raise ValueError(f"body is {len(text)} characters; the limit is {MAX_BODY_CHARS}")
    tokens = _md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_TAG[token.tag]
    html = _md.renderer.render(tokens, _md.options, {})
    # markdown-it already refuses unsafe links; nh3 is the second, independent wall.
    return Markup(_cleaner.clean(html))


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.quoted = 0  # blockquote depth: quoted lines keep their "> " so a quote stays a quote

    def handle_data(self, data: str) -> None:
        self.parts.append(data.replace("\n", "\n> ") if self.quoted else data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "blockquote":
            self.quoted += 1
        # Blocks are paragraphs (a blank line between them); a <br> is followed by the renderer's own newline.
        if tag in ("p", "li", "h2", "h3", "h4", "blockquote"):
            self.parts.append("\n\n> " if self.quoted else "\n\n")


    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
            self.parts.append("\n")


@lru_cache(maxsize=32)
def visible_text(text: str) -> str:
    """What a reader actually sees of a body: rendered, character references decoded, link targets gone."""
    parser = _TextOnly()
    parser.feed(str(render_markdown(text or "")))
    parser.close()
    return re.sub(r"\n(?:[ \t]*(?:>[ \t]*)?\n)+", "\n\n", "".join(parser.parts)).strip()


# Text that only looks like markup: the site shows it as literal code, an author may mean it as
# hidden (an HTML comment, a hidden element, a code block, an image's alt text). A required
# statement written there has not been said to the reader, so it does not count.
_LOOKS_HIDDEN = re.compile(
    r"<!--.*?(?:-->|\Z)"                     # HTML comment, closed or not
    r"|<([a-zA-Z][\w-]*)\b[^>]*>.*?</\1\s*>"  # an element and everything in it
    r"|<[a-zA-Z/!][^>]*>"                    # a lone tag
    r"|^[ \t]*(```|~~~).*?(?:^[ \t]*\2|\Z)"   # fenced code
    r"|`[^`\n]+`"                            # inline code
    r"|!\[[^\]]*\]\([^)]*\)",                 # an image's alt text
    re.S | re.M,
)


def statement_text(text: str) -> str:
    """The body as a required statement can count in it: visible, and not inside markup-looking text."""
    return visible_text(_LOOKS_HIDDEN.sub(" ", text or ""))
