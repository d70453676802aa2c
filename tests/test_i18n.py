"""UI language: English and Spanish complete; K'iche' pages fall back to Spanish, never English."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from msgsys import ROOT
from msgsys.locales import chain, display_name, parse_locales

CATALOGS = ROOT / "translations"


@pytest.mark.parametrize("locale", ["en", "es"])
def test_ui_catalog_is_complete(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    template_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(open(CATALOGS / "messages.pot", "rb")) if m.id}
    missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert not missing and not fuzzy
    assert template_ids <= ids, f"run `make update-catalogs`: {sorted(template_ids - ids)[:5]}"


def test_spanish_sign_in_page(client):
    html = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert "Iniciar sesión" in html and 'lang="es"' in html


def test_kiche_page_shows_spanish_not_english_for_untranslated_strings(client):
    html = client.get("/login?lang=quc").get_data(as_text=True)
    assert 'lang="quc"' in html
    assert "Iniciar sesión" in html and "Sign in" not in html


def test_language_choice_is_remembered(client):
    client.get("/login?lang=es")
    assert "Iniciar sesión" in client.get("/login").get_data(as_text=True)


def test_fallback_chains():
    assert chain("quc") == ("quc", "es", "en")
    assert chain("es") == ("es", "en")
    assert chain("en") == ("en", "es")


def test_locale_names_and_parsing():
    assert display_name("es", "en") == "Spanish"
    assert display_name("en", "es") == "Inglés"
    assert parse_locales("es, quc") == ("es", "quc")
    with pytest.raises(ValueError, match="fr"):
        parse_locales("es,fr")
