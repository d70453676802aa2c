"""What readers of each language get when a message changes: carried on, held, correction, fallback.

Every case is read off the public pages as a reader gets them, with the language served (Content-Language,
the article's lang) and the version it translates; and invariant 1 is checked on every text served.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from msgsys.content.models import MessageVersion
from msgsys.errors import InvalidTransition, PermissionDenied, ValidationError
from msgsys.translation import readers
from msgsys.translation import service as translations
from msgsys.translation.models import Translation, TranslationRevision
from msgsys.workflow import service as workflow
from tests.factories import make_campaign, make_message, make_user, make_version, step
from tests.refusals import refused

ES1 = {"title": "Vías legales (1)", "body": "Primera versión en español.", "sms_text": "Primera versión en español."}
ES2 = {"title": "Vías legales (2)", "body": "Segunda versión en español.", "sms_text": "Segunda versión en español."}
# A placeholder in a test database standing for a K'iche' translator's text (it is not K'iche').
QUC_DRAFT = {"title": "Marcador (quc)", "body": "Marcador de prueba.", "sms_text": "Marcador de prueba."}


@pytest.fixture
def people(session):
    return {
        "author": make_user(session, roles="author", email="author@example.org"),
        "approver": make_user(session, roles="approver", email="approver@example.org"),
        "es1": make_user(session, roles="translator", locales="es", email="es1@example.org"),
        "es2": make_user(session, roles="translator", locales="es", email="es2@example.org"),
        "quc1": make_user(session, roles="translator", locales="quc", email="quc1@example.org"),
        "quc2": make_user(session, roles="translator", locales="quc", email="quc2@example.org"),
    }


def approve(session, version, approver, **choice):
    workflow.transition(session, actor=approver, version=version, name="approve", **choice)
    session.commit()
    return version


def translate(session, people, version, locale, texts):
    """Write, submit and approve a translation of `version` by two translators of the locale."""
    translation = translations.find(session, version, locale) or translations.start(session, actor=people[f"{locale}1"], version=version, locale=locale)
    translations.save(session, actor=people[f"{locale}1"], translation=translation, data=texts)
    translations.transition(session, actor=people[f"{locale}1"], translation=translation, name="submit")
    translations.transition(session, actor=people[f"{locale}2"], translation=translation, name="approve")
    session.commit()
    return translation


def new_version(session, people, message, *, title, approve_now=True, **choice):
    version = make_version(session, message, people["author"], title=title, body=f"{title} body.", sms_text=f"{title} SMS.")
    step(session, version, people["author"], "submit")
    if approve_now:
        approve(session, version, people["approver"], **choice)
    return version


@pytest.fixture
def v1(session, people):
    """Version 1 published, with approved Spanish; no K'iche'."""
    message = make_message(session, make_campaign(session, targets=("es", "quc")))
    version = new_version(session, people, message, title="First English")
    translate(session, people, version, "es", ES1)
    assert version.state == "published"
    return version


def served(client, message_id, locale):
    """(language served, page text) of one notice for one reader."""
    response = client.get(f"/{locale}/n/{message_id}")
    assert response.status_code == 200, response.status_code
    return response.headers["Content-Language"], response.get_data(as_text=True)


def assert_invariant_1(app, message_id):
    """Every text served, in every language, is an approved revision of the exact version it translates."""
    with Session(app.extensions["msgsys.engine"]) as other:  # a separate connection: what is committed
        live = readers.published_version(other, message_id)
        for locale in ("en", "es", "quc"):
            text = readers.resolve(other, version=live, locale=locale)
            if text.translation_id is None:
                assert (text.version_id, text.locale) == (live.id, "en")
                continue
            translation = other.get(Translation, text.translation_id)
            revision = other.get(TranslationRevision, translation.approved_revision_id)
            assert translation.version_id == text.version_id and translation.locale == text.locale
            assert (revision.title, revision.body) == (text.title, text.body)


def test_an_edit_keeps_spanish_readers_on_the_last_approved_spanish_until_the_new_one_is_approved(app, client, session, people, v1):
    v2 = new_version(session, people, make_message_of(session, v1), title="Second English")
    assert v2.state == "published"
    language, html = served(client, v1.message_id, "es")
    assert language == "es" and ES1["body"] in html and "Second English" not in html
    assert 'lang="es"' in html and 'class="meta earlier"' in html and "(2)" in html
    language, html = served(client, v1.message_id, "en")
    assert language == "en" and "Second English body." in html
    assert_invariant_1(app, v1.message_id)
    translate(session, people, v2, "es", ES2)  # the carried-over translation, brought up to date and approved
    language, html = served(client, v1.message_id, "es")
    assert language == "es" and ES2["body"] in html and ES1["body"] not in html and "being translated" not in html
    assert_invariant_1(app, v1.message_id)


def make_message_of(session, version):
    from msgsys.content.models import Message

    return session.get(Message, version.message_id)


def test_kiche_readers_fall_back_to_the_carried_on_spanish(app, client, session, people, v1):
    new_version(session, people, make_message_of(session, v1), title="Second English")
    language, html = served(client, v1.message_id, "quc")
    assert language == "es" and ES1["body"] in html and 'class="fallback"' in html


def test_carried_on_reaches_back_over_several_untranslated_versions(app, client, session, people, v1):
    message = make_message_of(session, v1)
    new_version(session, people, message, title="Second English")
    new_version(session, people, message, title="Third English")
    language, html = served(client, v1.message_id, "es")
    assert language == "es" and ES1["body"] in html and 'class="meta earlier"' in html and "(3)" in html


def test_a_correction_stops_the_old_translations_at_once(app, client, session, people, v1):
    new_version(session, people, make_message_of(session, v1), title="Corrected English", correction=True)
    for locale in ("es", "quc"):
        language, html = served(client, v1.message_id, locale)
        assert language == "en" and "Corrected English body." in html and ES1["body"] not in html
        assert 'class="fallback"' in html
    assert_invariant_1(app, v1.message_id)


def test_a_correction_marked_by_the_author_stops_them_too(app, client, session, people, v1):
    message = make_message_of(session, v1)
    version = make_version(session, message, people["author"], title="Author's correction", body="Fixed body.", sms_text="Fixed SMS.",
                           correction=True)
    step(session, version, people["author"], "submit")
    approve(session, version, people["approver"])  # the approver does not tick it again: the author's mark holds
    language, html = served(client, v1.message_id, "es")
    assert language == "en" and ES1["body"] not in html


def test_translations_older_than_a_correction_stay_stopped_after_later_edits(app, client, session, people, v1):
    message = make_message_of(session, v1)
    new_version(session, people, message, title="Corrected English", correction=True)
    new_version(session, people, message, title="Later English")
    language, html = served(client, v1.message_id, "es")
    assert language == "en" and ES1["body"] not in html and "Later English body." in html


def test_a_withdrawn_version_s_translations_are_not_carried_on(app, client, session, people, v1):
    workflow.transition(session, actor=people["approver"], version=v1, name="retire", reason="Wrong office hours.")
    session.commit()
    new_version(session, people, make_message_of(session, v1), title="Replacement")
    language, html = served(client, v1.message_id, "es")
    assert language == "en" and ES1["body"] not in html


def test_held_until_every_translation_is_approved_then_all_languages_go_live_together(app, client, session, people, v1):
    message = make_message_of(session, v1)
    v2 = new_version(session, people, message, title="Together English", publication="together")
    assert v2.state == "approved" and workflow.held(session, v2)
    for locale, expected in (("en", "First English body."), ("es", ES1["body"])):
        language, html = served(client, v1.message_id, locale)
        assert expected in html and "Together English" not in html
    translate(session, people, v2, "es", ES2)
    assert session.get(MessageVersion, v2.id).state == "approved"  # K'iche' still missing: still held
    assert "Together English" not in served(client, v1.message_id, "en")[1]
    translate(session, people, v2, "quc", QUC_DRAFT)
    with Session(app.extensions["msgsys.engine"]) as other:
        assert other.get(MessageVersion, v2.id).state == "published"
    assert "Together English body." in served(client, v1.message_id, "en")[1]
    assert served(client, v1.message_id, "es")[0] == "es" and ES2["body"] in served(client, v1.message_id, "es")[1]
    assert served(client, v1.message_id, "quc")[0] == "quc"
    assert_invariant_1(app, v1.message_id)


def test_a_held_version_with_a_later_go_live_waits_for_both(app, client, session, people, clock, v1):
    message = make_message_of(session, v1)
    v2 = make_version(session, message, people["author"], title="Scheduled together", body="Later body.", sms_text="Later SMS.",
                      go_live_at=clock.now() + timedelta(hours=2))
    step(session, v2, people["author"], "submit")
    approve(session, v2, people["approver"], publication="together")
    translate(session, people, v2, "es", ES2)
    translate(session, people, v2, "quc", QUC_DRAFT)
    assert session.get(MessageVersion, v2.id).state == "approved"  # translations done, go-live not yet
    clock.advance(hours=3)
    workflow.run_schedule(session)
    session.commit()
    assert "Later body." in served(client, v1.message_id, "en")[1]


def test_the_scheduler_does_not_publish_a_held_version_whose_translations_are_missing(app, client, session, people, clock, v1):
    message = make_message_of(session, v1)
    v2 = make_version(session, message, people["author"], title="Scheduled held", body="Held body.", sms_text="Held SMS.",
                      go_live_at=clock.now() + timedelta(hours=1))
    step(session, v2, people["author"], "submit")
    approve(session, v2, people["approver"], publication="together")
    clock.advance(hours=2)
    assert workflow.run_schedule(session) == {"published": 0, "expired": 0}
    session.commit()
    assert "Held body." not in served(client, v1.message_id, "en")[1]


def test_an_approver_may_publish_a_held_version_ahead_of_its_translations_but_not_its_writer(app, client, session, people, v1):
    message = make_message_of(session, v1)
    v2 = new_version(session, people, message, title="Urgent English", publication="together")
    writer = make_user(session, roles="author,approver", email="writer@example.org")
    v3 = make_version(session, message, writer, title="Writer's own", body="Own body.", sms_text="Own SMS.")
    assert [t.name for t in workflow.steps_for(session, version=v2, user=people["approver"])] == ["retire", "publish_now"]
    refused(app, session, lambda: workflow.transition(session, actor=people["author"], version=v2, name="publish_now"), PermissionDenied)
    workflow.transition(session, actor=people["approver"], version=v2, name="publish_now")
    session.commit()
    assert "Urgent English body." in served(client, v1.message_id, "en")[1]
    language, html = served(client, v1.message_id, "es")
    assert language == "es" and ES1["body"] in html  # published at once, not as a correction: Spanish carries on
    assert v3.state == "draft"


def test_publish_now_is_refused_for_a_version_not_held(app, session, people, clock):
    message = make_message(session, make_campaign(session))
    version = make_version(session, message, people["author"], go_live_at=clock.now() + timedelta(days=1))
    step(session, version, people["author"], "submit")
    approve(session, version, people["approver"])  # at once (when due): nothing to publish ahead of
    assert [t.name for t in workflow.steps_for(session, version=version, user=people["approver"])] == ["retire"]
    refused(app, session, lambda: workflow.transition(session, actor=people["approver"], version=version, name="publish_now"),
            InvalidTransition, match="not waiting")


def test_an_unknown_publication_choice_is_refused_and_changes_nothing(app, session, people):
    message = make_message(session, make_campaign(session))
    version = make_version(session, message, people["author"])
    step(session, version, people["author"], "submit")
    refused(app, session, lambda: workflow.transition(session, actor=people["approver"], version=version, name="approve",
                                                      publication="sometime"), ValidationError, match="Choose how this version goes live")


def test_with_no_target_language_together_publishes_at_once(session, people):
    message = make_message(session, make_campaign(session, targets=()))
    version = new_version(session, people, message, title="Alone", publication="together")
    assert version.state == "published"


def test_the_approver_sees_per_language_what_readers_will_get(session, people, v1):
    v2 = new_version(session, people, make_message_of(session, v1), title="Under review", approve_now=False)
    rows = {row.locale: row for row in readers.preview(session, v2)}
    assert list(rows) == ["en", "es", "quc"]
    assert (rows["es"].today.locale, rows["es"].today.version_number) == ("es", 1)
    assert (rows["es"].at_once.locale, rows["es"].at_once.version_number, rows["es"].at_once.earlier) == ("es", 1, True)
    assert (rows["es"].as_correction.locale, rows["es"].as_correction.version_number) == ("en", 2)
    assert (rows["quc"].at_once.locale, rows["quc"].at_once.version_number) == ("es", 1)
    assert (rows["en"].at_once.locale, rows["en"].at_once.version_number) == ("en", 2)


def test_the_approval_page_shows_the_choice_and_the_per_language_outcome(client, session, people, v1):
    from tests.factories import login

    v2 = new_version(session, people, make_message_of(session, v1), title="Under review", approve_now=False)
    login(client, people["approver"].email)
    html = client.get(f"/admin/versions/{v2.id}").get_data(as_text=True)
    outlook = html[html.index('class="stack outlook"'):html.index("</table>", html.index('class="stack outlook"'))]
    assert "Version 1 in Spanish (the last approved translation; version 2 is not yet approved in it)" in outlook
    assert "Version 2 in English" in outlook
    assert 'name="publication" type="radio" value="together"' in html or 'value="together"' in html
    assert 'name="correction"' in html


def test_approving_to_publish_together_through_the_page_holds_it_and_offers_publish_now(client, session, people, v1):
    from tests.factories import login, post_form

    v2 = new_version(session, people, make_message_of(session, v1), title="Held by form", approve_now=False)
    login(client, people["approver"].email)
    response = post_form(client, f"/admin/versions/{v2.id}/approve", {"publication": "together"}, form_url=f"/admin/versions/{v2.id}")
    assert response.status_code == 302
    html = client.get(f"/admin/versions/{v2.id}").get_data(as_text=True)
    assert 'id="held"' in html and "Publish now, without waiting for the translations" in html
    assert "Held by form" not in client.get(f"/en/n/{v1.message_id}").get_data(as_text=True)


def test_officers_see_per_language_what_readers_get_and_what_is_pending(client, session, people, v1):
    from tests.factories import login

    message = make_message_of(session, v1)
    v2 = new_version(session, people, message, title="Second English")
    login(client, people["author"].email)
    html = client.get(f"/admin/messages/{message.id}").get_data(as_text=True)
    table = html[html.index('class="stack readers"'):]
    table = table[:table.index("</table>")]
    row = lambda code: table[table.index(f'data-locale="{code}"'):table.index("</tr>", table.index(f'data-locale="{code}"'))]  # noqa: E731
    assert "Version 2 in English" in row("en")
    assert "Version 1 in Spanish" in row("es") and "Version 2: Outdated" in row("es")
    assert "Version 1 in Spanish" in row("quc") and "fallback" in row("quc") and "translation not started" in row("quc")
    campaign_html = client.get(f"/admin/campaigns/{make_campaign_slug(session, message)}").get_data(as_text=True)
    assert 'class="stack languages"' in campaign_html and "Version 1 in Spanish" in campaign_html
    assert v2.state == "published"


def make_campaign_slug(session, message):
    from msgsys.content.models import Campaign

    return session.get(Campaign, message.campaign_id).slug


def test_the_translator_s_editor_says_what_readers_of_the_language_really_get(client, session, people, v1):
    from tests.factories import login

    v2 = new_version(session, people, make_message_of(session, v1), title="Second English")
    login(client, people["es1"].email)
    html = client.get(f"/translate/{v2.id}/es").get_data(as_text=True)
    got = html[html.index('id="readers-get"'):]
    assert got[:got.index("</dd>")].count("Version 1 in Spanish") == 1
    assert "No approved translation yet" not in html


def test_a_campaign_s_messages_wait_for_its_start_date(client, session, people, clock):
    from msgsys.content import service as content

    campaign = make_campaign(session)
    content_campaign = content.get_campaign(session, campaign.slug)
    content_campaign.starts_on = (clock.now() + timedelta(days=2)).date()
    session.add(content_campaign)
    session.commit()
    message = make_message(session, campaign)
    new_version(session, people, message, title="Not yet")
    assert client.get(f"/en/n/{message.id}").status_code == 404
    assert "Not yet" not in client.get("/en/").get_data(as_text=True)
    clock.advance(days=2)
    assert client.get(f"/en/n/{message.id}").status_code == 200
    assert "Not yet" in client.get("/en/").get_data(as_text=True)
