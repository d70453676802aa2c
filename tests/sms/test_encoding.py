"""Tests for msgsys.sms.encoding. Expected numbers are worked out from the rules by hand:
GSM-7 160 single / 153 per part, UCS-2 70 single / 67 per part, 2-unit characters never split."""

import json

import pytest

from msgsys.sms.encoding import DEFAULT_IGNORABLE_RANGES, count_sms, is_gsm7, prepare_sms_text

A = "a"
EURO = "\u20ac"
EMOJI = "\U0001f600"  # outside the BMP: a surrogate pair, 2 UTF-16 units

# (id, text, encoding, characters, units, segments, per_segment, remaining)
COUNT_CASES = [
    ("empty", "", "GSM-7", 0, 0, 0, 160, 160),
    ("gsm-1", A, "GSM-7", 1, 1, 1, 160, 159),
    ("gsm-160", A * 160, "GSM-7", 160, 160, 1, 160, 0),
    ("gsm-161", A * 161, "GSM-7", 161, 161, 2, 153, 145),  # 306 - 161
    ("gsm-306", A * 306, "GSM-7", 306, 306, 2, 153, 0),
    ("gsm-307", A * 307, "GSM-7", 307, 307, 3, 153, 152),
    # Extension chars cost 2 septets.
    ("euro-alone", EURO, "GSM-7", 1, 2, 1, 160, 158),
    ("formfeed", "\f", "GSM-7", 1, 2, 1, 160, 158),
    ("euro-x80", EURO * 80, "GSM-7", 80, 160, 1, 160, 0),
    # 76 euros fill 152 of 153 septets; the 77th cannot split, so 81 = 76 + 5 (10 septets).
    ("euro-x81", EURO * 81, "GSM-7", 81, 162, 2, 153, 143),
    ("159a-euro", A * 159 + EURO, "GSM-7", 160, 161, 2, 153, 145),
    ("158a-euro", A * 158 + EURO, "GSM-7", 159, 160, 1, 160, 0),
    # 152 plain + € is only 154 septets: still one 160-septet message.
    ("152a-euro", A * 152 + EURO, "GSM-7", 153, 154, 1, 160, 6),
    # € lands on septets 153-154: it moves whole to part 2 (152 | €+151 | 1) -> 3 parts,
    # where a naive ceil(306 / 153) would say 2.
    ("euro-boundary", A * 152 + EURO + A * 152, "GSM-7", 305, 306, 3, 153, 152),
    ("brace-boundary", A * 152 + "{" + A * 152, "GSM-7", 305, 306, 3, 153, 152),
    # € on septets 152-153 fits exactly: 151+€ | 152.
    ("euro-fits", A * 151 + EURO + A * 152, "GSM-7", 304, 305, 2, 153, 1),
    ("euro-part2", A * 152 + EURO + A * 7, "GSM-7", 160, 161, 2, 153, 144),
    # Spanish: ñ é ü Ñ Ü É à are GSM-7 basic; á í ó ú are not.
    ("es-gsm", "Señor, el niño pago? No: café, pingüino, Ñandu", "GSM-7", 46, 46, 1, 160, 114),
    ("es-basic-accents", "ñéüÑÜàèùìòÇäöÄÖÅåÆæßÉØø¿¡", "GSM-7", 25, 25, 1, 160, 135),
    ("c-cedilla-lower", "ç", "UCS-2", 1, 1, 1, 70, 69),  # only capital Ç is in GSM 03.38
    ("es-ucs2", "¿Cómo está?", "UCS-2", 11, 11, 1, 70, 59),
    ("a-acute-70", "á" * 70, "UCS-2", 70, 70, 1, 70, 0),
    ("a-acute-71", "á" * 71, "UCS-2", 71, 71, 2, 67, 63),  # 134 - 71
    ("one-acute-70", "á" + A * 69, "UCS-2", 70, 70, 1, 70, 0),
    ("one-acute-71", "á" + A * 70, "UCS-2", 71, 71, 2, 67, 63),
    ("one-acute-134", "í" + A * 133, "UCS-2", 134, 134, 2, 67, 0),
    ("one-acute-135", "ú" + A * 134, "UCS-2", 135, 135, 3, 67, 66),
    # In UCS-2 the euro is an ordinary 1-unit character.
    ("ucs2-euro", "á" + EURO, "UCS-2", 2, 2, 1, 70, 68),
    # Emoji: 1 character, 2 units.
    ("emoji", EMOJI, "UCS-2", 1, 2, 1, 70, 68),
    ("emoji-x35", EMOJI * 35, "UCS-2", 35, 70, 1, 70, 0),
    # 33 emoji fill 66 of 67 units; the pair cannot split: 33 | 3 (6 units).
    ("emoji-x36", EMOJI * 36, "UCS-2", 36, 72, 2, 67, 61),
    ("66a-emoji", A * 66 + EMOJI, "UCS-2", 67, 68, 1, 70, 2),
    # Pair on units 67-68 moves whole: 66 | emoji+65 | 1 -> 3, naive ceil(134 / 67) = 2.
    ("emoji-boundary", A * 66 + EMOJI + A * 66, "UCS-2", 133, 134, 3, 67, 66),
    ("emoji-fits", A * 65 + EMOJI + A * 67, "UCS-2", 133, 134, 2, 67, 0),
    # Counting happens on the prepared text: 54 ellipses become 162 dots.
    ("ellipsis-x54", "\u2026" * 54, "GSM-7", 162, 162, 2, 153, 144),
    ("zero-width-only", "\u200b\ufeff", "GSM-7", 0, 0, 0, 160, 160),
    ("crlf", "a\r\nb", "GSM-7", 3, 3, 1, 160, 157),
    # NFC composes e + combining acute into é (GSM-7), a + acute into á (UCS-2).
    ("nfc-e", "e\u0301", "GSM-7", 1, 1, 1, 160, 159),
    ("nfc-a", "a\u0301", "UCS-2", 1, 1, 1, 70, 69),
]


@pytest.mark.parametrize(
    "text, encoding, characters, units, segments, per_segment, remaining",
    [case[1:] for case in COUNT_CASES],
    ids=[case[0] for case in COUNT_CASES],
)
def test_count_sms(text, encoding, characters, units, segments, per_segment, remaining):
    c = count_sms(text)
    assert (c.encoding, c.characters, c.units, c.segments, c.per_segment, c.remaining) == (
        encoding, characters, units, segments, per_segment, remaining,
    )


APOSTROPHES = ["\u2019", "\u2018", "\u02bc", "\u02bb", "\u00b4", "`"]


@pytest.mark.parametrize("mark", APOSTROPHES, ids=[f"U+{ord(m):04X}" for m in APOSTROPHES])
@pytest.mark.parametrize("locale", ["quc", "es", "en", None])
def test_kiche_apostrophes_fold_and_stay_gsm7(mark, locale):
    authored = f"K{mark}iche{mark}: xa jun ajchak{mark} kuya{mark} ri tzij"
    assert not is_gsm7(authored)
    c = count_sms(authored, locale)
    assert c.text == "K'iche': xa jun ajchak' kuya' ri tzij"
    assert (c.encoding, c.segments) == ("GSM-7", 1)


FOLD_CASES = [
    ("curly-double", "\u201cHola\u201d", '"Hola"'),
    ("low-double", "\u201eHallo\u201d", '"Hallo"'),
    ("dashes", "a \u2013 b \u2014 c \u2212 d", "a - b - c - d"),
    ("ellipsis", "Espere\u2026", "Espere..."),
    ("spaces", "a\u00a0b\u202fc\u2009d\u3000e\u2007f", "a b c d e f"),
    ("zero-width", "a\u200bb\u200cc\u200dd\u2060e\ufefff", "abcdef"),
    ("line-endings", "l1\r\nl2\rl3\u2028l4\n", "l1\nl2\nl3\nl4\n"),
    ("nfc", "Jose\u0301", "Jos\u00e9"),
    # Accents are never stripped.
    ("accents-kept", "¿Cómo está? Sí, aquí. Último.", "¿Cómo está? Sí, aquí. Último."),
    ("emoji-kept", "Hola \U0001f600", "Hola \U0001f600"),
    ("ascii-unchanged", "Plain 'text' - \"ok\"...", "Plain 'text' - \"ok\"..."),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in FOLD_CASES], ids=[c[0] for c in FOLD_CASES])
def test_prepare_sms_text(text, expected):
    assert prepare_sms_text(text) == expected


def test_prepare_leaves_author_text_alone():
    authored = "K\u2019iche\u2019 \u201cutz\u201d \u2026"
    web_copy = authored
    sms = prepare_sms_text(authored, "quc")
    assert sms == "K'iche' \"utz\" ..."
    assert authored == web_copy == "K\u2019iche\u2019 \u201cutz\u201d \u2026"


def test_curly_punctuation_keeps_message_gsm7():
    c = count_sms("\u201cAtencion\u201d \u2013 lea esto\u2026", "es")
    assert (c.text, c.encoding, c.units) == ('"Atencion" - lea esto...', "GSM-7", 24)


# Every typographic character prepare_sms_text folds, with what a reader takes it for. The ones
# marked new were left as they were before, so that one of them made a whole message UCS-2.
TYPOGRAPHIC_FOLDS = [
    ("\u2019", "'"), ("\u2018", "'"), ("\u02bc", "'"), ("\u02bb", "'"), ("\u00b4", "'"), ("`", "'"),
    ("\u201a", "'"), ("\u201b", "'"), ("\u2039", "'"), ("\u203a", "'"), ("\u2032", "'"),  # new
    ("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'),
    ("\u201f", '"'), ("\u00ab", '"'), ("\u00bb", '"'), ("\u2033", '"'),  # new
    ("\u2013", "-"), ("\u2014", "-"), ("\u2212", "-"),
    ("\u2010", "-"), ("\u2011", "-"), ("\u2012", "-"), ("\u2015", "-"),  # new
    *((space, " ") for space in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                                "\u2008\u2009\u200a\u202f\u205f\u3000"),
    ("\t", " "),  # new
    ("\r", "\n"), ("\u0085", "\n"), ("\u2028", "\n"), ("\u2029", "\n"),
    ("\u2026", "..."),
    ("\u200b", ""), ("\u2060", ""), ("\ufeff", ""),
    ("\u00ad", ""), ("\u180e", ""), ("\u2061", ""), ("\u2062", ""), ("\u2063", ""), ("\u2064", ""),  # new
]


@pytest.mark.parametrize("char, folded", TYPOGRAPHIC_FOLDS, ids=[f"U+{ord(c):04X}" for c, _ in TYPOGRAPHIC_FOLDS])
def test_typographic_character_is_folded_and_message_stays_gsm7(char, folded):
    c = count_sms(f"Aviso{char}hoy: no se acerque a la frontera.", "es")
    assert (c.text, c.encoding, c.per_segment) == (f"Aviso{folded}hoy: no se acerque a la frontera.", "GSM-7", 160)


@pytest.mark.parametrize("char, folded", TYPOGRAPHIC_FOLDS, ids=[f"U+{ord(c):04X}" for c, _ in TYPOGRAPHIC_FOLDS])
def test_typographic_character_is_folded_in_a_ucs2_message_too(char, folded):
    # The text sent does not depend on whether an accent elsewhere made the message UCS-2.
    assert prepare_sms_text(f"¿Cómo{char}está?") == f"¿Cómo{folded}está?"


# What GOV.UK Notify's SanitiseSMS folds (notifications_utils/sanitise_text.py): none of it may
# force UCS-2 here either.
NOTIFY_FOLDED = ("\u2011\u2013\u2014\u2212\u2026\u2018\u2019\u201c\u201d\u201a\u201e"
                 "\u180e\u200b\u200c\u2060\ufeff\u2028\u2029\u00a0\u202f\t")


@pytest.mark.parametrize("char", NOTIFY_FOLDED, ids=[f"U+{ord(c):04X}" for c in NOTIFY_FOLDED])
def test_nothing_notify_folds_forces_ucs2(char):
    assert count_sms(f"a{char}b").encoding == "GSM-7"


def test_typographic_punctuation_no_longer_makes_a_spanish_message_three_segments():
    # 156 characters: one GSM-7 segment once folded; left as typed, UCS-2 in three.
    text = ("\u00abAtencion\u00bb\u2011 No se acerque a la frontera hasta que se le indique.\t"
            "La frontera NO esta abierta\u201a digan lo que digan los coyotes. Informacion oficial: uscis.gov")
    c = count_sms(text, "es")
    assert (c.encoding, c.segments) == ("GSM-7", 1)
    assert c.text.startswith('"Atencion"- No se acerque') and "indique. La frontera" in c.text


def _default_ignorables() -> list[str]:
    return [chr(cp) for first, last in DEFAULT_IGNORABLE_RANGES for cp in range(first, last + 1)]


def test_every_default_ignorable_character_is_dropped_from_gsm7_text():
    kept = [f"U+{ord(ch):04X}" for ch in _default_ignorables() if count_sms(f"Hola{ch} mundo").text != "Hola mundo"]
    assert kept == []
    everything = count_sms("Hola" + "".join(_default_ignorables()) + " mundo")
    assert (everything.text, everything.encoding, everything.segments) == ("Hola mundo", "GSM-7", 1)


INVISIBLE_IN_LATIN_TEXT = [
    ("zwnj", "\u200c"), ("zwj", "\u200d"), ("lrm", "\u200e"), ("rlm", "\u200f"), ("alm", "\u061c"),
    ("cgj", "\u034f"), ("vs16", "\ufe0f"), ("vs1", "\ufe00"), ("hangul-filler", "\u3164"),
    ("halfwidth-hangul-filler", "\uffa0"), ("mongolian-fvs", "\u180b"), ("tag-a", "\U000e0041"),
    ("vs17", "\U000e0100"), ("inhibit-swapping", "\u206a"),
]


@pytest.mark.parametrize("char", [c for _, c in INVISIBLE_IN_LATIN_TEXT], ids=[i for i, _ in INVISIBLE_IN_LATIN_TEXT])
def test_invisible_character_does_not_force_ucs2(char):
    c = count_sms(f"K\u02bciche{char}\u02bc: utz", "quc")
    assert (c.text, c.encoding, c.units) == ("K'iche': utz", "GSM-7", 12)


def test_invisible_characters_that_hold_emoji_together_stay_in_a_ucs2_message():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one family emoji, not three people
    warning = "\u26a0\ufe0f"  # emoji-style warning sign
    text = f"{warning} Aviso {family}\u200b"
    c = count_sms(text, "es")
    assert c.text == f"{warning} Aviso {family}"  # the zero width space still goes
    assert (c.encoding, c.units) == ("UCS-2", 2 + 7 + 8)


def test_dropped_invisible_character_lets_a_letter_and_its_accent_compose():
    assert count_sms("Jose\u200b\u0301").text == "Jos\u00e9"
    assert count_sms("Jose\u200d\u0301").text == "Jos\u00e9"  # then GSM-7, so the joiner goes too
    assert count_sms("Jose\u200b\u0301").encoding == "GSM-7"


NOT_FOLDED = [
    # Spanish accents outside GSM 03.38: never stripped, the message is UCS-2 and counted as such.
    ("a-acute", "\u00e1"), ("i-acute", "\u00ed"), ("o-acute", "\u00f3"), ("u-acute", "\u00fa"),
    # Letters and symbols with no GSM-7 reading.
    ("ordinal-o", "\u00ba"), ("ordinal-a", "\u00aa"), ("bullet", "\u2022"), ("degree", "\u00b0"),
    ("two-em-dash", "\u2e3a"), ("fullwidth-hyphen", "\uff0d"),
]


@pytest.mark.parametrize("char", [c for _, c in NOT_FOLDED], ids=[i for i, _ in NOT_FOLDED])
def test_letters_and_symbols_without_a_gsm7_reading_are_kept_and_counted_as_ucs2(char):
    c = count_sms(f"N{char} 1: " + A * 65)  # 71 characters: one over a UCS-2 message
    expected = (f"N{char} 1: " + A * 65, "UCS-2", 71, 2, 67)
    assert (c.text, c.encoding, c.characters, c.segments, c.per_segment) == expected


IS_GSM7_CASES = [
    ("", True),
    ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?", True),
    ("¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà", True),
    ("\f^{}\\[~]|€", True),
    ("á", False),
    ("ç", False),
    ("`", False),  # 0x60 in GSM is ¿, not the backtick
    ("\u2019", False),
    ("\x1b", False),  # the escape code is not a character
    ("\t", False),
    ("\U0001f600", False),
]


@pytest.mark.parametrize("text, expected", IS_GSM7_CASES)
def test_is_gsm7(text, expected):
    assert is_gsm7(text) is expected


def test_as_dict_is_json_able():
    d = count_sms("K\u2019iche\u2019").as_dict()
    assert json.loads(json.dumps(d)) == {
        "text": "K'iche'",
        "encoding": "GSM-7",
        "characters": 7,
        "units": 7,
        "segments": 1,
        "per_segment": 160,
        "remaining": 153,
    }


def test_a_character_beyond_the_basic_plane_costs_two_ucs2_units_and_the_last_one_inside_costs_one():
    # U+10000 (the first supplementary character) travels as a surrogate pair; U+FFFD, the last
    # everyday character of the basic plane, as one unit.
    assert (count_sms("\U00010000").units, count_sms("\U00010000").remaining) == (2, 68)
    assert (count_sms("\ufffd").units, count_sms("\ufffd").remaining) == (1, 69)
