"""People and content for the form pages: a campaign translated into Spanish, drafts, a version in review, Spanish
translations (one in review, one that breaks a blocking policy rule) and the rule itself."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import login, make_campaign, make_message, make_published, make_translation, make_user, make_version, step

BREAKING = {"title": "Aviso", "body": "The border is open.", "sms_text": "The border is open."}


@pytest.fixture
def w(session):
    """Everything the form pages need, committed."""
    from msgsys.policy import service as policy
    from msgsys.translation import service as translations

    people = {name: make_user(session, roles=roles, locales=locales, email=f"{name}@example.org") for name, roles, locales in (
        ("author", "author", ""), ("author2", "author", ""), ("approver", "approver", ""), ("admin", "admin", ""),
        ("es1", "translator", "es"), ("es2", "translator", "es"), ("quc", "translator", "quc"),
    )}
    rule = policy.create_rule(session, label="test", data={
        "rule_type": "forbidden_phrase", "pattern": "border is open", "severity": "block", "locale": "*", "kinds": [],
        "description": "The borders are not open."})
    quc_rule = policy.create_rule(session, label="test", data={  # waits for a K'iche' translator's approval
        "rule_type": "forbidden_phrase", "pattern": "placeholder claim", "severity": "block", "locale": "quc", "kinds": [],
        "description": "Waits for approval."})
    session.commit()
    campaign = make_campaign(session, slug="forms-campaign", targets=("es",))
    draft_message = make_message(session, campaign, key="draft-msg")
    draft = make_version(session, draft_message, people["author"], title="Draft title", change_note="First words")
    breaking = make_version(session, make_message(session, campaign, key="breaking-msg"), people["author"],
                            title="Update", body="The border is open.", sms_text="The border is open.")
    review = make_version(session, make_message(session, campaign, key="review-msg"), people["author"], title="In review")
    step(session, review, people["author"], "submit")
    _m, pub = make_published(session, author=people["author"], approver=people["approver"], campaign=campaign)
    in_review_es = make_translation(session, pub, people["es1"])
    _m, pub2 = make_published(session, author=people["author"], approver=people["approver"], campaign=campaign)
    breaking_es = make_translation(session, pub2, people["es1"], texts=BREAKING, submit=False)
    translations.add_term(session, actor=people["es1"], locale="es", source_term="asylum", required_translation="asilo")
    session.commit()
    return SimpleNamespace(people=people, campaign=campaign, draft=draft, breaking=breaking, review=review, pub=pub,
                           in_review_es=in_review_es, pub2=pub2, breaking_es=breaking_es, rule_key=rule.rule_key,
                           quc_rule_key=quc_rule.rule_key)


def signed_in(app, user):
    """A separate browser, signed in as the user."""
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client
