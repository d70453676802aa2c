"""The policy pattern language and the seeded rules against the evasions found by an outside probe,
and against honest text, which must still pass."""
from __future__ import annotations

import pytest

from msgsys.policy.matching import check_fields, load_rules
from msgsys.policy.patterns import PatternError, find_claims, find_statement, folded_words, parse

SEED = load_rules()


def blocking(text, *, locale="en", kind="info", field="body"):
    """The blocking forbidden claims the seeded rules find in one field."""
    vs = check_fields({field: text}, locale=locale, kind=kind, rules=SEED)
    return [v for v in vs if v.blocking and v.rule_type == "forbidden_phrase"]


# --- letters that hide a claim ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "the b\u3164order is open",            # Hangul filler inside a word
    "the border\u3164is\u3164open",        # Hangul fillers as spaces
    "the border is o\uffa0pen",            # half-width Hangul filler
    "the bօrder is օpen",                  # Armenian o
    "the border is ոpen".replace("ո", "o").replace("o", "օ", 1),  # Armenian o again, elsewhere
    "the bⲟrder is ⲟpen",                  # Coptic o
    "ᴛʜᴇ ʙᴏʀᴅᴇʀ ɪꜱ ᴏᴘᴇɴ",                    # small capitals
    "THE ꓐORDER IS OPEN",                  # Lisu capital B
    "the border ıs open, bıenvenıdos",     # dotless i
    "b0rder 0pen",                         # leetspeak
    "the b0rd3r is 0p3n",
    "la fr0ntera está abierta",
    "la fr@ntera est@ abiert@",
    "the bor\u200bder is op\u00aden",      # zero-width space, soft hyphen
    "ＴＨＥ ＢＯＲＤＥＲ ＩＳ ＯＰＥＮ",          # full-width
    "the 𝐛𝐨𝐫𝐝𝐞𝐫 is 𝐨𝐩𝐞𝐧",                    # mathematical bold
])
def test_letters_that_hide_a_claim_are_seen_through(text):
    assert blocking(text), text


def test_armenian_n_folds_to_n():
    assert folded_words("օpen ոow") == ["open", "now"]


def test_folding_is_for_matching_only_the_highlight_is_the_text_as_written():
    text = "Good news: the bօrder is օpen."
    [v] = blocking(text)
    assert text[v.start:v.end] == "bօrder is օpen" == v.excerpt


# --- paraphrase -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "the border's open",
    "The border has opened!",
    "the border is wide open",
    "The border opens Monday.",
    "Open border for families.",
    "Borders now open.",
    "Open is the border, friends.",
    "#TheBorderIsOpen",
    "#theborderisopen",
    "B O R D E R  O P E N",
    "b.o.r.d.e.r is o.p.e.n",
    "bor-der is op-en",
    "Border. Open.",
    "permits to cross available",
    "Get your crossing permit here",
    "You now have permission to cross.",
    "kids guarantee entry",
    "having children guarantees entry",
    "Entry is guaranteed for families with children",
    "ya se abrió la frontera",
    "¡Frontera abierta!",
    "abierta está la frontera",
    "#LaFronteraEstáAbierta",
    "permisos para cruzar aquí",
    "pida su permiso de cruce",
    "con niños la entrada está garantizada",
    "Is the border open? Yes!",
])
def test_paraphrases_of_a_forbidden_claim_are_refused(text):
    assert blocking(text), text


@pytest.mark.parametrize("text", [
    "The border is not open.",
    "The border isn't open.",
    "The border is no longer open.",
    "Our borders are not open.",
    "There is no permit to cross.",
    "Crossing without a permit is dangerous.",
    "Los niños no garantizan la entrada.",
    "Having children does not guarantee entry.",
    "Children do not guarantee entry.",
    "La frontera no está abierta.",
    "Ya no está abierta la frontera.",
    "Las fronteras nunca estuvieron abiertas para cruzar sin cita.",
    "It is not true that the border is open.",
    "It is false that the border is open.",
    "No es cierto que la frontera esté abierta.",
    "Es falso que la frontera esté abierta.",
    "#TheBorderIsNotOpen",
    "Is the border open? No. Registration is virtual.",
    "¿Está abierta la frontera? No.",
    "Do not approach the border. Registration opens Monday.",
    "Do not approach the border until instructed; registration will open online.",
    "Migration Resource Centers help families find lawful pathways.",
    "Starting February 19, the United States will begin to process eligible individuals.",
    "The H-2B program offers 6,000 supplemental visas in FY 2021.",
    "Crossing outside ports of entry puts you and your family in danger.",
    "Children's safety comes first: never cross with a smuggler.",
    "El registro es virtual y gratuito.",
])
def test_honest_text_passes(text):
    assert blocking(text) == [], text


# --- languages ----------------------------------------------------------------------------

def test_a_spanish_claim_in_an_english_message_is_refused():
    assert blocking("Good news for everyone: ¡la frontera está abierta!", locale="en")


def test_an_english_claim_in_a_spanish_translation_is_refused():
    assert blocking("Buenas noticias: the border is open.", locale="es")


def test_any_claim_in_a_kiche_text_is_refused():
    assert blocking("Utz taq tzij: la frontera está abierta. The border is open.", locale="quc")


# --- the pattern language -----------------------------------------------------------------

def test_window_limits_how_far_apart_the_words_may_be():
    assert find_claims("border open ~3", "the border is open")
    assert not find_claims("border open ~2", "the border is now wide open")
    assert find_claims("border open ~5", "the border is now wide open")


def test_exact_and_prefix_words():
    assert not find_claims("=opens border", "the border is open")
    assert find_claims("=opens border", "the border opens")
    assert find_claims("border abri*", "border abrirá")


def test_quoted_words_must_follow_each_other():
    assert find_claims('"crossing permit"', "a crossing permit")
    assert not find_claims('"crossing permit"', "crossing without permit")


@pytest.mark.parametrize("bad", ["(a|b", "a) b", "(a|)", "border ~0", "border ~99", "[a (b|c)]", "...", "~3 border"])
def test_unreadable_patterns_are_refused(bad):
    with pytest.raises(PatternError):
        parse(bad)


def test_a_claim_cannot_have_optional_words():
    from msgsys.policy.matching import RuleSpec, rule_errors

    assert rule_errors(RuleSpec(1, "forbidden_phrase", "border [now] open"))
    assert rule_errors(RuleSpec(1, "required_statement", "do not approach [now] the border")) == []


# --- required statements --------------------------------------------------------------------

STATEMENT = "(do not|don't) approach the border until [you are] instructed [to do so]"


@pytest.mark.parametrize("text", [
    "Do not approach the border until instructed.",
    "Important: do not approach the border until instructed to do so.",
    "Please, don’t approach the border until you are instructed by U.S. authorities.",
    "Our borders are not open. Do not approach the border until instructed.\nRegistration is virtual.",
])
def test_a_statement_standing_as_its_own_sentence_counts(text):
    assert find_statement(STATEMENT, text, "en")


@pytest.mark.parametrize("text", [
    "It is false that... Do not approach the border until instructed",
    "It is false that. Do not approach the border until instructed.",
    "It is false that do not approach the border until instructed.",
    "Do not approach the border until instructed by your guide, then cross.",
    "Do not approach the border until instructed by your guide.",
    "They told you: do not approach the border until instructed.",
    "<span hidden>Do not approach the border until instructed</span>",
    "Do not approach the border.",
])
def test_a_statement_turned_around_or_cut_short_does_not_count(text):
    assert find_statement(STATEMENT, text, "en") is None


def test_spanish_statement_turned_around_does_not_count():
    pattern = "no (se acerque) a la frontera hasta que (se le indique)"
    assert find_statement(pattern, "No se acerque a la frontera hasta que se le indique.", "es")
    assert find_statement(pattern, "Es falso que no se acerque a la frontera hasta que se le indique.", "es") is None


@pytest.mark.parametrize("text, field", [
    ("Do not approach the border until instructed by your guide, then cross.", "body"),
    ("No se acerque a la frontera hasta que se lo indique su guía.", "sms_text"),
    ("Cross the border now, before it closes.", "body"),
])
def test_a_warning_flags_text_that_contradicts_the_statement(text, field):
    vs = check_fields({field: text}, locale="en", kind="info", rules=SEED)
    assert any(v.severity == "warn" and v.rule_type == "forbidden_phrase" for v in vs)


@pytest.mark.parametrize("text, refused", [
    ("The border is not open", False),
    ("It is false that the border is open", False),
    ("#TheBorderIsNotOpen", False),
    ("Is the border open? No.", False),
    ("The border, not the wall, is open", True),
    ("No more waiting: the border is open", True),
    ("No joke, the border is open", True),
])
def test_negation_counts_only_in_the_claims_own_clause(text, refused):
    assert bool(blocking(text)) is refused, text


def test_no_permit_to_cross_is_an_honest_sentence():
    assert blocking("There is no permit to cross.") == []
    assert blocking("Buy your permit to cross.")


# --- a required statement must be said where readers see it, in every channel ----------------

from msgsys.policy.matching import check_message  # noqa: E402

SAID = "Do not approach the border until instructed."


def statement_problems(body, sms_text=SAID, channels_sms=True):
    fields = {"title": SAID, "body": body}
    if channels_sms:
        fields["sms_text"] = sms_text
    vs = check_message(fields, locale="en", kind="advisory", rules=SEED)
    return [v.field for v in vs if v.rule_type == "required_statement"]


@pytest.mark.parametrize("body", [
    "Registration is virtual. <!-- Do not approach the border until instructed. -->",
    "Registration is virtual. <span hidden>Do not approach the border until instructed.</span>",
    "Registration is virtual.\n\n```\nDo not approach the border until instructed.\n```",
    "Registration is virtual. `Do not approach the border until instructed.`",
    "Registration is virtual. ![Do not approach the border until instructed.](https://www.uscis.gov/a.png)",
    'Registration is virtual. [More](https://www.uscis.gov "Do not approach the border until instructed")',
    "Registration is virtual. [More](https://www.uscis.gov/do-not-approach-the-border-until-instructed)",
    "It is false that... Do not approach the border until instructed.",
    "Es falso que... Do not approach the border until instructed.",
    "Do not approach the border until instructed by your guide, then cross.",
])
def test_a_hidden_or_turned_around_statement_does_not_count(body):
    assert statement_problems(body) == ["body"]


def test_the_statement_in_the_title_alone_is_not_enough():
    assert statement_problems("Registration is virtual.", sms_text="Registration is virtual.") == ["body", "sms_text"]


def test_the_statement_said_plainly_in_both_channels_passes():
    assert statement_problems(f"Our borders are not open. **{SAID}** Registration is virtual.") == []
