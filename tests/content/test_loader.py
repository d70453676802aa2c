"""The sample campaigns in campaigns/ load, pass policy, and load again without change."""
from __future__ import annotations

import pytest

from msgsys import ROOT
from msgsys.content import loader
from msgsys.content import service as content
from msgsys.errors import ValidationError
from msgsys.policy import service as policy
from tests.factories import make_user


@pytest.fixture
def seeded(session):
    policy.seed_rules(session)
    session.commit()


def test_the_three_sample_campaigns_load_and_pass_policy(session, seeded):
    author = make_user(session, roles="author")
    reports = loader.load_paths(session, [ROOT / "campaigns"], author=author)
    session.commit()
    slugs = {r.campaign for r in reports}
    assert {"lawful-pathways", "border-advisory", "countering-smugglers"} <= slugs
    for campaign in content.list_campaigns(session):
        assert campaign.sample_note.startswith("Sample content")
        for row in content.message_rows(session, campaign):
            assert row.latest.state == "in_review"  # submitted: policy passed
            assert row.latest.author_id == author.id


def test_loading_again_changes_nothing(session, seeded):
    first = loader.load_paths(session, [ROOT / "campaigns"])
    session.commit()
    again = loader.load_paths(session, [ROOT / "campaigns"])
    session.commit()
    assert sum(len(r.created) for r in first) >= 9
    assert all(not r.created and not r.updated for r in again)


def test_spanish_texts_are_kept_for_translation_not_approved(session, seeded):
    reports = loader.load_paths(session, [ROOT / "campaigns" / "border-advisory.toml"])
    es = reports[0].translations["do-not-approach-border"]["es"]
    assert "No se acerque a la frontera hasta que se le indique" in es["sms"]


def test_a_changed_file_makes_a_new_version(session, seeded, tmp_path):
    text = (ROOT / "campaigns" / "lawful-pathways.toml").read_text()
    path = tmp_path / "lawful-pathways.toml"
    path.write_text(text)
    loader.load_paths(session, [path]); session.commit()
    path.write_text(text.replace("Central American Minors", "Central American Minors (CAM)", 1))
    report = loader.load_paths(session, [path])[0]
    assert report.updated


def test_a_policy_breaking_file_is_refused_whole(session, seeded, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('''
[campaign]
slug = "bad"
title = "Bad"
[[messages]]
key = "open"
kind = "advisory"
[messages.en]
title = "Good news"
body = "The border is open."
sms = "The border is open."
''')
    with pytest.raises(ValidationError, match="open"):
        loader.load_paths(session, [path])
    session.rollback()
    assert content.list_campaigns(session) == []


def test_a_broken_file_gets_a_clear_error(session, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[campaign\nslug=")
    with pytest.raises(ValidationError, match="cannot be read"):
        loader.load_paths(session, [path])


def test_cli_loads_campaigns(runner, session, seeded):
    result = runner.invoke(args=["campaigns", "load", str(ROOT / "campaigns")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "border-advisory: 5 new, 0 updated, 0 unchanged",
        "countering-smugglers: 6 new, 0 updated, 0 unchanged",
        "lawful-pathways: 5 new, 0 updated, 0 unchanged",
    ]
    assert len(content.list_campaigns(session)) == 3


def test_loaded_campaigns_show_in_the_officer_ui_marked_as_sample(client, session, seeded):
    from tests.factories import login

    loader.load_paths(session, [ROOT / "campaigns"])
    session.commit()
    officer = make_user(session, roles="approver")
    login(client, officer.email)
    page = client.get("/admin/campaigns").get_data(as_text=True)
    for campaign in content.list_campaigns(session):
        assert campaign.title in page
    assert page.count("Sample content, drawn from public documents dated 2021. Not current guidance.") >= 3
    review = client.get("/admin/review").get_data(as_text=True)
    assert "do-not-approach-border" in review


def test_loading_as_someone_who_is_not_an_author_is_refused(session, seeded):
    translator = make_user(session, roles="translator", locales="es")
    with pytest.raises(ValidationError, match=r"message do-not-approach-border: Your role does not allow this: it takes the role of author"):
        loader.load_paths(session, [ROOT / "campaigns" / "border-advisory.toml"], author=translator)
    session.rollback()
    assert content.list_campaigns(session) == []


def test_a_refused_load_changes_nothing_but_the_refusal_is_audited(runner, session, seeded):
    from sqlmodel import select

    from msgsys.audit.models import AuditEvent

    translator = make_user(session, roles="translator", locales="es")
    result = runner.invoke(args=["campaigns", "load", str(ROOT / "campaigns" / "border-advisory.toml"), "--author", translator.email])
    assert result.exit_code == 2 and "Your role does not allow this: it takes the role of author" in result.output
    assert content.list_campaigns(session) == []  # the campaign it had begun to create was rolled back
    refusal = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.denied")).one()
    assert refusal.actor_label == translator.email and "version.draft" in refusal.after
