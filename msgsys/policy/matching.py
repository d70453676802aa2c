"""Advisory policy checks on message text: forbidden phrases, required statements,
link allowlists and SMS length. Pure Python; no database and no request needed."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from flask_babel import lazy_gettext as _l

from msgsys.policy import links

RULE_TYPES = ("forbidden_phrase", "required_statement", "link_allowlist", "max_sms_segments")
SEVERITIES = ("block", "warn")
KINDS = ("advisory", "pathway", "counter_rumor", "info")
SEED_RULES_PATH = Path(__file__).with_name("seed_rules.toml")


@dataclass(frozen=True)
class RuleSpec:
    """One policy rule as plain data (the DB model is converted into this elsewhere)."""

    id: int | None
    rule_type: str
    pattern: str
    severity: str = "block"
    locale: str = "*"
    kinds: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Violation:
    """One breach of one rule, located in the original (un-normalised) field text."""

    rule_id: int | None
    rule_type: str
    severity: str
    field: str | None
    start: int | None
    end: int | None
    excerpt: str
    code: str = ""  # which message template; several per rule type for links
    params: tuple[tuple[str, object], ...] = ()

    @property
    def blocking(self) -> bool:
        """True when this violation must stop approval."""
        return self.severity == "block"

    @property
    def message(self) -> str:
        """Human-readable explanation in the current Flask-Babel locale (English without an app)."""
        return str(_message(self.code or self.rule_type, dict(self.params)))

    def as_dict(self) -> dict:
        """JSON-friendly form, with the message rendered now."""
        return {
            "rule_id": self.rule_id,
            "rule_type": self.rule_type,
            "severity": self.severity,
            "blocking": self.blocking,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
            "message": self.message,
        }


def _message(code: str, p: dict):
    # Literal msgids so pybabel extract finds them; placeholders are named so
    # translators can reorder them.
    if code == "forbidden_phrase":
        return _l('Forbidden claim "%(phrase)s"', **p)
    if code == "required_statement":
        return _l('Missing required statement: "%(statement)s"', **p)
    if code == "link_scheme":
        return _l('Links of type "%(scheme)s:" are not allowed', **p)
    if code == "link_userinfo":
        return _l('Link disguises its real destination "%(host)s"', **p)
    if code == "link_host":
        return _l('Link to "%(host)s", which is not an allowed domain', **p)
    if code == "max_sms_segments":
        return _l("SMS text needs %(segments)d segments; the limit is %(limit)d", **p)
    return code


# --- normalisation -----------------------------------------------------------

# Latin lookalikes from Cyrillic/Greek, applied after casefolding; NFKD does not
# fold these, and mixing them in is a cheap way to dodge a phrase filter.
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "һ": "h", "ӏ": "l", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
})


def normalize(text: str) -> tuple[str, list[int]]:
    """Fold text to lowercase unaccented letters/digits with single-space separators, plus an index map to the original."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        # Casefold between two NFKD passes: NFKD can yield capitals (math
        # alphanumerics) and casefold can yield combining marks (İ).
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
        for c in folded.translate(_CONFUSABLES):
            cat = unicodedata.category(c)
            # Marks are accents; Cf is zero-width space/joiner, soft hyphen, bidi
            # controls: invisible, so they must not split or separate words.
            if cat[0] == "M" or cat == "Cf":
                continue
            if c.isalnum():
                out.append(c)
                index.append(i)
            elif out and out[-1] != " ":
                out.append(" ")
                index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


# Every rule re-scans the same few fields; normalising them once per text is
# the dominant cost. Callers never mutate the returned list.
_normalize_cached = lru_cache(maxsize=64)(normalize)


@lru_cache(maxsize=512)
def _phrase_regex(phrase: str) -> re.Pattern | None:
    # Separators are optional between every pair of characters so that
    # "B.o.r.d.e.r" and "theborder" still match; the lookarounds keep whole words
    # at both ends, so "is not open" and "is opening" do not.
    chars = normalize(phrase)[0].replace(" ", "")
    if not chars:
        return None
    return re.compile(r"(?<![^ ])" + " ?".join(re.escape(c) for c in chars) + r"(?![^ ])")


def _find_phrase(phrase: str, text: str) -> list[tuple[int, int]]:
    """Spans in the original text where phrase occurs, normalised and whole-word."""
    rx = _phrase_regex(phrase)
    if rx is None or not text:
        return []
    folded, index = _normalize_cached(text)
    spans = []
    for m in rx.finditer(folded):
        start, end = index[m.start()], index[m.end() - 1] + 1
        # A decomposed accent after the last letter belongs to the highlight.
        while end < len(text) and unicodedata.category(text[end])[0] == "M":
            end += 1
        spans.append((start, end))
    return spans


# --- rules -------------------------------------------------------------------

def rule_errors(rule: RuleSpec) -> list[str]:
    """Problems that make a rule unusable; empty when the rule is valid."""
    errors = []
    if rule.rule_type not in RULE_TYPES:
        errors.append(f"unknown rule_type {rule.rule_type!r}")
    if rule.severity not in SEVERITIES:
        errors.append(f"unknown severity {rule.severity!r}")
    errors += [f"unknown kind {k!r}" for k in rule.kinds if k not in KINDS]
    if not rule.locale:
        errors.append("empty locale (use '*' for every locale)")
    if rule.rule_type in ("forbidden_phrase", "required_statement") and not normalize(rule.pattern)[0]:
        errors.append("pattern has no letters or digits")
    if rule.rule_type == "link_allowlist":
        domains = links.allowed_domains(rule.pattern)
        if not domains or not all(links.HOSTNAME.fullmatch(d) for d in domains):
            errors.append(f"bad domain list {rule.pattern!r}")
    if rule.rule_type == "max_sms_segments" and not (rule.pattern.strip().isdigit() and int(rule.pattern) > 0):
        errors.append(f"segment limit must be a positive integer, not {rule.pattern!r}")
    return errors


def applicable(rules: Iterable[RuleSpec], *, locale: str, kind: str) -> list[RuleSpec]:
    """The rules that apply to a message of this locale and kind."""
    return [r for r in rules if r.locale in ("*", locale) and (not r.kinds or kind in r.kinds)]


def check_fields(
    fields: dict[str, str],
    *,
    locale: str,
    kind: str,
    rules: Iterable[RuleSpec],
    sms_segments: Callable[[str], int] | None = None,
) -> list[Violation]:
    """Check message fields (title/body/sms_text) against the applicable rules; raises ValueError on an invalid rule."""
    violations: list[Violation] = []
    for rule in applicable(rules, locale=locale, kind=kind):
        if errors := rule_errors(rule):
            # A broken rule must not silently let content through.
            raise ValueError(f"invalid policy rule {rule.id}: {'; '.join(errors)}")

        def hit(field, start, end, excerpt, code=rule.rule_type, **params):
            violations.append(Violation(rule.id, rule.rule_type, rule.severity, field, start, end,
                                        excerpt, code, tuple(params.items())))

        if rule.rule_type == "forbidden_phrase":
            for name, text in fields.items():
                for s, e in _find_phrase(rule.pattern, text or ""):
                    hit(name, s, e, text[s:e], phrase=rule.pattern)
        elif rule.rule_type == "required_statement":
            if not any(_find_phrase(rule.pattern, text or "") for text in fields.values()):
                hit(None, None, None, "", statement=rule.pattern)
        elif rule.rule_type == "link_allowlist":
            allowed = links.allowed_domains(rule.pattern)
            for name, text in fields.items():
                for s, e, markdown in links.link_spans(text or ""):
                    problem = links.link_problem(text[s:e], markdown, allowed)
                    if problem:
                        hit(name, s, e, text[s:e], problem[0], **problem[1])
        elif rule.rule_type == "max_sms_segments" and sms_segments is not None and "sms_text" in fields:
            text, limit = fields["sms_text"] or "", int(rule.pattern)
            segments = sms_segments(text)
            if segments > limit:
                cut = _fitting_prefix(text, limit, sms_segments)
                hit("sms_text", cut, len(text), text[cut:], segments=segments, limit=limit)
    return violations


def _fitting_prefix(text: str, limit: int, sms_segments: Callable[[str], int]) -> int:
    """Length of the longest prefix that fits in limit segments, so the overflow can be highlighted."""
    # Segment count never decreases as text grows, so binary search is sound.
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sms_segments(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def load_rules(path: str | Path = SEED_RULES_PATH) -> list[RuleSpec]:
    """Read [[rule]] tables from a TOML file (the seed rules by default) into RuleSpecs."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return [
        RuleSpec(
            id=None,
            rule_type=r["rule_type"],
            pattern=str(r["pattern"]),
            severity=r.get("severity", "block"),
            locale=r.get("locale", "*"),
            kinds=tuple(r.get("kinds", ())),
            description=r.get("description", ""),
        )
        for r in data.get("rule", [])
    ]
