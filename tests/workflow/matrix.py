"""Reading the hand-written workflow matrices, and taking one step of them as a user would see its outcome."""
from __future__ import annotations

import sqlalchemy as sa

from msgsys.errors import DomainError, InvalidTransition, PermissionDenied
from tests.refusals import committed, diff_snapshots

OUTCOMES = frozenset({"ok", "state", "role", "4eyes", "own", "system"})


def parse(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """`step actor <outcome per state>` lines under a header naming the states -> {(step, actor): {state: outcome}}."""
    header, *lines = [line.split() for line in text.strip().splitlines()]
    states = header[2:]
    matrix = {}
    for cells in lines:
        step, actor, *outcomes = cells
        assert len(outcomes) == len(states) and set(outcomes) <= OUTCOMES, cells
        assert (step, actor) not in matrix, f"{step} {actor} twice"
        matrix[step, actor] = dict(zip(states, outcomes))
    return matrix


def outcome(err: DomainError) -> str:
    """What a refusal says, in the matrix's words (or the error itself when it is none of them)."""
    message = err.message
    if isinstance(err, InvalidTransition) and " cannot be " in message:
        return "state"
    if isinstance(err, PermissionDenied):
        if "four eyes" in message.lower():
            return "4eyes"
        if message.startswith("Only the author"):
            return "own"
        if message.startswith(("Only the system", "Only a person")):
            return "system"
        if "role does not allow" in message or "You do not translate" in message:
            return "role"
    return f"{type(err).__name__}: {message}"


def attempt(app, session, call) -> tuple[str, list[str]]:
    """Take a step; return its outcome and what changed in the database, read on a connection of its own.

    The session is committed after a refusal, so anything the refused step wrote would show.
    Audited refusals (permission.denied) are not counted as changes.
    """
    before = committed(app)
    try:
        call()
    except DomainError as err:
        result = outcome(err)
    else:
        result = "ok"
    session.commit()
    return result, diff_snapshots(before, committed(app))


def denials(app) -> int:
    """How many refusals the audit log holds."""
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM auditevent WHERE action = 'permission.denied'")).scalar()


def committed_state(app, model, row_id: int) -> str:
    """A row's state as the database holds it, read on a connection of its own."""
    table = model.__table__
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.select(table.c.state).where(table.c.id == row_id)).scalar_one()


def refused_as_written(app, session, matrix, state: str, people, take) -> tuple[dict, dict, dict]:
    """Take every step the matrix refuses from this state; (expected outcomes, actual outcomes, what changed).

    A person's refusal must leave exactly one permission.denied audit event (a refusal by state is no
    permission matter); anything else it changed, read on a connection of its own, is reported.
    """
    expected, actual, changed = {}, {}, {}
    for (name, who), outcomes in matrix.items():
        if outcomes[state] == "ok":
            continue
        denied = denials(app)
        expected[name, who] = outcomes[state]
        actual[name, who], diff = attempt(app, session, lambda: take(who, name))
        if diff:
            changed[name, who] = diff
        audited = denials(app) - denied
        if who in people and outcomes[state] != "state" and audited != 1:
            changed[name, who] = f"{audited} permission.denied events"
    return expected, actual, changed
