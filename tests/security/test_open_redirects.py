"""Open redirects: no link on this site can bounce a signed-in officer to another site.

The check follows what a browser does with a Location header (a backslash is a slash, tabs and newlines vanish),
not what urlsplit thinks of it.
"""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.security.conftest import browser, csrf_of, offsite

OFFSITE = [
    "https://evil.example/", "//evil.example/", "///evil.example/", "http:evil.example", "https:/evil.example",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/%2F%2Fevil.example", "%2F%2Fevil.example",
    "\\\\evil.example", "\\/evil.example",
]
BACKSLASH = ["/\\evil.example", "/\\/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example"]
CONTROL_CHARS = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example"]


def _sign_in(app, world, target: str):
    client = browser(app)
    token = csrf_of(client, "/login")
    return client.post("/login", query_string={"next": target},
                       data={"email": world.users["author"].email, "password": PASSWORD, "csrf_token": token})


def test_the_checker_itself_tells_onsite_from_offsite():
    assert offsite("//evil.example/x") and offsite("/\\evil.example") and offsite("https://evil.example")
    assert not offsite("/admin/") and not offsite("http://msgsys.test/admin/")


@pytest.mark.parametrize("target", OFFSITE + CONTROL_CHARS)
def test_sign_in_never_sends_to_another_site(app, world, target):
    response = _sign_in(app, world, target)
    assert response.status_code == 302
    assert not offsite(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", BACKSLASH)
def test_sign_in_never_sends_to_another_site_through_a_backslash(app, world, target):
    """_safe_next lets '/\\host' through (urlsplit sees a path); werkzeug percent-encodes the backslash in Location,
    which is what keeps a browser on this site. This pins that second wall."""
    response = _sign_in(app, world, target)
    assert response.status_code == 302
    assert not offsite(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", ["/admin/campaigns", "/translate/?state=draft"])
def test_sign_in_does_go_back_to_a_page_of_this_site(app, world, target):
    response = _sign_in(app, world, target)
    assert response.headers["Location"].endswith(target)


def test_other_redirects_stay_on_the_site(app, session, world):
    """The public root, the comparison picker, the glossary's way back to the editor: all computed, never taken from input."""
    client = browser(app)
    for url in ("/?lang=https://evil.example", "/?lang=//evil.example"):
        response = client.get(url, headers={"Accept-Language": "//evil.example"})
        assert response.status_code == 302 and not offsite(response.headers["Location"])
    author = browser(app, world.users["author"])
    m = world.m["pub"]
    response = author.get(f"/admin/messages/{m.id}/compare", query_string={"a": "//evil.example", "b": "https://evil.example"})
    assert response.status_code == 302 and not offsite(response.headers["Location"])
    es = browser(app, world.users["translator_es"])
    token = csrf_of(es, "/translate/glossary/es")
    response = es.post("/translate/glossary/es", data={"csrf_token": token, "source_term": "sea", "required_translation": "mar",
                                                        "version_id": "//evil.example"})
    assert response.status_code == 302 and not offsite(response.headers["Location"])
