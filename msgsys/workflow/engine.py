"""One engine for every state machine kept as data (message versions, translations; broadcasts next).

A `Table` holds the rows: which step leads from which states to which, and who takes it: a person
with a permission, or the system itself (an import, the scheduler, carry-over, a save). The module
that owns the subject binds the table to it (whose text it is, its locale, its writers, its policy
check) and hangs hooks on steps; `apply_transition` then takes every step the same way: refusal
checks, reason, the hooks' checks, policy, the state change, one audit event, side effects.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session

from msgsys import permissions
from msgsys.audit import service as audit
from msgsys.clock import now
from msgsys.errors import InvalidTransition, PermissionDenied
from msgsys.text import clean_reason

PHASES = ("check", "apply", "after")


@dataclass(frozen=True)
class Transition:
    """A row of a table: from some states to one, and who takes it (a person with `permission`, or the `system`)."""

    name: str
    sources: frozenset[str]
    target: str
    permission: str | None = None  # None: only the system takes it, as one of `system`
    system: frozenset[str] = frozenset()  # the kinds of System actor that take it
    needs_reason: bool = False
    four_eyes: bool = False  # nobody whose writing the subject carries may take it
    own_only: bool = False  # only the subject's author may take it
    checks_policy: bool = False


def row(name: str, sources: Iterable[str], target: str, permission: str | None = None, *,
        system: Iterable[str] = (), **flags: bool) -> Transition:
    """A table row, with plain iterables for the sets."""
    return Transition(name, frozenset(sources), target, permission, frozenset(system), **flags)


@dataclass(frozen=True)
class System:
    """The system taking a step: `kind` names which part of it (import, scheduler, approval, carry-over, save).

    `user` is the person whose act set it off (an approval that publishes at once): the audit records them.
    Without one the audit records `label` (an import's file, say), or the kind.
    """

    kind: str
    label: str = ""
    user: Any = None


@dataclass(frozen=True)
class Refusal:
    """Why a step may not be taken: `kind` is state, permission, four_eyes, own_only or system."""

    kind: str
    message: str


@dataclass
class Move:
    """One step being taken, handed to every hook."""

    session: Session
    table: "Table"
    step: Transition
    subject: Any
    actor: Any  # a User, a System or None
    reason: str
    before: str
    at: datetime
    context: dict[str, Any]
    audit: dict[str, Any] = field(default_factory=dict)  # hooks add what the audit event should keep

    @property
    def person(self) -> Any:
        """Who is recorded as having taken the step: the person, or the one who set the system off."""
        return self.actor.user if isinstance(self.actor, System) else self.actor


Hook = Callable[[Move], None]


def _none(*_args: Any) -> None:
    return None


def _no_writers(*_args: Any) -> dict:
    return {}


class Table(Mapping[str, Transition]):
    """The rows of one state machine, keyed by step name, with the bindings and hooks of its subject.

    Subjects are table rows with an `id` and a `state` column. `initial` is the state a subject is created
    in; every other state is reached only through a row (checked here when the table is made).
    `wording` holds the subject's own refusal messages (lazy strings): `state` (with %(state)s, %(action)s),
    `own_only` and `writers` (with %(numbers)s).
    """

    def __init__(self, subject_type: str, *, states: Iterable[str], initial: str, rows: Iterable[Transition],
                 wording: Mapping[str, Any], writers_key: str = "wrote") -> None:
        self.subject_type = subject_type
        self.states = tuple(states)
        self.initial = initial
        self._rows = {t.name: t for t in rows}
        self.wording = dict(wording)
        self.writers_key = writers_key
        self._check_shape()
        self.bound = False
        self.author_of: Callable[[Session, Any], int | None] = _none
        self.locale_of: Callable[[Session, Any], str | None] = _none
        self.writers: Callable[[Session, Any], Mapping[int, Iterable[int]]] = _no_writers
        self.policy: Callable[[Session, Any], list] = lambda _s, _subject: []
        self.audit_after: Callable[[Session, Any], dict] = lambda _s, _subject: {}
        self._hooks: dict[tuple[str, str], list[Hook]] = defaultdict(list)

    def _check_shape(self) -> None:
        known = set(self.states)
        for t in self._rows.values():
            unknown = (t.sources | {t.target}) - known
            if unknown:
                raise ValueError(f"{self.subject_type}.{t.name}: unknown states {sorted(unknown)}")
            if (t.permission is None) == (not t.system):
                raise ValueError(f"{self.subject_type}.{t.name}: a row is taken by a person or by the system, one of the two")
        unreachable = known - {self.initial} - {t.target for t in self._rows.values()}
        if unreachable:
            raise ValueError(f"{self.subject_type}: no row reaches {sorted(unreachable)}")

    # Mapping: the rows by name.
    def __getitem__(self, name: str) -> Transition:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def bind(self, *, author_of=None, locale_of=None, writers=None, policy=None, audit_after=None) -> None:
        """Tell the engine how to read this table's subjects (called once by the module that owns them)."""
        for name, fn in (("author_of", author_of), ("locale_of", locale_of), ("writers", writers), ("policy", policy),
                         ("audit_after", audit_after)):
            if fn is not None:
                setattr(self, name, fn)
        self.bound = True

    def on(self, phase: str, *steps: str) -> Callable[[Hook], Hook]:
        """Decorator: run the function at `phase` (check, apply, after) of these steps ("*": every step)."""
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}")
        unknown = set(steps) - set(self._rows) - {"*"}
        if unknown or not steps:
            raise ValueError(f"{self.subject_type}: no steps {sorted(unknown)}")

        def register(fn: Hook) -> Hook:
            for s in steps:
                if fn not in self._hooks[(phase, s)]:  # a module imported twice registers once
                    self._hooks[(phase, s)].append(fn)
            return fn

        return register

    def hooks(self, phase: str, step: str) -> list[Hook]:
        """The hooks of a step at a phase, table-wide ones first."""
        return [*self._hooks[(phase, "*")], *self._hooks[(phase, step)]]


def refusal(table: Table, step: Transition, *, state: str, actor: Any, author_id: int | None = None, locale: str | None = None,
            writers: Mapping[int, Iterable[int]] | None = None) -> Refusal | None:
    """Why this actor may not take this step from this state, or None: the one rule the engine, buttons and hints use."""
    if state not in step.sources:
        return Refusal("state", table.wording["state"] % {"state": state, "action": step.name})
    if isinstance(actor, System) or step.permission is None:
        if isinstance(actor, System) and actor.kind in step.system:
            return None
        if step.permission is None:
            return Refusal("system", _("Only the system takes this step (%(who)s).", who=", ".join(sorted(step.system))))
        return Refusal("system", _("Only a person can take this step."))
    reason = permissions.refusal(actor, step.permission, locale=locale)
    if reason:
        return Refusal("permission", reason)
    if step.four_eyes:
        reason = permissions.refusal(actor, step.permission, locale=locale, author_id=author_id)
        if reason:
            return Refusal("four_eyes", reason)
        numbers = (writers or {}).get(actor.id)
        if numbers:
            return Refusal("four_eyes", table.wording["writers"] % {"numbers": ", ".join(str(n) for n in sorted(numbers))})
    if step.own_only and author_id is not None and author_id != actor.id:
        return Refusal("own_only", str(table.wording["own_only"]))
    return None


def available(table: Table, *, state: str, user: Any, author_id: int | None, locale: str | None = None,
              writers: Mapping[int, Iterable[int]] | None = None) -> list[Transition]:
    """The steps this user could take from this state, for buttons and API hints."""
    return [t for t in table.values()
            if refusal(table, t, state=state, actor=user, author_id=author_id, locale=locale, writers=writers) is None]


def steps_for(session: Session, table: Table, subject: Any, user: Any) -> list[Transition]:
    """The steps this user may take on this subject now (the same rules apply_transition applies)."""
    return available(table, state=subject.state, user=user, author_id=table.author_of(session, subject),
                     locale=table.locale_of(session, subject), writers=table.writers(session, subject))


def _refuse(session: Session, table: Table, step: Transition, subject: Any, actor: Any, refused: Refusal, *,
            author_id: int | None, locale: str | None, writers: Mapping[int, Iterable[int]]) -> None:
    if refused.kind == "state":
        raise InvalidTransition(refused.message, details={"state": subject.state, "allowed_from": sorted(step.sources)})
    if isinstance(actor, System):
        raise PermissionDenied(refused.message, details={"action": f"{table.subject_type}.{step.name}"})
    extra: dict[str, Any] = {"locale": locale, "author_id": author_id if step.four_eyes else None}
    if refused.kind == "four_eyes" and writers.get(getattr(actor, "id", None)):
        extra[table.writers_key] = sorted(writers[actor.id])
    # Audited, even though the refused work is rolled back.
    permissions.deny(actor, step.permission or f"{table.subject_type}.{step.name}", refused.message,
                     subject_type=table.subject_type, subject_id=subject.id, **extra)


def _change_state(session: Session, subject: Any, before: str, target: str) -> None:
    """Move the row's state only if it is still `before` (UPDATE ... WHERE state = before): of two people
    taking a step at once, the second is refused instead of repeating it."""
    if not sa.inspect(subject).persistent:
        subject.state = target
        return
    table = type(subject).__table__
    changed = session.execute(sa.update(table).where(table.c.id == subject.id, table.c.state == before).values(state=target)).rowcount
    if changed != 1:
        raise InvalidTransition(_("Someone else changed this meanwhile; look at it again."), details={"state": before})
    subject.state = target


def apply_transition(session: Session, table: Table, subject: Any, actor: Any, name: str, *, reason: str | None = "",
                     **context: Any) -> Any:
    """Take one step of `table` on `subject` as `actor` (a User, a System or None), or refuse it and change nothing.

    In order: the step exists; the refusal rule (state, who, own-only, four eyes with everyone whose writing the
    subject carries); the reason; the step's check hooks; the policy when the step checks it; the state change;
    the apply hooks; one audit event (who, from which state to which, the reason, what the hooks added); the
    after hooks (side effects, which may take further steps). `context` is for the hooks.
    """
    if not table.bound:
        raise RuntimeError(f"the {table.subject_type} table has no bindings: import the module that owns it")
    step = table.get(name)
    if step is None:
        raise InvalidTransition(_("There is no step called %(name)s.", name=name))
    author_id = table.author_of(session, subject)
    locale = table.locale_of(session, subject)
    person = not isinstance(actor, System)
    writers = table.writers(session, subject) if step.four_eyes and person and actor is not None else {}
    refused = refusal(table, step, state=subject.state, actor=actor, author_id=author_id, locale=locale, writers=writers)
    if refused is not None:
        _refuse(session, table, step, subject, actor, refused, author_id=author_id, locale=locale, writers=writers)
    move = Move(session=session, table=table, step=step, subject=subject, actor=actor,
                reason=clean_reason(reason, required=step.needs_reason), before=subject.state, at=now(), context=context)
    for hook in table.hooks("check", name):
        hook(move)
    if step.checks_policy:
        warnings = table.policy(session, subject)  # raises PolicyViolation on a blocking problem
        if warnings:
            move.audit["warnings"] = warnings
    _change_state(session, subject, move.before, step.target)
    for hook in table.hooks("apply", name):
        hook(move)
    session.add(subject)
    session.flush()
    label = (actor.label or actor.kind) if isinstance(actor, System) else None  # used when no person is recorded
    audit.record(session, actor=move.person, label=label, action=f"{table.subject_type}.{name}", subject_type=table.subject_type,
                 subject_id=subject.id, before={"state": move.before},
                 after={"state": subject.state, **table.audit_after(session, subject), **move.audit}, note=move.reason)
    session.flush()
    for hook in table.hooks("after", name):
        hook(move)
    return subject
