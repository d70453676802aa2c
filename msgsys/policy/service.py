"""Policy rules in the database: seeding, versioned edits, and checking message text against them."""
from __future__ import annotations


from flask_babel import gettext as _
from sqlmodel import Session, col, select

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.text import clean_text
from msgsys.errors import NotFound, PolicyViolation, ValidationError
from msgsys.locales import LOCALES
from msgsys.policy.matching import KINDS, RuleSpec, Violation, check_message, load_rules, rule_errors
from msgsys.policy import review
from msgsys.policy.models import PolicyRule
from msgsys.sms.encoding import count_sms


def to_spec(rule: PolicyRule) -> RuleSpec:
    """The plain-data form the matcher works on."""
    return RuleSpec(
        id=rule.id, rule_type=rule.rule_type, pattern=rule.pattern, severity=rule.severity,
        locale=rule.locale, kinds=tuple(k for k in rule.kinds.split(",") if k), description=rule.description,
    )


def active_rules(session: Session) -> list[PolicyRule]:
    """Rules in force, by key (never a version still waiting for a translator's approval)."""
    return list(session.exec(select(PolicyRule).where(review.in_force()).order_by(PolicyRule.rule_key)).all())


def rule_history(session: Session, rule_key: str) -> list[PolicyRule]:
    """Every version of one rule, newest first."""
    return list(session.exec(select(PolicyRule).where(PolicyRule.rule_key == rule_key).order_by(col(PolicyRule.version).desc())).all())


def _validated(data: dict) -> dict:
    kinds = data.get("kinds") or ()
    if isinstance(kinds, str):
        kinds = tuple(k.strip() for k in kinds.split(",") if k.strip())
    clean = {
        "rule_type": (data.get("rule_type") or "").strip(),
        "pattern": (data.get("pattern") or "").strip(),
        "severity": (data.get("severity") or "block").strip(),
        "locale": (data.get("locale") or "*").strip(),
        "kinds": tuple(kinds),
        "description": clean_text(data.get("description"), "description", 500),
    }
    problems = rule_errors(RuleSpec(id=None, **clean))
    if clean["locale"] != "*" and clean["locale"] not in LOCALES:
        problems.append(f"unknown locale {clean['locale']!r}")
    if len(clean["pattern"]) > 2000:
        problems.append("pattern longer than 2000 characters")
    if problems:
        raise ValidationError(_("This rule cannot be used: %(problems)s", problems="; ".join(problems)), details={"problems": problems})
    return {**clean, "kinds": ",".join(clean["kinds"])}


def _snapshot(rule: PolicyRule) -> dict:
    return review.snapshot(rule)


def create_rule(session: Session, *, data: dict, actor: User | None = None, label: str | None = None, rule_key: str | None = None) -> PolicyRule:
    """Add a rule after validating it; audit it. In a locale that needs a translator's approval it waits for one."""
    if actor is not None:
        permissions.require(actor, "policy.manage", subject_type="policy_rule")
    clean = _validated(data)
    rule = PolicyRule(rule_key=rule_key or "new", created_by_id=actor.id if actor else None, **review.initial_state(clean["locale"]), **clean)
    session.add(rule)
    session.flush()
    if rule_key is None:
        rule.rule_key = f"r{rule.id}"
    audit.record(session, actor=actor, label=label, action="policy.create", subject_type="policy_rule", subject_id=rule.rule_key, after=_snapshot(rule))
    return rule


def update_rule(session: Session, *, rule_key: str, data: dict, actor: User) -> PolicyRule:
    """A new version of a rule replaces the current one (which is kept, inactive).

    In a locale that needs a translator's approval the new version waits for it, and the current one stays in force.
    """
    permissions.require(actor, "policy.manage", subject_type="policy_rule", subject_id=rule_key)
    current = _current(session, rule_key)
    clean = _validated(data)
    return review.write_version(session, rule_key=rule_key, previous=current, clean=clean, actor=actor)


def deactivate_rule(session: Session, *, rule_key: str, actor: User) -> PolicyRule:
    """Switch a rule off (its history stays); a version still waiting for approval is withdrawn."""
    permissions.require(actor, "policy.manage", subject_type="policy_rule", subject_id=rule_key)
    current = _current(session, rule_key)
    if not current.active and current.status != "pending":
        raise NotFound(_("No active rule %(key)s.", key=rule_key))
    review.withdraw(session, rule_key=rule_key, actor=actor)
    if current.active:
        before = _snapshot(current)
        current.active = False
        session.add(current)
        audit.record(session, actor=actor, action="policy.deactivate", subject_type="policy_rule", subject_id=rule_key, before=before, after=_snapshot(current))
    return current


def _current(session: Session, rule_key: str) -> PolicyRule:
    """The version in force, or else the one waiting for approval, or else a rejected one (to be put right)."""
    rule = session.exec(select(PolicyRule).where(PolicyRule.rule_key == rule_key, PolicyRule.active == True)).first()  # noqa: E712
    rule = rule or review.pending_version(session, rule_key) or review.rejected_version(session, rule_key)
    if rule is None:
        raise NotFound(_("No active rule %(key)s.", key=rule_key))
    return rule


SEED_PREFIX = "seed-"


def seed_rules(session: Session, *, label: str = "seed") -> int:
    """Bring the rules drawn from the sources into force; returns how many rules it added or changed.

    A seed whose text changed replaces its rule with a new version, and a seed no longer in the
    file is switched off, unless an admin has edited that rule since (theirs then stands).
    """
    changed = 0
    seeds = load_rules()
    for spec in seeds:
        key = SEED_PREFIX + spec.key
        data = {"rule_type": spec.rule_type, "pattern": spec.pattern, "severity": spec.severity,
                "locale": spec.locale, "kinds": spec.kinds, "description": spec.description}
        history = rule_history(session, key)
        if not history:
            create_rule(session, label=label, rule_key=key, data=data)
            changed += 1
            continue
        current = history[0]
        if current.active and current.created_by_id is None:
            clean = _validated(data)
            if any(getattr(current, field) != value for field, value in clean.items()):
                _replace(session, current, clean, actor=None, label=label)
                changed += 1
    keys = {SEED_PREFIX + s.key for s in seeds}
    for rule in active_rules(session):
        if rule.rule_key.startswith(SEED_PREFIX) and rule.rule_key not in keys and rule.created_by_id is None:
            before = _snapshot(rule)
            rule.active = False
            session.add(rule)
            audit.record(session, actor=None, label=label, action="policy.deactivate", subject_type="policy_rule",
                         subject_id=rule.rule_key, before=before, after=_snapshot(rule))
            changed += 1
    return changed


def _replace(session: Session, current: PolicyRule, clean: dict, *, actor: User | None, label: str | None = None) -> PolicyRule:
    """A new version of a rule in force, the old one kept inactive; audited (a K'iche' one waits for approval)."""
    return review.write_version(session, rule_key=current.rule_key, previous=current, clean=clean, actor=actor, label=label)


def sms_segments(text: str) -> int:
    """Segments as Twilio counts them, for the max_sms_segments rule."""
    return count_sms(text).segments


def check(session: Session, *, fields: dict[str, str], locale: str, kind: str) -> list[Violation]:
    """Every violation of the active rules in these fields."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown message kind %(kind)s.", kind=kind))
    specs = [to_spec(r) for r in active_rules(session)]
    return check_message(fields, locale=locale, kind=kind, rules=specs, sms_segments=sms_segments)


def enforce(violations: list[Violation]) -> list[Violation]:
    """Raise PolicyViolation when any violation blocks; return the warnings otherwise."""
    blocking = [v for v in violations if v.blocking]
    if blocking:
        raise PolicyViolation(
            _("This text breaks %(n)d advisory policy rule(s); fix each one shown.", n=len(blocking)),
            details={"violations": [v.as_dict() for v in violations]},
        )
    return violations
