"""Two things the content forms used to do silently: leave the source language out of the target languages, and
forget a draft's change note when it was saved again."""
from __future__ import annotations

from sqlmodel import select

from msgsys.content.models import Campaign, MessageVersion
from tests.factories import csrf_from, make_message, make_version, step
from tests.forms.conftest import signed_in
from tests.forms.page import parse

LEFT_OUT = "English is the source language; it was left out of the target languages."


def _create(client, **data):
    token = csrf_from(client, "/admin/campaigns")
    return client.post("/admin/campaigns", data={"title": "Border notices", "source_locale": "en", **data, "csrf_token": token},
                       follow_redirects=True)


def _flashes(response) -> list[str]:
    return [p.text() for p in parse(response.get_data(as_text=True)).find_all("p", role="status")]


def test_the_source_language_ticked_as_a_target_is_left_out_and_the_officer_is_told(app, session, w):
    author = signed_in(app, w.people["author"])
    response = _create(author, slug="border-notices", target_locales=["en", "es"])
    assert response.status_code == 200
    assert LEFT_OUT in _flashes(response)
    campaign = session.exec(select(Campaign).where(Campaign.slug == "border-notices")).one()
    assert campaign.target_list == ["es"]


def test_nothing_is_said_when_the_source_language_is_not_a_target(app, session, w):
    response = _create(signed_in(app, w.people["author"]), slug="quiet", target_locales=["es", "quc"])
    assert response.status_code == 200 and not [f for f in _flashes(response) if "source language" in f]


def test_the_note_names_the_language_in_the_interface_s_language_not_its_code(app, session, w):
    author = signed_in(app, w.people["author"])
    author.get("/admin/?lang=es")
    response = _create(author, slug="avisos", source_locale="es", target_locales=["es", "quc"])
    flashes = _flashes(response)
    assert [f for f in flashes if "spañol" in f], flashes  # "Español", as Spanish writes it
    assert not [f for f in flashes if f.startswith("es ") or " es is " in f], flashes


def _editor_note(client, version_id) -> str:
    return parse(client.get(f"/admin/versions/{version_id}/edit").get_data(as_text=True)).find(id="change_note").attrs.get("value", "")


def _save(client, version_id, **changes):
    """Save the editor as a person does: the form as shown, with their changes."""
    page = parse(client.get(f"/admin/versions/{version_id}/edit").get_data(as_text=True))
    form = page.find("form", **{"class": "editor"})
    data = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input") if i.attrs.get("name")
            and i.attrs.get("type") != "checkbox"}
    data.update({t.attrs["name"]: t.text() for t in form.find_all("textarea")})
    data.update(changes)
    return client.post(f"/admin/versions/{version_id}/edit", data=data)


def test_a_draft_saved_again_keeps_its_change_note_and_shows_it(app, session, w):
    author = signed_in(app, w.people["author"])
    draft = w.draft
    assert _editor_note(author, draft.id) == "First words"  # shown, ready to correct
    saved = _save(author, draft.id, title="Draft title, clearer")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/admin/versions/{draft.id}/edit")
    session.expire_all()
    kept = session.get(MessageVersion, draft.id)
    assert (kept.title, kept.change_note) == ("Draft title, clearer", "First words")
    assert _editor_note(author, draft.id) == "First words"

    _save(author, draft.id, change_note="Clearer title")  # the author may still change it
    session.expire_all()
    assert session.get(MessageVersion, draft.id).change_note == "Clearer title"


def test_a_new_draft_starts_with_an_empty_change_note(app, session, w):
    """Saving someone else's draft, or a submitted version, makes a new version: its note describes the new change."""
    assert _editor_note(signed_in(app, w.people["author2"]), w.draft.id) == ""
    submitted = make_version(session, make_message(session, w.campaign, key="noted"), w.people["author"], change_note="Why v1")
    step(session, submitted, w.people["author"], "submit")
    assert _editor_note(signed_in(app, w.people["author"]), submitted.id) == ""
