"""Database engine, the request-scoped session and the one transaction boundary."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session, SQLModel, create_engine


def make_engine(url: str, *, busy_timeout: float = 30.0) -> sa.Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout (seconds a write waits for the lock)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def claim_rows(
    session: Session,
    model: type[SQLModel],
    *,
    where: Iterable[sa.ColumnElement[bool]],
    set_state: str | None = None,
    limit: int | None = None,
    order_by: Iterable[sa.ColumnElement] = (),
) -> list[int]:
    """Take the rows matching `where` for this caller alone and return their ids (ascending).

    A worker running the same claim at the same moment, in this process or another, gets other rows or none.
    With `set_state`, the claim moves the rows' `state` there (`where` names the state they come from): commit,
    and they are this caller's to work on outside the transaction. Without it, the rows are held until this
    transaction ends (row locks on PostgreSQL, the database write lock on SQLite) and the caller changes them
    in it, so that they no longer match.
    """
    table = model.__table__
    key = table.c.id
    candidates = sa.select(key).where(*where).order_by(*order_by)
    if limit is not None:
        candidates = candidates.limit(limit)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.execute(candidates.with_for_update(skip_locked=True)).scalars())
        if ids and set_state is not None:
            session.execute(sa.update(table).where(key.in_(ids)).values(state=set_state))
    else:
        # SQLite has no row locks: a SELECT guarantees nothing, and pysqlite runs it outside any transaction.
        # One UPDATE that picks the rows and changes them is atomic: SQLite gives it the write lock (waiting
        # up to the busy timeout when another writer has it) and evaluates `where` under that lock, so a
        # worker that waited sees what the first one took and no longer matches it.
        if session.execute(candidates.limit(1)).first() is None:
            return []  # nothing due: do not take the write lock for nothing
        if set_state is not None:
            values = {"state": set_state}
        else:  # a write that changes nothing, only to hold the lock until the caller's changes commit
            column = next(c for c in table.columns if not c.primary_key and not c.foreign_keys)
            values = {column.name: column}
        picked = sa.update(table).where(key.in_(candidates.scalar_subquery().correlate(None)))
        ids = list(session.execute(picked.values(**values).returning(key)).scalars())
    claimed = set(ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model) and obj.id in claimed:
            session.expire(obj)  # the caller's copies show what the claim wrote
    return sorted(claimed)


def engine() -> sa.Engine:
    """The current app's engine."""
    return current_app.extensions["msgsys.engine"]


def session() -> Session:
    """The session of this app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


@contextmanager
def _committed(s: Session) -> Iterator[Session]:
    try:
        yield s
        s.commit()
    except BaseException as exc:
        s.rollback()
        event = _refusal_to_audit(exc)
        if event is not None:  # a refusal is kept even though the refused work is not
            from msgsys.audit import service as audit

            audit.record(s, **event)
            s.commit()
        raise


def _refusal_to_audit(exc: BaseException | None) -> dict | None:
    # The refusal may have been wrapped in another error on its way out (a file import does that).
    while exc is not None:
        event = getattr(exc, "audit_after_rollback", None)
        if event is not None:
            return event
        exc = exc.__cause__ or exc.__context__
    return None


def has_pending_writes() -> bool:
    """True when this context's session has written in its open transaction."""
    s = g.get("db_session")
    return bool(s is not None and (s.info.get("wrote") or s.new or s.dirty or s.deleted))


def _track_writes() -> None:
    if sa.event.contains(Session, "after_flush", _wrote):
        return
    sa.event.listen(Session, "after_flush", _wrote)
    sa.event.listen(Session, "after_commit", _clean)
    sa.event.listen(Session, "after_rollback", _clean)


def _wrote(s, _ctx) -> None:
    s.info["wrote"] = True


def _clean(s) -> None:
    s.info.pop("wrote", None)


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit what the block did, or roll all of it back on any error."""
    with _committed(session()) as s:
        yield s


@contextmanager
def separate_transaction() -> Iterator[Session]:
    """A short transaction of its own, kept even when the caller's rolls back (refusal audits)."""
    with Session(engine(), expire_on_commit=False) as s, _committed(s):
        yield s


def _close_session(_exc: BaseException | None = None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def init_app(app: Flask, url: str) -> None:
    """Create the engine for this app and close sessions at teardown."""
    settings = app.config.get("MSGSYS")
    app.extensions["msgsys.engine"] = make_engine(url, busy_timeout=settings.sqlite_busy_timeout if settings else 30.0)
    _track_writes()
    app.teardown_appcontext(_close_session)
