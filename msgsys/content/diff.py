"""Readable word-level differences between two versions, for reviewers and the API."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from msgsys.content.models import TEXT_FIELDS as FIELDS

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    """One field compared: the operations and both sides marked up."""

    field: str
    ops: list[dict]
    changed: bool

    @property
    def old_html(self) -> Markup:
        """The old text with deletions marked (escaped)."""
        return Markup("").join(
            Markup("<del>{}</del>").format(op["old"]) if op["op"] in ("delete", "replace") else escape(op["old"])
            for op in self.ops if op["old"]
        )

    @property
    def new_html(self) -> Markup:
        """The new text with insertions marked (escaped)."""
        return Markup("").join(
            Markup("<ins>{}</ins>").format(op["new"]) if op["op"] in ("insert", "replace") else escape(op["new"])
            for op in self.ops if op["new"]
        )


def diff_text(field: str, old: str, new: str) -> FieldDiff:
    """Compare two texts word by word, keeping whitespace so line breaks survive."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    ops = [
        {"op": tag, "old": "".join(a[i1:i2]), "new": "".join(b[j1:j2])}
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return FieldDiff(field=field, ops=ops, changed=any(op["op"] != "equal" for op in ops))


def diff_versions(old, new) -> list[FieldDiff]:
    """Compare title, body and SMS text of two versions (either may be None)."""
    return [diff_text(f, getattr(old, f, "") if old else "", getattr(new, f, "") if new else "") for f in FIELDS]
