"""SMS text preparation and segment counting (GSM 03.38 / UCS-2).

Folding happens only on the SMS path: the web keeps the author's text as written.
Accents are never stripped; text that needs UCS-2 is counted as UCS-2. Typographic
punctuation is folded to its GSM-7 reading always; invisible characters are dropped where
they would only force UCS-2 (see SMS_FOLDS and DEFAULT_IGNORABLE_RANGES for each decision).
``msgsys/static/smscount.js`` mirrors this module for the browser; keep them in step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

# GSM 03.38 basic character set, in table order (0x00-0x7F) without 0x1B, the escape
# to the extension table, which is not a character of its own.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + char, so it costs 2 septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153  # 7 septets per part go to the concatenation header
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Typographic characters folded to the GSM-7 character a reader takes them for: all that GOV.UK
# Notify's SanitiseSMS folds (where the result differs, the line says why) and more. Applied even
# when something else (an accent, an emoji) makes the message UCS-2, as Notify does: the text sent
# is then the same whatever else the message holds, and plain punctuation shows on the basic
# phones many recipients use. Not folded, on purpose: letters of any kind (á í ó ú º ª stay and
# make the message UCS-2, counted honestly), bullets and symbols (• ° © ™, which have no GSM-7
# reading), the two- and three-em dashes (⸺ ⸻, a mark of omission rather than a dash), and
# full-width and small forms (＂ ＇ － ﹣ ﹘: CJK input, and folding them is NFKC's job, which
# would also change letters and digits).
SMS_FOLDS: dict[str, str] = {
    # Apostrophes and single quotes. In K'iche' the apostrophe is a letter (the glottal stop),
    # typed as ', ’ or ʼ depending on the keyboard: DESIGN.md folds them all to ' for SMS.
    "\u2019": "'",  # ’ right single quotation mark, what autocorrect types for '
    "\u2018": "'",  # ‘ left single quotation mark
    "\u201a": "'",  # ‚ single low-9 quotation mark, an opening quote in German-style text
    "\u201b": "'",  # ‛ single high-reversed-9 quotation mark
    "\u2039": "'",  # ‹ single guillemet, the inner quote where « » is the outer
    "\u203a": "'",  # ›
    "\u02bc": "'",  # ʼ modifier letter apostrophe: the glottal stop as Unicode would have it
    "\u02bb": "'",  # ʻ modifier letter turned comma, offered for the glottal stop by some keyboards
    "\u00b4": "'",  # ´ acute accent typed on its own, an apostrophe on Spanish keyboards
    "\u2032": "'",  # ′ prime, an apostrophe from symbol pickers (the policy matcher reads it as one too)
    "`": "'",  # grave accent: ASCII, but GSM 03.38 has ¿ at 0x60, so it is not GSM-7
    # Double quotes.
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „ double low-9 quotation mark
    "\u201f": '"',  # ‟ double high-reversed-9 quotation mark
    "\u00ab": '"',  # « the first-level quotes of written Spanish (RAE): one would make a whole message UCS-2
    "\u00bb": '"',  # »
    "\u2033": '"',  # ″ double prime, the double-quote counterpart of ′
    # Dashes and hyphens all read as - in a text message.
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # ‑ non-breaking hyphen (Word's Ctrl+Shift+-): a phone wraps an SMS as it likes
    "\u2012": "-",  # ‒ figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2015": "-",  # ― horizontal bar, the quotation dash
    "\u2212": "-",  # − minus sign
    # Spaces: every space separator (Unicode Zs) is a plain space, the no-break ones too
    # (U+00A0, the figure space U+2007 and the narrow U+202F): a phone wraps an SMS as it likes.
    **dict.fromkeys(
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "
    ),
    "\t": " ",  # GSM-7 has no tab; one space, as Notify does
    # Line breaks. Notify drops U+2028 and U+2029, which would run two lines' words together.
    # Other control characters (vertical tab, form feed...) never get this far: msgsys.text.clean_text
    # refuses them in stored text.
    "\r": "\n",  # a lone CR; "\r\n" is collapsed to "\n" first
    "\u0085": "\n",  # next line
    "\u2028": "\n",  # line separator
    "\u2029": "\n",  # paragraph separator
    "\u2026": "...",  # … horizontal ellipsis
    # Invisible characters that do nothing a reader of a text message could see, whatever the
    # script: dropped always.
    "\u200b": "",  # zero width space (sometimes typed to stop a phone making "gov.uk" a link)
    "\u2060": "",  # word joiner
    "\ufeff": "",  # byte order mark / zero width no-break space, often left at the start of pasted text
    "\u00ad": "",  # soft hyphen: a hyphenation hint, and a phone does not hyphenate an SMS
    "\u180e": "",  # Mongolian vowel separator, a space until Unicode 6.3 (Notify drops it)
    "\u2061": "",  # invisible function application, times, separator and plus: maths markup
    "\u2062": "",
    "\u2063": "",
    "\u2064": "",
}
_FOLD = str.maketrans(SMS_FOLDS)

# The rest of Unicode's default-ignorable code points (Default_Ignorable_Code_Point, from
# DerivedCoreProperties.txt; Unicode keeps the reserved ones in the property, so the list holds
# for later versions): the zero-width joiner and non-joiner, direction marks, variation
# selectors, tag characters, Hangul fillers and the like. They do visible work only next to
# emoji (👨‍👩‍👧 is three emoji joined by U+200D, ⚠️ is ⚠ and the selector U+FE0F), right-to-left
# or complex-script text, which is UCS-2 anyway, and nothing next to GSM-7 text. So they are
# dropped when that leaves the whole message GSM-7, and kept otherwise. Spelled out by hand
# because the standard library's unicodedata does not expose the property; the browser counter
# has the same table, and tests/sms/test_smscount_js.py checks both against Node's ICU data.
DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_IGNORABLE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in DEFAULT_IGNORABLE_RANGES) + "]+")


@dataclass(frozen=True)
class SmsCount:
    """How a prepared SMS text encodes and splits into segments."""

    text: str  # the text exactly as it would be sent (after prepare_sms_text)
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # Unicode code points in text
    units: int  # GSM-7 septets (extension chars count 2) or UTF-16 code units
    segments: int  # 0 for empty text
    per_segment: int  # 160/70 for a single segment, 153/67 when concatenated
    remaining: int  # units still free in the last segment

    def as_dict(self) -> dict:
        """Return the count as a JSON-able dict."""
        return asdict(self)


def prepare_sms_text(text: str, locale: str | None = None) -> str:
    """Return text as it should be sent by SMS: NFC, typographic punctuation folded to GSM-7,
    invisible characters dropped where they would only force UCS-2.

    The same folds apply to every locale today; ``locale`` is accepted so that
    locale-specific folds can be added without changing callers.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").translate(_FOLD)
    # Again: a dropped invisible character can leave a letter next to its combining accent.
    text = unicodedata.normalize("NFC", text)
    bare = unicodedata.normalize("NFC", _IGNORABLE.sub("", text))
    return bare if is_gsm7(bare) else text


def is_gsm7(text: str) -> bool:
    """Return True if every character of text (as given, not prepared) is in GSM 03.38."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _split(costs: list[int], single: int, multi: int) -> tuple[int, int, int]:
    """Return (segments, per_segment, remaining) for per-character unit costs."""
    total = sum(costs)
    if total == 0:
        return 0, single, single
    if total <= single:
        return 1, single, single - total
    segments, used = 1, 0
    for cost in costs:
        # A 2-unit character (escape pair or surrogate pair) cannot straddle two parts.
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments, multi, multi - used


def count_sms(text: str, locale: str | None = None) -> SmsCount:
    """Prepare text for SMS, then count its encoding, units and segments."""
    text = prepare_sms_text(text, locale)
    if is_gsm7(text):
        encoding, single, multi = "GSM-7", GSM7_SINGLE, GSM7_MULTI
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding, single, multi = "UCS-2", UCS2_SINGLE, UCS2_MULTI
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    segments, per_segment, remaining = _split(costs, single, multi)
    return SmsCount(
        text=text,
        encoding=encoding,
        characters=len(text),
        units=sum(costs),
        segments=segments,
        per_segment=per_segment,
        remaining=remaining,
    )
