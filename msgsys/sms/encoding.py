"""SMS text preparation and segment counting (GSM 03.38 / UCS-2).

Folding happens only on the SMS path: the web keeps the author's text as written.
Accents are never stripped; text that needs UCS-2 is counted as UCS-2.
``msgsys/static/smscount.js`` mirrors this module for the browser; keep them in step.
"""

from __future__ import annotations

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

_APOSTROPHES = "\u2019\u2018\u02bc\u02bb\u00b4`"  # K'iche' glottal stop as typed on various keyboards
_DOUBLE_QUOTES = "\u201c\u201d\u201e"
_DASHES = "\u2013\u2014\u2212"  # en dash, em dash, minus sign
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_LINE_BREAKS = "\r\u0085\u2028\u2029"  # "\r\n" is collapsed before this table applies

_FOLD = str.maketrans(
    {
        **dict.fromkeys(_APOSTROPHES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys(_ZERO_WIDTH, None),
        **dict.fromkeys(_LINE_BREAKS, "\n"),
        "\u2026": "...",
    }
)


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
    """Return text as it should be sent by SMS: NFC, typographic punctuation folded to ASCII.

    The same folds apply to every locale today; ``locale`` is accepted so that
    locale-specific folds can be added without changing callers.
    """
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").translate(_FOLD)


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
