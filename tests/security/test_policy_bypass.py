"""Invariant 6 under attack: a text that breaks a blocking advisory rule cannot be submitted or approved, and so can
never reach readers, however it is dressed up. Everything goes through the officers' web pages.
"""
from __future__ import annotations

import html
import re

import pytest
from sqlmodel import select

from msgsys.policy.matching import RuleSpec, check_fields

from msgsys.content.models import Message, MessageVersion
from msgsys.policy import service as policy
from tests.security.conftest import browser, csrf_of, diff_snapshots, snapshot

STATEMENT = "do not approach the border until instructed"


def _rule(session, rule_type, pattern, *, locale="*", kinds=()):
    rule = policy.create_rule(session, label="test", data={"rule_type": rule_type, "pattern": pattern, "severity": "block",
                                                          "locale": locale, "kinds": list(kinds), "description": "test"})
    session.commit()
    return rule


def _post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_of(client, form_url or url)})


def _draft_and_submit(app, session, world, *, key, kind="info", channels=("web", "sms"), **fields):
    """Write a message and a draft as the author through the web; submit it; return (message, version, submit response)."""
    author = browser(app, world.users["author"])
    r = _post(author, f"/admin/campaigns/{world.campaign.slug}", {"key": key, "kind": kind, "channels": list(channels)})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    session.expire_all()
    message = session.exec(select(Message).where(Message.key == key)).one()
    data = {"title": "Notice", "body": "Registration is virtual.", "sms_text": "Registration is virtual.", "change_note": "", **fields}
    r = _post(author, f"/admin/messages/{message.id}/edit", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:600]
    session.expire_all()
    version = session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id)).one()
    response = _post(author, f"/admin/versions/{version.id}/submit", {"reason": ""}, form_url=f"/admin/versions/{version.id}")
    session.refresh(version)
    return message, version, response


def _approve(app, session, world, version):
    approver = browser(app, world.users["approver"])
    response = _post(approver, f"/admin/versions/{version.id}/approve", {"reason": ""}, form_url=f"/admin/versions/{version.id}")
    session.refresh(version)
    return response


def test_a_forbidden_claim_cannot_be_submitted_and_the_refusal_changes_nothing(app, session, world):
    before = snapshot(app, ignore_denials=True)
    _message, version, response = _draft_and_submit(app, session, world, key="claim", body="Good news: the border is open.")
    assert response.status_code == 422
    assert "Forbidden claim" in response.get_data(as_text=True)
    assert version.state == "draft"


@pytest.mark.parametrize("disguise", [
    "The bor-der IS OPEN!", "The B.O.R.D.E.R is open", "The border is *open*", "The border is **op**en",
    "The bórdér ís ópen", "The b\u043erder is open",  # Cyrillic o
    "The bor\u00adder is open", "The border\u200b is open",
])
def test_dressed_up_forbidden_claims_are_still_refused(app, session, world, disguise):
    _message, version, response = _draft_and_submit(app, session, world, key="dressed", body=disguise)
    assert response.status_code == 422, disguise
    assert version.state == "draft"


@pytest.mark.parametrize("body", [
    "Good news: the border is &#111;pen.", "Good news: the border is op&#x65;n.", "Good news: the bor&shy;der is open.",
    "Good news: the border&#8203; is open.", "Good news: the border is &#x6f;&#x70;&#x65;&#x6e;.",
])
def test_character_references_do_not_smuggle_a_forbidden_claim_to_readers(app, session, world, body):
    message, version, response = _draft_and_submit(app, session, world, key="smuggled", body=body)
    if response.status_code == 302:  # accepted: a second person approves what the policy check called clean
        _approve(app, session, world, version)
    assert not visible_claim(browser(app).get(f"/en/n/{message.id}").get_data(as_text=True), "border is open"), \
        "readers see the forbidden claim"


def visible_claim(page: str, phrase: str) -> bool:
    """True when the text a reader sees on the page (tags dropped, references decoded) contains the phrase."""
    shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return bool(check_fields({"body": shown}, locale="en", kind="info", rules=[RuleSpec(None, "forbidden_phrase", phrase)]))


def test_the_visible_text_check_sees_a_plain_claim(app, session, world):
    assert visible_claim("<p>The border is <em>open</em>.</p>", "border is open")
    assert not visible_claim("<p>The border is not open.</p>", "border is open")


def test_a_rule_added_after_submission_still_stops_approval(app, session, world):
    _message, version, response = _draft_and_submit(app, session, world, key="late-rule", body="Registration opens monday.")
    assert response.status_code == 302 and version.state == "in_review"
    _rule(session, "forbidden_phrase", "registration opens monday")
    response = _approve(app, session, world, version)
    assert response.status_code == 422
    assert version.state == "in_review"


def test_a_link_outside_the_allowlist_is_refused_however_it_is_written(app, session, world):
    _rule(session, "link_allowlist", "uscis.gov state.gov")
    for i, body in enumerate(["[apply](https://uscis.gov.evil.example/form)", "[apply](https://uscis.gov@evil.example/)",
                              "[apply](//evil.example)", "[apply](&#104;ttps://evil.example)", "Apply at evil-registro.com today",
                              "[apply](https:\\\\evil.example)", "<https://evil.example>"]):
        _message, version, response = _draft_and_submit(app, session, world, key=f"link-{i}", body=body)
        assert response.status_code == 422, body
        assert version.state == "draft", body


def test_a_web_only_advisory_cannot_put_a_forbidden_claim_in_the_public_banner(app, session, world):
    _rule(session, "required_statement", STATEMENT, kinds=("advisory",))
    message, version, response = _draft_and_submit(
        app, session, world, key="banner", kind="advisory", channels=("web",),
        title="Advisory", body=f"Registration is virtual. {STATEMENT.capitalize()}.", sms_text="The border is open now, go.")
    if response.status_code == 302:
        _approve(app, session, world, version)
    page = browser(app).get("/en/").get_data(as_text=True)
    assert "border is open" not in page.lower()


def test_a_web_only_advisory_translation_cannot_put_a_forbidden_claim_in_the_public_banner(app, session, world):
    from tests.factories import make_message, make_version, step
    from msgsys.translation import service as translations

    _rule(session, "forbidden_phrase", "frontera está abierta", locale="es")
    author, approver = world.users["author"], world.users["approver"]
    message = make_message(session, world.campaign, kind="advisory", key="banner-es", channels=("web",))
    version = make_version(session, message, author, title="Advisory", body="Registration is virtual.", sms_text="")
    step(session, version, author, "submit")
    step(session, version, approver, "approve")
    es1 = browser(app, world.users["translator_es"])
    texts = {"title": "Aviso", "body": "El registro es virtual.", "sms_text": "La frontera está abierta, vengan."}
    assert _post(es1, f"/translate/{version.id}/es", texts).status_code == 302
    session.expire_all()
    translation = translations.find(session, version, "es")
    _post(es1, f"/translate/t/{translation.id}/submit", {"reason": ""}, form_url=f"/translate/{version.id}/es")
    es2 = browser(app, world.users["translator_es2"])
    _post(es2, f"/translate/t/{translation.id}/approve", {"reason": ""}, form_url=f"/translate/{version.id}/es")
    page = browser(app).get("/es/").get_data(as_text=True)
    assert "frontera está abierta" not in page.lower()


def test_a_required_statement_hidden_in_a_link_destination_does_not_count(app, session, world):
    _rule(session, "required_statement", STATEMENT, kinds=("advisory",))
    _message, version, response = _draft_and_submit(
        app, session, world, key="hidden-statement", kind="advisory", channels=("web",),
        body="Registration is virtual. [Read more](https://uscis.gov/do-not-approach-the-border-until-instructed)")
    assert response.status_code == 422
    assert version.state == "draft"


def test_a_required_statement_that_is_shown_is_enough(app, session, world):
    """The control for the test above: the same text with the statement as words goes through."""
    _rule(session, "required_statement", STATEMENT, kinds=("advisory",))
    _message, version, response = _draft_and_submit(
        app, session, world, key="shown-statement", kind="advisory", channels=("web",),
        body=f"Registration is virtual. {STATEMENT.capitalize()}. [Read more](https://uscis.gov/)",
        sms_text=f"{STATEMENT.capitalize()}.")  # the SMS text shows in the site's advisory banner
    assert response.status_code == 302 and version.state == "in_review"


def test_a_translation_with_a_forbidden_claim_cannot_be_submitted(app, session, world):
    _rule(session, "forbidden_phrase", "frontera está abierta", locale="es")
    version = world.v["pub2"]
    es1 = browser(app, world.users["translator_es"])
    texts = {"title": "Aviso", "body": "La frontera esta ABIERTA.", "sms_text": "Información."}
    assert _post(es1, f"/translate/{version.id}/es", texts).status_code == 302
    translation = world.t["pub2_es"]
    before = snapshot(app, ignore_denials=True)
    response = _post(es1, f"/translate/t/{translation.id}/submit", {"reason": ""}, form_url=f"/translate/{version.id}/es")
    assert response.status_code == 422
    assert diff_snapshots(before, snapshot(app, ignore_denials=True)) == []
