"""Through the officers' pages: a colleague restores an approver's version, and the approver cannot sign it off."""
from __future__ import annotations

import html

import sqlalchemy as sa
from sqlmodel import select

from msgsys.audit.models import AuditEvent
from msgsys.content.models import MessageVersion
from tests.factories import login, make_message, make_user, make_version, post_form, step

LAUNDERED = "You wrote text this version carries"


def _state(app, version_id):
    with app.extensions["msgsys.engine"].connect() as conn:
        return conn.execute(sa.text("SELECT state FROM messageversion WHERE id = :id"), {"id": version_id}).scalar_one()


def test_an_approver_cannot_approve_his_own_text_restored_by_a_colleague(app, session):
    a, b, c = make_user(session, roles="author,approver"), make_user(session, roles="author"), make_user(session, roles="approver")
    message = make_message(session)
    v1 = make_version(session, message, a, title="Written by A")
    step(session, v1, a, "submit")
    step(session, v1, c, "request_changes", reason="Say where registration happens.")

    colleague = app.test_client()
    login(colleague, b.email)
    page = f"/admin/versions/{v1.id}"
    assert post_form(colleague, f"{page}/restore", {}, form_url=page).status_code == 302
    v2 = session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id, MessageVersion.number == 2)).one()
    assert v2.author_id == b.id and v2.based_on_id == v1.id
    assert post_form(colleague, f"/admin/versions/{v2.id}/submit", {}, form_url=f"/admin/versions/{v2.id}").status_code == 302

    writer = app.test_client()
    login(writer, a.email)
    shown = writer.get(f"/admin/versions/{v2.id}").get_data(as_text=True)
    assert "step-approve" not in shown and "step-request_changes" not in shown
    assert f"/admin/versions/{v2.id}" not in writer.get("/admin/review").get_data(as_text=True)
    refused = post_form(writer, f"/admin/versions/{v2.id}/approve", {"reason": "fine"}, form_url=f"/admin/versions/{v2.id}")
    assert refused.status_code == 403
    assert LAUNDERED in html.unescape(refused.get_data(as_text=True))
    assert _state(app, v2.id) == "in_review"
    denied = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied", AuditEvent.actor_id == a.id)).all()
    assert [e.subject_id for e in denied] == [str(v2.id)] and LAUNDERED in denied[0].note

    other = app.test_client()
    login(other, c.email)
    assert "step-approve" in other.get(f"/admin/versions/{v2.id}").get_data(as_text=True)
    assert f"/admin/versions/{v2.id}" in other.get("/admin/review").get_data(as_text=True)
    assert post_form(other, f"/admin/versions/{v2.id}/approve", {"reason": "checked"}, form_url=f"/admin/versions/{v2.id}").status_code == 302
    assert _state(app, v2.id) == "published"
