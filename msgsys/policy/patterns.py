"""The pattern language of policy rules: forbidden claims and required statements.

A pattern is a few words, written plainly, with a little syntax (README, "Advisory policy"):

    border open ~5                   forbidden claim: every word, in any order, within 5 words
    (child|kid|minor) guarantee entry
    "crossing permit"                these words one after the other, as one term
    =si                              this exact word (no other word forms)
    abri*                            any word starting with "abri"
    do not approach the border until [you are] instructed [to do so]
                                     required statement: in this order, [optional words]

Words match every form the language's Snowball stemmer gives the same stem (open, opens,
opened; abierta, abierto), after folding (textfold). A claim is not a claim when a negation
stands in it or just before it, in the same clause ("the border is not open", "there is no
permit to cross", "los niños no garantizan la entrada"). A required statement counts only when
it stands as its own sentence.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import regex
import Stemmer

from msgsys.policy.textfold import Folded, Word, _read, fold_char, fold_word, read

DEFAULT_WINDOW = 6
MAX_WINDOW = 12
MAX_TERMS = 8
# The pattern's language decides the word forms; "*" rules are read in both stemmed languages.
# K'iche' has no Snowball stemmer: its words match exactly (or by prefix, with *).
STEMMER_NAMES = {"en": "english", "es": "spanish"}
STEMMED = tuple(STEMMER_NAMES)

# Negations, folded. Union of the languages: a rule applies to text in any language.
NEGATORS = frozenset({
    "not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "nowhere", "cannot", "without",
    "false", "untrue", "lie", "myth", "isnt", "arent", "wasnt", "werent", "dont", "doesnt", "didnt", "wont",
    "cant", "hasnt", "havent", "aint", "nunca", "jamas", "ni", "tampoco", "ningun", "ninguna", "ninguno",
    "nadie", "nada", "sin", "falso", "falsa", "mentira", "mito",
})
# Lead-ins that deny the clause that follows ("it is not true that ...", "no es cierto que ...").
DENIALS = (("not", "true"), ("not", "the", "case"), ("no", "es", "verdad"), ("no", "es", "cierto"))
NEGATION_REACH = 3  # words before a claim that a negation may stand at
# Inside a word joined from pieces (#TheBorderIsNotOpen, fronteranoestaabierta): negations
# that are long enough not to occur by chance inside other words.
JOINED_NEGATIONS = ("not", "never", "isnt", "arent", "dont", "nunca", "jamas", "noesta", "noestan", "nohay", "sin")

# Words that may open or close the sentence of a required statement without changing it.
STATEMENT_LEAD = frozenset({
    "please", "important", "remember", "note", "advisory", "alert", "warning", "attention",
    "por", "favor", "importante", "recuerde", "nota", "aviso", "alerta", "atencion", "advertencia",
})
STATEMENT_TAIL = frozenset({
    "to", "do", "so", "by", "the", "us", "u", "s", "official", "officials", "authorities", "government",
    "please", "hacerlo", "lo", "por", "las", "los", "autoridades", "oficiales", "gobierno", "favor",
    "de", "eeuu", "estados", "unidos", "del", "el",
})
# A sentence ending in one of these leaves the next one hanging on it ("It is false that.
# Do not approach ..."): the statement that follows does not stand on its own.
DANGLING = frozenset({"that", "que", "than", "whether", "if", "si", "because", "porque"})


class PatternError(ValueError):
    """A pattern that cannot be read; the message says where."""


@dataclass(frozen=True)
class WordSpec:
    text: str  # folded
    mode: str  # "stem", "exact" or "prefix"


@dataclass(frozen=True)
class Term:
    """One place in a pattern: alternatives, each a phrase of consecutive words."""

    alts: tuple[tuple[WordSpec, ...], ...]
    optional: bool = False


@dataclass(frozen=True)
class Pattern:
    terms: tuple[Term, ...]
    window: int
    languages: tuple[str, ...]


_local = threading.local()  # PyStemmer's stemmers are not thread-safe


def stem(language: str, word: str) -> str:
    """The Snowball stem of a folded word in a language (the word itself where there is no stemmer)."""
    cache = _STEMS.get(language)
    if cache is None:
        return word
    found = cache.get(word)
    if found is None:
        stemmers = getattr(_local, "stemmers", None)
        if stemmers is None:
            stemmers = _local.stemmers = {code: Stemmer.Stemmer(name) for code, name in STEMMER_NAMES.items()}
        found = stemmers[language].stemWord(word)
        if len(cache) > 200_000:
            cache.clear()  # bounded: hostile text of endless distinct words cannot grow it forever
        cache[word] = found
    return found


_STEMS: dict[str, dict[str, str]] = {code: {} for code in STEMMER_NAMES}


_TOKEN = regex.compile(r'\s*(?:(?P<op>[()\[\]|])|~(?P<window>\d+)|"(?P<quoted>[^"]*)"|(?P<word>[^\s()\[\]|~"]+))')


def _words(raw: str) -> tuple[WordSpec, ...]:
    specs = []
    mode = "stem"
    if raw.startswith("="):
        raw, mode = raw[1:], "exact"
    if raw.endswith("*"):
        raw, mode = raw[:-1], "prefix"
    # A pattern word is read exactly as text is: "wide-open" is two words, "K'iche'" one.
    for piece in _read(raw).words:  # uncached: pattern words must not push texts out of read()'s cache
        if not piece.joined:
            specs.append(WordSpec(piece.text, mode))
    return tuple(specs)


@lru_cache(maxsize=1024)
def parse(source: str, language: str = "*") -> Pattern:
    """Read a pattern; raises PatternError with the reason."""
    terms: list[Term] = []
    window = DEFAULT_WINDOW
    group: list[list[WordSpec]] | None = None
    closer = ""
    pos = 0
    source = source.strip()
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            raise PatternError(f"cannot read the pattern at {source[pos:pos + 10]!r}")
        pos = m.end()
        op, quoted, word = m.group("op"), m.group("quoted"), m.group("word")
        if m.group("window") is not None:
            window = int(m.group("window"))
            if not 1 <= window <= MAX_WINDOW:
                raise PatternError(f"the window ~N must be 1 to {MAX_WINDOW}")
            if source[pos:].strip():
                raise PatternError("~N comes last")
        elif op in ("(", "["):
            if group is not None:
                raise PatternError("groups cannot be nested")
            group, closer = [[]], {"(": ")", "[": "]"}[op]
        elif op == "|":
            if group is None:
                raise PatternError("| is only used inside ( ) or [ ]")
            group.append([])
        elif op in (")", "]"):
            if group is None or op != closer:
                raise PatternError(f"unbalanced {op}")
            if any(not alt for alt in group):
                raise PatternError("empty alternative in a group")
            terms.append(Term(tuple(tuple(a) for a in group), optional=op == "]"))
            group = None
        else:
            specs = _words(quoted if quoted is not None else word)
            if not specs:
                continue  # punctuation only: nothing to match
            if group is not None:
                group[-1].extend(specs)
            elif quoted is not None:
                terms.append(Term((specs,)))
            else:
                terms.extend(Term(((s,),)) for s in specs)
    if group is not None:
        raise PatternError(f"missing {closer}")
    if not any(not t.optional for t in terms):
        raise PatternError("pattern has no letters or digits")
    if len(terms) > MAX_TERMS * 4:
        raise PatternError("the pattern is too long")
    languages = STEMMED if language == "*" else tuple(lang for lang in STEMMED if lang == language)
    return Pattern(tuple(terms), window, languages)


def claim_errors(pattern: Pattern) -> list[str]:
    """Problems that make a pattern unusable as a forbidden claim."""
    errors = []
    if any(t.optional for t in pattern.terms):
        errors.append("[optional] words are for required statements; a claim lists the words it needs")
    if len(pattern.terms) > MAX_TERMS:
        errors.append(f"a claim has at most {MAX_TERMS} terms")
    longest = max((sum(1 for _ in alt) for t in pattern.terms for alt in t.alts), default=0)
    if len(pattern.terms) - 1 + longest > pattern.window + MAX_WINDOW:
        errors.append("the window is too small for the terms")
    return errors


# --- reading a text once per language -------------------------------------------------

@dataclass
class _Index:
    folded: Folded
    by_stem: dict[str, list[Word]]
    by_text: dict[str, list[Word]]
    sentences: dict[int, list[Word]]  # pieces only, in order
    lines: dict[int, list[Word]]  # the same, split at every line break too


@lru_cache(maxsize=32)
def _words_of(text: str) -> tuple[Folded, dict[str, list[Word]], dict[int, list[Word]], dict[int, list[Word]]]:
    """A text's words by folded form, by sentence and by line: the same in every language."""
    folded = read(text)
    by_text: dict[str, list[Word]] = {}
    sentences: dict[int, list[Word]] = {}
    lines: dict[int, list[Word]] = {}
    for w in folded.words:
        by_text.setdefault(w.text, []).append(w)
        if not w.joined:
            sentences.setdefault(w.sentence, []).append(w)
            lines.setdefault(w.line, []).append(w)
    return folded, by_text, sentences, lines


@lru_cache(maxsize=64)
def _index(text: str, language: str) -> _Index:
    folded, by_text, sentences, lines = _words_of(text)
    by_stem: dict[str, list[Word]] = {}
    for word, found in by_text.items():  # each distinct word stemmed once
        by_stem.setdefault(stem(language, word), []).extend(found)
    return _Index(folded, by_stem, by_text, sentences, lines)


@lru_cache(maxsize=32)
def _long_words(text: str, shortest: int = 7) -> tuple[tuple[Word, ...], str]:
    """Words long enough to hide a whole claim run together (#theborderisopen), and all of them in one string."""
    words = tuple(w for w in read(text).words if len(w.text) >= shortest)
    return words, "\n".join(w.text for w in words)


def _word_matches(spec: WordSpec, word: Word, language: str) -> bool:
    if spec.mode == "exact" or language not in STEMMER_NAMES and spec.mode == "stem":
        return word.text == spec.text
    if spec.mode == "prefix":
        return word.text.startswith(spec.text)
    return stem(language, word.text) == stem(language, spec.text)


class Hit(NamedTuple):
    """Where a pattern matched: character span in the text and word positions."""

    start: int
    end: int
    first: int
    last: int
    negated: bool = False


def _candidates(spec: WordSpec, idx: _Index, language: str) -> list[Word]:
    if spec.mode == "prefix":
        return [w for w in idx.folded.words if w.text.startswith(spec.text)]
    if spec.mode == "exact" or language not in STEMMER_NAMES:
        return idx.by_text.get(spec.text, [])
    return idx.by_stem.get(stem(language, spec.text), [])


def _occurrences(term: Term, idx: _Index, language: str) -> list[Hit]:
    """Every place a term stands: (first position, last position) with its characters."""
    found = []
    slots = None
    for alt in term.alts:
        for w in _candidates(alt[0], idx, language):
            last, end, ok = (w.last if w.joined else w.position), w.end, True
            for spec in alt[1:]:
                if slots is None:
                    slots = idx.folded.at()
                nxt = last + 1
                match = next((x for x in (slots[nxt] if nxt < len(slots) else ()) if not x.joined
                              and x.sentence == w.sentence and _word_matches(spec, x, language)), None)
                if match is None:
                    ok = False
                    break
                last, end = match.position, match.end
            if ok:
                found.append(Hit(w.start, end, w.position, last))
    return found


def find_claims(source: str, text: str, language: str = "*") -> list[Hit]:
    """Every place a forbidden claim stands in text; a hit whose claim is denied has negated=True."""
    if not text:
        return []
    pattern = parse(source, language)
    hits: list[Hit] = []
    for lang in pattern.languages or ("",):
        hits += _claims_in(pattern, text, lang)
    hits += _joined_claims(pattern, text, source, language)
    return _distinct(hits)


def _distinct(hits: list[Hit]) -> list[Hit]:
    """One hit per place: an unnegated reading wins over a negated one of the same words."""
    hits.sort(key=lambda h: (h.start, h.negated))
    out: list[Hit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            if out[-1].negated and not h.negated:
                out[-1] = h
            continue
        out.append(h)
    return out


def _claims_in(pattern: Pattern, text: str, language: str) -> list[Hit]:
    idx = _index(text, language)
    occurrences = [_occurrences(term, idx, language) for term in pattern.terms]
    if not all(occurrences):
        return []
    words = idx.folded.pieces
    hits = []
    for hs in occurrences:
        hs.sort(key=lambda h: (h.first, h.last))
    firsts = [[h.first for h in hs] for hs in occurrences]
    for anchor_term, anchors in enumerate(occurrences):
        for anchor in anchors:
            sentence = words[anchor.first].sentence
            # A word joined from pieces (b.o.r.d.e.r) counts as one word of the window.
            limit = anchor.last + pattern.window - 1
            chosen = {anchor_term: anchor}
            used = [(anchor.first, anchor.last)]
            for i, hs in enumerate(occurrences):
                if i in chosen:
                    continue
                # The first occurrence at or after the anchor; earlier ones are another anchor's.
                j = bisect_left(firsts[i], anchor.first)
                pick = None
                while j < len(hs) and hs[j].first <= limit:
                    h = hs[j]
                    if words[h.first].sentence == sentence and all(h.last < a or h.first > b for a, b in used):
                        pick = h
                        break
                    j += 1
                if pick is None:
                    break
                chosen[i] = pick
                used.append((pick.first, pick.last))
            else:
                parts = sorted(chosen.values(), key=lambda h: (h.first, h.last))
                first, last = parts[0].first, max(p.last for p in parts)
                hits.append(Hit(parts[0].start, max(p.end for p in parts), first, last,
                                _negated(parts, words, {p for a, b in used for p in range(a, b + 1)})
                                or _answered_no(sentence, idx)))
    return hits


def _negated(parts: list[Hit], words: tuple[Word, ...], used: set[int]) -> bool:
    """A negation inside the claim (in the clause of the claim word after it) or just before it."""
    first, last = parts[0].first, max(p.last for p in parts)
    sentence = words[first].sentence
    for pos in range(first, last + 1):
        w = words[pos]
        if pos in used or not _is_negator(w.text):
            continue
        after = next((p for p in parts if p.first > pos), None)
        if after is not None and words[after.first].clause == w.clause:
            return True
    clause = words[first].clause
    for pos in range(first - 1, max(first - 1 - NEGATION_REACH, -1), -1):
        w = words[pos]
        if w.sentence != sentence or w.clause != clause:
            break
        if _is_negator(w.text):
            return True
    # "it is not true that the border ...", "no es cierto que la frontera ..."
    for denial in DENIALS:
        for end in range(first - 1, max(first - 1 - NEGATION_REACH, -1), -1):
            seq = [words[p] for p in range(max(0, end - len(denial) + 1), end + 1)]
            if len(seq) == len(denial) and all(w.sentence == sentence for w in seq) and tuple(w.text for w in seq) == denial:
                return True
    return False


def _answered_no(sentence: int, idx: _Index) -> bool:
    """A question answered no at once: "Is the border open? No." asks; it does not claim."""
    if sentence not in idx.folded.questions:
        return False
    following = [n for n in idx.sentences if n > sentence]
    return bool(following) and idx.sentences[min(following)][0].text in ("no", "not", "nope", "never", "false", "falso", "falsa", "nunca")


def _is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def _needles(term: Term, languages: tuple[str, ...]) -> set[str]:
    """What a term looks like inside a joined word: each alternative's stem (or text), spaces gone."""
    out = set()
    for alt in term.alts:
        for lang in languages or ("",):
            needle = "".join(stem(lang, s.text) if s.mode == "stem" else s.text for s in alt).replace("'", "")
            if len(needle) >= 3:
                out.add(needle)
    return out


@lru_cache(maxsize=1024)
def _pattern_needles(source: str, language: str) -> tuple[frozenset[str], ...]:
    pattern = parse(source, language)
    return tuple(frozenset(_needles(t, pattern.languages)) for t in pattern.terms)


def _joined_claims(pattern: Pattern, text: str, source: str, language: str) -> list[Hit]:
    """A whole claim inside one joined or run-together word: #theborderisopen, B-O-R-D-E-R-O-P-E-N."""
    needles = _pattern_needles(source, language)
    if not all(needles):
        return []
    shortest = sum(min(len(n) for n in ns) for ns in needles)
    words, blob = _long_words(text)
    if not all(any(n in blob for n in ns) for ns in needles):
        return []  # some term stands in no long word at all
    hits = []
    for w in words:
        if len(w.text) < shortest:
            continue
        spans = []
        for ns in needles:
            found = [(w.text.find(n), len(n)) for n in ns if n in w.text]
            if not found:
                break
            at, size = min(found)
            spans.append((at, at + size))
        else:
            lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
            inside = w.text[max(0, lo - 6):hi]
            negated = any(neg in inside for neg in JOINED_NEGATIONS)
            hits.append(Hit(w.start, w.end, w.position, w.last if w.joined else w.position, negated))
    return hits


# --- required statements ----------------------------------------------------------------

def find_statement(source: str, text: str, language: str = "*") -> Hit | None:
    """Whether and where (in the lines kept by the quick filter) the statement stands as its own sentence."""
    if not text:
        return None
    pattern = parse(source, language)
    anchor = _anchor(source, language)
    if anchor:
        # Only lines that could hold the statement are read word by word (and the line before each,
        # which may leave it hanging): a long body costs little more than a short one.
        lines = text.split("\n")
        keep = [i for i, line in enumerate(lines) if anchor in line.translate(_QUICK_FOLD)]
        if not keep:
            return None
        wanted = sorted({j for i in keep for j in (i - 1, i) if j >= 0})
        text = "\n".join(lines[j] for j in wanted)
    for lang in pattern.languages or ("",):
        idx = _index(text, lang)
        previous: list[Word] = []
        for number in sorted(idx.lines):
            sentence = idx.lines[number]
            hit = _stands(pattern.terms, sentence, lang)
            if hit is not None and not (previous and previous[-1].text in DANGLING):
                return hit
            previous = sentence
    return None


class _QuickFold(dict):
    """str.translate table folding each character as textfold does (for the quick line filter)."""

    def __missing__(self, code: int) -> str:
        self[code] = fold_char(chr(code))
        return self[code]


_QUICK_FOLD = _QuickFold()


@lru_cache(maxsize=256)
def _anchor(source: str, language: str) -> str:
    """A few letters every standing statement contains: the start of its longest required word."""
    pattern = parse(source, language)
    words = [alt[0] for t in pattern.terms if not t.optional and len(t.alts) == 1 for alt in t.alts if len(alt) == 1]
    words = [w for w in words if w.mode != "prefix" and len(w.text) >= 5]
    return max((w.text for w in words), key=len, default="")[:5]


def _stands(terms: tuple[Term, ...], sentence: list[Word], language: str) -> Hit | None:
    """The sentence is: lead words, the statement's terms in order, tail words; nothing else."""
    lead = 0
    while lead < len(sentence) and sentence[lead].text in STATEMENT_LEAD and lead < 4:
        lead += 1
    for start in range(0, lead + 1):
        end = _sequence(terms, sentence, start, language)
        if end is not None and all(w.text in STATEMENT_TAIL for w in sentence[end:]) and len(sentence) - end <= 6:
            return Hit(sentence[start].start, sentence[end - 1].end, sentence[start].position, sentence[end - 1].position)
    return None


def _sequence(terms: tuple[Term, ...], words: list[Word], at: int, language: str) -> int | None:
    """Where the terms, matched one after the other from word `at`, end; None when they do not."""
    if not terms:
        return at
    term, rest = terms[0], terms[1:]
    for alt in term.alts:
        end = at
        for spec in alt:
            if end < len(words) and _word_matches(spec, words[end], language):
                end += 1
            else:
                break
        else:
            found = _sequence(rest, words, end, language)
            if found is not None:
                return found
    if term.optional:
        return _sequence(rest, words, at, language)
    return None


def folded_words(text: str) -> list[str]:
    """The folded words of a text (for tests and the rule editor's preview)."""
    return [w.text for w in read(text).words if not w.joined]


__all__ = ["PatternError", "parse", "find_claims", "find_statement", "claim_errors", "stem", "fold_word", "folded_words"]
