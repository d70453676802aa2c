"""The seeded advisory rules stop submission and approval, in English and Spanish, evasions included."""
from __future__ import annotations

import pytest

from msgsys.errors import PolicyViolation, ValidationError
from msgsys.policy import service as policy
from tests.factories import make_campaign, make_message, make_user, make_version, step
from tests.refusals import refused

GOOD = {
    "en": "Do not approach the border until instructed. Registration will be virtual.",
    "es": "No se acerque a la frontera hasta que se le indique. El registro será virtual.",
}


@pytest.fixture
def seeded(session):
    policy.seed_rules(session)
    session.commit()


def _advisory(session, author, locale, text, kind="advisory"):
    campaign = make_campaign(session, source_locale=locale, targets=())
    message = make_message(session, campaign, kind=kind)
    return make_version(session, message, author, body=text, sms_text=text)


def _submit_refused(app, session, version, author):
    err = refused(app, session, lambda: step(session, version, author, "submit"), PolicyViolation)
    return err.details["violations"]


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_good_advisory_passes(session, seeded, locale):
    author = make_user(session, roles="author")
    version = _advisory(session, author, locale, GOOD[locale])
    step(session, version, author, "submit")
    assert version.state == "in_review"


@pytest.mark.parametrize("locale, text", [
    ("en", "Registration will be virtual."),
    ("es", "El registro será virtual."),
])
def test_an_advisory_without_the_required_statement_cannot_be_submitted(app, session, seeded, locale, text):
    author = make_user(session, roles="author")
    violations = _submit_refused(app, session, _advisory(session, author, locale, text), author)
    # missing from the web body and from the SMS text: each channel must say it
    assert [(v["rule_type"], v["field"]) for v in violations if v["blocking"]] == [
        ("required_statement", "body"), ("required_statement", "sms_text")]


@pytest.mark.parametrize("locale, claim, highlighted", [
    ("en", "Good news: the border is open now.", "border is open"),
    ("en", "Good news: THE  BORDER... is-open now.", "BORDER... is-open"),
    ("en", "Good news: the b.o.r.d.e.r is open now.", "b.o.r.d.e.r is open"),
    ("es", "Buenas noticias: la frontera está abierta.", "frontera está abierta"),
    ("es", "Buenas noticias: la frontera esta abierta.", "frontera esta abierta"),
    ("es", "Buenas noticias: LA FRONTERA ESTÁ  ABIERTA.", "FRONTERA ESTÁ  ABIERTA"),
])
def test_a_forbidden_claim_blocks_submission_at_its_place(app, session, seeded, locale, claim, highlighted):
    author = make_user(session, roles="author")
    text = f"{GOOD[locale]} {claim}"
    violations = _submit_refused(app, session, _advisory(session, author, locale, text), author)
    # The claim is marked where it stands, in each channel, exactly as written (from its first word to its last).
    assert [(v["field"], text[v["start"]:v["end"]], v["excerpt"]) for v in violations if v["rule_type"] == "forbidden_phrase"] == [
        ("body", highlighted, highlighted), ("sms_text", highlighted, highlighted)]


def test_a_counter_rumor_may_quote_the_rumor_to_refute_it(session, seeded):
    author = make_user(session, roles="author")
    text = "Rumor: the border is open. Fact: the borders are not open."
    version = _advisory(session, author, "en", text, kind="counter_rumor")
    step(session, version, author, "submit")
    assert version.state == "in_review"


@pytest.mark.parametrize("text", [
    "The border is open. Children guarantee entry.",           # no marker, no answer
    "Smugglers say the border is open. That is what they say.",  # not marked as the rumor
    "Rumor: the border is open.",                               # marked but never answered
])
def test_a_counter_rumor_cannot_carry_an_unmarked_or_unanswered_claim(app, session, seeded, text):
    author = make_user(session, roles="author")
    violations = _submit_refused(app, session, _advisory(session, author, "en", text, kind="counter_rumor"), author)
    assert any(v["rule_type"] == "forbidden_phrase" and v["blocking"] for v in violations)


def test_a_link_outside_the_allowlist_blocks(app, session, seeded):
    author = make_user(session, roles="author")
    text = GOOD["en"] + " Register at https://uscis.gov.register-now.example/form"
    violations = _submit_refused(app, session, _advisory(session, author, "en", text, kind="info"), author)
    assert any(v["rule_type"] == "link_allowlist" for v in violations)


def test_an_official_link_passes(session, seeded):
    author = make_user(session, roles="author")
    version = _advisory(session, author, "en", GOOD["en"] + " See https://www.uscis.gov/", kind="info")
    step(session, version, author, "submit")
    assert version.state == "in_review"


def test_too_many_sms_segments_blocks_and_two_warns(app, session, seeded):
    author = make_user(session, roles="author")
    message = make_message(session, make_campaign(session), kind="info")
    long = make_version(session, message, author, body="b", sms_text="a" * 470)  # 4 segments
    violations = _submit_refused(app, session, long, author)
    assert any(v["rule_type"] == "max_sms_segments" and v["blocking"] for v in violations)
    two = make_version(session, message, author, body="b", sms_text="a" * 200)  # 2 segments: a warning only
    step(session, two, author, "submit")
    assert two.state == "in_review"


def test_approval_is_checked_again_against_rules_added_meanwhile(app, session, seeded):
    author, approver, admin = make_user(session, roles="author"), make_user(session, roles="approver"), make_user(session, roles="admin")
    version = _advisory(session, author, "en", GOOD["en"] + " Bring your permiso.", kind="advisory")
    step(session, version, author, "submit")
    policy.create_rule(session, actor=admin, data={"rule_type": "forbidden_phrase", "pattern": "permiso", "locale": "*"})
    session.commit()
    err = refused(app, session, lambda: step(session, version, approver, "approve"), PolicyViolation)
    assert [v["excerpt"] for v in err.details["violations"] if v["blocking"]] == ["permiso"] * 2


def test_rules_are_versioned_and_deactivation_takes_effect(session, seeded):
    admin, author = make_user(session, roles="admin"), make_user(session, roles="author")
    rule = policy.create_rule(session, actor=admin, data={"rule_type": "forbidden_phrase", "pattern": "guaranteed asylum"})
    session.commit()
    updated = policy.update_rule(session, rule_key=rule.rule_key, data={"rule_type": "forbidden_phrase", "pattern": "asylum is guaranteed"}, actor=admin)
    session.commit()
    assert [r.version for r in policy.rule_history(session, rule.rule_key)] == [2, 1]
    assert updated.active and not session.get(type(rule), rule.id).active
    policy.deactivate_rule(session, rule_key=rule.rule_key, actor=admin)
    session.commit()
    version = _advisory(session, author, "en", GOOD["en"] + " Asylum is guaranteed.", kind="advisory")
    step(session, version, author, "submit")
    assert version.state == "in_review"


@pytest.mark.parametrize("data", [
    {"rule_type": "magic", "pattern": "x"},
    {"rule_type": "forbidden_phrase", "pattern": "..."},
    {"rule_type": "max_sms_segments", "pattern": "many"},
    {"rule_type": "link_allowlist", "pattern": "not a domain!"},
    {"rule_type": "forbidden_phrase", "pattern": "x", "severity": "maybe"},
    {"rule_type": "forbidden_phrase", "pattern": "x", "locale": "fr"},
    {"rule_type": "forbidden_phrase", "pattern": "x", "kinds": "gossip"},
])
def test_invalid_rules_are_refused(app, session, data):
    admin = make_user(session, roles="admin")
    refused(app, session, lambda: policy.create_rule(session, actor=admin, data=data), ValidationError)


def test_seeding_twice_adds_nothing(session):
    first = policy.seed_rules(session)
    session.commit()
    assert first > 0 and policy.seed_rules(session) == 0


def test_only_admins_change_rules_whoever_calls_the_service(app, session, seeded):
    from msgsys.errors import PermissionDenied

    author = make_user(session, roles="author,approver,translator")
    refused(app, session, lambda: policy.create_rule(session, actor=author, data={"rule_type": "forbidden_phrase", "pattern": "anything"}),
            PermissionDenied)
    key = policy.active_rules(session)[0].rule_key
    refused(app, session, lambda: policy.deactivate_rule(session, rule_key=key, actor=author), PermissionDenied)
    refused(app, session, lambda: policy.update_rule(session, rule_key=key, actor=author, data={"rule_type": "forbidden_phrase", "pattern": "x"}),
            PermissionDenied)


def test_seeding_again_changes_nothing(session, seeded):
    assert policy.seed_rules(session) == 0


def test_seeding_brings_an_older_seed_set_up_to_date_but_keeps_what_an_admin_edited(session, seeded):
    from msgsys.policy.models import PolicyRule

    admin = make_user(session, roles="admin")
    # A rule of an older seed file, no longer in it, and a current seed an admin has edited since.
    policy.create_rule(session, label="seed", rule_key="seed-01",
                       data={"rule_type": "forbidden_phrase", "pattern": "border is open", "locale": "en"})
    edited = policy.update_rule(session, rule_key="seed-border-open-en", actor=admin,
                                data={"rule_type": "forbidden_phrase", "pattern": "border (open|opened) ~3", "locale": "en"})
    session.commit()
    assert policy.seed_rules(session) == 1  # only the old seed is switched off
    session.commit()
    in_force = {r.rule_key: r for r in policy.active_rules(session)}
    assert "seed-01" not in in_force
    assert in_force["seed-border-open-en"].id == edited.id
    assert session.get(PolicyRule, edited.id).pattern == "border (open|opened) ~3"
