"""Versions: immutability, edits making new versions, supersession, scheduled go-live and expiry, diffs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from msgsys.content import service as content
from msgsys.content.diff import diff_versions
from msgsys.content.models import ImmutableVersionError, MessageVersion
from msgsys.errors import Conflict, InvalidTransition, ValidationError
from msgsys.workflow import service as workflow
from tests.factories import make_campaign, make_message, make_user, make_version, step
from tests.refusals import committed, refused


@pytest.fixture
def people(session):
    return make_user(session, roles="author"), make_user(session, roles="approver")


def test_a_submitted_version_cannot_be_edited_and_an_edit_makes_a_new_version(app, session, people):
    author, approver = people
    message = make_message(session)
    v1 = make_version(session, message, author, title="First")
    step(session, v1, author, "submit")
    refused(app, session, lambda: content.update_draft(session, actor=author, version=v1, data={"title": "Changed", "body": "x", "sms_text": "x"}),
            InvalidTransition, match="cannot change")
    v2 = content.edit(session, actor=author, version=v1, data={"title": "Second", "body": "b", "sms_text": "s"})
    session.commit()
    assert (v2.number, v2.state, v2.based_on_id) == (2, "draft", v1.id)
    assert session.get(MessageVersion, v1.id).title == "First"


def test_editing_ones_own_draft_changes_it_in_place(session, people):
    author, _ = people
    v1 = make_version(session, make_message(session), author, title="Draft")
    same = content.edit(session, actor=author, version=v1, data={"title": "Better", "body": "b", "sms_text": "s"})
    session.commit()
    assert same.id == v1.id and same.title == "Better"


def test_another_authors_edit_of_a_draft_makes_their_own_version(session, people):
    author, _ = people
    colleague = make_user(session, roles="author")
    v1 = make_version(session, make_message(session), author)
    v2 = content.edit(session, actor=colleague, version=v1, data={"title": "Mine", "body": "b", "sms_text": "s"})
    session.commit()
    assert v2.id != v1.id and v2.author_id == colleague.id and session.get(MessageVersion, v1.id).title != "Mine"


@pytest.mark.parametrize("state_path", [["submit"], ["submit", "approve"], ["submit", "request_changes"]])
def test_no_code_path_can_change_a_submitted_versions_content(app, session, people, state_path):
    author, approver = people
    version = make_version(session, make_message(session), author)
    for name in state_path:
        step(session, version, author if name == "submit" else approver, name, reason="r")
    before = committed(app)
    version.body = "sneaky change"
    with pytest.raises(ImmutableVersionError):
        session.flush()
    with pytest.raises(ImmutableVersionError):
        session.commit()  # nor can it be committed
    assert committed(app) == before
    session.rollback()


def test_publishing_a_newer_version_supersedes_the_older(session, people):
    author, approver = people
    message = make_message(session)
    v1 = make_version(session, message, author, title="One")
    step(session, v1, author, "submit"); step(session, v1, approver, "approve")
    v2 = content.edit(session, actor=author, version=v1, data={"title": "Two", "body": "b", "sms_text": "s"}); session.commit()
    step(session, v2, author, "submit"); step(session, v2, approver, "approve")
    session.refresh(v1)
    assert v2.state == "published" and v1.state == "retired" and v1.superseded_by_id == v2.id
    assert content.published_version(session, message).id == v2.id
    assert len(session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id, MessageVersion.state == "published")).all()) == 1


def test_scheduled_go_live_and_expiry_happen_without_anyone_clicking(app, session, people, clock):
    author, approver = people
    message = make_message(session)
    go_live, expiry = clock.now() + timedelta(hours=2), clock.now() + timedelta(days=1)
    version = make_version(session, message, author, go_live_at=go_live, expires_at=expiry)
    step(session, version, author, "submit"); step(session, version, approver, "approve")
    assert version.state == "approved"
    assert [(when, what) for when, what, _ in workflow.schedule(session)] == [(go_live, "go_live"), (expiry, "expiry")]

    clock.advance(hours=1)
    assert workflow.run_schedule(session) == {"published": 0, "expired": 0}
    clock.advance(hours=1)
    assert workflow.run_schedule(session) == {"published": 1, "expired": 0}
    session.commit()
    assert session.get(MessageVersion, version.id).state == "published"
    clock.advance(days=1)
    from msgsys.jobs import run_periodic

    results = run_periodic(app)  # the worker's periodic job does the same
    assert results["content.schedule"] == {"published": 0, "expired": 1}
    session.expire_all()
    retired = session.get(MessageVersion, version.id)
    assert retired.state == "retired" and retired.retire_reason == "expired"


def test_retire_withdraws_a_published_version_with_a_reason(session, people):
    author, approver = people
    version = make_version(session, make_message(session), author)
    step(session, version, author, "submit"); step(session, version, approver, "approve")
    step(session, version, approver, "retire", reason="Program paused")
    assert version.state == "retired" and version.retire_reason == "Program paused"


def test_restore_brings_an_old_version_back_as_a_new_draft(session, people):
    author, approver = people
    message = make_message(session)
    v1 = make_version(session, message, author, title="Original")
    step(session, v1, author, "submit")
    v2 = content.edit(session, actor=author, version=v1, data={"title": "Rewrite", "body": "b", "sms_text": "s"}); session.commit()
    v3 = content.restore(session, actor=author, version=v1); session.commit()
    assert (v3.number, v3.title, v3.state, v3.change_note) == (3, "Original", "draft", "Restored from version 1")


def test_diff_marks_words_added_and_removed(session, people):
    author, _ = people
    message = make_message(session)
    old = make_version(session, message, author, body="The border is not open.")
    new = make_version(session, message, author, body="The border is still not open.")
    body = next(d for d in diff_versions(old, new) if d.field == "body")
    assert body.changed and "<ins>still </ins>" in str(body.new_html)
    title = next(d for d in diff_versions(old, new) if d.field == "title")
    assert not title.changed


def test_diff_escapes_html(session, people):
    author, _ = people
    message = make_message(session)
    old = make_version(session, message, author, body="a")
    new = make_version(session, message, author, body="<script>alert(1)</script>")
    html = str(next(d for d in diff_versions(old, new) if d.field == "body").new_html)
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("data, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"body": "x" * 20_001}, "body"),
    ({"sms_text": ""}, "sms_text"),
    ({"sms_text": "x" * 1601}, "sms_text"),
    ({"body": "evil\u202eoverride"}, "body"),
    ({"title": "nul\x00byte"}, "title"),
    ({"go_live_at": "2026-05-01T10:00:00Z", "expires_at": "2026-04-01T10:00:00Z"}, "expires_at"),
    ({"go_live_at": "next tuesday"}, "go_live_at"),
])
def test_bad_version_input_is_refused_and_nothing_is_created(app, session, people, data, field):
    author, _ = people
    message = make_message(session)
    err = refused(app, session, lambda: content.new_version(session, actor=author, message=message,
                                                            data={"title": "T", "body": "B", "sms_text": "S", **data}), ValidationError)
    assert err.details["field"] == field
    assert content.versions_of(session, message) == []


def test_campaign_and_message_input_is_checked(app, session):
    make_campaign(session, slug="taken")
    refused(app, session, lambda: make_campaign(session, slug="taken"), Conflict, match="taken")
    for bad, field in (({"slug": "Bad Slug!"}, "slug"), ({"slug": "ok", "source_locale": "fr"}, "source_locale"),
                       ({"slug": "ok2", "audience_countries": ["CA"]}, "audience_countries")):
        err = refused(app, session, lambda: content.create_campaign(session, actor=None, data={"title": "t", **bad}), ValidationError)
        assert err.details["field"] == field
    campaign = make_campaign(session)
    refused(app, session, lambda: content.create_message(session, actor=None, campaign=campaign, data={"key": "k", "kind": "gossip"}),
            ValidationError, match="kind")
    make_message(session, campaign, key="dup")
    refused(app, session, lambda: content.create_message(session, actor=None, campaign=campaign, data={"key": "dup", "kind": "info"}),
            Conflict, match="dup")


def test_an_older_version_approved_after_a_newer_one_went_live_never_replaces_it(app, session, people):
    author, approver = people
    message = make_message(session)
    v1 = make_version(session, message, author, title="One")
    step(session, v1, author, "submit")
    v2 = content.edit(session, actor=author, version=v1, data={"title": "Two", "body": "b", "sms_text": "s"}); session.commit()
    step(session, v2, author, "submit"); step(session, v2, approver, "approve")
    refused(app, session, lambda: step(session, v1, approver, "approve"), InvalidTransition, match="already published")
    assert content.published_version(session, message).id == v2.id


def test_a_scheduled_older_version_does_not_replace_a_newer_published_one(session, people, clock):
    author, approver = people
    message = make_message(session)
    v1 = make_version(session, message, author, title="One", go_live_at=clock.now() + timedelta(hours=1))
    step(session, v1, author, "submit"); step(session, v1, approver, "approve")
    v2 = content.edit(session, actor=author, version=v1, data={"title": "Two", "body": "b", "sms_text": "s"}); session.commit()
    step(session, v2, author, "submit"); step(session, v2, approver, "approve")
    clock.advance(hours=2)
    workflow.run_schedule(session)
    session.commit()
    assert content.published_version(session, message).id == v2.id
    assert session.get(MessageVersion, v1.id).state == "retired"


def test_the_same_moment_hashes_the_same_in_any_offset(session):
    from datetime import datetime, timezone as tz

    utc = datetime(2026, 5, 1, 16, 0, tzinfo=tz.utc)
    gt = datetime(2026, 5, 1, 10, 0, tzinfo=tz(timedelta(hours=-6)))
    assert content.content_hash({"title": "t", "go_live_at": utc}) == content.content_hash({"title": "t", "go_live_at": gt})


def test_an_empty_channel_list_is_refused(session):
    campaign = make_campaign(session)
    with pytest.raises(ValidationError, match="channel"):
        content.create_message(session, actor=None, campaign=campaign, data={"key": "k", "kind": "info", "channels": []})
