"""Names taken apart into weighted tokens, ready to be aligned.

rigour does the linguistics: it strips honorifics ("Mr", "Dr", "President"), rewrites legal forms
to one comparison form (ООО, OOO, LLC; OAO, ОАО, OJSC, PAO -> the same symbol), transliterates
the scripts it admits, and tags each part with *symbols* from its Wikidata-derived name data:
``Aleksandr``, ``Alexander`` and ``Александр`` share a NAME symbol, ``金`` and ``Kim`` too;
``Trading`` and ``Airlines`` are generic SYMBOL/DOMAIN words; ``bin``, ``al`` and ``de`` are stop
parts. This module turns rigour's analysis into :class:`NameForm` objects whose tokens carry
what the aligner compares (Latin text, symbols, consonant skeleton) and how much each token
weighs as evidence.

The token classes and their weights are the matcher's view of how informative a word is:
a distinctive name word weighs 1; a legal form, a generic word or a particle weighs little, so
"ABC Trading LLC" and "XYZ Trading LLC" share only cheap evidence.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from rigour.names import Name as RigourName
from rigour.names import NamePart, NamePartTag, NameTypeTag, Symbol, analyze_names
from rigour.names.symbol import SymbolCategory
from rigour.names.tokenize import tokenize_name

from clearance.matching.text import (
    SYLLABIC_NAME_SCRIPTS,
    consonant_skeleton,
    fold_lookalikes,
    latin,
    scripts_of,
    split_syllabic,
)
from clearance.model import EntityType


class Family(IntEnum):
    """How a name is analysed: as a person's, an organisation's, or an object's (vessel, aircraft)."""

    PERSON = 1
    ORGANIZATION = 2
    OBJECT = 3
    ANY = 4  # a query of unknown type


FAMILY_OF_TYPE = {
    EntityType.PERSON: Family.PERSON,
    EntityType.ORGANIZATION: Family.ORGANIZATION,
    EntityType.COMPANY: Family.ORGANIZATION,
    EntityType.VESSEL: Family.OBJECT,
    EntityType.AIRCRAFT: Family.OBJECT,
}
_LATIN = frozenset({"Latin"})
_ARABIC_ARTICLE = "ال"
_TAG_OF_FAMILY = {
    Family.PERSON: NameTypeTag.PER,
    Family.ORGANIZATION: NameTypeTag.ORG,
    Family.OBJECT: NameTypeTag.OBJ,
    Family.ANY: NameTypeTag.ENT,
}


class TokenKind(IntEnum):
    NAME = 1  # a distinctive word
    SHORT = 2  # a distinctive word of one or two letters (acronym fragments, "nk", "ur")
    INITIAL = 3  # a single letter standing for a given name
    NUMBER = 4  # numbers and ordinals must agree exactly ("Snow Storm 1" is not "Snow Storm 2")
    GENERIC = 5  # common words of organisation names: Trading, Airlines, Bank, International
    LEGAL = 6  # legal forms: LLC, OOO, JSC, GmbH
    STOP = 7  # particles: al, de, von, of
    COMMON = 8  # common elements of person names: Abdul, bin, Sheikh, Haji
    DOMAIN = 9  # what an organisation does: Bank, Oil, Airlines, Mining (rigour's DOMAIN symbols)
    LOCATION = 10  # a place in an organisation's name: China, Schweiz, Mexico


# How much each kind of token weighs as evidence (distinctive name word = 1).
KIND_WEIGHTS = {
    TokenKind.NAME: 1.0,
    TokenKind.SHORT: 0.3,
    TokenKind.INITIAL: 0.4,
    TokenKind.NUMBER: 1.0,
    TokenKind.GENERIC: 0.2,
    TokenKind.LEGAL: 0.15,
    TokenKind.STOP: 0.2,
    TokenKind.COMMON: 0.5,
    TokenKind.DOMAIN: 0.5,
    TokenKind.LOCATION: 0.5,
}
# What a word only one side has costs, as a share of the extra-word cost: a domain word such as
# "Oil" or "Airlines" agreeing counts, but one side omitting it ("Rosneft Oil Company" / "NK
# Rosneft PAO") counts as little as a generic word.
EXTRA_WEIGHTS = {**KIND_WEIGHTS, TokenKind.DOMAIN: KIND_WEIGHTS[TokenKind.GENERIC]}


class Token(NamedTuple):
    text: str  # lower-case ASCII (transliterated)
    original: str  # the word as written, after look-alike repair
    kind: TokenKind
    weight: float
    symbols: frozenset[str]  # rigour symbols, "CATEGORY:id"
    skeleton: str  # consonant key, for comparisons across scripts (text.consonant_skeleton)
    foreign: bool  # written in a script other than Latin: its Latin text is a transliteration
    syllabic: bool  # written in Han or Hangul, one character per syllable


class Group(NamedTuple):
    """Consecutive tokens that rigour tagged together (``jong un`` -> one given name)."""

    start: int
    end: int  # exclusive
    symbols: frozenset[str]


class Run(NamedTuple):
    """Two or three consecutive tokens written as one word (``al qaeda`` -> ``alqaeda``)."""

    start: int
    end: int  # exclusive
    text: str
    weight: float
    syllabic: bool


class NameForm(NamedTuple):
    original: str  # the name as published or queried
    family: Family
    tokens: tuple[Token, ...]
    groups: tuple[Group, ...]
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def strong(self) -> int:
        """How many tokens are distinctive name words or numbers."""
        return sum(1 for t in self.tokens if t.kind in STRONG)


STRONG = frozenset({TokenKind.NAME, TokenKind.NUMBER})
_NOT_JOINED = frozenset({TokenKind.NUMBER, TokenKind.INITIAL})


def _runs(tokens: list[Token]) -> tuple[Run, ...]:
    """Two or three neighbouring words as one (no numbers or initials among them)."""
    runs: list[Run] = []
    count = len(tokens)
    for start in range(count - 1):
        first = tokens[start]
        if first.kind in _NOT_JOINED:
            continue
        text, weight, syllabic = first.text, first.weight, first.syllabic
        for end in range(start + 1, min(count, start + 3)):
            token = tokens[end]
            if token.kind in _NOT_JOINED:
                break
            text += token.text
            weight += token.weight
            syllabic = syllabic or token.syllabic
            runs.append(Run(start, end + 1, text, weight, syllabic))
    return tuple(runs)


def _kind(part_tag: NamePartTag, text: str, categories: set[str], family: Family, syllabic: bool) -> TokenKind:
    if syllabic:
        return TokenKind.NAME  # a Han or Hangul syllable is a name part however short its Latin form
    if len(text) == 1 and text.isalpha() and family in (Family.PERSON, Family.ANY):
        return TokenKind.INITIAL  # "V." in a person's name is an initial, not the Roman five
    if "NUM" in categories or part_tag == NamePartTag.NUM or not text.isalpha():
        return TokenKind.NUMBER  # numbers, ordinals, and codes such as tail numbers: never fuzzy
    if part_tag == NamePartTag.LEGAL or "ORGCLS" in categories:
        return TokenKind.LEGAL
    if part_tag == NamePartTag.STOP:
        return TokenKind.STOP
    if "SYMBOL" in categories:  # rigour's generic words: Company, Trading, Group; Abdul, bin
        return TokenKind.COMMON if family is Family.PERSON else TokenKind.GENERIC
    if family is not Family.PERSON:
        if "DOMAIN" in categories:
            return TokenKind.DOMAIN
        if "LOC" in categories:
            return TokenKind.LOCATION
    if len(text) <= 2:
        return TokenKind.SHORT
    return TokenKind.NAME


@lru_cache(maxsize=262144)
def _symbol_key(symbol: Symbol) -> tuple[str, str]:
    """("CATEGORY:id", "CATEGORY") of a rigour symbol, interned (the same keys recur in every name)."""
    category = symbol.category.value
    return sys.intern(f"{category}:{symbol.id}"), sys.intern(category)


# A symbol on some parts of a name: (part indexes, "CATEGORY:id", "CATEGORY").
SpanKey = tuple[tuple[int, ...], str, str]


# Symbol categories that only count when both names have the same symbol: a query's symbols of
# these categories that no listed name has can be left out without changing any score.
MATCHED_ONLY = frozenset({"NAME", "NICK"})


def _spans(name: RigourName, relevant: frozenset[str] | None = None) -> list[SpanKey]:
    """The spans of ``name``, without the MATCHED_ONLY symbols not in ``relevant`` (if given)."""
    spans: list[SpanKey] = []
    for span in name.spans:
        key, category = _symbol_key(span.symbol)
        if relevant is not None and category in MATCHED_ONLY and key not in relevant:
            continue
        spans.append((tuple(p.index for p in span.parts), key, category))
    return spans


_NO_CATEGORIES: set[str] = set()


def _form(parts: Sequence[NamePart], spans: Iterable[SpanKey], original: str, family: Family) -> NameForm | None:
    single: dict[int, set[str]] = {}
    categories: dict[int, set[str]] = {}
    multi: dict[tuple[int, int], set[str]] = {}
    for indexes, key, category in spans:
        if len(indexes) == 1:
            single.setdefault(indexes[0], set()).add(key)
            categories.setdefault(indexes[0], set()).add(category)
        elif len(indexes) <= 3 and max(indexes) - min(indexes) == len(indexes) - 1:
            multi.setdefault((min(indexes), max(indexes) + 1), set()).add(key)
    tokens: list[Token] = []
    position: dict[int, int] = {}
    for part in parts:
        # Each attribute of a rigour part is a new Python object: read each once.
        form, comparable, index = part.form, part.comparable, part.index
        ascii_form = form.isascii()
        text = latin(comparable if ascii_form or comparable.isascii() else form)
        if not text:
            continue
        scripts = _LATIN if ascii_form else scripts_of(form)
        syllabic = bool(scripts) and scripts <= SYLLABIC_NAME_SCRIPTS
        kind = _kind(part.tag, text, categories.get(index, _NO_CATEGORIES), family, syllabic)
        position[index] = len(tokens)
        tokens.append(Token(text, form, kind, KIND_WEIGHTS[kind], frozenset(single.get(index, ())),
                            consonant_skeleton(text, form.startswith(_ARABIC_ARTICLE)),
                            bool(scripts) and "Latin" not in scripts, syllabic))
    if not tokens:
        return None
    groups = tuple(
        Group(position[start], position[end - 1] + 1, frozenset(symbols))
        for (start, end), symbols in sorted(multi.items())
        if start in position and end - 1 in position
    )
    return NameForm(original, family, tuple(tokens), groups, _runs(tokens))


class Lexicon:
    """The symbols rigour's person-name tagger gives to the words and phrases of the listed names.

    rigour's person tagger holds every person name of its Wikidata-derived data, and building it
    takes seconds in every new process (the organisation tagger is quick). It tags every
    occurrence of every phrase it knows, whatever surrounds it, so the symbols of a phrase seen
    in a listed name are the symbols it gets in any name. The index learns them while it analyses
    the listed names; a query whose words were all seen is then tagged from here, exactly as the
    tagger would, and the tagger is loaded only for a query with a word no listed name has.
    Phrases of two or three words (``jong un``) are known when a listed name holds them.
    """

    def __init__(self) -> None:
        # phrase (rigour's part forms) -> its symbols ("CATEGORY:id", "CATEGORY")
        self.phrases: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
        self.relevant: frozenset[str] | None = None  # the MATCHED_ONLY symbols listed names have
        self.tokens: set[str] = set()  # the words of the listed names, before rigour's analysis

    def restrict(self, relevant: frozenset[str]) -> None:
        """Keep only the symbols that can change a score: MATCHED_ONLY symbols that a listed name
        has, and all others. Queries analysed with this lexicon are restricted the same way."""
        self.relevant = relevant
        self.phrases = {
            phrase: tuple(s for s in symbols if s[1] not in MATCHED_ONLY or s[0] in relevant)
            for phrase, symbols in self.phrases.items()
        }

    def may_know(self, text: str) -> bool:
        """False when a word of ``text`` is in no listed name (a quick test before analysing)."""
        return all(token in self.tokens for token in tokenize_name(text.lower()))

    def learn(self, name: RigourName) -> None:
        self.tokens.update(tokenize_name(name.original.lower()))
        phrases = self.phrases
        forms = {part.index: part.form for part in name.parts}
        found: dict[tuple[str, ...], set[tuple[str, str]]] = {(form,): set() for form in forms.values()}
        for indexes, key, category in _spans(name):
            if len(indexes) > 3 or max(indexes) - min(indexes) != len(indexes) - 1 or category in _RULE_CATEGORIES:
                continue
            found.setdefault(tuple(forms[i] for i in sorted(indexes)), set()).add((key, category))
        for phrase, symbols in found.items():
            known = phrases.get(phrase)
            if known is None or not symbols.issubset(known):
                phrases[phrase] = tuple(sorted(symbols.union(known or ())))

    def spans(self, parts: Sequence[NamePart], query: bool) -> list[SpanKey] | None:
        """The tagger's spans for ``parts``; None when a word is not in the lexicon."""
        phrases = self.phrases
        forms = [part.form for part in parts]
        spans: list[SpanKey] = []
        for i, part in enumerate(parts):
            symbols = phrases.get((forms[i],))
            if symbols is None:
                return None
            spans.extend(((part.index,), key, category) for key, category in symbols)
            if query and len(part.form) == 1 and part.latinize and part.comparable[:1].isalpha():
                # rigour's initials of a query: one-letter parts of the scripts it latinises (Hangul too)
                initial = Symbol(SymbolCategory.INITIAL, part.comparable[0])
                spans.append(((part.index,), *_symbol_key(initial)))
            if part.integer is not None and not any(category == "NUM" for _, category in symbols):
                spans.append(((part.index,), *_symbol_key(Symbol(SymbolCategory.NUMERIC, part.integer))))
            for length in (2, 3):
                if i + length <= len(parts):
                    found = phrases.get(tuple(forms[i : i + length]))
                    if found:
                        indexes = tuple(p.index for p in parts[i : i + length])
                        spans.extend((indexes, key, category) for key, category in found)
        return spans


# Symbols rigour adds by rule rather than from its tagger's data: Lexicon.spans adds them itself.
_RULE_CATEGORIES = frozenset({"INITIAL"})


def _analysed(tag: NameTypeTag, text: str, query: bool, lexicon: Lexicon | None,
              learn: Lexicon | None) -> list[tuple[Sequence[NamePart], list[SpanKey]]]:
    """rigour's parts and symbol spans of one name; from ``lexicon`` when it knows every word."""
    if lexicon is not None and tag is NameTypeTag.PER and lexicon.may_know(text):
        names = analyze_names(tag, [text], infer_initials=query, consolidate=False, phonetics=False, symbols=False)
        tagged = [(name.parts, lexicon.spans(name.parts, query)) for name in names]
        if all(spans is not None for _, spans in tagged):
            return [(parts, spans) for parts, spans in tagged if spans is not None]
    names = analyze_names(tag, [text], infer_initials=query, consolidate=False, phonetics=False)
    if learn is not None and tag is NameTypeTag.PER:
        for name in names:
            learn.learn(name)
    return [(name.parts, _spans(name, lexicon.relevant if lexicon is not None else None)) for name in names]


def analyze(names: list[str], family: Family, *, query: bool = False, lexicon: Lexicon | None = None,
            learn: Lexicon | None = None) -> list[NameForm]:
    """Every name as one or more :class:`NameForm` variants (duplicates removed).

    A name written in Han or Hangul gets a second variant split into family and given name,
    so that rigour's symbols can tag each part. ``lexicon`` tags person names without loading
    rigour's person tagger when it knows their words; ``learn`` collects the symbols of the
    person names analysed into a lexicon.
    """
    forms: list[NameForm] = []
    seen: set[tuple[tuple[str, ...], frozenset[str]]] = set()
    tag = _TAG_OF_FAMILY[family]
    for raw in names:
        cleaned = fold_lookalikes(" ".join(raw.split()))
        variants = [cleaned]
        split = split_syllabic(cleaned)
        if split is not None:
            variants.append(split)
        for variant in variants:
            for parts, spans in _analysed(tag, variant, query, lexicon, learn):
                form = _form(parts, spans, raw, family)
                if form is None:
                    continue
                key = (tuple(t.text for t in form.tokens), frozenset().union(*(t.symbols for t in form.tokens)))
                if key in seen:
                    continue
                seen.add(key)
                forms.append(form)
    return forms
