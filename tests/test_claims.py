"""Claims: two workers racing over the same due rows each take different ones, on SQLite and on PostgreSQL.

The workers are real: threads, each with its own engine and connections, on the suite's database (a SQLite
file, or PostgreSQL when MSGSYS_TEST_DATABASE_URL is set).
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from msgsys import create_app, db
from msgsys.content.models import MessageVersion
from msgsys.workflow.tasks import scheduled_transitions
from tests.factories import make_campaign, make_message, make_user, make_version, step


def _race(worker, n: int = 2) -> list:
    """Run `worker(i)` in n threads started at the same moment; return their results, re-raising any error."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = worker(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    if errors:
        raise errors[0]
    return results


def _approved_versions(session, count: int, **fields) -> list[int]:
    author, approver = make_user(session, roles="author"), make_user(session, roles="approver")
    campaign = make_campaign(session)
    ids = []
    for _ in range(count):
        version = make_version(session, make_message(session, campaign), author, **fields)
        step(session, version, author, "submit")
        step(session, version, approver, "approve")
        ids.append(version.id)
    return ids


def test_two_workers_claiming_in_batches_take_each_row_exactly_once(app, session, database_url, clock):
    ids = _approved_versions(session, 30, go_live_at=clock.now() + timedelta(hours=1))

    def worker(_i: int) -> list[int]:
        engine = db.make_engine(database_url)
        taken: list[int] = []
        try:
            while True:
                with Session(engine) as s:
                    batch = db.claim_rows(s, MessageVersion, where=[MessageVersion.state == "approved"],
                                          set_state="published", limit=3, order_by=[MessageVersion.id])
                    time.sleep(0.01)  # hold the claim a moment, as a worker doing real work would
                    s.commit()
                if not batch:
                    return taken
                taken += batch
                time.sleep(0.01)
        finally:
            engine.dispose()

    first, second = _race(worker)
    counts = Counter(first + second)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}, f"taken twice: {[i for i, c in counts.items() if c > 1]}"
    assert first and second, "both workers should have taken some rows"
    with app.extensions["msgsys.engine"].connect() as conn:
        states = conn.execute(sa.select(MessageVersion.state).where(MessageVersion.id.in_(ids))).scalars().all()
    assert set(states) == {"published"}


def test_a_claim_without_a_state_holds_the_rows_until_the_transaction_ends(app, session, database_url, clock):
    ids = _approved_versions(session, 3, go_live_at=clock.now() + timedelta(hours=1))
    engine = db.make_engine(database_url)
    other = db.make_engine(database_url)
    try:
        with Session(engine) as holder:
            assert db.claim_rows(holder, MessageVersion, where=[MessageVersion.state == "approved"]) == sorted(ids)
            done = threading.Event()
            got: list[list[int]] = []

            def late() -> None:
                with Session(other) as s:
                    got.append(db.claim_rows(s, MessageVersion, where=[MessageVersion.state == "approved"]))
                    s.commit()
                done.set()

            thread = threading.Thread(target=late)
            thread.start()
            time.sleep(0.3)
            holder.execute(sa.update(MessageVersion).where(MessageVersion.id.in_(ids)).values(state="retired"))
            holder.commit()
            thread.join(timeout=30)
        assert done.is_set() and got == [[]]
    finally:
        engine.dispose()
        other.dispose()


def test_two_schedulers_at_once_publish_each_due_version_exactly_once(config, session, clock):
    ids = _approved_versions(session, 12, go_live_at=clock.now() + timedelta(hours=1))
    clock.advance(hours=2)
    apps = [create_app(config) for _ in range(2)]  # two workers, each with its own engine

    def worker(i: int) -> dict:
        with apps[i].app_context():
            return scheduled_transitions()

    try:
        results = _race(worker)
    finally:
        for a in apps:
            a.extensions["msgsys.engine"].dispose()
    assert sum(r["published"] for r in results) == len(ids)
    engine = db.make_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            published = conn.execute(sa.text(
                "SELECT subject_id, count(*) FROM auditevent WHERE action = 'version.publish' GROUP BY subject_id")).all()
            states = conn.execute(sa.select(MessageVersion.state).where(MessageVersion.id.in_(ids))).scalars().all()
    finally:
        engine.dispose()
    assert sorted(int(subject) for subject, _n in published) == sorted(ids)
    assert {n for _s, n in published} == {1}, "a version was published twice"
    assert set(states) == {"published"}
