"""Checks on a translated text: what blocks submission and what only warns."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from msgsys.policy.matching import Violation

# Placeholders a sender fills in, and links: they must come through translation unchanged.
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\{?\s*[a-z_][a-z0-9_]*\s*\}?\}", re.I)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.I)
_TRAILING = re.compile(r"[.!?:;…]+$")


@dataclass(frozen=True)
class Issue:
    """One problem with one field of a translation."""

    field: str
    code: str
    message: str
    blocking: bool

    def as_dict(self) -> dict:
        """JSON-friendly form."""
        return {"field": self.field, "code": self.code, "message": self.message, "blocking": self.blocking}


@dataclass
class CheckResult:
    """Every issue found, split by whether it blocks."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def blocking(self) -> list[Issue]:
        """Issues that stop submission and approval."""
        return [i for i in self.issues if i.blocking]

    @property
    def warnings(self) -> list[Issue]:
        """Issues shown and recorded, not stopping anything."""
        return [i for i in self.issues if not i.blocking]


def _multiset(pattern: re.Pattern, text: str) -> list[str]:
    return sorted(m.group(0).rstrip(".,;:") for m in pattern.finditer(text or ""))


def check_field(name: str, source: str, target: str, *, glossary: list[tuple[str, str]] = ()) -> list[Issue]:
    """Compare one translated field with its source."""
    issues: list[Issue] = []
    if not (target or "").strip():
        if (source or "").strip():
            issues.append(Issue(name, "missing", _("This field is not translated yet."), True))
        return issues
    if _multiset(_PLACEHOLDER, source) != _multiset(_PLACEHOLDER, target):
        issues.append(Issue(name, "placeholders", _("Placeholders differ from the source: %(src)s", src=", ".join(_multiset(_PLACEHOLDER, source)) or "-"), True))
    if _multiset(_URL, source) != _multiset(_URL, target):
        issues.append(Issue(name, "urls", _("Links must be the same as in the source: %(src)s", src=", ".join(_multiset(_URL, source)) or "-"), True))
    if target.strip() == source.strip() and len(source.strip()) > 3:
        issues.append(Issue(name, "same_as_source", _("The translation is the same as the source."), False))
    src_end, tgt_end = _TRAILING.search(source.strip()), _TRAILING.search(target.strip())
    if (src_end.group(0) if src_end else "") != (tgt_end.group(0) if tgt_end else ""):
        issues.append(Issue(name, "punctuation", _("The final punctuation differs from the source."), False))
    if (source != source.strip()) != (target != target.strip()) or ("\n\n" in source) != ("\n\n" in target):
        issues.append(Issue(name, "spacing", _("Spacing or paragraph breaks differ from the source."), False))
    for term, required in glossary:
        if re.search(rf"\b{re.escape(term)}\b", source, re.I) and not re.search(rf"\b{re.escape(required)}\b", target, re.I):
            issues.append(Issue(name, "glossary", _('Glossary: "%(term)s" should be translated as "%(required)s".', term=term, required=required), False))
    return issues


def from_violations(violations: list[Violation]) -> list[Issue]:
    """Policy violations as translation issues."""
    return [Issue(v.field or "-", v.rule_type, v.message, v.blocking) for v in violations]
