"""Aligning two names token by token, and scoring the alignment.

Every token of the query name is paired with at most one token (or run of tokens) of the
candidate name. A pair holds because the Latin forms are equal, because rigour's name data
says the words are the same name in other spellings or scripts (a shared symbol), because they
differ by a few edits, because one is the initial of the other, because their consonant
skeletons agree across an abjad, or because one side wrote as one word what the other wrote
as two (``JSCARGUMENT`` / ``JSC ARGUMENT``). Pairs are chosen greedily, strongest first.

What is left unpaired is evidence too. A distinctive word on *both* sides with no partner is a
contradiction (``ABC`` against ``XYZ`` in two "... Trading LLC" names) and costs the most;
a word only the query has costs less; a word only the candidate has (a listed patronymic, a
middle name) costs least. The score is the weighted share of evidence that agrees::

    score = sum(w * s for pairs) / (sum(w for pairs) + a_q * extra_query + a_c * extra_candidate
                                     + b * contradictions)

Each :class:`Pairing` records what was compared and why it held, and is the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA

from clearance.matching.names import Family, NameForm, Token, TokenKind

CONTRADICTING = frozenset({TokenKind.NAME, TokenKind.NUMBER, TokenKind.INITIAL, TokenKind.COMMON})
SUBSTANTIVE = CONTRADICTING | {TokenKind.SHORT}
# rigour's symbols for the "son of" / "daughter of" particles of Arabic names (bin, ibn, ben, bint).
NASAB_SYMBOLS = frozenset({"SYMBOL:BIN", "SYMBOL:BINT"})


@dataclass(frozen=True, slots=True)
class AlignParams:
    """The tunable constants of the aligner (chosen on the tuning split of the name benchmark)."""

    extra_query: float = 0.5  # cost of a query word with no partner
    extra_candidate: float = 0.2  # cost of a candidate word with no partner
    contradiction: float = 1.6  # cost of a distinctive word on each side with no partner
    symbol_score: float = 0.9  # same name in rigour's data, different spelling
    initial_score: float = 0.8  # "J" for "John"
    abbreviation_score: float = 0.7  # "Air" for "Airlines" (organisations)
    skeleton_score: float = 0.85  # consonant skeletons equal across an abjad
    fuzzy_floor: float = 0.6  # a fuzzy pair scoring below this is no pair


DEFAULT_PARAMS = AlignParams()


@dataclass(frozen=True, slots=True)
class Pairing:
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


@dataclass(frozen=True, slots=True)
class NameAlignment:
    score: float
    query: NameForm
    candidate: NameForm
    pairings: tuple[Pairing, ...]
    distinctive_pairs: int = 0  # pairs holding a word that is not generic, a legal form or a particle

    def describe(self) -> str:
        return "; ".join(p.describe() for p in self.pairings)


def _budget(length: int) -> int:
    """Edits tolerated between two words whose longer one has ``length`` letters."""
    if length <= 3:
        return 1 if length == 3 else 0
    return max(1, (length + 1) // 4)


def _fuzzy(a: str, b: str) -> float:
    length = max(len(a), len(b))
    budget = _budget(length)
    if budget == 0 or abs(len(a) - len(b)) > budget:
        return 0.0
    distance = OSA.distance(a, b, score_cutoff=budget)
    return 1.0 - distance / length if distance <= budget else 0.0


def token_similarity(q: Token, c: Token, family: Family, params: AlignParams) -> tuple[float, str]:
    """How well two single tokens agree (0..1) and by which rule."""
    if q.text == c.text:
        return 1.0, "exact"
    if q.kind is TokenKind.NUMBER or c.kind is TokenKind.NUMBER:
        return (1.0, "symbol") if q.symbols & c.symbols else (0.0, "")
    if q.syllabic and c.syllabic:
        # One Han or Hangul character is a whole syllable: equal, the same name, or different.
        if q.original == c.original:
            return 1.0, "exact"
        return (params.symbol_score, "symbol") if q.symbols & c.symbols else (0.0, "")
    best, how = 0.0, ""
    if q.symbols & c.symbols and len(q.text) > 1 and len(c.text) > 1:
        best, how = params.symbol_score, "symbol"
    fuzzy = _fuzzy(q.text, c.text)
    if fuzzy > best and fuzzy >= params.fuzzy_floor:
        best, how = fuzzy, "fuzzy"
    if best < params.initial_score and family is not Family.ORGANIZATION and _is_initial_of(q.text, c.text):
        return params.initial_score, "initial"
    if q.abjad != c.abjad and best < params.skeleton_score and q.skeleton and c.skeleton:
        skeleton = 1.0 if q.skeleton == c.skeleton else _fuzzy(q.skeleton, c.skeleton)
        if skeleton * params.skeleton_score > best and skeleton >= 0.75:
            best, how = skeleton * params.skeleton_score, "skeleton"
    if best < params.abbreviation_score and family is not Family.PERSON and len(q.text) >= 3 and len(c.text) >= 3:
        short, long = (q.text, c.text) if len(q.text) < len(c.text) else (c.text, q.text)
        if long.startswith(short) and (q.kind is TokenKind.GENERIC or c.kind is TokenKind.GENERIC or len(short) >= 4):
            best, how = params.abbreviation_score, "abbreviation"
    return best, how


def _is_initial_of(a: str, b: str) -> bool:
    if len(a) == 1:
        return len(b) > 1 and b[0] == a
    return len(b) == 1 and a[0] == b


# An option: (strength, score, weight, query mask, candidate mask, how, query text, candidate text)
_Option = tuple[float, float, float, int, int, str, str, str]


def _runs(form: NameForm, max_len: int = 3) -> list[tuple[int, int]]:
    n = len(form.tokens)
    return [(i, j) for i in range(n) for j in range(i + 2, min(n, i + max_len) + 1)]


def _joinable(run: tuple[Token, ...], word: str) -> bool:
    """Whether ``word`` can be the run written as one word: it starts like the run's first token
    and ends like its last one, so a fuzzy join never swallows a whole extra word."""
    first, last = run[0].text, run[-1].text
    return len(word) >= 4 and word[0] in first[:2] and last[-1] in word[-2:]


def _mask(start: int, end: int) -> int:
    return ((1 << (end - start)) - 1) << start


def _options(q: NameForm, c: NameForm, params: AlignParams) -> list[_Option]:
    family = q.family if q.family is c.family else c.family
    options: list[_Option] = []
    for i, qt in enumerate(q.tokens):
        for j, ct in enumerate(c.tokens):
            score, how = token_similarity(qt, ct, family, params)
            if score > 0.0:
                weight = max(qt.weight, ct.weight)
                options.append((score * weight, score, weight, 1 << i, 1 << j, how, qt.text, ct.text))
    # Words joined on one side and split on the other ("alqaeda" / "al qaeda").
    for side_form, other_form, query_side in ((q, c, True), (c, q, False)):
        tokens = side_form.tokens
        for start, end in _runs(side_form):
            run = tokens[start:end]
            if any(t.kind in (TokenKind.NUMBER, TokenKind.INITIAL) for t in run):
                continue
            joined = "".join(t.text for t in run)
            weight = sum(t.weight for t in run)
            for k, other in enumerate(other_form.tokens):
                if not _joinable(run, other.text):
                    continue
                score = 1.0 if joined == other.text else _fuzzy(joined, other.text)
                if score < params.fuzzy_floor:
                    continue
                weight_here = max(weight, other.weight)
                run_mask, one_mask = _mask(start, end), 1 << k
                qm, cm = (run_mask, one_mask) if query_side else (one_mask, run_mask)
                spaced = " ".join(t.text for t in run)
                qtext, ctext = (spaced, other.text) if query_side else (other.text, spaced)
                options.append((score * weight_here, score, weight_here, qm, cm, "joined", qtext, ctext))
    # Multi-word names rigour tagged as one ("jong un"), against single words or other groups.
    for qg in q.groups:
        for j, ct in enumerate(c.tokens):
            if qg.symbols & ct.symbols:
                _group_option(options, q, qg.start, qg.end, c, j, j + 1, params)
        for cg in c.groups:
            if qg.symbols & cg.symbols:
                _group_option(options, q, qg.start, qg.end, c, cg.start, cg.end, params)
    for cg in c.groups:
        for i, qt in enumerate(q.tokens):
            if cg.symbols & qt.symbols:
                _group_option(options, q, i, i + 1, c, cg.start, cg.end, params)
    return options


def _group_option(options: list[_Option], q: NameForm, qs: int, qe: int, c: NameForm, cs: int, ce: int,
                  params: AlignParams) -> None:
    weight = max(sum(t.weight for t in q.tokens[qs:qe]), sum(t.weight for t in c.tokens[cs:ce]))
    qtext = " ".join(t.text for t in q.tokens[qs:qe])
    ctext = " ".join(t.text for t in c.tokens[cs:ce])
    score = 1.0 if qtext.replace(" ", "") == ctext.replace(" ", "") else params.symbol_score
    options.append((score * weight, score, weight, _mask(qs, qe), _mask(cs, ce), "symbol", qtext, ctext))


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
        held = False
        for i, token in enumerate(q.tokens):
            if qm >> i & 1:
                pairs_of[i] = first_c
                held = held or token.kind in SUBSTANTIVE
        substantive += held
        pairings.append(Pairing(how, qtext, ctext, score, weight))
        numerator += score * weight
        denominator += weight
    if not pairings:
        return NameAlignment(0.0, q, c, ())
    left_q = [t for i, t in enumerate(q.tokens) if not used_q >> i & 1]
    left_c = [t for j, t in enumerate(c.tokens) if not used_c >> j & 1]
    # Distinctive words (and initials) without partner on both sides contradict each other,
    # heaviest first; the more different the two words, the higher the cost.
    dq = sorted((t for t in left_q if t.kind in CONTRADICTING), key=lambda t: -t.weight)
    dc = sorted((t for t in left_c if t.kind in CONTRADICTING), key=lambda t: -t.weight)
    contradicted = min(len(dq), len(dc))
    for qt, ct in zip(dq[:contradicted], dc[:contradicted], strict=True):
        difference = 1.0 - OSA.normalized_similarity(qt.text, ct.text) if not (qt.syllabic or ct.syllabic) else 1.0
        cost = params.contradiction * max(qt.weight, ct.weight, 1.0) * difference
        pairings.append(Pairing("contradiction", qt.text, ct.text, 0.0, cost))
        denominator += cost
    skip_q = {id(t) for t in dq[:contradicted]}
    skip_c = {id(t) for t in dc[:contradicted]}
    reversal = _nasab_reversal(q, c, pairs_of)
    if reversal is not None:
        cost = params.contradiction
        pairings.append(Pairing("reversal", reversal[0], reversal[1], 0.0, cost))
        denominator += cost
    for t in left_q:
        if id(t) not in skip_q:
            cost = params.extra_query * t.weight
            pairings.append(Pairing("extra", t.text, "", 0.0, cost))
            denominator += cost
    for t in left_c:
        if id(t) not in skip_c:
            # A number only the candidate has still tells entities apart (Fund I / Fund).
            cost = (params.extra_query if t.kind is TokenKind.NUMBER else params.extra_candidate) * t.weight
            pairings.append(Pairing("extra", "", t.text, 0.0, cost))
            denominator += cost
    score = numerator / denominator if denominator else 0.0
    return NameAlignment(score, q, c, tuple(pairings), substantive)


def _nasab_reversal(q: NameForm, c: NameForm, pairs_of: dict[int, int]) -> tuple[str, str] | None:
    """"A bin B" against "B bin A": the same two names, but father and son swapped."""
    for i in range(1, len(q.tokens) - 1):
        if not q.tokens[i].symbols & NASAB_SYMBOLS:
            continue
        before, after = pairs_of.get(i - 1), pairs_of.get(i + 1)
        if before is None or after is None or not 0 < after < len(c.tokens) - 1:
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
