"""Keywords: every seeded word in every spelling a phone sends, what is no keyword, and K'iche' keywords behind four eyes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from msgsys import db
from msgsys.errors import PermissionDenied
from msgsys.sms import keywords
from msgsys.sms.models import Keyword
from tests.factories import make_user

APOSTROPHES = ("'", "’", "ʼ", "‘", "`", "´")
SEEDED = [(locale, action, word, target) for locale, rows in keywords.SEED.items() for action, word, target in rows]


@pytest.fixture
def seeded(session):
    assert keywords.seed_keywords(session) == len(SEEDED)
    session.commit()
    return session


def _variants(word: str) -> list[str]:
    """How people type a word: any case, with spaces and punctuation around it."""
    return [word, word.lower(), word.capitalize(), f"  {word} ", f"{word}.", f"{word.lower()}!", f"¡{word}!", f"\n{word}\n"]


def test_the_seed_has_every_listed_word_and_no_kiche_word(seeded):
    rows = seeded.execute(sa.select(Keyword.locale, Keyword.folded, Keyword.action)).all()
    folded = {(r.locale, r.folded, r.action) for r in rows}
    for locale, action, word, _target in SEEDED:
        assert (locale, keywords.fold(word), action) in folded
    assert not [r for r in rows if r.locale == "quc"], "the K'iche' set starts empty"
    assert keywords.seed_keywords(seeded) == 0  # running it again adds nothing


@pytest.mark.parametrize("locale,action,word,target", SEEDED, ids=[f"{r[0]}-{r[2]}" for r in SEEDED])
def test_every_seeded_word_matches_in_every_spelling(seeded, locale, action, word, target):
    for typed in _variants(word):
        found = keywords.match(seeded, typed)
        assert found is not None, typed
        assert (found.action, found.locale, found.target_locale) == (action, locale, target), typed


@pytest.mark.parametrize("typed,action", [
    ("Alto.", "stop"), ("álto", "stop"), (" STOP ", "stop"), ("ÁLTO", "stop"), ("Sí", "start"), ("SÍ", "start"),
    ("sí.", "start"), ("Inicio", "start"), ("inicío", "start"), ("Ayúda", "help"), ("noticias?", "latest"),
    ("OPT-OUT", "stop"), ("Stop!!!", "stop"),
])
def test_accents_case_and_punctuation_do_not_matter(seeded, typed, action):
    assert keywords.match(seeded, typed).action == action


@pytest.mark.parametrize("left", APOSTROPHES)
@pytest.mark.parametrize("right", APOSTROPHES + ("",))
def test_kiche_language_word_with_every_apostrophe(seeded, left, right):
    for word in (f"K{left}ICHE{right}", f"k{left}iche{right}", f"K{left}iche{right}."):
        found = keywords.match(seeded, word)
        assert found is not None and found.action == "language" and found.target_locale == "quc", word
    assert keywords.match(seeded, "KICHE").target_locale == "quc"
    assert keywords.match(seeded, "quc").target_locale == "quc"


@pytest.mark.parametrize("body", [
    "please STOP", "STOP sending me this", "stop please", "Alto ya", "I said yes", "si claro", "HELP me",
    "", "   ", "\n", "😀", "🛑", "STOP😀", "✋", "x" * 5000, "STOP" * 20, "\x00STOP", "ST\x00OP", "\x1b[31mSTOP",
    b"STOP", None, 12, "STOP\u202e", "S T O P",
])
def test_what_is_no_keyword(seeded, body):
    assert keywords.match(seeded, body) is None


def test_an_unknown_word_is_no_keyword(seeded):
    assert keywords.match(seeded, "Banana") is None


def _admin_translator(session, email):
    return make_user(session, roles="admin,translator", locales="quc", email=email)


def test_a_kiche_keyword_waits_until_another_kiche_translator_approves_it(session, app):
    keywords.seed_keywords(session)
    adder = _admin_translator(session, "adder@example.org")
    other_quc = make_user(session, roles="translator", locales="quc", email="quc2@example.org")
    es_translator = make_user(session, roles="translator", locales="es", email="es@example.org")
    # A placeholder token, not a K'iche' word: no K'iche' text is ever written by the project.
    with db.transaction() as s:
        kw = keywords.add_keyword(s, locale="quc", word="ZZPLACEHOLDER", action="help", actor=adder)
    assert kw.status == "pending"
    assert keywords.match(session, "zzplaceholder") is None
    assert keywords.match(session, "zzplaceholder", locale="quc") is None
    assert [k.id for k in keywords.pending_keywords(session)] == [kw.id]

    for who in (adder, es_translator):
        with pytest.raises(PermissionDenied):
            with db.transaction() as s:
                keywords.approve_keyword(s, keyword_id=kw.id, actor=who)
        session.expire_all()
        assert keywords.match(session, "ZZPLACEHOLDER") is None

    with db.transaction() as s:
        keywords.approve_keyword(s, keyword_id=kw.id, actor=other_quc)
    session.expire_all()
    found = keywords.match(session, "ZZPLACEHOLDER.")
    assert found is not None and found.action == "help" and found.reviewed_by_id == other_quc.id
    with app.extensions["msgsys.engine"].connect() as conn:
        actions = [r[0] for r in conn.execute(sa.text(
            "SELECT action FROM auditevent WHERE subject_type='keyword' AND subject_id=:i ORDER BY id"), {"i": str(kw.id)})]
    assert actions == ["keyword.create", "permission.denied", "permission.denied", "keyword.approve"]


def test_only_admins_add_keywords_and_one_word_is_one_keyword(session):
    from msgsys.errors import Conflict, ValidationError

    keywords.seed_keywords(session)
    translator = make_user(session, roles="translator", locales="es")
    admin = make_user(session, roles="admin")
    with pytest.raises(PermissionDenied):
        keywords.add_keyword(session, locale="es", word="PARA", action="stop", actor=translator)
    session.rollback()
    with pytest.raises(Conflict):
        keywords.add_keyword(session, locale="es", word="stop.", action="help", actor=admin)
    session.rollback()
    for word in ("two words", "", "😀", "x" * 41):
        with pytest.raises(ValidationError):
            keywords.add_keyword(session, locale="es", word=word, action="help", actor=admin)
        session.rollback()
    with pytest.raises(ValidationError):
        keywords.add_keyword(session, locale="es", word="IDIOMA", action="language", actor=admin)
    session.rollback()
    kw = keywords.add_keyword(session, locale="es", word="PARA", action="stop", actor=admin)
    session.commit()
    assert kw.status == "not_required" and keywords.match(session, "Pará").action == "stop"
