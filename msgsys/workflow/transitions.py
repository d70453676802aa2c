"""The message-version state machine as data: one table used by the UI, the API and the tests."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from msgsys import permissions


@dataclass(frozen=True)
class Transition:
    """An allowed move from some states to one, and who may make it."""

    name: str
    sources: frozenset[str]
    target: str
    permission: str | None  # None: only the system (scheduler) takes it
    needs_reason: bool = False
    four_eyes: bool = False  # the version's author may never take it
    own_only: bool = False  # only the version's author may take it
    checks_policy: bool = False


def _t(name, sources, target, permission, **kw) -> Transition:
    return Transition(name, frozenset(sources), target, permission, **kw)


VERSION_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", {"draft"}, "in_review", "version.submit", own_only=True, checks_policy=True),
        _t("approve", {"in_review"}, "approved", "version.approve", four_eyes=True, checks_policy=True),
        _t("request_changes", {"in_review"}, "changes_requested", "version.request_changes", needs_reason=True, four_eyes=True),
        _t("retire", {"approved", "published"}, "retired", "version.retire", needs_reason=True),
        _t("publish", {"approved"}, "published", None),
        _t("expire", {"approved", "published"}, "retired", None),
        _t("supersede", {"published", "approved"}, "retired", None),
    )
}


# Translations: the same shape of table; the permission is bound to the translation's locale.
TRANSLATION_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", {"draft"}, "in_review", "translation.submit", own_only=True, checks_policy=True),
        _t("approve", {"in_review"}, "approved", "translation.approve", four_eyes=True, checks_policy=True),
        _t("request_changes", {"in_review"}, "changes_requested", "translation.request_changes", needs_reason=True, four_eyes=True),
    )
}


def writer_refusal(transition: Transition, *, user, writers: Mapping[int, Iterable[int]]) -> str | None:
    """Four eyes beyond the direct author: why someone whose writing the text carries may not review it, or None.

    `writers` maps each such person to the numbers of the versions they wrote (see workflow.service.writers).
    """
    from flask_babel import gettext as _

    numbers = writers.get(getattr(user, "id", None)) if transition.four_eyes else None
    if not numbers:
        return None
    return _("You wrote text this version carries (version %(numbers)s of this message, not approved by anyone else since): "
             "four eyes, someone else must review it.", numbers=", ".join(str(n) for n in sorted(numbers)))


def refusal(transition: Transition, *, state: str, user, author_id: int | None, locale: str | None = None,
            writers: Mapping[int, Iterable[int]] | None = None) -> str | None:
    """Why this user may not take this transition from this state now, or None."""
    from flask_babel import gettext as _

    if state not in transition.sources:
        return _("This cannot be %(action)s from the state %(state)s.", state=state, action=transition.name)
    if transition.permission is None:
        return _("Only the scheduler takes this step.")
    reason = permissions.refusal(user, transition.permission, locale=locale, author_id=author_id if transition.four_eyes else None)
    if reason:
        return reason
    reason = writer_refusal(transition, user=user, writers=writers or {})
    if reason:
        return reason
    if transition.own_only and author_id is not None and author_id != user.id:
        return _("Only the author of this text can submit it.")
    return None


def available(*, state: str, user, author_id: int | None, table: dict[str, Transition] = VERSION_TRANSITIONS, locale: str | None = None,
              writers: Mapping[int, Iterable[int]] | None = None) -> list[Transition]:
    """Transitions this user could take on a version (or translation) in this state, for buttons and API hints."""
    return [t for t in table.values() if refusal(t, state=state, user=user, author_id=author_id, locale=locale, writers=writers) is None]
