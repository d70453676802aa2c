"""Reading a page as a person (or a screen reader) meets it: its error summary, the fields it links to and the
errors beside them. A small tree from the standard library's HTML parser; nothing more is needed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    """An element: its tag, attributes and children (text as str)."""

    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    parent: Node | None = None

    def text(self) -> str:
        """Its text as shown, white space collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self):
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        """Elements inside (and including) this one with the tag and attribute values given (True: present)."""
        def matches(n: Node) -> bool:
            return (tag is None or n.tag == tag) and all(
                (name in n.attrs) if value is True else n.attrs.get(name) == value for name, value in attrs.items())
        return [n for n in self.iter() if matches(n)]

    def find(self, tag: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    """The page as a tree."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Summary:
    """The error summary of a page: the box, its heading, its links (href or None, text) and policy results."""

    box: Node
    heading: str
    items: list[tuple[str | None, str]]
    violations: list[tuple[str | None, str]]

    def texts(self) -> list[str]:
        return [t for _h, t in self.items]


def summary(html: str) -> Summary | None:
    """The page's error summary, or None when it has none."""
    doc = parse(html)
    boxes = doc.find_all(**{"data-error-summary": True})
    assert len(boxes) <= 1, "one error summary a page"
    if not boxes:
        return None
    box = boxes[0]
    heading = box.find("h2")
    lists = box.find_all("ul")
    def entries(ul):
        out = []
        for li in ul.find_all("li"):
            a = li.find("a")
            out.append((a.attrs.get("href") if a else None, li.text()))
        return out
    items = entries(lists[0]) if lists and "violations" not in lists[0].attrs.get("class", "") else []
    violations = [e for ul in lists if "violations" in ul.attrs.get("class", "") for e in entries(ul)]
    return Summary(box=box, heading=heading.text() if heading else "", items=items, violations=violations)


def first_in_main(html: str) -> Node | None:
    """The first element inside <main> that is not a flash message: where a summary belongs."""
    main = parse(html).find("main")
    for child in main.children:
        if isinstance(child, Node) and "flash" not in child.attrs.get("class", ""):
            return child
    return None


def field_problems(html: str) -> list[str]:
    """For each link of the summary to a field: the field must exist and point at its error (aria-describedby), which
    must be beside it and say the same. Returns what is wrong, one line each."""
    doc = parse(html)
    found = summary(html)
    problems = []
    for href, text in found.items if found else []:
        if not href:
            continue
        target = doc.find(id=href[1:])
        if target is None:
            problems.append(f"{href}: no element with this id")
            continue
        control = target if target.tag in ("input", "textarea", "select") else None
        if control is None:  # a group of checkboxes: its fieldset carries the description
            fieldset = target
            while fieldset is not None and fieldset.tag != "fieldset":
                fieldset = fieldset.parent
            control = fieldset
        if control is None:
            problems.append(f"{href}: not a field")
            continue
        described = [doc.find(id=i) for i in control.attrs.get("aria-describedby", "").split()]
        errors = [d for d in described if d is not None and d.attrs.get("id", "").endswith("-error")]
        if not errors:
            problems.append(f"{href}: the field does not point at an error beside it")
        elif not any(e.text().replace("Error: ", "") in text for e in errors):
            problems.append(f"{href}: the error beside the field ({errors[0].text()!r}) is not the summary's ({text!r})")
    return problems
