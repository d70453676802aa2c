"""Text as the policy matcher reads it: words folded to plain lowercase letters, split into
sentences and clauses, with every word mapped back to its place in the text as written.

Folding is for matching only; the text as written is what is stored and shown. It undoes the
usual ways of hiding a word from a filter: capitals and accents, compatibility forms (full-width,
mathematical letters), look-alike letters from other scripts (Unicode's confusables data, through
`confusable_homoglyphs`), invisible and filler characters (Unicode's Default_Ignorable_Code_Point
property, through `regex`), digits and symbols standing in for letters (b0rder, fr@ntera), words
broken up by punctuation (bor-der, b.o.r.d.e.r, B O R D E R) and hashtags (#TheBorderIsOpen).
"""
from __future__ import annotations

import json
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import regex

# Apostrophes are letters in K'iche' (kʼicheʼ may be typed with ', ’ or ʼ): one form for all.
APOSTROPHES = "'’ʼ‘`´′"
_APOSTROPHE_FOLD = str.maketrans({c: "'" for c in APOSTROPHES})

# Leetspeak: a digit or symbol inside a word that has letters stands for a letter. Only applied
# to words mixing both, so "6,000" and "H-2B" keep their digits. No library covers this
# substitution table; it is the common one used by filters (0=o, 1=i, 3=e, 4=a, 5=s, 7=t, 8=b, 9=g).
_QUOTE_MARKS = "'’‘`´′"
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                       "@": "a", "$": "s", "€": "e"})

# A word: letters, marks, digits, apostrophes, invisible characters (dropped below) and the
# symbols leetspeak uses. Everything else separates words.
_PIECE = regex.compile(r"[\p{L}\p{M}\p{N}\p{DI}'’ʼ‘`´′@$€]+")
# Whitespace and invisible separators between pieces: a chunk is a run without them.
_SPACE = regex.compile(r"[\s\p{Z}]+")
_DEFAULT_IGNORABLE = regex.compile(r"\p{DI}+")
# Sentence ends: . ! ? ; and line breaks, when followed by a space or the end (so the dots in
# "b.o.r.d.e.r" or "uscis.gov" do not end a sentence). An ellipsis is not an end: "It is false
# that... the border" reads on.
# An abbreviation's dot (EE. UU., U.S., Dr.) does not end a sentence.
_SENTENCE_END = regex.compile(r"(?<![.…])(?<!\b\p{Lu}{1,2}|\b(?:Dr|Sr|Sra|Srta|Mr|Mrs|Ms|St|etc|approx|aprox))\.(?=[*_\"”»'’)\]]*(?:[\s\p{Z}]|$))|[!?;¡¿\u2029]|\n(?=[ \t]*(?:\n|[-*+>#•]|\d+[.)]))")
# A required statement must stand on its own line too: every line break ends its sentence.
_LINE_END = regex.compile(r"[\n\r\u2028]")
_CLAUSE_END = regex.compile(r"[,:()\[\]\"“”«»—–]| - ")
_CHUNK = regex.compile(r"[^\s\p{Z}]+")
_CAMEL = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})")


@lru_cache(maxsize=1)
def _confusable_map() -> dict[str, str]:
    """Each look-alike character mapped to the ASCII letter it imitates (Unicode confusables data)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    mapping: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue  # ASCII stays itself: "0" looks like "O" but a number must stay a number
        for glyph in glyphs:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalpha():
                mapping[char] = target.lower()
                break
    return mapping


def _by_name(char: str) -> str | None:
    # Small capitals (ᴏ ʙ ɪ ꜱ) are Latin letters the confusables data maps to Cyrillic or not at
    # all; their Unicode names say which letter they are.
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    for prefix in ("LATIN LETTER SMALL CAPITAL ", "LATIN SMALL LETTER DOTLESS ", "MODIFIER LETTER SMALL CAPITAL "):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            if len(rest) == 1 and rest.isalpha():
                return rest.lower()
    return None


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character folded for matching: lowercase ASCII where it imitates a Latin letter, '' when invisible."""
    if char.isascii():
        return char.lower()
    if char in APOSTROPHES:
        return "'"
    if _DEFAULT_IGNORABLE.fullmatch(char):
        return ""
    out = []
    # NFKD between casefolds: compatibility forms can decompose to capitals, and casefold can
    # produce combining marks (İ).
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold()):
        if unicodedata.category(c)[0] == "M":
            continue  # accents
        if not c.isascii():
            c = _confusable_map().get(c) or _by_name(c) or c.lower()
        out.append(c)
    return "".join(out)


@lru_cache(maxsize=65536)
def fold_word(piece: str) -> str:
    """A word folded for matching (see the module docstring)."""
    word = "".join(fold_char(c) for c in piece)
    if any(c.isalpha() for c in word) and any(not c.isalpha() and c != "'" for c in word):
        word = word.translate(_LEET)
    return "".join(c for c in word if c.isalnum() or c == "'").strip("'")


_new_word = tuple.__new__  # skips NamedTuple's Python-level __new__ in the hot loop


class Word(NamedTuple):
    """One word as the matcher sees it, and where it stands in the text as written."""

    text: str  # folded
    start: int
    end: int
    position: int  # words before it in the text (an alias shares its first piece's position)
    sentence: int
    clause: int
    joined: bool = False  # an alias made by joining pieces (bor-der, B O R D E R, #TheBorderIsOpen)
    last: int = -1  # position of the last piece an alias covers
    line: int = 0  # sentence number counting every line break as an end (required statements)


@dataclass(frozen=True)
class Folded:
    """A text read for matching: its words (pieces first, then aliases) in order of position."""

    words: tuple[Word, ...]
    count: int  # positions
    questions: frozenset[int] = frozenset()  # sentences that end in a question mark
    pieces: tuple[Word, ...] = ()  # the words that are not aliases; pieces[n].position == n

    def at(self) -> list[list[Word]]:
        """Words grouped by position."""
        slots: list[list[Word]] = [[] for _ in range(self.count)]
        for w in self.words:
            slots[w.position].append(w)
        return slots


def _boundaries(rx: regex.Pattern, text: str) -> list[int]:
    return [m.start() for m in rx.finditer(text)]


@lru_cache(maxsize=32)
def read(text: str) -> Folded:
    """Split text into folded words with sentence and clause numbers; cached per text."""
    return _read(text)


# Pieces of a chunk (a run of text without spaces) as (folded word, start, end, "@"-as-"o" reading):
# the same chunk always reads the same, and texts repeat their chunks, so each is worked out once.
_CHUNKS: dict[str, tuple[tuple[str, int, int, str], ...]] = {}


def _chunk_pieces(chunk: str) -> tuple[tuple[str, int, int, str], ...]:
    pieces = _CHUNKS.get(chunk)
    if pieces is not None:
        return pieces
    out = []
    for m in _PIECE.finditer(chunk):
        raw = m.group()
        start = m.start()
        # Quotes around a word ('permit') are not part of it; K'iche' ʼ (a letter) is kept.
        if raw[0] in _QUOTE_MARKS or raw[-1] in _QUOTE_MARKS:
            stripped = raw.rstrip(_QUOTE_MARKS)
            start += len(stripped) - len(stripped.lstrip(_QUOTE_MARKS))
            raw = stripped.lstrip(_QUOTE_MARKS)
            if not raw:
                continue
        # camelCase and hashtags: #TheBorderIsOpen reads as four words.
        tail = raw[1:]
        parts = _CAMEL.split(raw) if tail != tail.lower() and not raw.isupper() else (raw,)
        for part in parts:
            if not part:
                continue
            folded = fold_word(part)
            if folded:
                # "@" reads as "a" or "o" (fr@ntera, est@): both readings are words here.
                other = fold_word(part.replace("@", "o")) if "@" in part else ""
                out.append((folded, start, start + len(part), other if other != folded else ""))
            start += len(part)
    pieces = tuple(out)
    if len(_CHUNKS) > 100_000:
        _CHUNKS.clear()  # bounded: endless distinct chunks cannot grow it forever
    _CHUNKS[chunk] = pieces
    return pieces


def _read(text: str) -> Folded:
    sentence_ends = _boundaries(_SENTENCE_END, text)
    clause_ends = sorted(set(sentence_ends) | set(_boundaries(_CLAUSE_END, text)))
    line_ends = sorted(set(sentence_ends) | set(_boundaries(_LINE_END, text)))
    words: list[Word] = []
    aliases: list[Word] = []
    run: list[Word] = []  # consecutive one-letter words: B O R D E R
    new = _new_word
    for m in _CHUNK.finditer(text):
        pieces = _chunk_pieces(m.group())
        if not pieces:
            continue
        base = m.start()
        first_position = len(words)
        for folded, rel_start, rel_end, other in pieces:
            start = base + rel_start
            position = len(words)
            word = new(Word, (folded, start, base + rel_end, position, bisect_left(sentence_ends, start),
                              bisect_left(clause_ends, start), False, -1, bisect_left(line_ends, start)))
            words.append(word)
            if other:
                aliases.append(word._replace(text=other, joined=True, last=position))
            if len(folded) == 1 and folded.isalpha():
                run.append(word)
            elif run:
                if len(run) >= 3:
                    _join(run, aliases, keep_apostrophes=True)
                run = []
        if len(pieces) > 1:
            # The whole chunk joined: "bor-der", "b.o.r.d.e.r", "#TheBorderIsOpen" -> one word too.
            _join(words[first_position:], aliases)
    if len(run) >= 3:
        _join(run, aliases, keep_apostrophes=True)
    merged = _merge_fragments(words, aliases)
    questions = frozenset(i for i, at in enumerate(sentence_ends) if text[at] == "?")
    return Folded(tuple(merged), len(words), questions, tuple(w for w in merged if not w.joined))


def _join(parts: list[Word], aliases: list[Word], *, keep_apostrophes: bool = False) -> None:
    """An alias for words written as one: "bor-der", "b.o.r.d.e.r", "#TheBorderIsOpen", "B O R D E R"."""
    joined = "".join(w.text for w in parts)
    first, last = parts[0], parts[-1]
    aliases.append(Word(joined if keep_apostrophes else joined.replace("'", ""), first.start, last.end,
                        first.position, first.sentence, first.clause, True, last.position))


def _merge_fragments(words: list[Word], aliases: list[Word]) -> list[Word]:
    """One-word "sentences" join the next one ("Border. Open."): no claim is split that thinly."""
    sizes: dict[int, int] = {}
    for w in words:
        sizes[w.sentence] = sizes.get(w.sentence, 0) + 1
    order = sorted(sizes)
    target = {s: order[i + 1] for i, s in enumerate(order[:-1]) if sizes[s] == 1}

    def resolve(s: int) -> int:
        while s in target:
            s = target[s]
        return s

    out = [w._replace(sentence=resolve(w.sentence)) if w.sentence in target else w for w in words]
    seen = set()
    for w in aliases:
        if (w.text, w.start, w.end) in seen:
            continue  # "B O R D E R" is both a chunk run and a letter run
        seen.add((w.text, w.start, w.end))
        out.append(w._replace(sentence=resolve(w.sentence)) if w.sentence in target else w)
    if aliases:
        out.sort(key=lambda w: (w.position, w.joined))
    return out
