"""Approval of policy rules whose language needs a native translator's sign-off (K'iche').

A rule version in such a locale is written `pending`: it is not in force, so the checker never
applies it, until a translator of that locale who did not write that version approves it. While a
new version of a rule waits, the approved version it would replace stays in force. A rejection
needs a reason; a newer text from an admin withdraws the one still waiting. Who may approve is
decided in msgsys.permissions (`policy.approve`, `policy.reject`, locale-bound, four eyes).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.auth.models import User
from msgsys.clock import now
from msgsys.errors import InvalidTransition, NotFound
from msgsys.policy.models import PolicyRule
from msgsys.text import clean_text

# Rules in these locales take effect only once a translator of the locale approves them: nobody else
# can judge whether a K'iche' pattern says what it should (a wrong one would refuse honest text or
# let a false claim through).
APPROVAL_LOCALES = frozenset({"quc"})

SNAPSHOT_FIELDS = ("rule_key", "version", "active", "status", "rule_type", "pattern", "severity", "locale", "kinds")


def needs_approval(locale: str) -> bool:
    """True when a rule in this locale waits for a translator of the locale before it takes effect."""
    return locale in APPROVAL_LOCALES


def initial_state(locale: str) -> dict:
    """`active` and `status` of a newly written version in this locale."""
    if needs_approval(locale):
        return {"active": False, "status": "pending"}
    return {"active": True, "status": "not_required"}


def in_force() -> sa.ColumnElement[bool]:
    """The SQL condition of a version the checker applies.

    `active` alone would do if every writer set it right; the status is checked as well so that no
    path, present or future, can put an unapproved rule of an approval locale in force.
    """
    return sa.and_(
        col(PolicyRule.active) == sa.true(),
        sa.or_(col(PolicyRule.locale).not_in(sorted(APPROVAL_LOCALES)), col(PolicyRule.status) == "approved"),
    )


def snapshot(rule: PolicyRule) -> dict:
    """What an audit event keeps of a rule version."""
    return {k: getattr(rule, k) for k in SNAPSHOT_FIELDS}


def pending_version(session: Session, rule_key: str) -> PolicyRule | None:
    """The version of a rule waiting for approval, if any."""
    return session.exec(select(PolicyRule).where(PolicyRule.rule_key == rule_key, PolicyRule.status == "pending")
                        .order_by(col(PolicyRule.version).desc())).first()


def in_force_version(session: Session, rule_key: str) -> PolicyRule | None:
    """The version of a rule the checker applies now, if any."""
    return session.exec(select(PolicyRule).where(PolicyRule.rule_key == rule_key, in_force())).first()


def rejected_version(session: Session, rule_key: str) -> PolicyRule | None:
    """The newest version of a rule when a translator rejected it (nothing of the rule is in force or waiting then)."""
    newest = session.exec(select(PolicyRule).where(PolicyRule.rule_key == rule_key).order_by(col(PolicyRule.version).desc())).first()
    return newest if newest is not None and newest.status == "rejected" else None


def pending_rules(session: Session) -> list[PolicyRule]:
    """Every version waiting for approval, oldest first."""
    return list(session.exec(select(PolicyRule).where(PolicyRule.status == "pending").order_by(col(PolicyRule.id))).all())


def refusal(user, rule: PolicyRule, action: str = "policy.approve") -> str | None:
    """Why this user may not approve (or reject) this version, or None when they may."""
    return permissions.refusal(user, action, locale=rule.locale, author_id=rule.created_by_id)


def approvers(session: Session, rule: PolicyRule) -> list[User]:
    """The people who may approve this version: active translators of its locale, its author excepted."""
    from msgsys.auth import service as users

    return [u for u in users.list_users(session) if refusal(u, rule) is None]


def write_version(session: Session, *, rule_key: str, previous: PolicyRule | None, clean: dict,
                  actor: User | None, label: str | None = None) -> PolicyRule:
    """The next version of a rule, audited: in force at once, or pending when its locale needs approval.

    A pending version leaves the version in force as it is; an earlier pending one is withdrawn.
    """
    number = (session.exec(select(func.max(PolicyRule.version)).where(PolicyRule.rule_key == rule_key)).one() or 0) + 1
    withdraw(session, rule_key=rule_key, actor=actor, label=label, replaced_by=number)
    state = initial_state(clean["locale"])
    if state["active"]:
        # One conditional update, not a read then a write: whatever version is in force now goes out.
        session.execute(sa.update(PolicyRule).where(PolicyRule.rule_key == rule_key, col(PolicyRule.active) == sa.true())
                        .values(active=False))
    rule = PolicyRule(rule_key=rule_key, version=number, created_by_id=actor.id if actor else None, **state, **clean)
    session.add(rule)
    session.flush()
    audit.record(session, actor=actor, label=label, action="policy.update", subject_type="policy_rule", subject_id=rule_key,
                 before=snapshot(previous) if previous is not None else None, after=snapshot(rule))
    return rule


def withdraw(session: Session, *, rule_key: str, actor: User | None, label: str | None = None,
             replaced_by: int | None = None) -> PolicyRule | None:
    """Take back the version of a rule waiting for approval (an admin changed or switched off the rule); audited."""
    pending = pending_version(session, rule_key)
    if pending is None:
        return None
    before = snapshot(pending)
    if not _claim(session, pending, status="withdrawn"):
        return None  # approved or rejected at this very moment: nothing waits any more
    audit.record(session, actor=actor, label=label, action="policy.withdraw", subject_type="policy_rule", subject_id=rule_key,
                 before=before, after={**snapshot(pending), **({"replaced_by": replaced_by} if replaced_by else {})})
    return pending


def _waiting(session: Session, rule_key: str, version: int) -> PolicyRule:
    rule = session.exec(select(PolicyRule).where(PolicyRule.rule_key == rule_key, PolicyRule.version == version)).first()
    if rule is None:
        raise NotFound(_("Rule %(key)s has no version %(n)d.", key=rule_key, n=version))
    return rule


def _not_waiting(rule: PolicyRule) -> InvalidTransition:
    return InvalidTransition(_("Version %(n)d of rule %(key)s is not waiting for approval.", n=rule.version, key=rule.rule_key),
                             details={"status": rule.status})


def _claim(session: Session, rule: PolicyRule, **values) -> bool:
    """Move a pending version on, only if it is still pending (two reviewers at once: one wins)."""
    result = session.execute(sa.update(PolicyRule).where(PolicyRule.id == rule.id, PolicyRule.status == "pending").values(**values))
    session.refresh(rule)
    return result.rowcount == 1


def approve(session: Session, *, rule_key: str, version: int, actor: User, reason: str = "") -> PolicyRule:
    """Put a pending version in force (a translator of its locale, not its author); the version it replaces goes out."""
    rule = _waiting(session, rule_key, version)
    permissions.require(actor, "policy.approve", locale=rule.locale, author_id=rule.created_by_id,
                        subject_type="policy_rule", subject_id=rule_key)
    if rule.status != "pending":
        raise _not_waiting(rule)
    reason = clean_text(reason, "reason", 2000)
    before = snapshot(rule)
    replaced = in_force_version(session, rule_key)
    session.execute(sa.update(PolicyRule).where(PolicyRule.rule_key == rule_key, PolicyRule.id != rule.id,
                                                col(PolicyRule.active) == sa.true()).values(active=False))
    if not _claim(session, rule, status="approved", active=True, reviewed_by_id=actor.id, reviewed_at=now(), review_reason=reason):
        raise _not_waiting(rule)
    audit.record(session, actor=actor, action="policy.approve", subject_type="policy_rule", subject_id=rule_key,
                 before={**before, "in_force_version": replaced.version if replaced else None}, after=snapshot(rule), note=reason)
    return rule


def reject(session: Session, *, rule_key: str, version: int, actor: User, reason: str) -> PolicyRule:
    """Refuse a pending version, with a reason (a translator of its locale, not its author); it never takes effect."""
    rule = _waiting(session, rule_key, version)
    permissions.require(actor, "policy.reject", locale=rule.locale, author_id=rule.created_by_id,
                        subject_type="policy_rule", subject_id=rule_key)
    if rule.status != "pending":
        raise _not_waiting(rule)
    reason = clean_text(reason, "reason", 2000, required=True)
    before = snapshot(rule)
    if not _claim(session, rule, status="rejected", reviewed_by_id=actor.id, reviewed_at=now(), review_reason=reason):
        raise _not_waiting(rule)
    audit.record(session, actor=actor, action="policy.reject", subject_type="policy_rule", subject_id=rule_key,
                 before=before, after=snapshot(rule), note=reason)
    return rule


def statement_rule_in_force(session: Session, *, locale: str, kind: str) -> bool:
    """True when a blocking required-statement rule of this locale, covering this kind of message, is in force."""
    rules = session.exec(select(PolicyRule).where(in_force(), PolicyRule.locale == locale, PolicyRule.rule_type == "required_statement",
                                                  PolicyRule.severity == "block")).all()
    return any(not r.kinds or kind in r.kinds.split(",") for r in rules)
