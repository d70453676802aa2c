"""Tests for msgsys.policy.matching and the seed rules."""

import math

import pytest

from msgsys.policy.patterns import folded_words
from msgsys.policy.matching import (
    KINDS,
    RULE_TYPES,
    SEED_RULES_PATH,
    SEVERITIES,
    RuleSpec,
    Violation,
    applicable,
    check_fields,
    check_message,
    load_rules,
    rule_errors,
)
from msgsys.sms.encoding import count_sms

ALLOW = "travel.state.gov uscis.gov, state.gov dhs.gov"


def forbid(phrase, locale="*", severity="block", kinds=(), id=1):
    return RuleSpec(id, "forbidden_phrase", phrase, severity, locale, tuple(kinds))


def run(text, rules, *, field="body", locale="en", kind="advisory", **kw):
    return check_fields({field: text}, locale=locale, kind=kind, rules=rules, **kw)


def highlighted(text, violations):
    return [text[v.start:v.end] for v in violations]


def toy_segments(text):
    """GSM-ish: 160 chars in one segment, 153 per segment beyond (test stand-in only)."""
    return 1 if len(text) <= 160 else math.ceil(len(text) / 153)


# --- normalize -----------------------------------------------------------------


def test_folding_lowercases_drops_accents_and_splits_on_punctuation():
    assert folded_words("¡LA  Frontera ESTÁ—abierta!") == ["la", "frontera", "esta", "abierta"]


def test_folding_drops_invisible_characters_and_decomposed_accents():
    assert folded_words("bor\u200bder\u00adline e\u0301") == ["borderline", "e"]


def test_folding_handles_compatibility_forms_and_lookalikes():
    # full-width, mathematical bold, Cyrillic "о"/"е" in place of Latin letters
    assert folded_words("ＢＯＲＤＥＲ 𝐨𝐩𝐞𝐧 bоrdеr") == ["border", "open", "border"]


# --- forbidden_phrase ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We can confirm the border is open today.", "the border is open"),
        ("THE BORDER IS OPEN", "THE BORDER IS OPEN"),
        ("Rumor says the  border...   is-open now", "the  border...   is-open"),
        ("the bor\u200bder is open", "the bor\u200bder is open"),
        ("the\tborder\nis  open!", "the\tborder\nis  open"),  # a wrapped line does not end a sentence
        ("The border is opening soon, they say.", "The border is opening"),
    ],
)
def test_forbidden_phrase_en_evasions(text, expected):
    rule = forbid("the border is open")
    assert highlighted(text, run(text, [rule])) == [expected]


def test_punctuation_inside_words_still_matches():
    text = "Good news: B.o.r.d.e.r is o-p-e-n!"
    assert highlighted(text, run(text, [forbid("border is open")])) == ["B.o.r.d.e.r is o-p-e-n"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Atención: la frontera está abierta.", "la frontera está abierta"),
        ("la frontera esta abierta", "la frontera esta abierta"),
        ("LA FRONTERA ESTÁ ABIERTA", "LA FRONTERA ESTÁ ABIERTA"),
        ("lá fróntera está ábierta", "lá fróntera está ábierta"),
        ("la frontera esta\u0301 abierta", "la frontera esta\u0301 abierta"),  # decomposed accent
        ("la   frontera, está... abierta", "la   frontera, está... abierta"),
    ],
)
def test_forbidden_phrase_es_evasions(text, expected):
    rule = forbid("la frontera está abierta", locale="es")
    assert highlighted(text, run(text, [rule], locale="es")) == [expected]


def test_curly_apostrophes_match_straight_ones():
    rule = forbid("don't wait for instructions")
    text = "Just go, don’t wait for instructions."
    assert highlighted(text, run(text, [rule])) == ["don’t wait for instructions"]


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("The border is not open.", "the border is open"),
        ("Our borders are not open.", "the borders are open"),
        ("La frontera no está abierta.", "la frontera está abierta"),
        ("Las fronteras no están abiertas.", "las fronteras están abiertas"),
        ("¿Hay un permiso para cruzarla? No.", "permiso para cruzar"),
        ("- Stay away from the border\n- Registration opens online", "border open"),
        ("Neighbors say the border isn’t open yet", "the border is open"),
    ],
)
def test_no_false_positive(text, phrase):
    assert run(text, [forbid(phrase)]) == []


def test_every_occurrence_in_every_field_is_reported():
    rule = forbid("permit to cross")
    fields = {
        "title": "A Permit to Cross?",
        "body": "No permit to cross exists. A permit to cross, they say? Buy a 'permit-to-cross' here.",
        "sms_text": "no permit",
    }
    vs = check_fields(fields, locale="en", kind="info", rules=[rule])
    got = [(v.field, fields[v.field][v.start:v.end]) for v in vs]
    assert got == [
        ("title", "Permit to Cross"),
        ("body", "permit to cross"),
        ("body", "permit-to-cross"),  # quotes around it are not part of the claim
    ]
    assert all(v.excerpt == fields[v.field][v.start:v.end] for v in vs)


def test_offsets_point_into_original_text_after_multi_char_folding():
    text = "Straße ﬁne: the ﬁrst children guarantee entry claim"
    vs = run(text, [forbid("children guarantee entry")])
    assert highlighted(text, vs) == ["children guarantee entry"]


# --- required_statement ----------------------------------------------------------


def test_required_statement_must_be_in_every_channel_not_only_the_title():
    rule = RuleSpec(2, "required_statement", "do not approach the border until instructed", locale="en")
    said = "Do NOT approach the border until instructed to do so."
    both = {"title": "Update", "body": said, "sms_text": said}
    assert check_fields(both, locale="en", kind="advisory", rules=[rule]) == []
    sms_only = {"title": said, "body": "Stay where you are.", "sms_text": said}
    [v] = check_fields(sms_only, locale="en", kind="advisory", rules=[rule])
    assert v.field == "body"
    web_only = {"title": said, "body": said}
    assert check_fields(web_only, locale="en", kind="advisory", rules=[rule]) == []


def test_required_statement_missing_gives_one_violation_per_channel():
    rule = RuleSpec(2, "required_statement", "do not approach the border until instructed", locale="en")
    fields = {"title": "Update", "body": "Please do not approach the border.", "sms_text": ""}
    vs = check_fields(fields, locale="en", kind="advisory", rules=[rule])
    assert [(v.field, v.start, v.end, v.rule_id) for v in vs] == [("body", None, None, 2), ("sms_text", None, None, 2)]
    assert all(v.blocking for v in vs)
    assert "do not approach the border until instructed" in vs[0].message


def test_required_statement_es_accepts_missing_accents():
    rule = RuleSpec(3, "required_statement", "no se acerque a la frontera hasta que se le indique", locale="es")
    ok = run("Por favor, NO se acerque a la frontera hasta que se le indique.", [rule], locale="es")
    missing = run("Por favor, no se acerque a la frontera.", [rule], locale="es")
    assert ok == [] and len(missing) == 1


# --- link_allowlist --------------------------------------------------------------


LINK_RULE = RuleSpec(4, "link_allowlist", ALLOW)


@pytest.mark.parametrize(
    "text",
    [
        "See https://www.uscis.gov/humanitarian for details.",
        "See https://travel.state.gov.",
        "See [USCIS](https://uscis.gov/x?a=1&b=2) and [DHS](<https://www.dhs.gov/>)",
        "Visit www.dhs.gov or write to info@uscis.gov or [mail](mailto:info@state.gov).",
        "Read uscis.gov/mpp today.",
        "[home](/about) and [top](#top)",  # relative links stay on our site
        "HTTPS://USCIS.GOV/Path and https://uscis.gov.:443/x",
        "Consulte https://www.uscis.gov/es para más información.",
    ],
)
def test_allowed_links_pass(text):
    assert run(text, [LINK_RULE]) == []


@pytest.mark.parametrize(
    "text, bad",
    [
        ("Register at https://uscis.gov.evil.com/form", "https://uscis.gov.evil.com/form"),
        ("Register at https://evil-uscis.gov", "https://evil-uscis.gov"),
        ("Register at https://uscis.gov@evil.com/", "https://uscis.gov@evil.com/"),
        ("Register at https://evil.com\\@uscis.gov", "https://evil.com\\@uscis.gov"),
        ("Register at https://evil.com#@uscis.gov", "https://evil.com#@uscis.gov"),
        ("Register at https://xn--uscs-6ra.gov/", "https://xn--uscs-6ra.gov/"),
        ("Register at https://uscis.gоv/", "https://uscis.gоv/"),  # Cyrillic о
        ("Register at https://uscis%2egov.evil.com/", "https://uscis%2egov.evil.com/"),
        ("Register at http://192.168.1.10/", "http://192.168.1.10/"),
        ("Regístrese en www.registro-mpp.com.", "www.registro-mpp.com"),
        ("Regístrese en registro-mpp.com/citas hoy", "registro-mpp.com/citas"),
        ("Write to citas@tramites-usa.com", "tramites-usa.com"),
        ("[USCIS](https://uscis.gov.evil.com)", "https://uscis.gov.evil.com"),
        ("[USCIS](//evil.com/uscis)", "//evil.com/uscis"),
        ("[USCIS](https:evil.com)", "https:evil.com"),
        ("<https://evil.com/uscis.gov>", "https://evil.com/uscis.gov"),
        ("[mail](mailto:uscis.gov@evil.com)", "mailto:uscis.gov@evil.com"),
        ("[ref]: https://evil.com/", "https://evil.com/"),
        ("[USCIS](uscis.gov.evil.com/form)", "uscis.gov.evil.com/form"),
    ],
)
def test_lookalike_links_violate(text, bad):
    vs = run(text, [LINK_RULE])
    assert highlighted(text, vs) == [bad]
    assert vs[0].excerpt == bad and vs[0].field == "body" and vs[0].blocking


@pytest.mark.parametrize(
    "text, bad",
    [
        ("[click](javascript:alert(1))", "javascript:alert(1)"),
        ("[click](JaVaScRiPt:alert(1))", "JaVaScRiPt:alert(1)"),
        ("[click](&#106;avascript:alert(1))", "&#106;avascript:alert(1)"),
        ("[click](java\tscript:alert(1))", None),  # not a link in Markdown at all
        ("[click]( javascript\\:alert(1) )", "javascript\\:alert(1)"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html;base64,PHNjcmlwdD4="),
        ("[x](vbscript:msgbox)", "vbscript:msgbox"),
        ("[call](tel:+15555550100)", "tel:+15555550100"),
        ("plain javascript:alert(1) text", "javascript:alert(1)"),
        ("<javascript:alert(1)>", "javascript:alert(1)"),
    ],
)
def test_non_web_schemes_violate(text, bad):
    vs = run(text, [LINK_RULE])
    if bad is None:
        assert vs == []
        return
    assert highlighted(text, vs) == [bad]
    assert "not allowed" in vs[0].message


def test_link_rule_applies_in_spanish_sms_too():
    text = "Aviso: citas en https://cita-mpp.net/registro y www.uscis.gov/es"
    vs = run(text, [LINK_RULE], field="sms_text", locale="es", kind="info")
    assert highlighted(text, vs) == ["https://cita-mpp.net/registro"]
    assert "cita-mpp.net" in vs[0].message


# --- max_sms_segments ------------------------------------------------------------


SMS_BLOCK = RuleSpec(5, "max_sms_segments", "3", "block")
SMS_WARN = RuleSpec(6, "max_sms_segments", "2", "warn")


def test_sms_segments_warn_then_block():
    short, medium, long = "a" * 150, "b" * 400, "c" * 500
    assert run(short, [SMS_BLOCK, SMS_WARN], field="sms_text", sms_segments=toy_segments) == []
    [warn] = run(medium, [SMS_BLOCK, SMS_WARN], field="sms_text", sms_segments=toy_segments)
    assert (warn.severity, warn.blocking) == ("warn", False)
    vs = run(long, [SMS_BLOCK, SMS_WARN], field="sms_text", sms_segments=toy_segments)
    assert [(v.severity, v.blocking) for v in vs] == [("block", True), ("warn", False)]
    # The highlight is the overflow beyond what fits in the limit.
    assert vs[0].start == 459 and vs[0].end == 500 and vs[0].excerpt == "c" * 41
    assert vs[1].start == 306
    assert "4" in vs[0].message and "3" in vs[0].message


def test_sms_rule_only_checks_sms_text_and_needs_a_counter():
    long = "x" * 1000
    assert run(long, [SMS_BLOCK], field="body", sms_segments=toy_segments) == []
    assert run(long, [SMS_BLOCK], field="sms_text") == []  # no counter: skipped
    assert len(run(long, [SMS_BLOCK], field="sms_text", locale="es", sms_segments=toy_segments)) == 1


# --- applicability, severity, errors ---------------------------------------------


def test_applicable_filters_locale_and_kind():
    rules = [
        forbid("a", locale="*", id=1),
        forbid("b", locale="en", id=2),
        forbid("c", locale="es", kinds=["advisory"], id=3),
        forbid("d", locale="es", kinds=["pathway", "info"], id=4),
    ]
    # A forbidden claim applies whatever the text's language; kinds still filter.
    assert [r.id for r in applicable(rules, locale="en", kind="info")] == [1, 2, 4]
    assert [r.id for r in applicable(rules, locale="es", kind="advisory")] == [1, 2, 3]
    assert [r.id for r in applicable(rules, locale="quc", kind="counter_rumor")] == [1, 2]
    statements = [RuleSpec(5, "required_statement", "a", locale="es"), RuleSpec(6, "required_statement", "b", locale="*")]
    assert [r.id for r in applicable(statements, locale="en", kind="advisory")] == [6]


def test_kinds_filter_and_counter_rumors_may_quote_a_marked_and_answered_claim():
    rule = forbid("the border is open", locale="en")
    text = "Rumor: the border is open. Fact: it is not."
    assert len(run(text, [rule], kind="advisory")) == 1
    assert run(text, [rule], kind="counter_rumor") == []
    assert len(run(text, [rule], locale="es")) == 1  # an English claim in Spanish text
    assert run(text, [forbid("the border is open", kinds=["advisory"])], kind="info") == []


def test_warn_is_not_blocking():
    text = "the border is open"
    [w] = run(text, [forbid("border is open", severity="warn")])
    [b] = run(text, [forbid("border is open", severity="block")])
    assert not w.blocking and b.blocking
    d = w.as_dict()
    assert d["blocking"] is False and d["severity"] == "warn"
    assert d["message"] == 'Forbidden claim "border is open"'
    assert set(d) >= {"rule_id", "rule_type", "field", "start", "end", "excerpt"}


def test_invalid_rules_are_reported_and_refused():
    assert rule_errors(RuleSpec(1, "regex", "x")) == ["unknown rule_type 'regex'"]
    assert rule_errors(RuleSpec(1, "forbidden_phrase", "x", "fatal"))
    assert rule_errors(RuleSpec(1, "forbidden_phrase", "..."))
    assert rule_errors(RuleSpec(1, "max_sms_segments", "three"))
    assert rule_errors(RuleSpec(1, "link_allowlist", "https://uscis.gov/"))
    assert rule_errors(RuleSpec(1, "forbidden_phrase", "x", kinds=("tweet",)))
    with pytest.raises(ValueError):
        run("text", [RuleSpec(1, "regex", "x")])


def test_messages_translate_inside_a_flask_app():
    flask = pytest.importorskip("flask")
    from flask_babel import Babel

    app = flask.Flask(__name__)
    Babel(app)
    v = Violation(1, "required_statement", "block", None, None, None, "", "required_statement",
                  (("statement", "x"),))
    with app.test_request_context():
        assert v.message == 'Missing required statement: "x"'  # no catalog yet: English
    assert v.message == 'Missing required statement: "x"'


# --- seed rules --------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    return load_rules()


def test_seed_file_parses_and_every_rule_is_valid(seed):
    assert SEED_RULES_PATH.exists()
    assert len(seed) >= 15
    for rule in seed:
        assert rule.rule_type in RULE_TYPES and rule.severity in SEVERITIES
        assert set(rule.kinds) <= set(KINDS)
        assert rule.locale in ("*", "en", "es")  # no K'iche' text in the seed
        assert rule.description
        assert rule_errors(rule) == [], rule
    types = {(r.rule_type, r.locale) for r in seed}
    for t in ("forbidden_phrase", "required_statement"):
        assert {(t, "en"), (t, "es")} <= types
    assert ("link_allowlist", "*") in types
    sms = sorted((int(r.pattern), r.severity) for r in seed if r.rule_type == "max_sms_segments")
    assert sms == [(2, "warn"), (3, "block")]


def test_seed_forbidden_phrases_apply_to_every_kind_counter_rumors_included(seed):
    for rule in seed:
        if rule.rule_type == "forbidden_phrase":
            assert rule.kinds == ()


GOOD_EN = {
    "title": "MPP processing: what to do now",
    "body": (
        "## Stay where you are\n\n"
        "Starting February 19, the United States will begin to process eligible individuals "
        "in the MPP program. Our borders are not open. **Do not approach the border until "
        "instructed** to do so. Registration will be virtual.\n\n"
        "- Only people with active MPP cases are eligible in this phase.\n"
        "- Crossing outside ports of entry puts you and your family in danger.\n\n"
        "More at [USCIS](https://www.uscis.gov) and https://www.dhs.gov."
    ),
    "sms_text": "The border is not open. Do not approach the border until instructed. Info: www.dhs.gov",
}
GOOD_ES = {
    "title": "MPP: qué hacer ahora",
    "body": (
        "Las fronteras no están abiertas. **No se acerque a la frontera hasta que se le "
        "indique.** El registro será virtual.\n\n"
        "- Solo las personas con casos MPP activos pueden participar en esta fase.\n\n"
        "Más información: [USCIS](https://www.uscis.gov/es)."
    ),
    "sms_text": "La frontera no está abierta. No se acerque a la frontera hasta que se le indique.",
}


@pytest.mark.parametrize("locale, fields", [("en", GOOD_EN), ("es", GOOD_ES)])
def test_seed_rules_pass_a_good_advisory(seed, locale, fields):
    vs = check_fields(fields, locale=locale, kind="advisory", rules=seed, sms_segments=toy_segments)
    assert [v.as_dict() for v in vs if v.blocking] == []


@pytest.mark.parametrize(
    "locale, fields, expected",
    [
        (
            "en",
            {"title": "Good news", "body": "The border is OPEN! Children guarantee entry. "
             "Get your permit to cross at https://uscis-citas.com", "sms_text": "Go now."},
            {"border-open-en", "children-entry-en", "permit-cross-en", "statement-en", "https://uscis-citas.com"},
        ),
        (
            "es",
            {"title": "Buenas noticias", "body": "¡La frontera esta abierta! Los niños garantizan "
             "la entrada. Pida su permiso para cruzar en www.citas-usa.com", "sms_text": "Vaya ya."},
            {"border-open-es", "children-entry-es", "permit-cross-es", "statement-es", "www.citas-usa.com"},
        ),
    ],
)
def test_seed_rules_block_a_bad_advisory(seed, locale, fields, expected):
    vs = check_fields(fields, locale=locale, kind="advisory", rules=seed, sms_segments=toy_segments)
    blocking = [v for v in vs if v.blocking]
    assert blocking
    key = {r.pattern: r.key for r in seed}
    found = {key.get(dict(v.params).get("phrase") or dict(v.params).get("statement")) or v.excerpt for v in blocking}
    assert found == expected


def test_seed_rules_let_counter_rumors_quote_the_rumor(seed):
    fields = {"title": "Rumor", "body": "Rumor: “the border is open”. Fact: our borders are not open.",
              "sms_text": "FALSO: la frontera está abierta. La frontera no está abierta."}
    for locale in ("en", "es"):
        vs = check_fields(fields, locale=locale, kind="counter_rumor", rules=seed, sms_segments=toy_segments)
        assert vs == []


def test_seed_rules_warn_on_a_long_sms(seed):
    fields = {"title": "t", "body": "b", "sms_text": "Info. " * 60}
    vs = check_fields(fields, locale="quc", kind="info", rules=seed, sms_segments=toy_segments)
    assert [(v.rule_type, v.severity) for v in vs] == [("max_sms_segments", "warn")]


# --- what the tests above left unpinned (found by mutation testing, see README) ---------

CLAIM = RuleSpec(1, "forbidden_phrase", "border open", "block", "en")
STATEMENT = RuleSpec(3, "required_statement", "do not approach the border", "block", "en", ("advisory",))


def located(violations):
    return [(v.rule_id, v.field, v.start, v.end, v.excerpt) for v in violations]


def test_check_message_finds_a_claim_that_only_shows_once_rendered_without_an_offset_in_the_source():
    fields = {"title": "News", "body": "The border is &#111;pen.", "sms_text": "News"}
    assert located(check_message(fields, locale="en", kind="info", rules=[CLAIM])) == [
        (1, "body", None, None, "border is open")]


def test_check_message_reports_each_claim_once_at_its_place_and_adds_only_the_rendered_ones():
    twice = {"title": "News", "body": "The border is open. The border is open *now*.", "sms_text": "News"}
    assert located(check_message(twice, locale="en", kind="info", rules=[CLAIM])) == [
        (1, "body", 4, 18, "border is open"), (1, "body", 24, 38, "border is open")]
    hidden_second = {"title": "News", "body": "The border is open *now*, the border is &#111;pen.", "sms_text": "News"}
    assert located(check_message(hidden_second, locale="en", kind="info", rules=[CLAIM])) == [
        (1, "body", 4, 18, "border is open"), (1, "body", None, None, "border is open")]


def test_check_message_reports_a_link_once_and_the_one_only_a_reader_sees():
    links_rule = RuleSpec(2, "link_allowlist", "gob.gt", "block", "en", ("info",))
    written = {"title": "News", "body": "See [here](https://evil.example/x).", "sms_text": "News"}
    [v] = check_message(written, locale="en", kind="info", rules=[links_rule, CLAIM])
    assert (v.field, v.start, v.end, v.excerpt) == ("body", 11, 33, "https://evil.example/x")
    rendered = {"title": "News", "body": "See evil.*com* now", "sms_text": "News"}
    [v] = check_message(rendered, locale="en", kind="info", rules=[links_rule, CLAIM])
    assert (v.rule_id, v.rule_type, v.field, v.start, v.excerpt, v.blocking) == (2, "link_allowlist", "body", None, "evil.com", True)
    assert v.message == 'Link to "evil.com", which is not an allowed domain'


def test_check_message_checks_an_sms_only_message_against_every_applicable_rule():
    limit = RuleSpec(4, "max_sms_segments", "1", "block", "en", ("advisory",))
    text = "The border is open " + "x" * 150
    vs = check_message({"sms_text": text}, locale="en", kind="advisory", rules=[CLAIM, STATEMENT, limit],
                       sms_segments=lambda t: count_sms(t).segments)
    assert [(v.rule_id, v.field, v.start) for v in vs] == [(1, "sms_text", 4), (3, "sms_text", None), (4, "sms_text", 160)]


def test_check_message_counts_sms_segments_when_the_message_has_a_body_too():
    limit = RuleSpec(4, "max_sms_segments", "1", "warn", "en", ("advisory",))
    fields = {"title": "Do not approach the border.", "body": "Do not approach the border.",
              "sms_text": "Do not approach the border. " + "x" * 140}
    vs = check_message(fields, locale="en", kind="advisory", rules=[STATEMENT, limit],
                       sms_segments=lambda t: count_sms(t).segments)
    assert [(v.rule_id, v.field, v.start, v.excerpt, v.message) for v in vs] == [
        (4, "sms_text", 160, "x" * 8, "SMS text needs 2 segments; the limit is 1")]


@pytest.mark.parametrize("text, fits", [("a" * 161, 160), ("á" * 71, 70), ("a" * 305 + "€", 305)])
def test_the_highlighted_overflow_starts_where_the_text_stops_fitting(text, fits):
    limit = RuleSpec(4, "max_sms_segments", "2" if len(text) > 200 else "1")
    [v] = run(text, [limit], field="sms_text", sms_segments=lambda t: count_sms(t).segments)
    assert (v.field, v.start, v.end, v.excerpt) == ("sms_text", fits, len(text), text[fits:])


def test_a_missing_statement_has_no_place_and_no_excerpt_and_is_looked_for_in_whatever_fields_there_are():
    [v] = check_fields({"body": "Hello.", "sms_text": "Do not approach the border."}, locale="en", kind="advisory",
                       rules=[STATEMENT])
    assert (v.field, v.start, v.end, v.excerpt) == ("body", None, None, "")
    assert v.as_dict()["excerpt"] == ""
    [v] = check_fields({"title": "Hello."}, locale="en", kind="advisory", rules=[STATEMENT])
    assert v.field == "title"
    assert check_fields({"title": "Do not approach the border."}, locale="en", kind="advisory", rules=[STATEMENT]) == []


def test_a_counter_rumor_claim_counts_as_quoted_only_when_marked_and_answered_in_its_own_channel():
    def refused(**fields):
        return len(check_fields(fields, locale="en", kind="counter_rumor", rules=[CLAIM]))

    assert refused(body="> The border is open.\n\nThe border is not open.") == 0  # a Markdown blockquote
    assert refused(body="The border is open. Fact: it is not.") == 1  # not marked as a quote
    assert refused(body="Rumor: the border is open.") == 1  # never answered
    assert refused(body="Rumor: the border is open. The border is open.") == 2  # repeated, not denied
    assert refused(body="Rumor: the border is open.", sms_text="The border is not open.") == 1  # another channel
    assert refused(title="The border is not open", body="Rumor: the border is open.") == 0  # the web page answers


@pytest.mark.parametrize("code, params, message", [
    ("link_scheme", {"scheme": "javascript"}, 'Links of type "javascript:" are not allowed'),
    ("link_userinfo", {"host": "evil.example"}, 'Link disguises its real destination "evil.example"'),
    ("link_host", {"host": "evil.example"}, 'Link to "evil.example", which is not an allowed domain'),
    ("link_ip", {"host": "192.0.2.1"}, 'Link to the IP address "192.0.2.1", which is not allowed'),
    ("link_tel", {"number": "+50212345678"},
     'Phone link "+50212345678" is not allowed: only numbers listed in the allowlist may be linked'),
    ("max_sms_segments", {"segments": 4, "limit": 3}, "SMS text needs 4 segments; the limit is 3"),
    ("required_statement", {"statement": "do not approach"}, 'Missing required statement: "do not approach"'),
])
def test_every_violation_explains_itself_in_words(code, params, message):
    v = Violation(1, "link_allowlist", "block", "body", 0, 1, "x", code, tuple(params.items()))
    assert v.message == message


def test_rule_errors_say_what_is_wrong():
    assert rule_errors(RuleSpec(1, "forbidden_phrase", "border open", "fatal", "")) == [
        "unknown severity 'fatal'", "empty locale (use '*' for every locale)"]
    assert rule_errors(RuleSpec(1, "required_statement", "...")) == ["pattern: pattern has no letters or digits"]
    assert rule_errors(RuleSpec(1, "link_allowlist", "gob.gt exa_mple")) == ["bad domain list 'gob.gt exa_mple'"]
    assert rule_errors(RuleSpec(1, "link_allowlist", "gob.gt tel:+50212345678 192.0.2.1 [2001:db8::1]")) == []
    assert rule_errors(RuleSpec(1, "link_allowlist", "[2001:db8::1]")) == []
    assert rule_errors(RuleSpec(1, "max_sms_segments", "0")) == ["segment limit must be a positive integer, not '0'"]
    assert rule_errors(RuleSpec(1, "max_sms_segments", "1")) == []
    with pytest.raises(ValueError, match=r"invalid policy rule 7: unknown severity 'fatal'; empty locale"):
        run("text", [RuleSpec(7, "forbidden_phrase", "border open", "fatal", "")])


def test_load_rules_fills_in_the_defaults(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('''
[[rule]]
rule_type = "forbidden_phrase"
pattern = "border open"

[[rule]]
key = "sms-length"
rule_type = "max_sms_segments"
pattern = 3
severity = "warn"
locale = "es"
kinds = ["advisory", "info"]
description = "Keep it short"
''', encoding="utf-8")
    assert load_rules(path) == [
        RuleSpec(None, "forbidden_phrase", "border open", "block", "*", (), "", ""),
        RuleSpec(None, "max_sms_segments", "3", "warn", "es", ("advisory", "info"), "Keep it short", "sms-length"),
    ]
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    assert load_rules(tmp_path / "empty.toml") == []
