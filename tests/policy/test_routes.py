"""The policy rule pages: officers read the rules; only admins add, change and deactivate them."""
from __future__ import annotations

import pytest
from sqlmodel import select

from msgsys.policy import service as policy
from msgsys.policy.models import PolicyRule
from tests.factories import csrf_from, login, make_user, post_form

RULE = {"rule_type": "forbidden_phrase", "pattern": "guaranteed asylum", "severity": "block", "locale": "en",
        "kinds": ["advisory", "info"], "description": "Nobody can promise asylum."}


def _rules(session, key=None):
    query = select(PolicyRule).order_by(PolicyRule.id)
    if key:
        query = query.where(PolicyRule.rule_key == key)
    return session.exec(query).all()


def test_admin_adds_changes_and_deactivates_a_rule(client, session):
    admin = make_user(session, roles="admin")
    login(client, admin.email)
    response = post_form(client, "/admin/policy", RULE)
    assert response.status_code == 302
    rule = _rules(session)[0]
    listing = client.get("/admin/policy").get_data(as_text=True)
    assert f"Rule {rule.rule_key} added." in listing and "guaranteed asylum" in listing and "Nobody can promise asylum." in listing

    url = f"/admin/policy/{rule.rule_key}"
    edit = client.get(url).get_data(as_text=True)
    assert "guaranteed asylum</textarea>" in edit and "Saving makes version 2" in edit
    response = post_form(client, url, {**RULE, "pattern": "asylum is guaranteed", "severity": "warn"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f"Rule {rule.rule_key} is now at version 2." in page
    assert "asylum is guaranteed" in page and "guaranteed asylum" in page  # both versions in the history
    assert [(r.version, r.active, r.severity) for r in _rules(session, rule.rule_key)] == [(1, False, "block"), (2, True, "warn")]

    response = post_form(client, f"{url}/deactivate", {}, form_url=url)
    assert response.status_code == 302
    assert "asylum" not in client.get("/admin/policy").get_data(as_text=True).split("<h2")[0]
    assert "This rule is deactivated" in client.get(url).get_data(as_text=True)
    assert policy.active_rules(session) == []


def test_an_unusable_rule_is_refused_with_the_reason(client, session):
    admin = make_user(session, roles="admin")
    login(client, admin.email)
    response = post_form(client, "/admin/policy", {**RULE, "rule_type": "link_allowlist", "pattern": "not a domain!"})
    assert response.status_code == 422
    assert "This rule cannot be used: bad domain list" in response.get_data(as_text=True)
    response = post_form(client, "/admin/policy", {**RULE, "rule_type": "max_sms_segments", "pattern": "lots"})
    assert response.status_code == 422 and "positive integer" in response.get_data(as_text=True)
    response = post_form(client, "/admin/policy", {**RULE, "rule_type": "shell_command"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert _rules(session) == []


def test_a_bad_edit_keeps_the_current_version(client, session):
    admin = make_user(session, roles="admin")
    policy.create_rule(session, data={**RULE, "kinds": ("info",)}, actor=admin)
    session.commit()
    rule = _rules(session)[0]
    login(client, admin.email)
    response = post_form(client, f"/admin/policy/{rule.rule_key}", {**RULE, "pattern": "!!!"})
    assert response.status_code == 422 and "pattern has no letters or digits" in response.get_data(as_text=True)
    assert [(r.version, r.active) for r in _rules(session)] == [(1, True)]


def test_officers_read_the_rules_but_cannot_change_them(client, session):
    admin = make_user(session, roles="admin")
    policy.seed_rules(session)
    policy.create_rule(session, data=RULE, actor=admin, rule_key="mine")
    session.commit()
    author = make_user(session, roles="author")
    login(client, author.email)
    page = client.get("/admin/policy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "approach the border until" in html
    assert "Add a rule" not in html
    assert "Deactivate" not in client.get("/admin/policy/mine").get_data(as_text=True)

    before = [(r.rule_key, r.version, r.active) for r in _rules(session)]
    assert post_form(client, "/admin/policy", RULE, form_url="/admin/policy").status_code == 403
    assert post_form(client, "/admin/policy/mine", {**RULE, "severity": "warn"}, form_url="/admin/policy").status_code == 403
    assert post_form(client, "/admin/policy/mine/deactivate", {}, form_url="/admin/policy").status_code == 403
    assert [(r.rule_key, r.version, r.active) for r in _rules(session)] == before


def test_rule_posts_without_csrf_are_refused(client, session):
    admin = make_user(session, roles="admin")
    policy.create_rule(session, data=RULE, actor=admin, rule_key="mine")
    session.commit()
    login(client, admin.email)
    assert client.post("/admin/policy", data=RULE).status_code == 400
    assert client.post("/admin/policy/mine", data={**RULE, "pattern": "other"}).status_code == 400
    assert client.post("/admin/policy/mine/deactivate").status_code == 400
    assert [(r.rule_key, r.version, r.active) for r in _rules(session)] == [("mine", 1, True)]


def test_unknown_rule_is_404(client, session):
    login(client, make_user(session, roles="admin").email)
    assert client.get("/admin/policy/nope").status_code == 404


def test_a_new_rule_is_shown_on_the_version_it_catches(client, session):
    from tests.content.test_routes import _campaign, _draft, _message

    admin = make_user(session, roles="admin")
    author = make_user(session, roles="author")
    login(client, admin.email)
    post_form(client, "/admin/policy", RULE)
    client.post("/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    login(client, author.email)
    version = _draft(client, session, _message(client, session, _campaign(client)), body="Families get guaranteed asylum.")
    page = client.get(f"/admin/versions/{version.id}").get_data(as_text=True)
    assert 'Families get <mark class="violation">guaranteed asylum</mark>.' in page


# K'iche' rules wait for a K'iche' translator (placeholder patterns in English: tests never write K'iche').

QUC_RULE = {**RULE, "pattern": "placeholder claim beta", "locale": "quc", "kinds": []}


def _browser(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _state(session, key):
    session.expire_all()
    return [(r.version, r.active, r.status) for r in _rules(session, key)]


def test_a_kiche_rule_waits_for_a_kiche_translator_who_approves_it_from_their_pages(app, session):
    admin = make_user(session, roles="admin")
    quc = make_user(session, roles="translator", locales="quc")
    es = make_user(session, roles="translator", locales="es")
    admin_client = _browser(app, admin)
    response = post_form(admin_client, "/admin/policy", QUC_RULE)
    [rule] = _rules(session)
    url = f"/admin/policy/{rule.rule_key}"
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = admin_client.get(url).get_data(as_text=True)
    assert "It is not in force until a translator of K&#39;iche&#39; approves it." in page
    assert "Version 1 waits for approval" in page and "Until then no version of this rule is in force." in page
    assert f"Who may approve it: {quc.email}" in page and es.email not in page
    assert "/approve" not in page  # the admin wrote it, and is no K'iche' translator: no form for them
    listing = admin_client.get("/admin/policy").get_data(as_text=True)
    assert "1 rule version waits for approval by a translator" in listing
    assert "placeholder claim beta" not in listing.split("Rules in force")[1].split("</table>")[0]

    quc_client = _browser(app, quc)
    index = quc_client.get("/translate/").get_data(as_text=True)
    assert "1 policy rule in your languages waits for your approval" in index and 'href="/admin/policy/pending"' in index
    assert "waits for your approval" not in _browser(app, es).get("/translate/").get_data(as_text=True)
    pending = quc_client.get("/admin/policy/pending").get_data(as_text=True)
    assert f"Rule {rule.rule_key}, version 1" in pending and "placeholder claim beta" in pending
    assert f'action="{url}/approve"' in pending and f'action="{url}/reject"' in pending

    response = post_form(quc_client, f"{url}/approve", {"version": "1", "reason": "Reads right."}, form_url="/admin/policy/pending")
    assert response.status_code == 302
    assert _state(session, rule.rule_key) == [(1, True, "approved")]
    page = quc_client.get(url).get_data(as_text=True)
    assert f"Version 1 of rule {rule.rule_key} is approved and now in force." in page and f"by {quc.email}" in page
    assert "Reads right." in page
    assert "placeholder claim beta" in quc_client.get("/admin/policy").get_data(as_text=True).split("</table>")[0]
    assert "No rule waits for approval." in quc_client.get("/admin/policy/pending").get_data(as_text=True)


@pytest.mark.parametrize("who", ["admin", "es", "author"])
def test_people_who_may_not_approve_a_kiche_rule_are_refused_and_nothing_changes(app, session, who):
    from tests.security.conftest import diff_snapshots, snapshot

    people = {"admin": make_user(session, roles="admin"), "es": make_user(session, roles="translator", locales="es"),
              "author": make_user(session, roles="author")}
    rule = policy.create_rule(session, data=QUC_RULE, actor=people["admin"])
    session.commit()
    client = _browser(app, people[who])
    url = f"/admin/policy/{rule.rule_key}"
    before = snapshot(app, ignore_denials=True)
    for step, data in (("approve", {"version": "1"}), ("reject", {"version": "1", "reason": "No."})):
        response = post_form(client, f"{url}/{step}", data, form_url=url)
        assert response.status_code == 403
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []
    assert _state(session, rule.rule_key) == [(1, False, "pending")]


def test_the_author_who_also_translates_kiche_cannot_approve_their_own_rule(app, session):
    both = make_user(session, roles="admin,translator", locales="quc")
    client = _browser(app, both)
    post_form(client, "/admin/policy", QUC_RULE)
    [rule] = _rules(session)
    url = f"/admin/policy/{rule.rule_key}"
    page = client.get(url).get_data(as_text=True)
    assert "Nobody may approve it yet" in page and f'action="{url}/approve"' not in page
    response = post_form(client, f"{url}/approve", {"version": "1"}, form_url=url)
    assert response.status_code == 403 and "Four eyes" in response.get_data(as_text=True)
    assert _state(session, rule.rule_key) == [(1, False, "pending")]


def test_a_kiche_translator_rejects_with_a_reason_and_the_admin_puts_it_right(app, session):
    from tests.security.conftest import diff_snapshots, snapshot

    admin = make_user(session, roles="admin")
    quc = make_user(session, roles="translator", locales="quc")
    rule = policy.create_rule(session, data=QUC_RULE, actor=admin)
    session.commit()
    client = _browser(app, quc)
    url = f"/admin/policy/{rule.rule_key}"
    before = snapshot(app)
    response = post_form(client, f"{url}/reject", {"version": "1", "reason": ""}, form_url=url)
    assert response.status_code == 422 and "Reason is required." in response.get_data(as_text=True)
    assert diff_snapshots(before, snapshot(app)) == []

    response = post_form(client, f"{url}/reject", {"version": "1", "reason": "The words do not say that."}, form_url=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f"Version 1 of rule {rule.rule_key} is rejected; it never takes effect." in page
    assert "Version 1 was rejected and never took effect" in page and "The words do not say that." in page
    assert policy.active_rules(session) == []

    admin_client = _browser(app, admin)
    assert "Saving makes version 2" in admin_client.get(url).get_data(as_text=True)
    response = post_form(admin_client, url, {**QUC_RULE, "pattern": "placeholder claim delta"})
    assert response.status_code == 302
    assert "Version 2 of rule" in admin_client.get(url).get_data(as_text=True)
    assert _state(session, rule.rule_key) == [(1, False, "rejected"), (2, False, "pending")]


def test_an_edit_of_an_approved_kiche_rule_waits_and_an_unseen_version_is_not_approved(app, session):
    admin = make_user(session, roles="admin")
    quc = make_user(session, roles="translator", locales="quc")
    rule = policy.create_rule(session, data=QUC_RULE, actor=admin)
    session.commit()
    from msgsys.policy import review

    review.approve(session, rule_key=rule.rule_key, version=1, actor=quc)
    session.commit()
    url = f"/admin/policy/{rule.rule_key}"
    admin_client = _browser(app, admin)
    post_form(admin_client, url, {**QUC_RULE, "pattern": "placeholder claim delta"})
    page = admin_client.get(url).get_data(as_text=True)
    assert "Version 2 waits for approval" in page and "Until then version 1 stays in force." in page
    post_form(admin_client, url, {**QUC_RULE, "pattern": "placeholder claim gamma"})
    assert _state(session, rule.rule_key) == [(1, True, "approved"), (2, False, "withdrawn"), (3, False, "pending")]

    client = _browser(app, quc)
    response = post_form(client, f"{url}/approve", {"version": "2"}, form_url=url)  # the text the translator saw
    assert response.status_code == 409 and "not waiting for approval" in response.get_data(as_text=True)
    assert post_form(client, f"{url}/approve", {"version": "x"}, form_url=url).status_code == 422
    assert _state(session, rule.rule_key) == [(1, True, "approved"), (2, False, "withdrawn"), (3, False, "pending")]
    assert [r.pattern for r in policy.active_rules(session)] == ["placeholder claim beta"]
