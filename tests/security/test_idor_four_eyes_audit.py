"""Acting on things one should not (IDOR), four eyes under pressure, immutability of submitted versions, and
invariant 7: every change made through the site leaves an audit event saying who, what, and from which state to which.
"""
from __future__ import annotations

import io
import json

import pytest
from sqlmodel import select

from msgsys.content.models import MessageVersion
from msgsys.translation import service as translations
from tests.security.conftest import (
    audit_actions, browser, catalog_bytes, csrf_of, diff_snapshots, form_data, last_audit_id, snapshot, web_plans,
)
from tests.security.test_csrf_everywhere import PLAN_KEYS


def _post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_of(client, form_url or url)})


def _api(app, world, who, method, url, body=None):
    return app.test_client().open(url, method=method, json=body or {}, headers={"Authorization": f"Bearer {world.tokens[who]}"})


# --- tokens -----------------------------------------------------------------------------------

def test_nobody_revokes_or_sees_another_persons_token(app, session, world):
    from msgsys.auth import service as users

    victim = users.list_tokens(session, user=world.users["author"])[0]
    attacker = browser(app, world.users["author2"])
    before = snapshot(app, ignore_denials=True)
    response = _post(attacker, f"/account/tokens/{victim.id}/revoke", {}, form_url="/account/tokens")
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []
    assert "Token revoked" not in attacker.get(response.headers["Location"]).get_data(as_text=True)
    assert _api(app, world, "author", "GET", "/api/v1/me").status_code == 200  # the victim's token still works
    page = attacker.get("/account/tokens").get_data(as_text=True)
    assert victim.prefix not in page
    assert world.tokens["author"][:12] not in page


def test_a_token_acts_only_as_its_owner(app, world):
    for who in ("author", "translator_quc", "admin"):
        me = _api(app, world, who, "GET", "/api/v1/me").get_json()
        assert me["email"] == world.users[who].email


# --- a translator of another language, by every route ----------------------------------------

def test_a_kiche_translator_cannot_touch_spanish_by_any_route(app, session, world):
    quc = browser(app, world.users["translator_quc"])
    v, t = world.v["pub"], world.t["pub2_es"]
    before = snapshot(app, ignore_denials=True, ignore_token_use=True)
    es_catalog = catalog_bytes(session, world, "es")
    attempts = [
        _post(quc, f"/translate/{v.id}/es", {"title": "x", "body": "y.", "sms_text": "z."}, form_url="/translate/"),
        _post(quc, f"/translate/t/{t.id}/approve", {"reason": ""}, form_url="/translate/"),
        _post(quc, f"/translate/t/{t.id}/request_changes", {"reason": "no"}, form_url="/translate/"),
        _post(quc, "/translate/glossary/es", {"source_term": "a", "required_translation": "b"}, form_url="/translate/"),
        _post(quc, f"/translate/catalog/{world.campaign.slug}/es", {"file": (io.BytesIO(es_catalog), "es.po")}, form_url="/translate/"),
        # Its own language's upload page, with a Spanish catalog in it.
        _post(quc, f"/translate/catalog/{world.campaign.slug}/quc", {"file": (io.BytesIO(es_catalog), "quc.po")},
              form_url="/translate/"),
        _api(app, world, "translator_quc", "PUT", f"/api/v1/versions/{v.id}/translations/es", {"title": "x", "body": "y.", "sms_text": "z."}),
        _api(app, world, "translator_quc", "POST", f"/api/v1/versions/{world.v['pub2'].id}/translations/es/approve"),
        _api(app, world, "translator_quc", "POST", f"/api/v1/versions/{world.v['pub2'].id}/translations/es/request-changes", {"reason": "x"}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403, 403, 403, 403, 403, 403]
    assert diff_snapshots(before, snapshot(app, ignore_denials=True, ignore_token_use=True)) == []
    assert quc.get(f"/translate/catalog/{world.campaign.slug}/es.po").status_code == 403


# --- four eyes ----------------------------------------------------------------------------------

def test_whoever_wrote_part_of_a_translation_under_review_cannot_approve_it(app, session, world):
    """es1 wrote revision 1; es2 took it over and submitted revision 2. Neither may approve: es1 wrote part of it."""
    t, v = world.t["pub2_es"], world.v["pub2"]
    es1, es2 = browser(app, world.users["translator_es"]), browser(app, world.users["translator_es2"])
    editor = f"/translate/{v.id}/es"
    texts = {"title": "Vías legales v2", "body": "Información sobre vías legales v2.", "sms_text": "Información v2."}
    assert _post(es2, editor, texts).status_code == 302
    assert _post(es2, f"/translate/t/{t.id}/submit", {"reason": ""}, form_url=editor).status_code == 302
    before = snapshot(app, ignore_denials=True, ignore_token_use=True)
    assert _post(es1, f"/translate/t/{t.id}/approve", {"reason": ""}, form_url=editor).status_code == 403
    assert _post(es2, f"/translate/t/{t.id}/approve", {"reason": ""}, form_url=editor).status_code == 403
    assert _api(app, world, "translator_es", "POST", f"/api/v1/versions/{v.id}/translations/es/approve").status_code == 403
    assert diff_snapshots(before, snapshot(app, ignore_denials=True, ignore_token_use=True)) == []
    session.refresh(t)
    assert t.state == "in_review" and t.approved_revision_id is None


def test_an_approver_who_is_also_an_author_never_approves_their_own_version(app, session, world):
    both = browser(app, world.users["author_approver"])
    v = world.v["review"]  # written and submitted by author_approver
    page = both.get(f"/admin/versions/{v.id}").get_data(as_text=True)
    assert f"/admin/versions/{v.id}/approve" not in page  # no button offered
    before = snapshot(app, ignore_denials=True, ignore_token_use=True)
    assert _post(both, f"/admin/versions/{v.id}/approve", {"reason": ""}, form_url=f"/admin/versions/{v.id}").status_code == 403
    assert _api(app, world, "author_approver", "POST", f"/api/v1/versions/{v.id}/approve").status_code == 403
    assert _api(app, world, "author_approver", "POST", f"/api/v1/versions/{v.id}/request-changes", {"reason": "x"}).status_code == 403
    assert diff_snapshots(before, snapshot(app, ignore_denials=True, ignore_token_use=True)) == []
    # The review queue does not even list it for them.
    assert world.markers["review"] not in both.get("/admin/review").get_data(as_text=True)


def test_an_approver_cannot_approve_their_own_edit_of_someone_elses_version(app, session, world):
    """author_approver edits the author's version in review: the edit is their own new version, which they cannot approve."""
    both = browser(app, world.users["author_approver"])
    v = world.v["pub_next"]
    response = _post(both, f"/admin/versions/{v.id}/edit", {"title": "Sneaky", "body": "B.", "sms_text": "S.", "change_note": ""})
    assert response.status_code == 302
    session.expire_all()
    mine = session.exec(select(MessageVersion).where(MessageVersion.message_id == v.message_id).order_by(MessageVersion.number.desc())).first()
    assert mine.id != v.id and mine.author_id == world.users["author_approver"].id
    assert _post(both, f"/admin/versions/{mine.id}/submit", {"reason": ""}, form_url=f"/admin/versions/{mine.id}").status_code == 302
    assert _post(both, f"/admin/versions/{mine.id}/approve", {"reason": ""}, form_url=f"/admin/versions/{mine.id}").status_code == 403
    session.refresh(mine)
    assert mine.state == "in_review"


def test_an_admin_who_also_translates_kiche_never_approves_a_keyword_they_added(app, session, world):
    """The superuser manages keywords and translates K'iche': the keyword they add still waits for another translator."""
    from msgsys.sms.models import Keyword

    both = browser(app, world.users["superuser"])
    # Not a K'iche' word: an obviously made-up token standing in for one.
    added = _post(both, "/admin/sms/keywords", {"locale": "quc", "word": "TESTWORDTWO", "action": "help", "target_locale": ""})
    assert added.status_code == 302, added.get_data(as_text=True)[:600]
    session.expire_all()
    keyword = session.exec(select(Keyword).where(Keyword.word == "TESTWORDTWO")).one()
    assert keyword.status == "pending"
    assert f"/admin/sms/keywords/{keyword.id}/approve" not in both.get("/admin/sms/keywords").get_data(as_text=True)  # no button
    before = snapshot(app, ignore_denials=True)
    refused = _post(both, f"/admin/sms/keywords/{keyword.id}/approve", {}, form_url="/admin/sms/keywords")
    assert refused.status_code == 403
    assert "Four eyes" in refused.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []
    # Another K'iche' translator may.
    quc = browser(app, world.users["translator_quc"])
    assert f"/admin/sms/keywords/{keyword.id}/approve" in quc.get("/admin/sms/keywords").get_data(as_text=True)
    assert _post(quc, f"/admin/sms/keywords/{keyword.id}/approve", {}, form_url="/admin/sms/keywords").status_code == 302
    session.refresh(keyword)
    assert keyword.status == "approved" and keyword.reviewed_by_id == world.users["translator_quc"].id


# --- immutability -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["review", "changes", "scheduled", "pub", "retired"])
def test_editing_a_submitted_version_makes_a_new_draft_and_leaves_it_untouched(app, session, world, name):
    v = world.v[name]
    fields = {f: getattr(v, f) for f in ("title", "body", "sms_text", "content_hash", "state", "change_note", "go_live_at")}
    author = browser(app, world.users["author_approver" if name == "review" else "author"])
    response = _post(author, f"/admin/versions/{v.id}/edit", {"title": "Changed", "body": "Changed.", "sms_text": "Changed.",
                                                             "change_note": "edit"})
    assert response.status_code == 302
    assert f"/admin/versions/{v.id}/" not in response.headers["Location"]
    session.expire_all()
    session.refresh(v)
    assert {f: getattr(v, f) for f in fields} == fields
    if name == "pub":
        page = browser(app).get(f"/en/n/{world.m['pub'].id}").get_data(as_text=True)
        assert world.markers["pub"] in page and "Changed" not in page


def test_a_draft_submitted_in_another_tab_is_not_changed_by_the_stale_editor(app, session, world):
    v = world.v["draft"]
    author = browser(app, world.users["author"])
    editor_token = csrf_of(author, f"/admin/versions/{v.id}/edit")  # editor open in tab 1
    assert _post(author, f"/admin/versions/{v.id}/submit", {"reason": ""}, form_url=f"/admin/versions/{v.id}").status_code == 302
    response = author.post(f"/admin/versions/{v.id}/edit", data={"csrf_token": editor_token, "title": "Stale", "body": "Stale.",
                                                                 "sms_text": "Stale.", "change_note": ""})
    assert response.status_code == 302
    session.refresh(v)
    assert v.state == "in_review" and v.title == f"{world.markers['draft']} title"


# --- audit --------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", PLAN_KEYS, ids=[f"{e}:{v}" if v else e for e, v in PLAN_KEYS])
def test_every_change_through_the_site_leaves_an_audit_event_by_its_actor(app, session, world, key):
    url, data, allowed = web_plans(session, world)[key]
    who = "author" if "author" in allowed else sorted(allowed)[0]
    client = browser(app, world.users[who])
    token = csrf_of(client, "/account/tokens")
    before, since = snapshot(app), last_audit_id(app)
    response = client.post(url, data=form_data(data, token))
    assert response.status_code in (200, 302)
    changed = [line.split(":")[0] for line in diff_snapshots(before, snapshot(app))]
    assert changed, "nothing changed"
    events = [e for e in audit_actions(app, since) if e["action"] not in ("permission.denied",)]
    assert events, f"{key} changed {changed} and left no audit event"
    assert any(e["actor_id"] == world.users[who].id for e in events), [(e["action"], e["actor_label"]) for e in events]
    for e in events:
        assert e["at"] is not None and e["action"] and e["subject_type"]
        if e["action"].split(".")[0] in ("version", "translation") and e["action"].split(".")[1] in (
                "submit", "approve", "request_changes", "retire", "publish", "supersede"):
            assert json.loads(e["before"])["state"] != json.loads(e["after"])["state"], e


def test_the_audit_log_shows_a_workflow_from_start_to_publication(app, session, world):
    v = world.v["review"]
    approver = browser(app, world.users["approver"])
    since = last_audit_id(app)
    assert _post(approver, f"/admin/versions/{v.id}/approve", {"reason": "ok"}, form_url=f"/admin/versions/{v.id}").status_code == 302
    events = [(e["action"], e["actor_label"], json.loads(e["before"] or "{}").get("state"), json.loads(e["after"] or "{}").get("state"))
              for e in audit_actions(app, since)]
    assert ("version.approve", "approver@example.org", "in_review", "approved") in events
    assert ("version.publish", "approver@example.org", "approved", "published") in events  # published by the approval itself
    log = browser(app, world.users["admin"]).get("/admin/audit?action=version.").get_data(as_text=True)
    assert "version.publish" in log and "approver@example.org" in log
