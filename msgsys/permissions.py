"""Who may do what: the one place every view, API call and CLI command asks."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l

from msgsys.errors import PermissionDenied
from msgsys.locales import language_name

ROLES: tuple[str, ...] = ("author", "approver", "translator", "admin")
# How a refusal names the roles an action takes.
ROLE_NAMES = {"author": _l("author"), "approver": _l("approver"), "translator": _l("translator"), "admin": _l("administrator")}

# action -> roles that may take it. Locale-bound actions also need the locale among the user's.
ACTIONS: dict[str, frozenset[str]] = {
    "officer.view": frozenset({"author", "approver", "translator", "admin"}),
    "user.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    "policy.manage": frozenset({"admin"}),
    # A rule in a language that needs a native speaker's sign-off (K'iche', see msgsys.policy.review)
    # takes effect once a translator of that language approves it; the rule's locale is the locale here.
    "policy.approve": frozenset({"translator"}),
    "policy.reject": frozenset({"translator"}),
    "sender.manage": frozenset({"admin"}),
    "partner.manage": frozenset({"admin"}),
    "campaign.create": frozenset({"author"}),
    "campaign.edit": frozenset({"author"}),
    "message.create": frozenset({"author"}),
    "version.draft": frozenset({"author"}),
    "version.submit": frozenset({"author"}),
    "version.approve": frozenset({"approver"}),
    "version.request_changes": frozenset({"approver"}),
    "version.retire": frozenset({"approver"}),
    "rumor.manage": frozenset({"author"}),
    "broadcast.plan": frozenset({"author"}),
    "broadcast.approve": frozenset({"approver"}),
    "translation.edit": frozenset({"translator"}),
    "translation.submit": frozenset({"translator"}),
    "translation.approve": frozenset({"translator"}),
    "translation.request_changes": frozenset({"translator"}),
    "catalog.import": frozenset({"translator"}),
    "sandbox.view": frozenset({"author", "approver", "admin"}),
    "subscriber.manage": frozenset({"admin"}),
    "keyword.manage": frozenset({"admin"}),
    # A keyword in a language that needs a native speaker's sign-off (K'iche', msgsys.sms.keywords) matches once a
    # translator of that language who did not add it approves it; the keyword's locale is the locale here.
    "keyword.approve": frozenset({"translator"}),
}

LOCALE_BOUND = frozenset(
    {"translation.edit", "translation.submit", "translation.approve", "translation.request_changes", "catalog.import",
     "policy.approve", "policy.reject", "keyword.approve"}
)

# Four eyes: whoever wrote the thing may never take these actions on it, whatever roles they hold.
FOUR_EYES = frozenset(
    {"version.approve", "version.request_changes", "broadcast.approve", "translation.approve", "translation.request_changes",
     "policy.approve", "policy.reject", "keyword.approve"}
)


def refusal(user: Any, action: str, *, locale: str | None = None, author_id: int | None = None) -> str | None:
    """Why the user may not take the action, or None when they may."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return _("You need to sign in.")
    if not user.is_active:
        return _("This account is deactivated.")
    if not (user.role_set & ACTIONS[action]):
        roles = " / ".join(str(ROLE_NAMES[r]) for r in ROLES if r in ACTIONS[action])
        return _("Your role does not allow this: it takes the role of %(roles)s.", roles=roles)
    if action in LOCALE_BOUND and (locale is None or locale not in user.locale_set):
        if locale is None:
            return _("Name the language: you may only work in the languages you translate.")
        return _("You do not translate %(language)s.", language=language_name(locale))
    if action in FOUR_EYES and author_id is not None and author_id == user.id:
        return _("Four eyes: you cannot review or approve your own work.")
    return None


def can(user: Any, action: str, **kw: Any) -> bool:
    """True when the user may take the action."""
    return refusal(user, action, **kw) is None


def require(user: Any, action: str, *, subject_type: str = "", subject_id: Any = "", **kw: Any) -> None:
    """Raise PermissionDenied, and audit the refusal, unless the user may take the action."""
    reason = refusal(user, action, **kw)
    if reason is not None:
        deny(user, action, reason, subject_type=subject_type, subject_id=subject_id, **kw)


def deny(user: Any, action: str, reason: str, *, subject_type: str = "", subject_id: Any = "", **kw: Any) -> None:
    """Raise PermissionDenied, making sure the refusal is audited even though the refused work is rolled back."""
    from flask import has_app_context

    from msgsys import db

    actor = user if getattr(user, "is_authenticated", False) and getattr(user, "id", None) else None
    event = dict(
        actor=actor, action="permission.denied", subject_type=subject_type or action.split(".")[0], subject_id=subject_id,
        after={"action": action, **{k: v for k, v in kw.items() if v is not None}}, note=reason, label="anonymous",
    )
    refusal_error = PermissionDenied(reason, details={"action": action})
    if has_app_context():
        if db.has_pending_writes():
            # This transaction holds the write lock (SQLite): audit after it rolls back (db.transaction does).
            refusal_error.audit_after_rollback = event
        else:
            from msgsys.audit import service as audit

            with db.separate_transaction() as s:
                audit.record(s, **event)
    raise refusal_error


def requires(action: str):
    """View decorator: sign-in first, then the permission check above."""
    from functools import wraps

    from flask_login import current_user

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app

                return current_app.login_manager.unauthorized()
            require(current_user, action, subject_type=action.split(".")[0])
            return view(*args, **kwargs)

        return wrapper

    return decorate
