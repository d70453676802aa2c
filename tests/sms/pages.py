"""Reading the SMS pages as a person does: tables by their caption, an element's text by its id, the error summary."""
from __future__ import annotations

from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: dict[str, str] = {}
        self._table: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._ids: list[tuple[str, int, list[str]]] = []  # (id, depth, text) of elements with an id being read
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return  # no end tag comes, and no text inside
        self._depth += 1
        found = dict(attrs).get("id")
        if found:
            self._ids.append((found, self._depth, []))
        if tag == "table":
            self._table = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_startendtag(self, tag, attrs):
        if tag not in _VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if tag == "caption" and self._caption is not None:
            self._key = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._table is not None:
            self.tables[getattr(self, "_key", str(len(self.tables)))] = [r for r in self._table if r]
            self._table = None
        while self._ids and self._ids[-1][1] >= self._depth:
            name, _d, text = self._ids.pop()
            self.texts[name] = " ".join("".join(text).split())
        self._depth -= 1

    def handle_data(self, data):
        for part in (self._caption, self._cell):
            if part is not None:
                part.append(data)
        for _name, _d, text in self._ids:
            text.append(data)


def read(html: str) -> _Reader:
    """The page's tables (caption -> rows of cell texts, header row first) and the text of each element with an id."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every table of the page by its caption: rows of cell texts, the header row first."""
    return read(html).tables


def text_by_id(html: str, element_id: str) -> str:
    """The text of the element with this id, spaces collapsed ("" when there is none)."""
    return read(html).texts.get(element_id, "")
