"""UI language: English and Spanish complete; K'iche' pages fall back to Spanish, never English."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from msgsys import ROOT
from msgsys.locales import chain, display_name, parse_locales

CATALOGS = ROOT / "translations"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


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


def test_every_string_in_the_code_is_in_the_catalog_template(tmp_path):
    """A string added to the code or a template without `make update-catalogs` would show untranslated."""
    import subprocess

    fresh = tmp_path / "fresh.pot"
    subprocess.run([PYBABEL, "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    ids = lambda path: {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(open(path, "rb")) if m.id}  # noqa: E731
    assert sorted(ids(fresh) - ids(CATALOGS / "messages.pot"))[:10] == []


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
    assert display_name("en", "es") == "inglés"  # Spanish writes language names in lower case
    assert parse_locales("es, quc") == ("es", "quc")
    with pytest.raises(ValueError, match="fr"):
        parse_locales("es,fr")


def test_a_draft_kiche_entry_marked_fuzzy_is_never_shown(tmp_path, config):
    """Team-drafted K'iche' stays fuzzy until a K'iche' translator reviews it: pages show Spanish instead."""
    import shutil
    import subprocess

    from babel.messages.pofile import read_po, write_po

    from msgsys import create_app

    target = tmp_path / "translations"
    shutil.copytree(CATALOGS, target)
    po_path = target / "quc" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(open(po_path, "rb"))
    catalog["Sign in"].string = "DRAFT-QUC-TEXT"  # stands for a draft awaiting review; not real K'iche'
    catalog["Sign in"].flags.add("fuzzy")
    with open(po_path, "wb") as fh:
        write_po(fh, catalog)
    for locale in ("es", "quc"):
        src = target / locale / "LC_MESSAGES" / "messages.po"
        # The same compilation `make` runs: fuzzy entries are left out.
        subprocess.run([PYBABEL,
                        "compile", "-i", str(src), "-o", str(src.with_suffix(".mo"))], check=True, capture_output=True)
    app = create_app({**config, "BABEL_TRANSLATION_DIRECTORIES": str(target)})
    html = app.test_client().get("/login?lang=quc").get_data(as_text=True)
    assert "DRAFT-QUC-TEXT" not in html and "Iniciar sesión" in html
    # Control: once reviewed (no longer fuzzy) the same entry is shown, so the catalogs above were the ones used.
    catalog["Sign in"].flags.discard("fuzzy")
    with open(po_path, "wb") as fh:
        write_po(fh, catalog)
    subprocess.run([PYBABEL,
                    "compile", "-i", str(po_path), "-o", str(po_path.with_suffix(".mo"))], check=True, capture_output=True)
    reviewed = create_app({**config, "BABEL_TRANSLATION_DIRECTORIES": str(target)})
    assert "DRAFT-QUC-TEXT" in reviewed.test_client().get("/login?lang=quc").get_data(as_text=True)
