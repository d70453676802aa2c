"""Translations: their state machine, four eyes per locale, carry-over as outdated, and language fallback."""
from __future__ import annotations

import pytest

from msgsys.content import service as content
from msgsys.errors import InvalidTransition, PermissionDenied, PolicyViolation, ValidationError
from msgsys.translation import service as translations
from tests.factories import ES, make_message, make_published, make_translation, make_user, make_version, step
from tests.refusals import committed, refused


def test_translation_starts_only_once_the_source_is_approved(session, team):
    message = make_message(session)
    draft = make_version(session, message, team["author"])
    with pytest.raises(InvalidTransition, match="approved"):
        translations.start(session, actor=team["es1"], version=draft, locale="es")


def test_draft_review_approve_by_a_second_translator(session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"])
    assert translation.state == "in_review"
    translations.transition(session, actor=team["es2"], translation=translation, name="approve")
    session.commit()
    assert translation.state == "approved" and translation.approved_revision_id == translation.current_revision_id


def test_four_eyes_a_translator_cannot_approve_their_own_translation(app, session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"])
    refused(app, session, lambda: translations.transition(session, actor=team["es1"], translation=translation, name="approve"),
            PermissionDenied, match="Four eyes")
    assert committed(app)["translation"][0]["state"] == "in_review"


@pytest.mark.parametrize("who", ["quc", "author", "approver"])
def test_people_who_do_not_translate_the_locale_cannot_edit_or_approve_it(app, session, team, who):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"])
    refused(app, session, lambda: translations.save(session, actor=team[who], translation=translation, data=ES), PermissionDenied)
    refused(app, session, lambda: translations.transition(session, actor=team[who], translation=translation, name="approve"),
            PermissionDenied)
    assert committed(app)["translation"][0]["state"] == "in_review"


def test_request_changes_needs_a_reason_and_an_edit_returns_to_draft(app, session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"])
    refused(app, session, lambda: translations.transition(session, actor=team["es2"], translation=translation, name="request_changes"),
            ValidationError, match="reason")
    translations.transition(session, actor=team["es2"], translation=translation, name="request_changes", reason="Use 'asilo'.")
    translations.save(session, actor=team["es1"], translation=translation, data={**ES, "title": "Vías legales (asilo)"})
    session.commit()
    assert translation.state == "draft"
    refused(app, session, lambda: translations.transition(session, actor=team["es2"], translation=translation, name="approve"),
            InvalidTransition, match="state draft")


def test_submission_is_blocked_by_changed_links_or_placeholders(app, session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"],
                                 body="See https://www.uscis.gov/ for %(name)s.", sms_text="See https://www.uscis.gov/")
    translation = translations.start(session, actor=team["es1"], version=version, locale="es")
    translations.save(session, actor=team["es1"], translation=translation,
                      data={"title": "Vías", "body": "Vea https://example.com/ para.", "sms_text": "Vea https://www.uscis.gov/"})
    session.commit()
    err = refused(app, session, lambda: translations.transition(session, actor=team["es1"], translation=translation, name="submit"),
                  PolicyViolation)
    codes = {v["code"] for v in err.details["violations"] if v["blocking"]}
    assert {"urls", "placeholders"} <= codes


def test_a_forbidden_phrase_in_spanish_blocks_submission(app, session, team):
    from msgsys.policy import service as policy

    policy.seed_rules(session)
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = translations.start(session, actor=team["es1"], version=version, locale="es")
    translations.save(session, actor=team["es1"], translation=translation, data={**ES, "sms_text": "La frontera está abierta."})
    session.commit()
    err = refused(app, session, lambda: translations.transition(session, actor=team["es1"], translation=translation, name="submit"),
                  PolicyViolation)
    assert [(v["code"], v["field"]) for v in err.details["violations"] if v["blocking"]] == [("forbidden_phrase", "sms_text")]


def test_warnings_do_not_block(session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"], title="Lawful pathways")
    translation = translations.start(session, actor=team["es1"], version=version, locale="es")
    translations.save(session, actor=team["es1"], translation=translation, data={**ES, "title": "Lawful pathways"})
    result = translations.check(session, translation)
    assert [i.code for i in result.warnings] == ["same_as_source"] and not result.blocking


def test_glossary_terms_are_checked(session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"], body="Apply for asylum in the region.")
    translations.add_term(session, actor=team["es1"], locale="es", source_term="asylum", required_translation="asilo")
    translation = translations.start(session, actor=team["es1"], version=version, locale="es")
    translations.save(session, actor=team["es1"], translation=translation, data={**ES, "body": "Pida protección en la región."})
    assert any(i.code == "glossary" and "asilo" in i.message for i in translations.check(session, translation).warnings)


def test_a_new_source_version_carries_translations_over_as_outdated(session, team):
    message, v1 = make_published(session, author=team["author"], approver=team["approver"], title="Pathways", body="Old body.")
    t1 = make_translation(session, v1, team["es1"])
    translations.transition(session, actor=team["es2"], translation=t1, name="approve")
    session.commit()
    v2 = content.edit(session, actor=team["author"], version=v1, data={"title": "Pathways", "body": "New body.", "sms_text": v1.sms_text})
    session.commit()
    step(session, v2, team["author"], "submit")
    step(session, v2, team["approver"], "approve")
    t2 = translations.find(session, v2, "es")
    assert t2.state == "outdated" and t2.outdated_list == ["body"] and t2.carried_from_id == t1.id
    assert translations.previous_source(session, t2).id == v1.id
    assert translations.revision(session, t2.current_revision_id).body == ES["body"]
    # Nothing unapproved reaches anyone: v2 has no approved Spanish yet, so Spanish readers keep v1's approved Spanish.
    served = translations.resolve(session, version=v2, locale="es")
    assert (served.locale, served.version_number, served.body, served.earlier) == ("es", 1, ES["body"], True)


def test_fallback_chain_kiche_gets_approved_spanish_and_says_so(session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    assert translations.resolve(session, version=version, locale="quc").locale == "en"
    translation = make_translation(session, version, team["es1"])
    assert translations.resolve(session, version=version, locale="quc").locale == "en"  # in review is not approved
    translations.transition(session, actor=team["es2"], translation=translation, name="approve")
    session.commit()
    resolved = translations.resolve(session, version=version, locale="quc")
    assert (resolved.locale, resolved.requested, resolved.fell_back, resolved.body) == ("es", "quc", True, ES["body"])
    assert translations.resolve(session, version=version, locale="en").locale == "en"


def test_an_approved_translation_keeps_serving_while_a_new_revision_is_reviewed(session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"])
    translations.transition(session, actor=team["es2"], translation=translation, name="approve")
    translations.save(session, actor=team["es1"], translation=translation, data={**ES, "body": "Texto nuevo sin revisar."})
    session.commit()
    assert translations.resolve(session, version=version, locale="es").body == ES["body"]


def test_locale_outside_the_campaign_targets_is_refused(session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    admin_en = make_user(session, roles="translator", locales="en")
    with pytest.raises(ValidationError):
        translations.start(session, actor=admin_en, version=version, locale="en")


def test_translation_memory_suggests_close_matches_with_scores(session, team):
    _m, v1 = make_published(session, author=team["author"], approver=team["approver"], body="Do not approach the border.")
    t1 = make_translation(session, v1, team["es1"], texts={**ES, "body": "No se acerque a la frontera."})
    translations.transition(session, actor=team["es2"], translation=t1, name="approve")
    session.commit()
    found = translations.suggestions(session, locale="es", field="body", source_text="Do not approach the border now.")
    assert found and found[0].translation == "No se acerque a la frontera." and 60 <= found[0].score < 100
    exact = translations.suggestions(session, locale="es", field="body", source_text="Do not approach the border.")
    assert exact[0].score == 100
    assert translations.suggestions(session, locale="es", field="body", source_text="Completely unrelated words here") == []


def test_an_outdated_field_must_be_looked_at_again_before_submission(app, session, team):
    message, v1 = make_published(session, author=team["author"], approver=team["approver"], body="Old body.")
    t1 = make_translation(session, v1, team["es1"])
    translations.transition(session, actor=team["es2"], translation=t1, name="approve")
    v2 = content.edit(session, actor=team["author"], version=v1, data={"title": v1.title, "body": "New body.", "sms_text": v1.sms_text})
    session.commit()
    step(session, v2, team["author"], "submit")
    step(session, v2, team["approver"], "approve")
    t2 = translations.find(session, v2, "es")
    # Saved without confirming the changed body (as an import with that entry still fuzzy would): cannot be submitted.
    translations.save(session, actor=team["es1"], translation=t2, data=ES, confirmed=["title"])
    session.commit()
    assert t2.outdated_list == ["body"]
    err = refused(app, session, lambda: translations.transition(session, actor=team["es1"], translation=t2, name="submit"), PolicyViolation)
    assert any(v["code"] == "outdated" and v["field"] == "body" for v in err.details["violations"])
    # Saved from the editor, where the source change is shown beside the field: confirmed.
    translations.save(session, actor=team["es1"], translation=t2, data={**ES, "body": "Cuerpo nuevo."})
    translations.transition(session, actor=team["es1"], translation=t2, name="submit")
    assert t2.state == "in_review" and translations.source_changes(session, t2) == ["body"]


def test_a_translator_who_wrote_part_of_the_text_under_review_cannot_approve_it(app, session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"], submit=False)
    translations.save(session, actor=team["es2"], translation=translation, data={**ES, "title": "Vías legales."})
    translations.transition(session, actor=team["es2"], translation=translation, name="submit")
    session.commit()
    refused(app, session, lambda: translations.transition(session, actor=team["es1"], translation=translation, name="approve"),
            PermissionDenied, match="Four eyes")
    third = make_user(session, roles="translator", locales="es")
    translations.transition(session, actor=third, translation=translation, name="approve")
    assert translation.state == "approved"


def test_translations_of_a_retired_source_version_are_frozen(app, session, team):
    _m, version = make_published(session, author=team["author"], approver=team["approver"])
    translation = make_translation(session, version, team["es1"])
    step(session, version, team["approver"], "retire", reason="Program ended")
    refused(app, session, lambda: translations.save(session, actor=team["es1"], translation=translation, data=ES),
            InvalidTransition, match="no longer in use")
    refused(app, session, lambda: translations.transition(session, actor=team["es2"], translation=translation, name="approve"),
            InvalidTransition, match="no longer in use")


@pytest.mark.parametrize("term, translation", [("asy\u202elum", "asilo"), ("asylum", "asi\x00lo"), ("", "asilo"), ("a" * 121, "asilo")])
def test_bad_glossary_terms_are_refused(app, session, team, term, translation):
    refused(app, session, lambda: translations.add_term(session, actor=team["es1"], locale="es", source_term=term,
                                                        required_translation=translation), ValidationError)
    assert translations.glossary(session, "es") == []
