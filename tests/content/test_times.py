"""Go-live and expiry times: ISO 8601 with an offset, in years a schedule can use, however they enter (API, editor, service)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from msgsys.content import service as content
from msgsys.errors import ValidationError
from tests.factories import ApiClient, login, make_message, make_token, make_user, make_version, post_form
from tests.security.conftest import diff_snapshots, snapshot

# Values that are not a usable time, and the field each is sent in.
REFUSED = [
    ("go_live_at", "9999-12-31T23:59:59-14:00"),  # overflowed turning into UTC: a 500
    ("expires_at", "0001-01-01T00:00:00+14:00"),  # the same, the other way
    ("go_live_at", "9999-12-31T23:59:59Z"),  # "never", spelled as a date
    ("expires_at", "0206-03-05T09:00:00Z"),  # a typo for 2026
    ("go_live_at", "1999-12-31T23:59:59Z"),
    ("go_live_at", "2101-01-01T00:00:00Z"),
    ("expires_at", "2100-12-31T23:00:00-12:00"),  # 2101 in UTC
    ("go_live_at", "2000-01-01T00:00:00+00:01"),  # 1999 in UTC
    ("go_live_at", "1767225600"),  # seconds since 1970, as text: was read as 2026-01-01
    ("expires_at", "1767225600000"),
    ("go_live_at", 1767225600),
    ("go_live_at", 1767225600.5),
    ("go_live_at", True),
    ("go_live_at", ["2026-03-05T09:00:00Z"]),
    ("go_live_at", "2026-03-05T09:00:00"),  # no offset
    ("go_live_at", "2026-03-05"),
    ("go_live_at", "2026-03-05T09:00:00+15:00"),  # no such offset
    ("go_live_at", "2026-03-05T09:00:00+05:30:15"),
    ("go_live_at", "tomorrow"),
    ("go_live_at", ""),
]

# Honest times, written as people and their tools write them, and the UTC moment each means.
HONEST = [
    ("2026-03-05T09:00:00-06:00", "2026-03-05T15:00:00Z"),
    ("2026-03-05T15:00:00Z", "2026-03-05T15:00:00Z"),
    ("2026-03-05t15:00:00z", "2026-03-05T15:00:00Z"),  # RFC 3339 allows lowercase
    ("2026-03-05 15:00:00+00:00", "2026-03-05T15:00:00Z"),
    ("2026-03-05T20:45:00.250+05:45", "2026-03-05T15:00:00.250000Z"),
    ("2026-03-06T05:00:00+14:00", "2026-03-05T15:00:00Z"),
    ("2026-03-05T03:00:00-12:00", "2026-03-05T15:00:00Z"),
    ("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z"),
    ("2000-01-01T05:00:00+05:00", "2000-01-01T00:00:00Z"),
    ("2100-12-31T23:59:59Z", "2100-12-31T23:59:59Z"),
    ("2101-01-01T09:59:59+10:00", "2100-12-31T23:59:59Z"),
]


@pytest.fixture
def author(session):
    return make_user(session, roles="author")


@pytest.fixture
def message(session):
    return make_message(session)


@pytest.fixture
def api(client, session, author):
    return ApiClient(client, make_token(session, author))


def _version_body(**times):
    return {"title": "Registration is virtual", "body": "Register online.", "sms_text": "Register online.", **times}


@pytest.mark.parametrize("field, value", REFUSED)
def test_the_api_refuses_a_bad_time_naming_the_field_and_changes_nothing(app, api, message, field, value):
    before = snapshot(app, ignore_token_use=True)
    response = api.post(f"/messages/{message.id}/versions", _version_body(**{field: value}))
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = response.json["error"]
    assert error["code"] == "validation_error" and error["details"]["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert diff_snapshots(before, snapshot(app, ignore_token_use=True)) == []


def test_the_api_says_what_is_wrong_with_a_time(api, message):
    def message_for(value):
        return api.post(f"/messages/{message.id}/versions", _version_body(go_live_at=value)).json["error"]["message"]

    assert "offset" in message_for("2026-03-05T09:00:00") and "2026-03-05T09:00:00-06:00" in message_for("2026-03-05T09:00:00")
    assert "2000" in message_for("9999-12-31T23:59:59-14:00") and "2100" in message_for("9999-12-31T23:59:59-14:00")
    assert "ISO 8601" in message_for("1767225600") and "ISO 8601" in message_for(1767225600)


@pytest.mark.parametrize("value, utc", HONEST)
def test_the_api_takes_honest_times_and_answers_in_utc(api, message, value, utc):
    response = api.post(f"/messages/{message.id}/versions", _version_body(go_live_at=value))
    assert response.status_code == 201, response.json
    assert response.json["go_live_at"] == utc
    assert api.get(f"/versions/{response.json['id']}").json["go_live_at"] == utc  # as stored


def test_the_openapi_document_still_calls_them_date_times(client):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["VersionCreate"]["properties"]["go_live_at"]
    assert {"type": "string", "format": "date-time"} in schema["anyOf"]


@pytest.mark.parametrize("field, value", [
    ("go_live_at", "9999-12-31T23:59"), ("expires_at", "0001-01-01T00:00"), ("go_live_at", "1999-12-31T23:59"),
    ("expires_at", "2101-01-01T00:00"), ("go_live_at", "1767225600"),
])
def test_the_editor_refuses_a_time_out_of_range_next_to_its_field(app, client, author, message, field, value):
    login(client, author.email)
    before = snapshot(app)
    response = post_form(client, f"/admin/messages/{message.id}/edit", {"title": "T", "body": "b", "sms_text": "s", field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    refusal = "Not a valid datetime value" if value.isdigit() else f"{field}: The time must fall in the years 2000 to 2100 (UTC)."
    assert refusal in page
    assert diff_snapshots(before, snapshot(app)) == []


def test_the_editor_offers_only_usable_years_and_takes_an_honest_time(client, session, author, message):
    login(client, author.email)
    page = client.get(f"/admin/messages/{message.id}/edit").get_data(as_text=True)
    assert 'min="2000-01-01T00:00"' in page and 'max="2100-12-31T23:59"' in page
    response = post_form(client, f"/admin/messages/{message.id}/edit",
                         {"title": "T", "body": "b", "sms_text": "s", "go_live_at": "2100-12-31T23:59", "expires_at": ""})
    assert response.status_code == 302
    assert content.latest_version(session, message).go_live_at.replace(tzinfo=None) == datetime(2100, 12, 31, 23, 59)


@pytest.mark.parametrize("field, value", [
    *REFUSED,
    ("go_live_at", datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=14)))),
    ("expires_at", datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))),
    ("go_live_at", datetime(2026, 3, 5).date()),
])
def test_the_content_service_refuses_the_same_times(app, session, author, message, field, value):
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        content.new_version(session, actor=author, message=message, data={"title": "T", "body": "B", "sms_text": "S", field: value})
    assert err.value.details["field"] == field and err.value.message.startswith(f"{field}: ")
    session.rollback()
    assert diff_snapshots(before, snapshot(app)) == []


def test_a_stored_time_comes_back_as_utc_when_a_version_is_restored(session, author, message):
    # The database hands times back without their offset; they were stored in UTC.
    old = make_version(session, message, author, go_live_at="2026-03-05T09:00:00-06:00", expires_at="2101-01-01T09:00:00+10:00")
    session.expire_all()
    restored = content.restore(session, actor=author, version=old)
    session.commit()
    assert restored.content_hash == old.content_hash
    assert content.content_hash({"title": old.title, "body": old.body, "sms_text": old.sms_text,
                                 "go_live_at": datetime(2026, 3, 5, 15, tzinfo=timezone.utc),
                                 "expires_at": datetime(2100, 12, 31, 23, tzinfo=timezone.utc)}) == old.content_hash


@pytest.mark.parametrize("value", ["1767225600", 1767225600, "20260305", "2026-W10-4", "0001-01-01", "9999-12-31",
                                   "2026-02-30", "2026-03-05T09:00:00Z"])
def test_a_campaign_day_must_be_yyyy_mm_dd_within_the_years(app, api, value):
    """A campaign's start or end day is refused unless written YYYY-MM-DD in 2000 to 2100."""
    before = snapshot(app, ignore_token_use=True)
    response = api.post("/campaigns", {"slug": "days", "title": "Days", "starts_on": value})
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.json["error"]["code"] == "validation_error"
    assert diff_snapshots(before, snapshot(app, ignore_token_use=True)) == []


def test_a_campaign_day_written_properly_is_kept(api):
    response = api.post("/campaigns", {"slug": "days-ok", "title": "Days", "starts_on": "2026-03-05"})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    assert api.get("/campaigns/days-ok").json["starts_on"] == "2026-03-05"
