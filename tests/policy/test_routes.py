"""The policy rule pages: officers read the rules; only admins add, change and deactivate them."""
from __future__ import annotations

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
    assert page.status_code == 200 and "do not approach the border until instructed" in html
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
