"""Retrieval never loses a name the aligner would report: for random listed names and queries
(words drawn from a few letters, so that one- and two-edit neighbours are common), every name
whose alignment with the query reaches the reporting floor is among the index's hits, with a
bound no lower than the alignment's score.

Some alignments are outside this guarantee, and the test says so rather than hides it:
a query with no distinctive word (only initials, particles, legal forms: the index looks up
what there is, but weighs every word alike); a listed name with no distinctive word; a
distinctive word of the query paired with a listed initial, legal form or particle (retrieval
goes through the distinctive words, and such a pair is cheap evidence either way); and a word
paired with a run of words written apart on the other side (``alqaida`` / ``al qaeda``): runs
are retrieved by their exact joined form only, and a run pairs as one heavier word, which the
bound does not model. Queries are typed like the listed names: an untyped query is read as an
organisation's name against vessels and aircraft, and a word it reads as a place or a generic
word is not looked up when the query has distinctive words."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clearance.matching.align import NameAlignment, Pairing, best_alignment
from clearance.matching.features import MAX_BONUS, PreparedQuery
from clearance.matching.index import Rank, ScreeningIndex
from clearance.matching.names import STRONG, Family, TokenKind, analyze
from clearance.matching.screener import prepare, report_floor
from clearance.model import Entity, EntityType, Name, NameKind
from clearance.model.screening import Query

pytestmark = pytest.mark.store_independent

# Few letters and lengths around the aligner's two-edit limit (LONG_WORD), so that neighbours
# one or two edits apart, and words two letters longer, come up often.
WORDS = st.text(alphabet="aeklnrs", min_size=3, max_size=12)
NAMES = st.lists(WORDS, min_size=1, max_size=3).map(" ".join)
FLOOR = report_floor(0.7) - MAX_BONUS


FAMILIES = {Family.PERSON: EntityType.PERSON, Family.ORGANIZATION: EntityType.COMPANY, Family.OBJECT: EntityType.VESSEL}
EXAMPLES = int(os.environ.get("CLEARANCE_BOUND_EXAMPLES", "300"))  # per family


def _entity(number: int, name: str, family: Family = Family.PERSON) -> Entity:
    return Entity(id=f"t:{number}", source="t", type=FAMILIES[family],
                  names=[Name(value=name, kind=NameKind.PRIMARY)])


def _name_hits(index: ScreeningIndex, query: PreparedQuery, family: Family, floor: float) -> dict[int, Rank]:
    """The index's hits name by name: name id -> its best rank."""
    best: dict[int, Rank] = {}
    for rank, names in index.hits(query, family, floor):
        for name_id in names:
            if rank > best.get(name_id, (0.0, 0.0, 0.0)):
                best[name_id] = rank
    return best


def _outside(pairing: Pairing, alignment: NameAlignment) -> bool:
    """A pairing the guarantee does not cover (see the module's docstring)."""
    if pairing.how == "joined":
        return True
    if pairing.how in ("extra", "contradiction", "reversal"):
        return False
    strong = {t.text for t in alignment.query.tokens if t.kind in STRONG}
    listed_light = {t.text for t in alignment.candidate.tokens if t.kind not in STRONG}
    return pairing.query in strong and pairing.candidate in listed_light


@st.composite
def _edited(draw: st.DrawFn, word: str) -> str:
    """``word`` with up to two letters inserted, deleted or replaced."""
    letters = list(word)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(letters)))
        edit = draw(st.sampled_from(("insert", "delete", "replace")))
        if edit == "insert":
            letters.insert(at, draw(st.sampled_from("aeklnrsy")))
        elif at < len(letters):
            if edit == "delete":
                del letters[at]
            else:
                letters[at] = draw(st.sampled_from("aeklnrsy"))
    return "".join(letters) or word


@pytest.mark.parametrize("family", list(FAMILIES), ids=lambda f: f.name.lower())
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), listed=st.lists(NAMES, min_size=1, max_size=6))
def test_every_name_that_can_reach_the_floor_is_retrieved(family: Family, data: st.DataObject,
                                                          listed: list[str]) -> None:
    words = data.draw(st.lists(st.sampled_from([w for name in listed for w in name.split()]) | WORDS,
                               min_size=1, max_size=3))
    query = " ".join(data.draw(_edited(word)) for word in words)
    index = ScreeningIndex.build((_entity(i, name, family) for i, name in enumerate(listed)), ())
    prepared = prepare(Query(query, type=FAMILIES[family]), index.lexicon)
    assume(any(token.kind is TokenKind.NAME for form in prepared.forms(family) for token in form.tokens))
    hits = {name_id: bound for name_id, (_, _, bound) in _name_hits(index, prepared, family, FLOOR).items()}
    forms = prepared.forms(family)
    for name_id, name in enumerate(index.names):
        alignment = best_alignment(forms, index.forms(name_id))
        if alignment is None or index.size[name_id] == 0 or any(_outside(pairing, alignment)
                                                                 for pairing in alignment.pairings):
            continue
        if alignment.score >= FLOOR:
            assert name_id in hits, f"{query!r} ~ {name!r} aligns at {alignment.score:.3f} but was not retrieved"
            assert hits[name_id] >= alignment.score - 1e-9, (
                f"{query!r} ~ {name!r}: bound {hits[name_id]:.3f} under the alignment {alignment.score:.3f}")


def test_two_edits_with_a_longer_listed_word_are_retrieved() -> None:
    """aleksandr (9 letters) is two edits from alyaksandr (10): the aligner pairs them at 0.8."""
    index = ScreeningIndex.build([_entity(0, "LUKASHENKA, Alyaksandr Ryhorovich")], ())
    prepared = prepare(Query("Aleksandr Lukashenko"), index.lexicon)
    assert 0 in _name_hits(index, prepared, Family.PERSON, FLOOR)
    [form] = analyze(["Aleksandr"], Family.PERSON, query=True)
    assert form.tokens[0].kind is TokenKind.NAME  # a distinctive word, so the bound applies to it
