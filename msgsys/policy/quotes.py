"""Where a counter-rumor quotes the rumor it answers, and whether it answers it.

A counter-rumor may repeat a forbidden claim only inside a marked quote: a Markdown blockquote
(lines starting with ">"), or a line or sentence that starts with a rumor marker ("Rumor:",
"Claim:", "Myth:", "False:", "Falso:", "Mito:", "Bulo:", "❌") and runs to the end of that sentence
or a fact marker ("Fact:", "Truth:", "Dato:", "Hecho:", "Verdad:", "Realidad:", "✅"). The
same channel must carry the answer: a fact marker outside the quotes, or the claim denied.
"""
from __future__ import annotations

import regex

CLAIM_MARKERS = ("rumor", "rumour", "rumors", "rumours", "claim", "myth", "false", "fake", "falso", "falsa",
                 "mito", "bulo", "noticia falsa", "rumor falso")
# "What smugglers say:", "Los coyotes dicen:", "Lo que dicen los traficantes (coyotes):"
CLAIM_LEADS = (r"what [^:.!?\n]{1,40} says?", r"(?:the )?(?:smugglers|coyotes) say", r"lo que dic(?:e|en)[^:.!?\n]{0,60}",
               r"(?:los )?(?:coyotes|traficantes|polleros)[^:.!?\n]{0,30} dicen")
FACT_MARKERS = ("fact", "facts", "the facts", "truth", "the truth", "reality", "true", "dato", "datos", "hecho", "hechos",
                "los hechos", "verdad", "la verdad", "realidad", "la realidad")

_START = r"(?:^|(?<=[.!?]\s{1,3}))[ \t]*[*_#>\-]*[ \t]*"
_CLAIM = regex.compile(_START + r"(?:❌\s*|(?:" + "|".join(CLAIM_LEADS + tuple(sorted(CLAIM_MARKERS, key=len, reverse=True)))
                       + r")[ \t]*[*_]*[ \t]*[:：])", regex.I | regex.M | regex.V1)
_FACT = regex.compile(_START + r"(?:✅\s*|(?:" + "|".join(sorted(FACT_MARKERS, key=len, reverse=True))
                      + r")[ \t]*[*_]*[ \t]*[:：])", regex.I | regex.M | regex.V1)
_SENTENCE_END = regex.compile(r"[.!?](?=\s|$)")
_BLOCKQUOTE = regex.compile(r"^[ \t]{0,3}>.*$", regex.M)


def marked_quotes(text: str, *, markdown: bool) -> list[tuple[int, int]]:
    """Spans of text that are marked as the rumor being quoted."""
    spans = []
    if markdown:
        spans += [(m.start(), m.end()) for m in _BLOCKQUOTE.finditer(text)]
    for m in _CLAIM.finditer(text):
        # The quote runs to the end of its sentence (or a fact marker, or the line's end).
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        stop = _SENTENCE_END.search(text, m.end(), line_end)
        end = stop.end() if stop else line_end
        fact = _FACT.search(text, m.end(), end)
        spans.append((m.start(), fact.start() if fact else end))
    return spans


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) lies within one of the spans."""
    return any(s <= start and end <= e for s, e in spans)


def has_fact_marker(text: str, quotes: list[tuple[int, int]]) -> bool:
    """A fact marker outside the quoted rumor."""
    return any(not inside(quotes, m.start(), m.end()) for m in _FACT.finditer(text))
