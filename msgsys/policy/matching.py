"""Advisory policy checks on message text: forbidden phrases, required statements,
link allowlists and SMS length. Pure Python; no database and no request needed."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from flask_babel import lazy_gettext as _l

from msgsys.content.markup import render_markdown, statement_text, visible_text
from msgsys.policy import links, patterns, quotes

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
    key: str = ""  # seed rules: the name that carries a rule across versions


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
    if code == "link_ip":
        return _l('Link to the IP address "%(host)s", which is not allowed', **p)
    if code == "link_tel":
        return _l('Phone link "%(number)s" is not allowed: only numbers listed in the allowlist may be linked', **p)
    if code == "max_sms_segments":
        return _l("SMS text needs %(segments)d segments; the limit is %(limit)d", **p)
    return code


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
    if rule.rule_type in ("forbidden_phrase", "required_statement"):
        try:
            pattern = patterns.parse(rule.pattern, rule.locale)
        except patterns.PatternError as exc:
            errors.append(f"pattern: {exc}")
        else:
            if rule.rule_type == "forbidden_phrase":
                errors += [f"pattern: {e}" for e in patterns.claim_errors(pattern)]
    if rule.rule_type == "link_allowlist":
        domains = links.allowed_domains(rule.pattern)
        if not domains or not all(links.HOSTNAME.fullmatch(d) or _TEL_ENTRY.fullmatch(d) or _is_ip(d) for d in domains):
            errors.append(f"bad domain list {rule.pattern!r}")
    if rule.rule_type == "max_sms_segments" and not (rule.pattern.strip().isdigit() and int(rule.pattern) > 0):
        errors.append(f"segment limit must be a positive integer, not {rule.pattern!r}")
    return errors


_TEL_ENTRY = re.compile(r"tel:\+?\d{3,15}")


def _is_ip(entry: str) -> bool:
    try:
        ipaddress.ip_address(entry.strip("[]"))
    except ValueError:
        return False
    return True


def applicable(rules: Iterable[RuleSpec], *, locale: str, kind: str) -> list[RuleSpec]:
    """The rules that apply to a message of this locale and kind.

    A forbidden claim applies to text in every language: a Spanish claim in an English message
    is as false as in a Spanish one. Its locale only says which language's word forms it uses.
    """
    return [r for r in rules
            if (r.rule_type == "forbidden_phrase" or r.locale in ("*", locale)) and (not r.kinds or kind in r.kinds)]


# The channels a message goes out on, and the fields each one shows.
CHANNEL_FIELDS = {"web": ("title", "body"), "sms": ("sms_text",)}
# A required statement must stand in each channel's main text, not only in a title.
STATEMENT_FIELDS = ("body", "sms_text")


def check_fields(
    fields: dict[str, str],
    *,
    locale: str,
    kind: str,
    rules: Iterable[RuleSpec],
    sms_segments: Callable[[str], int] | None = None,
    statement_fields: dict[str, str] | None = None,
) -> list[Violation]:
    """Check message fields (title/body/sms_text) against the applicable rules; raises ValueError on an invalid rule.

    statement_fields: the text in which a required statement counts, per field (the body as
    readers see it); defaults to fields.
    """
    violations: list[Violation] = []
    quotes = _quotes(fields) if kind == "counter_rumor" else {}
    for rule in applicable(rules, locale=locale, kind=kind):
        if errors := rule_errors(rule):
            # A broken rule must not silently let content through.
            raise ValueError(f"invalid policy rule {rule.id}: {'; '.join(errors)}")

        def hit(field, start, end, excerpt, code=rule.rule_type, **params):
            violations.append(Violation(rule.id, rule.rule_type, rule.severity, field, start, end,
                                        excerpt, code, tuple(params.items())))

        if rule.rule_type == "forbidden_phrase":
            found = {name: patterns.find_claims(rule.pattern, text or "", rule.locale) for name, text in fields.items()}
            for name, hits in found.items():
                for h in hits:
                    if h.negated or (quotes and _answered_quote(name, h, found, quotes, fields)):
                        continue
                    hit(name, h.start, h.end, fields[name][h.start:h.end], phrase=rule.pattern)
        elif rule.rule_type == "required_statement":
            shown = statement_fields or fields
            for name in [f for f in STATEMENT_FIELDS if f in shown] or list(shown):
                if patterns.find_statement(rule.pattern, shown[name] or "", rule.locale) is None:
                    hit(name, None, None, "", statement=rule.pattern)
        elif rule.rule_type == "link_allowlist":
            allowed = links.allowed_domains(rule.pattern)
            for name, text in fields.items():
                # The body is Markdown; a title or an SMS is plain text a phone turns into links.
                for p in links.find_link_problems(text or "", allowed, markdown=name == "body"):
                    hit(name, p.start, p.end, p.excerpt, p.code, **dict(p.params))
        elif rule.rule_type == "max_sms_segments" and sms_segments is not None and "sms_text" in fields:
            text, limit = fields["sms_text"] or "", int(rule.pattern)
            segments = sms_segments(text)
            if segments > limit:
                cut = _fitting_prefix(text, limit, sms_segments)
                hit("sms_text", cut, len(text), text[cut:], segments=segments, limit=limit)
    return violations


def check_message(
    fields: dict[str, str],
    *,
    locale: str,
    kind: str,
    rules: Iterable[RuleSpec],
    sms_segments: Callable[[str], int] | None = None,
) -> list[Violation]:
    """Check a message's fields as written and, for the Markdown body, as readers see it rendered.

    Character references such as &#111; or a link's text joined to the word beside it must not
    smuggle a claim past the rules, and a required statement counts only where readers see it
    as text (not in a link target, an HTML comment or a code block).
    """
    rules = list(rules)
    if "body" not in fields:
        return check_fields(fields, locale=locale, kind=kind, rules=rules, sms_segments=sms_segments)
    shown = {**fields, "body": visible_text(fields["body"])}
    said = {**fields, "body": statement_text(fields["body"])}
    written = check_fields(fields, locale=locale, kind=kind, rules=[r for r in rules if r.rule_type != "required_statement"],
                           sms_segments=sms_segments)
    # Links are judged in the written text; SMS length has no rendering.
    # Only the rendered paragraphs that differ from every written one can say something new.
    shown["body"] = _changed_paragraphs(shown["body"], fields["body"])
    seen = check_fields(shown, locale=locale, kind=kind, statement_fields=said,
                        rules=[r for r in rules if r.rule_type in ("forbidden_phrase", "required_statement")])
    # The links the page will really carry: each href of the rendered body as a browser resolves
    # it, and any link a reader's phone would make of the new rendered text (a domain written
    # across markup, "evil.*com*").
    for rule in applicable(rules, locale=locale, kind=kind):
        if rule.rule_type == "link_allowlist":
            allowed = links.allowed_domains(rule.pattern)
            reported = {(v.code, v.params) for v in written if v.rule_id == rule.id and v.field == "body"}
            for p in (links.rendered_href_problems(str(render_markdown(fields["body"])), allowed, visible_text=False)
                      + links.find_link_problems(shown["body"], allowed, markdown=False)):
                if (p.code, tuple(p.params)) not in reported:
                    reported.add((p.code, tuple(p.params)))
                    written.append(Violation(rule.id, rule.rule_type, rule.severity, "body", None, None, p.excerpt,
                                             p.code, tuple(p.params)))
    found = Counter((v.rule_id, v.field) for v in written)
    extra = []
    for v in seen:
        key = (v.rule_id, v.field)
        if v.rule_type == "required_statement":
            extra.append(v)
        elif found[key] > 0:
            found[key] -= 1  # already reported at its place in the written text
        else:
            extra.append(replace(v, start=None, end=None))  # only visible once rendered: no offset in the source
    return written + extra


_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def _changed_paragraphs(shown: str, written: str) -> str:
    """The paragraphs of the rendered body that do not stand word for word in the written one."""
    same = {" ".join(p.split()) for p in _PARAGRAPH.split(written)}
    return "\n\n".join(p for p in _PARAGRAPH.split(shown) if p.strip() and " ".join(p.split()) not in same)


def _quotes(fields: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
    return {name: quotes.marked_quotes(text or "", markdown=name == "body") for name, text in fields.items()}


def _channel(field: str) -> tuple[str, ...]:
    return next((names for names in CHANNEL_FIELDS.values() if field in names), (field,))


def _answered_quote(field: str, h, found: dict, marked: dict, fields: dict[str, str]) -> bool:
    """A counter-rumor's quote of the claim, answered in the same channel (a fact, or the claim denied)."""
    if not quotes.inside(marked[field], h.start, h.end):
        return False
    for name in _channel(field):
        if name not in fields:
            continue
        if quotes.has_fact_marker(fields[name] or "", marked[name]):
            return True
        if any(other.negated and not quotes.inside(marked[name], other.start, other.end) for other in found.get(name, [])):
            return True
    return False


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
            key=r.get("key", ""),
        )
        for r in data.get("rule", [])
    ]
