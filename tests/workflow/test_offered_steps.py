"""The steps the editor and the API offer (msgsys.workflow.transitions.available): each fact it is given counts."""
from __future__ import annotations

from msgsys.auth.models import User
from msgsys.workflow.transitions import TRANSLATION_TRANSITIONS, available


def _user(roles, uid=1, locales="es"):
    return User(id=uid, email=f"u{uid}@example.org", password_hash="x", roles=roles, locales=locales, active=True)


def offered(**kw):
    return [t.name for t in available(**kw)]


def test_a_version_offers_its_reviewer_the_review_steps_and_its_writer_none():
    assert offered(state="in_review", user=_user("approver"), author_id=2) == ["approve", "request_changes"]
    assert offered(state="in_review", user=_user("approver"), author_id=1) == []
    # By state alone; workflow.service.steps_for offers publish_now only for a version held for its translations.
    assert offered(state="approved", user=_user("approver"), author_id=2) == ["retire", "publish_now"]
    assert offered(state="approved", user=_user("approver"), author_id=1) == ["retire"]
    assert offered(state="draft", user=_user("author"), author_id=1) == ["submit"]


def test_someone_whose_writing_the_version_carries_is_offered_no_review():
    assert offered(state="in_review", user=_user("approver"), author_id=2, writers={1: [3]}) == []


def test_a_translation_offers_review_only_to_another_translator_of_its_locale():
    reviewer = _user("translator", locales="es")
    assert offered(state="in_review", user=reviewer, author_id=2, table=TRANSLATION_TRANSITIONS, locale="es") == [
        "approve", "request_changes"]
    assert offered(state="in_review", user=reviewer, author_id=2, table=TRANSLATION_TRANSITIONS, locale="quc") == []
