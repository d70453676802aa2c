"""Migration 0005: a K'iche' rule put in force before approvals existed goes back to waiting for a K'iche' translator."""
from __future__ import annotations

import json

import sqlalchemy as sa

from msgsys import migrate
from tests.conftest import PG_URL, empty_database


def test_kiche_rules_in_force_are_held_for_approval_and_audited(tmp_path):
    engine = empty_database(tmp_path, "mig0005")
    migrate.upgrade(engine, "0004")
    insert = sa.text("INSERT INTO policyrule (rule_key, version, active, rule_type, pattern, severity, locale, kinds, description, created_at)"
                     " VALUES (:key, :v, :active, 'forbidden_phrase', 'placeholder claim', 'block', :locale, '', '', '2026-01-01 00:00:00')")
    with engine.begin() as conn:
        for key, version, active, locale in (("r1", 1, False, "quc"), ("r1", 2, True, "quc"), ("r2", 1, True, "es")):
            conn.execute(insert, {"key": key, "v": version, "active": active, "locale": locale})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rules = conn.execute(sa.text("SELECT rule_key, version, active, status FROM policyrule ORDER BY id")).all()
        events = conn.execute(sa.text("SELECT actor_label, action, subject_id, after FROM auditevent")).all()
    assert [(k, v, bool(a), s) for k, v, a, s in rules] == [
        ("r1", 1, False, "not_required"), ("r1", 2, False, "pending"), ("r2", 1, True, "not_required")]
    assert [(label, action, subject) for label, action, subject, _after in events] == [("migration 0005", "policy.hold", "r1")]
    assert json.loads(events[0][3]) == {"version": 2, "active": False, "status": "pending"}
    migrate.downgrade(engine, "0004")
    if PG_URL:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA mig0005 CASCADE"))
    engine.dispose()
