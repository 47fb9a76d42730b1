"""Candidate retrieval: an inverted index over the analysed names of every listed entity.

A query never scans all names. Each of its tokens is looked up under several keys, each an
exact dictionary probe:

- ``t`` the token's Latin form (``putin``), and each pair of adjacent tokens written as one
  word, on both sides (``jscargument`` finds ``JSC ARGUMENT`` and the other way round);
- ``s`` rigour's name symbols (``Александр``, ``Aleksandr`` and ``Alexander`` share one; so do
  ``金`` and ``Kim``);
- ``k`` the consonant skeleton, probed only for tokens written in an abjad (Arabic, Hebrew);
- typos: the token's vocabulary neighbours within one edit, found through a table of
  one-letter deletions of every indexed word (the SymSpell method), so ``abdulah`` finds
  ``abdullah`` without comparing it to every word.

Postings are kept per name family (person, organisation, object), so a typed query only
touches names of its kind. Each name hit gets the share of the query's token weight that hit
it (rare tokens weigh more: an IDF factor); only names whose share could still reach the
reporting floor are aligned in full, best first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from clearance.matching.features import Candidate, IdentifierKey, PreparedQuery
from clearance.matching.identifiers import identifier_key
from clearance.matching.names import FAMILY_OF_TYPE, Family, NameForm, Token, TokenKind, analyze
from clearance.model import Entity, NameKind
from clearance.model.screening import ListRef

# Token kinds that are looked up; generic words, legal forms and particles only when a name
# has nothing else.
_LOOKUP_KINDS = frozenset({TokenKind.NAME, TokenKind.NUMBER, TokenKind.SHORT, TokenKind.COMMON,
                           TokenKind.INITIAL})
_INDEXED_SYMBOLS = ("NAME:", "NUM:")  # symbols that say two words are the same name or number
_FUZZY_MIN_LENGTH = 4  # shorter words are matched exactly, by symbol or phonetically
_ENTITY_NAME_KINDS = (NameKind.PRIMARY, NameKind.ALIAS, NameKind.NON_LATIN, NameKind.PREVIOUS,
                      NameKind.WEAK_ALIAS)


def _deletions(word: str) -> Iterator[str]:
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def entity_candidate(entity: Entity) -> Candidate:
    """An entity's names analysed and its qualifiers made comparable."""
    family = FAMILY_OF_TYPE[entity.type]
    raw = [n.value for n in entity.names if n.kind in _ENTITY_NAME_KINDS and n.value.strip()]
    countries = set(entity.countries) | set(entity.nationalities)
    countries.update(a.country for a in entity.addresses if a.country)
    identifiers = tuple(
        IdentifierKey(identifier_key(i.value, i.scheme), i.scheme, i.value)
        for i in entity.identifiers
        if identifier_key(i.value, i.scheme)
    )
    return Candidate(
        entity_id=entity.id,
        source=entity.source,
        type=entity.type,
        family=family,
        caption=entity.caption,
        programs=tuple(entity.programs),
        names=tuple(analyze(raw, family)),
        birth_dates=tuple(entity.birth_dates),
        countries=frozenset(countries),
        gender=entity.gender,
        identifiers=identifiers,
    )


def _lookup_positions(form: NameForm) -> list[int]:
    """Positions of the tokens that are looked up: not generic words, legal forms or particles,
    unless the name has nothing else."""
    chosen = [i for i, t in enumerate(form.tokens) if t.kind in _LOOKUP_KINDS]
    return chosen or list(range(len(form.tokens)))


class ScreeningIndex:
    """Every candidate of a set of list versions, and the keys that retrieve their names."""

    def __init__(self, lists: tuple[ListRef, ...]) -> None:
        self.lists = lists
        self.candidates: list[Candidate] = []
        self.names: list[tuple[int, NameForm]] = []  # name id -> (candidate index, form)
        self.postings: dict[str, tuple[int, ...]] = {}
        self.neighbours: dict[str, tuple[str, ...]] = {}  # deletion variant -> vocabulary words
        self.identifiers: dict[str, tuple[int, ...]] = {}  # identifier key -> candidate indexes
        self.name_count = {family: 0 for family in Family}

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, entities: Iterable[Entity], lists: tuple[ListRef, ...]) -> ScreeningIndex:
        index = cls(lists)
        postings: dict[str, list[int]] = {}
        identifiers: dict[str, list[int]] = {}
        vocabulary: set[str] = set()
        for entity in entities:
            candidate = entity_candidate(entity)
            position = len(index.candidates)
            index.candidates.append(candidate)
            for ident in candidate.identifiers:
                identifiers.setdefault(ident.key, []).append(position)
            prefix = str(int(candidate.family))
            for form in candidate.names:
                name_id = len(index.names)
                index.names.append((position, form))
                index.name_count[candidate.family] += 1
                for key in _name_keys(form, prefix):
                    bucket = postings.setdefault(key, [])
                    if not bucket or bucket[-1] != name_id:
                        bucket.append(name_id)
                vocabulary.update(t.text for t in form.tokens if len(t.text) >= _FUZZY_MIN_LENGTH)
        index.postings = {k: tuple(v) for k, v in postings.items()}
        index.identifiers = {k: tuple(dict.fromkeys(v)) for k, v in identifiers.items()}
        neighbours: dict[str, list[str]] = {}
        for word in vocabulary:
            for variant in _deletions(word):
                neighbours.setdefault(variant, []).append(word)
        index.neighbours = {k: tuple(v) for k, v in neighbours.items()}
        return index

    # -- retrieval --------------------------------------------------------------------------
    def _expansions(self, token: Token) -> set[str]:
        """Vocabulary words within one edit of ``token`` (deletion, insertion, substitution)."""
        word = token.text
        found: set[str] = set()
        if len(word) < _FUZZY_MIN_LENGTH or token.kind is TokenKind.NUMBER:
            return found
        found.update(self.neighbours.get(word, ()))  # the query lacks a letter
        for variant in _deletions(word):
            found.add(variant)  # the query has an extra letter (kept if it is a real word)
            found.update(self.neighbours.get(variant, ()))  # one letter differs
        return found

    def hits(self, query: PreparedQuery, family: Family) -> dict[int, tuple[float, float]]:
        """Names of ``family`` hit by the query: name id -> (share, rarity).

        ``share`` is the part of the query's token weight whose tokens hit the name (an upper
        bound of how much of the query a full alignment can pair); ``rarity`` sums the IDF of
        those tokens and orders names of equal share.
        """
        prefix = str(int(family))
        total_names = max(1, self.name_count[family])
        best: dict[int, tuple[float, float]] = {}
        for form in query.forms(family):
            positions = _lookup_positions(form)
            total = sum(form.tokens[i].weight for i in positions)
            if total <= 0:
                continue
            share: dict[int, float] = {}
            rarity: dict[int, float] = {}
            for position in positions:
                token = form.tokens[position]
                names: set[int] = set()
                frequency = 0
                for key in self._token_keys(prefix, form, position):
                    posting = self.postings.get(key)
                    if posting:
                        names.update(posting)
                        frequency = max(frequency, len(posting))
                if not names:
                    continue
                part = token.weight / total
                idf = math.log(total_names / frequency)
                for name_id in names:
                    share[name_id] = share.get(name_id, 0.0) + part
                    rarity[name_id] = rarity.get(name_id, 0.0) + idf
            for name_id, value in share.items():
                found = (min(1.0, value), rarity[name_id])
                if found > best.get(name_id, (0.0, 0.0)):
                    best[name_id] = found
        return best

    def _token_keys(self, prefix: str, form: NameForm, position: int) -> list[str]:
        token = form.tokens[position]
        keys = [prefix + "t" + token.text]
        keys += [prefix + "s" + s for s in token.symbols if s.startswith(_INDEXED_SYMBOLS)]
        if token.abjad and len(token.skeleton) >= 2:
            keys.append(prefix + "k" + token.skeleton)
        if position + 1 < len(form.tokens):
            keys.append(prefix + "t" + token.text + form.tokens[position + 1].text)
        if position > 0:
            keys.append(prefix + "t" + form.tokens[position - 1].text + token.text)
        keys += [prefix + "t" + word for word in self._expansions(token)]
        return keys

    def identifier_hits(self, keys: Iterable[IdentifierKey]) -> set[int]:
        found: set[int] = set()
        for ident in keys:
            found.update(self.identifiers.get(ident.key, ()))
        return found


def _name_keys(form: NameForm, prefix: str) -> Iterator[str]:
    for position in _lookup_positions(form):
        token = form.tokens[position]
        yield prefix + "t" + token.text
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
