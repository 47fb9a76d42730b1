"""Aligning two names token by token, and scoring the alignment.

Every token of the query name is paired with at most one token (or run of tokens) of the
candidate name. A pair holds because the Latin forms are equal, because rigour's name data
says the words are the same name in other spellings or scripts (a shared symbol), because they
differ by a few edits, because one is the initial of the other, because their consonant keys
agree across scripts (transliterations differ most in vowels), or because one side wrote as one
word what the other wrote as two (``JSCARGUMENT`` / ``JSC ARGUMENT``). Pairs are chosen greedily, strongest first.

What is left unpaired is evidence too. A distinctive word on *both* sides with no partner is a
contradiction (``ABC`` against ``XYZ`` in two "... Trading LLC" names) and costs the most;
a word only the query has costs less; a word only the candidate has (a listed patronymic, a
middle name) costs least. The score is the weighted share of evidence that agrees::

    score = sum(w * s for pairs) / (sum(w for pairs) + a_q * extra_query + a_c * extra_candidate
                                     + b * contradictions)

Each :class:`Pairing` records what was compared and why it held, and is the explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA

from clearance.matching.names import EXTRA_WEIGHTS, Family, NameForm, Run, Token, TokenKind

CONTRADICTING = frozenset({TokenKind.NAME, TokenKind.NUMBER, TokenKind.INITIAL, TokenKind.COMMON,
                           TokenKind.DOMAIN, TokenKind.LOCATION})
SUBSTANTIVE = frozenset({TokenKind.NAME, TokenKind.NUMBER, TokenKind.INITIAL, TokenKind.COMMON, TokenKind.DOMAIN,
                         TokenKind.SHORT})
_DESCRIPTIVE = frozenset({TokenKind.GENERIC, TokenKind.DOMAIN})
# Words that say what a name is rather than which one, and the pairings that are only a likeness.
_FORM_WORDS = frozenset({TokenKind.GENERIC, TokenKind.DOMAIN, TokenKind.LEGAL, TokenKind.STOP, TokenKind.LOCATION})
_LOOSE = frozenset({"fuzzy", "abbreviation", "skeleton"})
_GENERIC_ONLY = frozenset({TokenKind.GENERIC})
# rigour's symbols for the "son of" / "daughter of" particles of Arabic names (bin, ibn, ben, bint).
NASAB_SYMBOLS = frozenset({"SYMBOL:BIN", "SYMBOL:BINT"})


@dataclass(frozen=True, slots=True)
class AlignParams:
    """The tunable constants of the aligner (chosen on the tuning split of the name benchmark)."""

    extra_query: float = 0.5  # cost of a query word with no partner
    extra_candidate: float = 0.2  # cost of a candidate word with no partner
    contradiction: float = 1.6  # cost of a distinctive word on each side with no partner
    extra_number: float = 1.0  # cost of a number only one side has
    generic_contradiction: float = 0.5  # share of the contradiction cost two different generic words pay
    symbol_score: float = 0.9  # same name in rigour's data, different spelling
    initial_score: float = 0.8  # "J" in the query for "John" listed
    listed_initial_score: float = 0.6  # "L." listed for "Lindgren" in the query
    abbreviation_score: float = 0.7  # "Air" for "Airlines" (organisations)
    short_symbol_score: float = 0.7  # the same, for words of three letters or fewer
    skeleton_score: float = 0.85  # consonant keys (3 or more consonants) equal across scripts
    short_skeleton_score: float = 0.7  # the same with 2 consonants
    fuzzy_floor: float = 0.6  # a fuzzy pair scoring below this is no pair


DEFAULT_PARAMS = AlignParams()


class Pairing(NamedTuple):
    """One piece of alignment evidence."""

    how: str  # exact, symbol, fuzzy, initial, abbreviation, skeleton, joined, contradiction, extra
    query: str  # query token(s), Latin form ("" for a candidate-only word)
    candidate: str  # candidate token(s), Latin form ("" for a query-only word)
    score: float
    weight: float  # this pairing's weight in the score's denominator

    def describe(self) -> str:
        if self.how == "extra":
            side = "query" if self.query else "candidate"
            return f"+{self.query or self.candidate} (only in {side}, cost {self.weight:.2f})"
        if self.how == "contradiction":
            return f"{self.query}≠{self.candidate} (contradiction, cost {self.weight:.2f})"
        if self.how == "reversal":
            return f"{self.query}≠{self.candidate} (father and son swapped, cost {self.weight:.2f})"
        if self.how == "exact":
            return f"{self.query}={self.candidate}"
        return f"{self.query}≈{self.candidate} ({self.how} {self.score:.2f})"


class NameAlignment(NamedTuple):
    score: float
    query: NameForm
    candidate: NameForm
    pairings: tuple[Pairing, ...]
    distinctive_pairs: int = 0  # pairs holding a word that is not generic, a legal form or a particle

    def describe(self) -> str:
        return "; ".join(p.describe() for p in self.pairings)


FUZZY_MIN_LENGTH = 3  # shorter words are matched exactly or by symbol
ABBREVIATION_MIN_LENGTH = 4  # the shortest distinctive word that pairs as the beginning of another
LONG_WORD = 10  # words this long tolerate two edits


def _budget(length: int) -> int:
    """Edits tolerated between two words whose longer one has ``length`` letters."""
    if length <= 2:
        return 0
    return 1 if length < LONG_WORD else 2


def _fuzzy(a: str, b: str) -> float:
    """Edit similarity within the edit budget; words under FUZZY_MIN_LENGTH letters are never
    fuzzy ("li" is not "lin"), and the index does not look them up fuzzily either."""
    length = max(len(a), len(b))
    budget = _budget(length)
    if budget == 0 or min(len(a), len(b)) < FUZZY_MIN_LENGTH or abs(len(a) - len(b)) > budget:
        return 0.0
    distance = OSA.distance(a, b, score_cutoff=budget)
    return 1.0 - distance / length if distance <= budget else 0.0


def token_similarity(q: Token, c: Token, family: Family, params: AlignParams) -> tuple[float, str]:
    """How well two single tokens agree (0..1) and by which rule."""
    if q.text == c.text:
        return 1.0, "exact"
    if q.kind is TokenKind.NUMBER or c.kind is TokenKind.NUMBER:
        return (0.0, "") if q.symbols.isdisjoint(c.symbols) else (1.0, "symbol")
    shared = len(q.text) > 1 and len(c.text) > 1 and not q.symbols.isdisjoint(c.symbols)
    if q.syllabic or c.syllabic:
        # A Han or Hangul character is a whole syllable, and romanised syllables differ by a
        # letter (chen, cheng): only the same character or the same name in rigour's data count.
        if q.original == c.original:
            return 1.0, "exact"
        return (symbol_score(q, params, c), "symbol") if shared else (0.0, "")
    best, how = 0.0, ""
    if shared:
        best, how = symbol_score(q, params, c), "symbol"
    fuzzy = _fuzzy(q.text, c.text)
    if fuzzy > best and fuzzy >= params.fuzzy_floor:
        best, how = fuzzy, "fuzzy"
    if best < params.initial_score and family is not Family.ORGANIZATION and _is_initial_of(q.text, c.text):
        # A query initial for a listed name ("J Smith") is how people search; a listed initial
        # for a whole query word may stand for another name ("John L. Broussard").
        return (params.initial_score if len(q.text) == 1 else params.listed_initial_score), "initial"
    if q.foreign != c.foreign and best < params.skeleton_score:
        skeleton = _skeleton_score(q.skeleton, c.skeleton, params)
        if skeleton > best:
            best, how = skeleton, "skeleton"
    if best < params.abbreviation_score and family is not Family.PERSON and len(q.text) >= 3 and len(c.text) >= 3:
        short, long = (q.text, c.text) if len(q.text) < len(c.text) else (c.text, q.text)
        descriptive = q.kind in _DESCRIPTIVE or c.kind in _DESCRIPTIVE
        if long.startswith(short) and (descriptive or len(short) >= ABBREVIATION_MIN_LENGTH):
            best, how = params.abbreviation_score, "abbreviation"
    return best, how


@lru_cache(maxsize=100_000)
def _similarity(q: Token, c: Token, family: Family) -> tuple[float, str]:
    """:func:`token_similarity` with DEFAULT_PARAMS, remembered: the same listed words
    ("mohammed", "trading") meet the same query word across many candidates' names."""
    return token_similarity(q, c, family, DEFAULT_PARAMS)


def symbol_score(q: Token, params: AlignParams, c: Token | None = None) -> float:
    """A shared name symbol is strong for long words; short words and Han or Hangul syllables
    (``yu``, ``jin``, ``li``) share symbols with many others, so their agreement counts less."""
    if len(q.text) < 4 or _one_syllable(q) or (c is not None and (len(c.text) < 4 or _one_syllable(c))):
        return params.short_symbol_score
    return params.symbol_score


def _one_syllable(token: Token) -> bool:
    return token.syllabic and len(token.original) == 1


def _skeleton_score(a: str, b: str, params: AlignParams) -> float:
    """Consonant keys compared across scripts (an Arabic or Cyrillic word against a Latin one):
    equal or not (the key is loose already, and the index finds equal keys only); the fewer
    consonants, the weaker."""
    length = min(len(a), len(b))
    if length < 2 or a != b:
        return 0.0
    return params.skeleton_score if length >= 3 else params.short_skeleton_score


def _is_initial_of(a: str, b: str) -> bool:
    if len(a) == 1:
        return len(b) > 1 and b[0] == a
    return len(b) == 1 and a[0] == b


# An option: (strength, score, weight, query mask, candidate mask, how, query text, candidate text)
_Option = tuple[float, float, float, int, int, str, str, str]


def _mask(start: int, end: int) -> int:
    return ((1 << (end - start)) - 1) << start


def _options(q: NameForm, c: NameForm, params: AlignParams) -> list[_Option]:
    family = q.family if q.family is c.family else c.family
    options: list[_Option] = []
    append = options.append
    cached = params is DEFAULT_PARAMS
    for i, qt in enumerate(q.tokens):
        for j, ct in enumerate(c.tokens):
            if qt.text == ct.text:
                weight = qt.weight if qt.weight > ct.weight else ct.weight
                append((weight, 1.0, weight, 1 << i, 1 << j, "exact", qt.text, ct.text))
                continue
            score, how = _similarity(qt, ct, family) if cached else token_similarity(qt, ct, family, params)
            if score > 0.0:
                if how in _LOOSE and (qt.kind in _FORM_WORDS or ct.kind in _FORM_WORDS):
                    # A word that only resembles a legal form, particle or generic word ("asll" /
                    # "SLL") is no distinctive evidence: the pair weighs what the lighter weighs.
                    weight = qt.weight if qt.weight < ct.weight else ct.weight
                else:
                    weight = qt.weight if qt.weight > ct.weight else ct.weight
                append((score * weight, score, weight, 1 << i, 1 << j, how, qt.text, ct.text))
    # Words joined on one side and split on the other ("alqaeda" / "al qaeda").
    if q.runs:
        _joined_options(append, q.runs, q, c.tokens, True, params)
    if c.runs:
        _joined_options(append, c.runs, c, q.tokens, False, params)
    # Multi-word names rigour tagged as one ("jong un"), against single words or other groups.
    if q.groups or c.groups:
        _symbol_group_options(append, q, c, params)
    return options


def _joined_options(append: Callable[[_Option], None], runs: tuple[Run, ...], form: NameForm,
                    others: tuple[Token, ...], query_side: bool, params: AlignParams) -> None:
    for run in runs:
        first = form.tokens[run.start].text
        last = form.tokens[run.end - 1].text
        for k, other in enumerate(others):
            word = other.text
            # The word must start like the run's first token and end like its last one, so that
            # a fuzzy join never swallows a whole extra word.
            if len(word) < 4 or word[0] not in first[:2] or last[-1] not in word[-2:]:
                continue
            if run.text == word:
                score = 1.0
            elif run.syllabic or other.syllabic:
                continue
            else:
                score = _fuzzy(run.text, word)
                if score < params.fuzzy_floor:
                    continue
            weight = run.weight if run.weight > other.weight else other.weight
            spaced = " ".join(t.text for t in form.tokens[run.start : run.end])
            if query_side:
                append((score * weight, score, weight, _mask(run.start, run.end), 1 << k, "joined", spaced, word))
            else:
                append((score * weight, score, weight, 1 << k, _mask(run.start, run.end), "joined", word, spaced))


def _symbol_group_options(append: Callable[[_Option], None], q: NameForm, c: NameForm,
                          params: AlignParams) -> None:
    spans_q = [(g.start, g.end, g.symbols) for g in q.groups]
    spans_c = [(g.start, g.end, g.symbols) for g in c.groups]
    singles_q = [(i, i + 1, t.symbols) for i, t in enumerate(q.tokens) if t.symbols]
    singles_c = [(j, j + 1, t.symbols) for j, t in enumerate(c.tokens) if t.symbols]
    for qs, qe, qsym in spans_q:
        for cs, ce, csym in spans_c + singles_c:
            if not qsym.isdisjoint(csym):
                _group_option(append, q, qs, qe, c, cs, ce, params)
    for cs, ce, csym in spans_c:
        for qs, qe, qsym in singles_q:
            if not qsym.isdisjoint(csym):
                _group_option(append, q, qs, qe, c, cs, ce, params)


def _group_option(append: Callable[[_Option], None], q: NameForm, qs: int, qe: int, c: NameForm, cs: int, ce: int,
                  params: AlignParams) -> None:
    weight = max(sum(t.weight for t in q.tokens[qs:qe]), sum(t.weight for t in c.tokens[cs:ce]))
    qtext = " ".join(t.text for t in q.tokens[qs:qe])
    ctext = " ".join(t.text for t in c.tokens[cs:ce])
    score = 1.0 if qtext.replace(" ", "") == ctext.replace(" ", "") else params.symbol_score
    append((score * weight, score, weight, _mask(qs, qe), _mask(cs, ce), "symbol", qtext, ctext))


def align(q: NameForm, c: NameForm, params: AlignParams = DEFAULT_PARAMS) -> NameAlignment:
    """Pair the tokens of ``q`` and ``c`` and score the result."""
    options = _options(q, c, params)
    options.sort(key=lambda o: (o[0], o[1]), reverse=True)
    used_q = used_c = 0
    pairs_of: dict[int, int] = {}  # query token index -> first candidate token index it pairs with
    pairings: list[Pairing] = []
    substantive = 0
    numerator = denominator = 0.0
    for _, score, weight, qm, cm, how, qtext, ctext in options:
        if qm & used_q or cm & used_c:
            continue
        used_q |= qm
        used_c |= cm
        first_c = (cm & -cm).bit_length() - 1
        held = how == "symbol" and (qm & (qm - 1) or cm & (cm - 1))  # a multi-word name (PLA ~ ...)
        for i, token in enumerate(q.tokens):
            if qm >> i & 1:
                pairs_of[i] = first_c
                held = held or token.kind in SUBSTANTIVE
        for j, token in enumerate(c.tokens):
            if cm >> j & 1:
                held = held or token.kind in SUBSTANTIVE
        substantive += bool(held)
        pairings.append(Pairing(how, qtext, ctext, score, weight))
        numerator += score * weight
        denominator += weight
    if not pairings:
        return NameAlignment(0.0, q, c, (), 0)
    left_q = [t for i, t in enumerate(q.tokens) if not used_q >> i & 1]
    left_c = [t for j, t in enumerate(c.tokens) if not used_c >> j & 1]
    # Distinctive words (and initials) without partner on both sides contradict each other,
    # heaviest first; the more different the two words, the higher the cost. Two different
    # generic words do too, at half the cost ("BAE Systems" is not "BAE Industries").
    skip_q: set[int] = set()
    skip_c: set[int] = set()
    for kinds, factor in ((CONTRADICTING, 1.0), (_GENERIC_ONLY, params.generic_contradiction)):
        dq = sorted((t for t in left_q if t.kind in kinds), key=lambda t: -t.weight)
        dc = sorted((t for t in left_c if t.kind in kinds), key=lambda t: -t.weight)
        contradicted = min(len(dq), len(dc))
        for qt, ct in zip(dq[:contradicted], dc[:contradicted], strict=True):
            cost = params.contradiction * factor * max(qt.weight, ct.weight, 1.0) * contradiction_share(qt, ct)
            pairings.append(Pairing("contradiction", qt.text, ct.text, 0.0, cost))
            denominator += cost
            skip_q.add(id(qt))
            skip_c.add(id(ct))
    reversal = _nasab_reversal(q, c, pairs_of)
    if reversal is not None:
        cost = params.contradiction
        pairings.append(Pairing("reversal", reversal[0], reversal[1], 0.0, cost))
        denominator += cost
    for t in left_q:
        if id(t) not in skip_q:
            # Every syllable of a Han or Hangul name is part of the name: one left over is a
            # different name, not an omitted middle name.
            if t.syllabic:
                cost = params.contradiction * t.weight
            elif t.kind is TokenKind.NUMBER:
                cost = params.extra_number * t.weight
            else:
                cost = params.extra_query * EXTRA_WEIGHTS[t.kind]
            pairings.append(Pairing("extra", t.text, "", 0.0, cost))
            denominator += cost
    for t in left_c:
        if id(t) not in skip_c:
            # A number only one side has still tells entities apart (Fund I / Fund).
            share = params.extra_number if t.kind is TokenKind.NUMBER else params.extra_candidate
            cost = share * EXTRA_WEIGHTS[t.kind]
            pairings.append(Pairing("extra", "", t.text, 0.0, cost))
            denominator += cost
    score = numerator / denominator if denominator else 0.0
    return NameAlignment(score, q, c, tuple(pairings), substantive)


def contradiction_share(q: Token, c: Token) -> float:
    """How strongly two unpaired words contradict each other (0..1): words two edits apart
    already contradict at 0.5, three or more at 1 (twice their normalised edit distance)."""
    if q.syllabic or c.syllabic:
        return 1.0
    return min(1.0, 2.0 * (1.0 - OSA.normalized_similarity(q.text, c.text)))


def _nasab_reversal(q: NameForm, c: NameForm, pairs_of: dict[int, int]) -> tuple[str, str] | None:
    """"A bin B" against "B bin A": the same two names, but father and son swapped."""
    for i in range(1, len(q.tokens) - 1):
        if not q.tokens[i].symbols & NASAB_SYMBOLS:
            continue
        before, after = pairs_of.get(i - 1), pairs_of.get(i + 1)
        if before is None or after is None or after + 2 >= len(c.tokens):
            continue
        if after + 2 == before and c.tokens[after + 1].symbols & NASAB_SYMBOLS:
            qtext = " ".join(t.text for t in q.tokens[i - 1 : i + 2])
            ctext = " ".join(t.text for t in c.tokens[after : before + 1])
            return qtext, ctext
    return None


def best_alignment(
    queries: list[NameForm], candidates: list[NameForm], params: AlignParams = DEFAULT_PARAMS
) -> NameAlignment | None:
    best: NameAlignment | None = None
    for q in queries:
        for c in candidates:
            result = align(q, c, params)
            if best is None or result.score > best.score:
                best = result
                if best.score >= 1.0:
                    return best
    return best
