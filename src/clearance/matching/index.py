"""Candidate retrieval: an inverted index over the analysed names of every listed entity.

A query never scans all names. Each of its tokens is looked up under several keys, each an
exact dictionary probe:

- ``t`` the token's Latin form (``putin``), and each pair of adjacent tokens written as one
  word, on both sides (``jscargument`` finds ``JSC ARGUMENT`` and the other way round);
- ``s`` rigour's name symbols (``Александр``, ``Aleksandr`` and ``Alexander`` share one; so do
  ``金`` and ``Kim``);
- ``k`` the consonant key, probed only for words written in another script than Latin
  (transliterations of Arabic, Hebrew or Cyrillic names differ most in their vowels);
- ``p`` the beginnings (four letters or more) of organisations' and objects' words, which the
  aligner pairs as abbreviations;
- typos: the token's vocabulary neighbours within one edit, found through a table of
  one-letter deletions of every indexed word (the SymSpell method), so ``abdulah`` finds
  ``abdullah`` without comparing it to every word; and, for long words, where the aligner
  tolerates two edits, the neighbours two edits away, through a compact table of the hashes of
  every long word's one- and two-letter deletions (``aleksandr`` finds ``alyaksandr``).

Postings are kept per name family (person, organisation, object), so a typed query only
touches names of its kind. Which names are worth aligning follows from the aligner's own
arithmetic: a name hit by ``h`` of the query's ``n`` distinctive words cannot score more than
``h / (h + a_q * extras + c * contradictions)``; names whose bound is under the reporting floor
are never aligned. The sets of names hit by at least ``h`` words are set intersections, done in
C, so a common word ("Mohammad", "Smith") costs little.

Names are analysed when the index is built (their keys come from the analysis), and the index
keeps each name's analysis as a small pickle, unpickled when the name is first aligned in a
process: loading the cached index does not rebuild every name, and screening never needs
rigour's name data for a listed name. The index also keeps the :class:`Lexicon` of the person
names' words, so that a query made of listed words is tagged without loading rigour's person
tagger (seconds in every new process).
"""

from __future__ import annotations

import math
import pickle
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations
from typing import Any, Generic, NamedTuple, TypeVar

from rapidfuzz.distance import OSA

from clearance.matching.align import ABBREVIATION_MIN_LENGTH, DEFAULT_PARAMS, FUZZY_MIN_LENGTH, LONG_WORD, symbol_score
from clearance.matching.features import Candidate, IdentifierKey, PreparedQuery
from clearance.matching.identifiers import identifier_key
from clearance.matching.names import (
    EXTRA_WEIGHTS,
    FAMILY_OF_TYPE,
    KIND_WEIGHTS,
    MATCHED_ONLY,
    STRONG,
    Family,
    Lexicon,
    NameForm,
    Token,
    TokenKind,
    analyze,
)
from clearance.model import Entity, NameKind
from clearance.model.screening import ListRef

# Token kinds that are looked up; generic words, legal forms and particles only when a name
# has nothing else.
_LOOKUP_KINDS = frozenset({TokenKind.NAME, TokenKind.NUMBER, TokenKind.SHORT, TokenKind.COMMON,
                           TokenKind.INITIAL})
_INDEXED_SYMBOLS = ("NAME:", "NUM:")  # symbols that say two words are the same name or number
_ENTITY_NAME_KINDS = (NameKind.PRIMARY, NameKind.ALIAS, NameKind.NON_LATIN, NameKind.PREVIOUS,
                      NameKind.WEAK_ALIAS)
_FORM_CACHE = 200_000  # analysed names kept per process
_POSTING = "I"  # array type code of the name ids in a posting (and in _posting's cast)
_WORDS = " "  # separates the vocabulary words of a neighbours entry (words have no spaces)
# Words that can be two edits from a word of LONG_WORD letters (the aligner's two-edit limit).
_FAR_MIN_LENGTH = LONG_WORD - 2
T = TypeVar("T")
_COMMON_SIZES = (1, 2, 3, 4)  # names with this many distinctive words: index.of_size
_MANY_NAMES = 64  # a group of names this large is sorted by size with set operations
Rank = tuple[float, float, float]  # a retrieved name's (estimate, rarity, bound): see ScreeningIndex.hits
_PERSON = str(int(Family.PERSON))  # the key prefix of person names (keys are per family)
_WORD_CACHE = 50_000  # looked-up query words kept per process
# ... and name ids in their sets, at most: a common word hits thousands of names, so a count of
# words alone would not bound the memory. An id kept costs about 60 bytes (tracemalloc, sets of
# 1,000 ids built as here), so this is about 500 MB; a worker of the 100,000-query speed benchmark
# screens as fast with it as without (30.4 s against 30.7 s).
_WORD_CACHE_IDS = 8_000_000


def entity_names(entity: Entity) -> list[str]:
    """The names of an entity that are screened (each once)."""
    return list(dict.fromkeys(n.value for n in entity.names if n.kind in _ENTITY_NAME_KINDS and n.value.strip()))


def _deletions(word: str) -> Iterator[str]:
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def _deletions_within(word: str, most: int = 2) -> set[str]:
    """The word and every form of it with at most ``most`` letters deleted."""
    variants = {word}
    for _ in range(most):
        variants |= {shorter for variant in variants for shorter in _deletions(variant)}
    return variants


def _far_hash(variant: str) -> int:
    """A 32-bit key for a deletion variant: collisions only add candidates, which are checked."""
    return zlib.crc32(variant.encode())


def _lookup_positions(form: NameForm) -> list[int]:
    """Positions of the tokens that are looked up: not generic words, legal forms or particles,
    unless the name has nothing else."""
    chosen = [i for i, t in enumerate(form.tokens) if t.kind in _LOOKUP_KINDS]
    return chosen or list(range(len(form.tokens)))


def _strong_positions(form: NameForm, lookup: list[int]) -> list[int]:
    strong = [i for i in lookup if form.tokens[i].kind in STRONG]
    return strong or lookup


class LeftOver(NamedTuple):
    """What a query word that retrieved nothing in a name costs in the alignment at least."""

    share: float  # its least contradiction share against a word of the name
    extra: float  # else its cost as a query word with no partner


def left_over(token: Token) -> LeftOver:
    """A word that is not retrieved pairs with no word of the name: the index finds every word
    the aligner pairs it with (the same word or symbol, the consonant key, the neighbours within
    the aligner's edit budget). Against a word it does not pair with, it is at least two edits
    away, so its contradiction share is at least ``2 * 2 / (len + 2)``. A Han or Hangul syllable
    always contradicts fully and costs as much when left over. Initials and other weak words are
    assumed to agree."""
    params = DEFAULT_PARAMS
    if token.syllabic:
        return LeftOver(1.0, params.contradiction * token.weight)
    extra = params.extra_query * EXTRA_WEIGHTS[token.kind]
    if token.kind is not TokenKind.NAME:
        return LeftOver(0.0, extra)
    return LeftOver(min(1.0, 4.0 / (len(token.text) + 2)), extra)


def _heaviest(weights: list[float], full: int) -> tuple[float, ...]:
    """``weights`` and ``full`` more weights of 1, heaviest first."""
    return (1.0,) * full + tuple(sorted(weights, reverse=True))


def _favourable(item: LeftOver) -> float:
    """Left-over words that contradict least first."""
    return item.share


def bound(values: Sequence[float], left: list[LeftOver], size: int, weak: tuple[float, ...] = ()) -> float:
    """The best name score a listed name of ``size`` distinctive words can reach when the query's
    distinctive words that hit it pair with scores ``values`` and the others (``left``) are left
    over. The name's remaining words may first each pair with one of the query's weak words, as
    the aligner takes pairs before it weighs what is left: ``weak`` holds, heaviest first, what
    such a pair can weigh at most (an initial, or a common word that hit the name, pairs with the
    weight of the listed word; a legal form or particle that resembles it, with its own). Each
    left-over word then takes one of the name's words still free, contradicting it at its least,
    while the name has some; else it is an extra word. The
    name's words left after that cost what a listed extra word costs."""
    if not values:
        return 0.0
    params = DEFAULT_PARAMS
    spare = max(0, size - len(values))
    absorbed = sum(weak[:spare])
    spare -= min(spare, len(weak))
    numerator, denominator = sum(values) + absorbed, len(values) + absorbed
    for item in sorted(left, key=_favourable) if len(left) > 1 else left:
        if spare > 0:
            spare -= 1
            denominator += params.contradiction * item.share
        else:
            denominator += item.extra
    return numerator / (denominator + params.extra_candidate * spare)


class PickledList(Generic[T]):
    """A list kept as one pickle per item, unpickled on first access (then kept, up to ``cache``
    items): loading the index file does not rebuild objects a process never looks at."""

    def __init__(self, cache: int = _FORM_CACHE) -> None:
        self._items: list[bytes] = []
        self._cache = cache
        self._loaded: dict[int, T] = {}

    def __getstate__(self) -> tuple[list[bytes], int]:
        return self._items, self._cache

    def __setstate__(self, state: tuple[list[bytes], int]) -> None:
        self._items, self._cache = state
        self._loaded = {}

    def append(self, item: T) -> None:
        self._items.append(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, position: int) -> T:
        item = self._loaded.get(position)
        if item is None:
            if len(self._loaded) >= self._cache:
                self._loaded.clear()
            item = pickle.loads(self._items[position])  # noqa: S301 - pickled by append() above
            self._loaded[position] = item
        return item

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self._items)))


def _posting(blob: bytes | None) -> memoryview[int] | tuple[()]:
    return memoryview(blob).cast("I") if blob else ()


class ScreeningIndex:
    """Every candidate of a set of list versions, and the keys that retrieve their names."""

    def __init__(self, lists: tuple[ListRef, ...]) -> None:
        self.lists = lists
        self.candidates: PickledList[Candidate] = PickledList()
        self.source_of: list[str] = []  # candidate position -> its source (without unpickling it)
        self.sources: frozenset[str] = frozenset()  # the sources of the candidates
        self.names: list[str] = []  # name id -> the name as published
        self.analysed: PickledList[list[NameForm]] = PickledList()  # name id -> its analysed variants
        self.lexicon = Lexicon()  # the symbols of the person names' words and phrases
        self.owner: list[int] = []  # name id -> candidate position
        self.size: list[int] = []  # name id -> distinctive words (fewest over its variants)
        self.single_word: frozenset[int] = frozenset()  # names with one distinctive word
        # size -> the names of that many distinctive words, for the commonest sizes (set
        # operations in C sort thousands of names by size faster than a loop over them)
        self.of_size: dict[int, frozenset[int]] = {}
        # key -> name ids, packed (array type _POSTING): a few bytes objects load faster than
        # millions of ints
        self.postings: dict[str, bytes] = {}
        self.neighbours: dict[str, str] = {}  # deletion variant -> vocabulary words, joined by _WORDS
        # Two-edit neighbours of long words: the sorted hashes of every long word's variants
        # (array 'I'), the long word of each, and the long words.
        self.far_keys: bytes = b""
        self.far_owners: bytes = b""
        self.long_words: list[str] = []
        self.identifiers: dict[str, tuple[int, ...]] = {}  # identifier key -> candidate positions
        self.name_count = {family: 0 for family in Family}
        self._word_cache: dict[tuple[Any, ...], tuple[list[tuple[float, frozenset[int]]], frozenset[int], int]] = {}
        self._word_cache_ids = 0  # name ids held in the sets of _word_cache

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_word_cache"] = {}  # looked-up words are looked up again, not stored
        state["_word_cache_ids"] = 0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._word_cache = {}
        self._word_cache_ids = 0

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, entities: Iterable[Entity], lists: tuple[ListRef, ...]) -> ScreeningIndex:
        index = cls(lists)
        postings: dict[str, list[int]] = {}
        identifiers: dict[str, list[int]] = {}
        vocabulary: set[str] = set()
        sources: set[str] = set()
        relevant: set[str] = set()  # the symbols of listed names that a query's must meet to count
        for entity in entities:
            position = len(index.candidates)
            family = FAMILY_OF_TYPE[entity.type]
            prefix = str(int(family))
            raw = entity_names(entity)
            first = len(index.names)
            for name in raw:
                forms = analyze([name], family, learn=index.lexicon)
                if not forms:
                    continue
                name_id = len(index.names)
                index.names.append(name)
                index.analysed.append(forms)
                index.owner.append(position)
                index.size.append(min(form.strong for form in forms))
                index.name_count[family] += 1
                for form in forms:
                    relevant.update(*(t.symbols for t in form.tokens), *(g.symbols for g in form.groups))
                    for key in _name_keys(form, prefix):
                        bucket = postings.setdefault(key, [])
                        if not bucket or bucket[-1] != name_id:
                            bucket.append(name_id)
                    vocabulary.update(t.text for t in form.tokens if len(t.text) >= FUZZY_MIN_LENGTH)
            candidate = make_candidate(entity, family, range(first, len(index.names)))
            index.candidates.append(candidate)
            sources.add(candidate.source)
            index.source_of.append(candidate.source)
            for ident in candidate.identifiers:
                identifiers.setdefault(ident.key, []).append(position)
        index.sources = frozenset(sources)
        index.lexicon.restrict(frozenset(s for s in relevant if s.split(":", 1)[0] in MATCHED_ONLY))
        index.single_word = frozenset(i for i, size in enumerate(index.size) if size <= 1)
        index.of_size = {size: frozenset(i for i, n in enumerate(index.size) if n == size) for size in _COMMON_SIZES}
        index.postings = {k: array(_POSTING, v).tobytes() for k, v in postings.items()}

        index.identifiers = {k: tuple(dict.fromkeys(v)) for k, v in identifiers.items()}
        neighbours: dict[str, list[str]] = {}
        for word in vocabulary:
            for variant in _deletions(word):
                neighbours.setdefault(variant, []).append(word)
        index.neighbours = {k: _WORDS.join(v) for k, v in neighbours.items()}
        index.long_words = sorted(w for w in vocabulary if len(w) >= _FAR_MIN_LENGTH)
        far = sorted((_far_hash(variant), owner) for owner, word in enumerate(index.long_words)
                     for variant in _deletions_within(word))
        index.far_keys = array(_POSTING, (key for key, _ in far)).tobytes()
        index.far_owners = array(_POSTING, (owner for _, owner in far)).tobytes()
        return index

    # -- names ------------------------------------------------------------------------------
    def forms(self, name_id: int) -> list[NameForm]:
        """The analysed variants of a name."""
        return self.analysed[name_id]

    def names_of(self, position: int) -> range:
        """The name ids of the candidate at ``position``."""
        return self.candidates[position].name_ids

    def candidate_forms(self, candidate: Candidate) -> list[NameForm]:
        return [form for name_id in candidate.name_ids for form in self.forms(name_id)]

    # -- retrieval --------------------------------------------------------------------------
    def hits(self, query: PreparedQuery, family: Family, floor: float) -> list[tuple[Rank, set[int]]]:
        """Names of ``family`` that could score ``floor`` or more, in groups of names hit alike,
        each with its rank: (estimate, rarity, bound).

        ``bound`` is :func:`bound` for the names: what they could score at best, if the query
        words that did not hit them paired as well as they still might. ``estimate`` is the score
        the words that hit them give if the others pair with nothing; ``rarity`` sums the IDF of
        the query words that hit them. Names are ranked by estimate, then rarity: an optimistic
        bound would put every name sharing one word with a long query ahead of names sharing two.

        Names hit by the same words in the same tiers, with as many distinctive words, share a
        rank, so the names are split into such groups with set operations (done in C) and each
        group is ranked once: a common word ("Mohammad", an Arabic consonant key) may hit
        thousands of names, and a loop over them in Python is what would cost.
        """
        prefix = str(int(family))
        total_names = max(2, self.name_count[family])
        found_groups: list[tuple[Rank, set[int]]] = []
        sizes = self.size
        for form in query.forms(family):
            lookup = _lookup_positions(form)
            strong = _strong_positions(form, lookup)
            tiers: dict[int, list[tuple[float, frozenset[int]]]] = {}
            union: dict[int, frozenset[int]] = {}
            rarity: dict[int, float] = {}
            for position in lookup:
                found, everything, frequency = self._token_hits(prefix, form, position)
                if everything:
                    tiers[position], union[position] = found, everything
                    rarity[position] = math.log(total_names / max(1, frequency))
            leftovers = [left_over(form.tokens[i]) for i in strong]
            unpaired = [LeftOver(1.0, item.extra) for item in leftovers]
            # The query's weak words: initials pair with any listed word of their letter; other
            # words looked up pair only with names they hit; the rest only lightly (see bound).
            looked = [i for i in lookup
                      if i not in strong and i in union and form.tokens[i].kind is not TokenKind.INITIAL]
            always = [1.0 if token.kind is TokenKind.INITIAL else KIND_WEIGHTS[token.kind]
                      for i, token in enumerate(form.tokens) if i not in strong and i not in looked]
            hit_sets = [union.get(i, frozenset()) for i in strong]
            worth = self._worth_aligning(hit_sets, leftovers, floor, _heaviest(always, len(looked)))
            if not worth:
                continue
            # Split by the tier each strong word hits the name in (values), or none (missing).
            parts: list[tuple[tuple[float, ...], int, float, int, set[int]]] = [((), 0, 0.0, 0, worth)]
            for k, position in enumerate(strong):
                split: list[tuple[tuple[float, ...], int, float, int, set[int]]] = []
                for values, missing, found_rarity, _, names in parts:
                    rest = names
                    for value, tier in tiers.get(position, ()):
                        inside = rest & tier
                        if inside:
                            split.append(((*values, value), missing, found_rarity + rarity[position], 0, inside))
                            rest = rest - inside
                            if not rest:
                                break
                    if rest:
                        split.append((values, missing | 1 << k, found_rarity, 0, rest))
                parts = split
            # The other words looked up (initials, common words) add to the rarity, and say which
            # names a weak word may pair with.
            for position in lookup:
                if position in strong or position not in union:
                    continue
                hit = int(position in looked)
                split = []
                for values, missing, found_rarity, weak_hits, names in parts:
                    inside = names & union[position]
                    if inside:
                        split.append((values, missing, found_rarity + rarity[position], weak_hits + hit, inside))
                    if len(inside) < len(names):
                        split.append((values, missing, found_rarity, weak_hits, names - inside))
                parts = split
            for values, missing, found_rarity, weak_hits, names in parts:
                weak = _heaviest(always, weak_hits)
                by_size: dict[int, set[int]] = {}
                if len(names) > _MANY_NAMES:
                    for size, sized in self.of_size.items():
                        inside = names & sized
                        if inside:
                            by_size[size] = inside
                            names = names - inside  # the names of other sizes
                for name_id in names:
                    size = sizes[name_id]
                    group = by_size.get(size)
                    if group is None:
                        by_size[size] = {name_id}
                    else:
                        group.add(name_id)
                for size, group in by_size.items():
                    if not missing and size <= len(values):
                        # Every word paired and nothing left over on either side: the mean pair score.
                        value = estimate = sum(values) / len(values)
                    else:
                        value = bound(values, [leftovers[k] for k in range(len(strong)) if missing >> k & 1],
                                      size, weak)
                        estimate = bound(values, [unpaired[k] for k in range(len(strong)) if missing >> k & 1],
                                         size)
                    if value >= floor:
                        found_groups.append(((estimate, found_rarity, value), group))
        return found_groups

    def _token_hits(self, prefix: str, form: NameForm, position: int
                    ) -> tuple[list[tuple[float, frozenset[int]]], frozenset[int], int]:
        """Names one query word hits, in tiers of the best pair score each can give: the same word
        (or joined with a neighbouring word) 1, a shared name symbol, the same consonant key, a
        one-edit neighbour; all of them; and the largest posting's length (its rarity)."""
        token = form.tokens[position]
        symbols = {s for s in token.symbols if s.startswith(_INDEXED_SYMBOLS)}
        for group in form.groups:
            if group.start <= position < group.end:
                symbols.update(s for s in group.symbols if s.startswith("NAME:"))
        tiers, everything, frequency = self._word_tiers(prefix, token, frozenset(symbols))
        joined: set[int] = set()
        if position + 1 < len(form.tokens):
            joined.update(_posting(self.postings.get(prefix + "t" + token.text + form.tokens[position + 1].text)))
        if position > 0:
            joined.update(_posting(self.postings.get(prefix + "t" + form.tokens[position - 1].text + token.text)))
        if joined:
            same = next((names for value, names in tiers if value == 1.0), frozenset())
            tiers = [(1.0, same | joined)] + [tier for tier in tiers if tier[0] != 1.0]
            everything = everything | joined
        return tiers, everything, frequency

    def _word_tiers(self, prefix: str, token: Token, symbols: frozenset[str]
                    ) -> tuple[list[tuple[float, frozenset[int]]], frozenset[int], int]:
        """The hits of one word out of context, in tiers and all together (cached: names repeat
        across queries)."""
        cache_key = (prefix, token.text, symbols, token.skeleton if token.foreign else "", token.kind)
        cached = self._word_cache.get(cache_key)
        if cached is not None:
            return cached
        postings = self.postings
        keyed: list[tuple[float, list[str]]] = [(1.0, [prefix + "t" + token.text] +
                                                [prefix + "s" + s for s in symbols if s.startswith("NUM:")])]
        names_symbols = [prefix + "s" + s for s in symbols if s.startswith("NAME:")]
        if names_symbols:
            keyed.append((symbol_score(token, DEFAULT_PARAMS), names_symbols))
        if token.foreign and len(token.skeleton) >= 2:
            keyed.append((DEFAULT_PARAMS.skeleton_score if len(token.skeleton) >= 3 else
                          DEFAULT_PARAMS.short_skeleton_score, [prefix + "k" + token.skeleton]))
        if prefix != _PERSON and token.kind is TokenKind.NAME:
            # An organisation's or object's word may be written short ("Intl", "Rosneftegaz"
            # against "Rosneft"): listed words that begin with it, and its beginnings listed.
            shortened = [prefix + "t" + token.text[:end] for end in range(ABBREVIATION_MIN_LENGTH, len(token.text))]
            if len(token.text) >= ABBREVIATION_MIN_LENGTH:
                shortened.append(prefix + "p" + token.text)
            if shortened:
                keyed.append((DEFAULT_PARAMS.abbreviation_score, shortened))
        if len(token.text) >= FUZZY_MIN_LENGTH and token.kind is not TokenKind.NUMBER:
            # n edits score 1 - n/m, m the longer word's length: a neighbour one letter longer
            # pairs a little better than one of the same length.
            by_value: dict[float, list[str]] = {}
            for word in self._neighbours_of(token.text):
                value = 1.0 - 1.0 / max(len(token.text), len(word))
                by_value.setdefault(value, []).append(prefix + "t" + word)
            for word in self._far_neighbours_of(token.text):
                value = 1.0 - 2.0 / max(len(token.text), len(word))
                by_value.setdefault(value, []).append(prefix + "t" + word)
            keyed.extend(by_value.items())
        frequency = 0
        found: dict[float, set[int]] = {}
        for value, keys in keyed:
            for key in keys:
                posting = _posting(postings.get(key))
                if posting:
                    found.setdefault(value, set()).update(posting)
                    frequency = max(frequency, len(posting))
        tiers = [(value, frozenset(found[value])) for value in sorted(found, reverse=True)]
        # One tier (most words): the same set, not a copy (the cache holds, and the garbage
        # collector walks, every name of every set kept).
        everything = tiers[0][1] if len(tiers) == 1 else frozenset().union(*found.values())
        held = len(everything) + (sum(len(names) for _, names in tiers) if len(tiers) > 1 else 0)
        if len(self._word_cache) >= _WORD_CACHE or self._word_cache_ids + held > _WORD_CACHE_IDS:
            self._word_cache.clear()
            self._word_cache_ids = 0
        self._word_cache[cache_key] = (tiers, everything, frequency)
        self._word_cache_ids += held
        return tiers, everything, frequency

    def _worth_aligning(self, sets: list[frozenset[int]], leftovers: list[LeftOver], floor: float,
                        weak: tuple[float, ...]) -> set[int]:
        """Names hit by enough of the query's distinctive words to possibly reach ``floor``."""
        words = len(sets)
        present = [found for found in sets if found]
        if not present:
            return set()
        weakest = sorted(leftovers, key=_favourable)

        def reachable(hits: int, spare: int) -> bool:
            return bound([1.0] * hits, weakest[: words - hits], hits + spare, weak) >= floor

        # Fewest hits that can reach the floor against a name with no other distinctive word,
        # and against a name with as many other words as the query has unhit words.
        needed = next((h for h in range(1, words + 1) if reachable(h, 0)), words + 1)
        needed_full = next((h for h in range(1, words + 1) if reachable(h, words - h)), words + 1)
        if needed > len(present):
            return set()
        if needed == 1 and needed_full > 1:
            # One word is enough only against a one-word name: those are kept apart.
            found = set().union(*present) & self.single_word
            needed = 2
        elif needed == 1:
            return set().union(*present)
        else:
            found = set()
        for group in combinations(sorted(present, key=len), needed):
            found |= frozenset.intersection(*group)
        return found

    def _neighbours_of(self, word: str) -> set[str]:
        """Vocabulary words within one edit of ``word`` (deletion, insertion, substitution)."""
        neighbours = self.neighbours
        words = neighbours.get(word)
        found: set[str] = set(words.split(_WORDS)) if words else set()  # the query lacks a letter
        for variant in _deletions(word):
            found.add(variant)  # the query has an extra letter (a key only if it is a word)
            words = neighbours.get(variant)
            if words:
                found.update(words.split(_WORDS))  # one letter differs
        return found

    def _far_neighbours_of(self, word: str) -> list[str]:
        """Vocabulary words exactly two edits from ``word`` where the aligner tolerates two (the
        longer word has LONG_WORD letters or more). Two words are within two edits only if
        deleting at most two letters from each gives the same string."""
        if len(word) < _FAR_MIN_LENGTH:
            return []
        keys = memoryview(self.far_keys).cast("I")
        owners = memoryview(self.far_owners).cast("I")
        size = len(keys)
        candidates: set[int] = set()
        # Letters this word must lose to meet a word of LONG_WORD letters or more two edits away:
        # from 8 letters, none (the other has two more); from 9, at most one; else two.
        most = min(2, len(word) - _FAR_MIN_LENGTH)
        for variant in _deletions_within(word, most):
            key = _far_hash(variant)
            at = bisect_left(keys, key)
            while at < size and keys[at] == key:
                candidates.add(owners[at])
                at += 1
        found = []
        for owner in candidates:
            other = self.long_words[owner]
            if max(len(word), len(other)) >= LONG_WORD and OSA.distance(word, other, score_cutoff=2) == 2:
                found.append(other)
        return found

    def identifier_hits(self, keys: Iterable[IdentifierKey]) -> set[int]:
        found: set[int] = set()
        for ident in keys:
            found.update(self.identifiers.get(ident.key, ()))
        return found


def make_candidate(entity: Entity, family: Family, name_ids: range) -> Candidate:
    countries = set(entity.countries) | set(entity.nationalities)
    countries.update(a.country for a in entity.addresses if a.country)
    identifiers = tuple(
        IdentifierKey(key, i.scheme, i.value)
        for i in entity.identifiers
        if (key := identifier_key(i.value, i.scheme))
    )
    return Candidate(
        entity_id=entity.id,
        source=entity.source,
        type=entity.type,
        family=family,
        caption=entity.caption,
        programs=tuple(entity.programs),
        name_ids=name_ids,
        birth_dates=tuple(entity.birth_dates),
        countries=frozenset(countries),
        gender=entity.gender,
        identifiers=identifiers,
    )


def _name_keys(form: NameForm, prefix: str) -> Iterator[str]:
    abbreviations = prefix != _PERSON
    for position in _lookup_positions(form):
        token = form.tokens[position]
        yield prefix + "t" + token.text
        if abbreviations and token.kind is TokenKind.NAME:
            for end in range(ABBREVIATION_MIN_LENGTH, len(token.text)):
                yield prefix + "p" + token.text[:end]
        for symbol in token.symbols:
            if symbol.startswith(_INDEXED_SYMBOLS):
                yield prefix + "s" + symbol
        if len(token.skeleton) >= 2:
            yield prefix + "k" + token.skeleton
    for left, right in zip(form.tokens, form.tokens[1:], strict=False):
        yield prefix + "t" + left.text + right.text
    for group in form.groups:
        for symbol in group.symbols:
            if symbol.startswith("NAME:"):
                yield prefix + "s" + symbol
