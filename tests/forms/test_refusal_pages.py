"""A refusal that is not a form's (no such page, not allowed, a stale form, a clash) is a page in the site's layout
with a heading and a clear sentence in the reader's language: the officers' layout on their pages, the public
site's look on the public site; the API keeps answering JSON."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from msgsys.errors import HTTP_MESSAGES
from tests.forms.conftest import signed_in
from tests.forms.page import parse

WERKZEUG_WORDS = (NotFound.description, MethodNotAllowed.description, "Bad Request", "Method Not Allowed")


def _officer_page(response) -> tuple[str, str]:
    """The heading and sentence of an officers' error page, having checked it is in their layout."""
    doc = parse(response.get_data(as_text=True))
    assert doc.find("link", href="/static/app.css") is not None, "the officers' stylesheet"
    assert doc.find("main", id="main") is not None and doc.find("header") is not None
    return doc.find("h1").text(), doc.find("main").find("p", role="alert").text()


@pytest.fixture
def config(config):
    config["PROPAGATE_EXCEPTIONS"] = False
    return config


def test_officers_refusals_render_in_their_layout_with_a_clear_sentence(app, session, w):
    author, approver = signed_in(app, w.people["author"]), signed_in(app, w.people["approver"])
    pages = [
        (author.get("/admin/users"), 403, "Not allowed", "Your role does not allow this"),
        (author.get("/admin/campaigns/no-such-campaign"), 404, "Page not found", "No campaign no-such-campaign."),
        (author.get("/admin/no-such-page"), 404, "Page not found", str(HTTP_MESSAGES[404])),
        (author.get(f"/admin/versions/{w.review.id}/submit"), 405, "Page not found", str(HTTP_MESSAGES[405])),
        (author.post("/admin/campaigns", data={"slug": "x"}), 400, "Something is not right",
         "The form expired or was not sent from this site. Reload the page and try again."),
        (approver.get(f"/translate/{w.draft.id}/es"), 403, "Not allowed", ""),
    ]
    for response, status, heading, words in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == status, html[:500]
        shown_heading, sentence = _officer_page(response)
        assert shown_heading == heading and words in sentence and sentence, (status, shown_heading, sentence)
        assert not any(w in html for w in WERKZEUG_WORDS), html
        assert parse(html).find("a", href="/admin/") is not None, "a way back to the dashboard"


def test_refusals_outside_a_form_render_in_the_layout(app, session, w):
    """The translation editor of a version not yet approved (409); a catalog of a language the campaign lacks (422)."""
    es1 = signed_in(app, w.people["es1"])
    response = es1.get(f"/translate/{w.review.id}/es")
    assert response.status_code == 409
    heading, sentence = _officer_page(response)
    assert heading == "This cannot be done now" and sentence == "Translation starts once the source version is approved."

    response = signed_in(app, w.people["quc"]).get("/translate/catalog/forms-campaign/quc.po")
    assert response.status_code == 422
    heading, sentence = _officer_page(response)
    assert heading == "This cannot be accepted" and sentence == "This campaign is not translated into K'iche'."


def test_signed_out_refusals_offer_to_sign_in(app, session, w):
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    doc = parse(response.get_data(as_text=True))
    main = doc.find("main")
    assert main.find("a", href="/login") is not None and main.find("a", href="/admin/") is None
    assert "The form expired" in main.text()


def test_public_refusals_keep_the_public_look_and_language(app, session, w):
    client = app.test_client()
    for url, sentence in (("/es/n/999999", None), ("/es/no-such-page", None), ("/nothing-here", None)):
        response = client.get(url)
        assert response.status_code == 404, url
        doc = parse(response.get_data(as_text=True))
        assert doc.find("link", href="/static/public.css") is not None, url
        assert doc.find("link", href="/static/app.css") is None and doc.find("script") is None, url
        assert doc.find("a", href="/admin/") is None, "no officers' link on the public site"
        assert doc.find("h1").text() and doc.find("main").find("p").text(), url
        assert NotFound.description not in response.get_data(as_text=True)
    spanish = parse(client.get("/es/n/999999").get_data(as_text=True))
    assert spanish.find("html").attrs["lang"] == "es"
    assert spanish.find("a", href="/es/") is not None, "back to the Spanish home page"
    assert [a.text() for a in spanish.find("nav").find_all("a")] == ["English", "K'iche'"]


def test_the_api_keeps_answering_json(app, session, w):
    response = app.test_client().get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.json["error"]["code"] == "not_found" and response.json["error"]["message"] == str(HTTP_MESSAGES[404])

