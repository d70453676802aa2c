"""`msgsys demo`: its addresses follow the host and port it is given, two translators per locale can each act,
its next steps count what actually waits, and it writes no K'iche'.

Texts saved in K'iche' here are placeholders in English: tests never write K'iche'.
"""
from __future__ import annotations

import re
import shutil

import pytest
from sqlmodel import col, func, select

from msgsys import demo
from msgsys.auth import service as users
from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.errors import PermissionDenied
from msgsys.translation import service as translations
from msgsys.translation.models import Translation, TranslationRevision
from tests.factories import make_campaign, make_published, make_version, step

ELSEWHERE = "https://msgsys.example.org"
PLACEHOLDER = {"title": "Placeholder title", "body": "Placeholder body.", "sms_text": "Placeholder text."}
ENGLISH = {"title": "Lawful pathways", "body": "Apply from where you are.", "sms_text": "Apply from where you are."}


@pytest.fixture
def config(config):
    """A public address unlike any local one, so a printed address shows where it came from."""
    return {**config, "PUBLIC_BASE_URL": ELSEWHERE}


@pytest.fixture
def demo_run(runner):
    """`msgsys demo --port 5091`, as `PORT=5091 make run` calls it."""
    result = runner.invoke(args=["demo", "--host", "127.0.0.1", "--port", "5091"])
    assert result.exit_code == 0, result.output
    return result.output


def _next_steps(output: str) -> list[str]:
    return [line.strip() for line in output.split("Next steps:")[1].splitlines() if line.strip()]


def _user(session, email):
    return users.find_user(session, email)


def test_every_address_the_demo_prints_is_the_one_it_was_given(runner, demo_run):
    urls = re.findall(r"https?://[^\s),]+", demo_run)
    assert "Sign in at http://127.0.0.1:5091/login" in demo_run
    assert len(urls) >= 4 and all(u.startswith("http://127.0.0.1:5091/") for u in urls), urls
    # Without a host or port it prints the configured public address instead.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert f"Sign in at {ELSEWHERE}/login" in again.output
    assert all(u.startswith(ELSEWHERE + "/") for u in re.findall(r"https?://[^\s),]+", again.output))


def test_a_bad_port_is_refused(runner, session):
    result = runner.invoke(args=["demo", "--port", "99999"])
    assert result.exit_code == 2 and "99999" in result.output
    assert _user(session, demo.AUTHOR) is None


def _demo_version(session, locale: str) -> MessageVersion:
    """A published demo version of a message that is not an advisory, in a campaign translated into `locale`."""
    rows = session.exec(select(MessageVersion, Message, Campaign).join(Message, Message.id == MessageVersion.message_id)
                        .join(Campaign, Campaign.id == Message.campaign_id)
                        .where(MessageVersion.state == "published", Message.kind != "advisory")).all()
    return next(v for v, _m, c in rows if locale in c.target_list)


def _version_to_translate(session, locale: str) -> tuple[MessageVersion, dict]:
    if locale == "en":  # the sample campaigns are written in English: one written in Spanish, by the demo author
        campaign = make_campaign(session, source_locale="es", targets=("en",))
        _m, version = make_published(session, campaign=campaign, author=_user(session, demo.AUTHOR),
                                     approver=_user(session, demo.APPROVER),
                                     title="Vías legales", body="Haga su solicitud desde donde está.", sms_text="Haga su solicitud desde donde está.")
        return version, ENGLISH
    version = _demo_version(session, locale)
    if locale == "es":
        imported = translations.find(session, version, "es")
        current = translations.revision(session, imported.current_revision_id)
        return version, {"title": current.title, "body": current.body, "sms_text": current.sms_text}
    return version, PLACEHOLDER


@pytest.mark.parametrize("locale", ["es", "quc", "en"])
def test_two_translators_per_locale_one_writes_the_other_approves(demo_run, session, locale):
    writer_email, reviewer_email = demo.TRANSLATORS[locale]
    writer, reviewer = _user(session, writer_email), _user(session, reviewer_email)
    assert writer.locale_set == {locale} == reviewer.locale_set and writer.role_set == {"translator"} == reviewer.role_set
    version, texts = _version_to_translate(session, locale)

    translation = translations.start(session, actor=writer, version=version, locale=locale)
    translations.save(session, actor=writer, translation=translation, data=texts)
    translations.transition(session, actor=writer, translation=translation, name="submit")
    session.commit()
    with pytest.raises(PermissionDenied):
        translations.transition(session, actor=writer, translation=translation, name="approve")
    session.rollback()
    translations.transition(session, actor=reviewer, translation=translation, name="approve")
    session.commit()

    assert translation.state == "approved"
    assert translations.revision(session, translation.approved_revision_id).author_id == writer.id
    assert translation.reviewed_by_id == reviewer.id


def _waiting_spanish(session) -> int:
    return session.exec(select(func.count()).select_from(Translation).where(Translation.locale == "es", Translation.state == "in_review")).one()


def _untranslated_kiche(session) -> int:
    published = session.exec(select(MessageVersion).where(MessageVersion.state == "published")).all()
    return sum(1 for v in published if translations.find(session, v, "quc") is None)


def test_the_next_steps_count_what_waits(demo_run, session):
    base = "http://127.0.0.1:5091"
    spanish, kiche = _waiting_spanish(session), _untranslated_kiche(session)
    assert spanish > 1 and kiche > 1
    assert _next_steps(demo_run) == [
        f"approver@demo.msgsys: no version waits for review ({base}/admin/review)",
        f"reviewer-es@demo.msgsys: review the {spanish} Spanish texts waiting at {base}/translate/?state=in_review",
        f"translator-quc@demo.msgsys: translate the {kiche} messages into K'iche' at {base}/translate/?state=untranslated, "
        "then reviewer-quc@demo.msgsys reviews",
        "translator-en@demo.msgsys, reviewer-en@demo.msgsys: nothing waits in English",
    ]

    # Work moves on: the lines follow it.
    author = _user(session, demo.AUTHOR)
    es_reviewer, quc_writer = _user(session, "reviewer-es@demo.msgsys"), _user(session, "translator-quc@demo.msgsys")
    message = session.exec(select(Message).where(Message.kind == "info")).first()
    step(session, make_version(session, message, author, title="Resource centers, updated"), author, "submit")
    approved, sent_back = session.exec(select(Translation).where(Translation.locale == "es", Translation.state == "in_review")).all()[:2]
    translations.transition(session, actor=es_reviewer, translation=approved, name="approve")
    translations.transition(session, actor=es_reviewer, translation=sent_back, name="request_changes", reason="Use usted.")
    draft = translations.start(session, actor=quc_writer, version=_demo_version(session, "quc"), locale="quc")
    translations.save(session, actor=quc_writer, translation=draft, data=PLACEHOLDER)
    session.commit()

    assert demo.next_steps(session, base) == [
        f"approver@demo.msgsys: review the 1 version waiting at {base}/admin/review",
        f"reviewer-es@demo.msgsys: review the {spanish - 2} Spanish texts waiting at {base}/translate/?state=in_review",
        f"translator-es@demo.msgsys: redo the 1 Spanish text sent back or outdated at {base}/translate/, then reviewer-es@demo.msgsys reviews",
        f"translator-quc@demo.msgsys: translate the {kiche - 1} messages into K'iche' at {base}/translate/?state=untranslated, "
        "then reviewer-quc@demo.msgsys reviews",
        "translator-en@demo.msgsys, reviewer-en@demo.msgsys: nothing waits in English",
    ]


def test_the_demo_writes_no_kiche_even_when_a_file_has_some(runner, session, tmp_path, monkeypatch):
    """Campaign files carry no K'iche'; were one to, the demo would still leave it unwritten."""
    import msgsys
    from msgsys import ROOT

    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    path = tmp_path / "campaigns" / "lawful-pathways.toml"
    text = path.read_text()
    first_es = text.index("[messages.es]")
    path.write_text(text[:first_es] + '[messages.quc]\ntitle = "Placeholder title"\nbody = "Placeholder body."\n'
                    'sms = "Placeholder text."\n\n' + text[first_es:])
    monkeypatch.setattr(msgsys, "ROOT", tmp_path)

    for _ in range(2):  # a second run, as every `make run` does, adds none either
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    assert session.exec(select(Translation).where(Translation.locale == "quc")).all() == []
    assert session.exec(select(func.count()).select_from(TranslationRevision)).one() == _waiting_spanish(session) > 0
    assert session.exec(select(func.count()).select_from(Translation).where(col(Translation.locale) != "es")).one() == 0
