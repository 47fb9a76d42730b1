"""The index's lexicon tags a query of listed words as rigour's person tagger does, without it."""

from __future__ import annotations

import pytest

from clearance.matching.names import MATCHED_ONLY, Family, Group, Lexicon, NameForm, analyze

pytestmark = pytest.mark.store_independent

LISTED = [
    "LUKASHENKA, Alyaksandr Ryhorovich",
    "Aleksandr Grigoryevich LUKASHENKO",
    "KIM Jong Un",
    "Usama bin Muhammad bin Awad BIN LADIN",
    "J. Smith II",
    "Лукашенко Александр Григорьевич",
]


def _restricted(form: NameForm, relevant: frozenset[str]) -> NameForm:
    """``form`` without the symbols no listed name has (they cannot change a score)."""
    def keep(symbols: frozenset[str]) -> frozenset[str]:
        return frozenset(s for s in symbols if s.split(":", 1)[0] not in MATCHED_ONLY or s in relevant)

    tokens = tuple(t._replace(symbols=keep(t.symbols)) for t in form.tokens)
    groups = tuple(Group(g.start, g.end, keep(g.symbols)) for g in form.groups if keep(g.symbols))
    return form._replace(tokens=tokens, groups=groups)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    learned = Lexicon()
    relevant: set[str] = set()
    for name in LISTED:
        for form in analyze([name], Family.PERSON, learn=learned):
            relevant.update(*(t.symbols for t in form.tokens), *(g.symbols for g in form.groups))
    learned.restrict(frozenset(s for s in relevant if s.split(":", 1)[0] in MATCHED_ONLY))
    return learned


@pytest.mark.parametrize(
    "query",
    ["Aleksandr Lukashenko", "lukashenko aleksandr", "Kim Jong Un", "Jong Un Kim", "Usama bin Ladin",
     "J Smith", "Smith II", "Александр Лукашенко"],
)
def test_a_query_of_listed_words_is_tagged_from_the_lexicon_as_by_the_tagger(lexicon: Lexicon, query: str) -> None:
    assert lexicon.may_know(query)
    assert lexicon.relevant is not None
    via_lexicon = analyze([query], Family.PERSON, query=True, lexicon=lexicon)
    via_tagger = analyze([query], Family.PERSON, query=True)
    assert via_lexicon == [_restricted(form, lexicon.relevant) for form in via_tagger]
    assert any(t.symbols for form in via_lexicon for t in form.tokens)


def test_a_word_no_listed_name_has_is_left_to_the_tagger(lexicon: Lexicon) -> None:
    assert not lexicon.may_know("Aleksandr Lukashevich")
    assert lexicon.relevant is not None
    # The tagger still tags it, restricted to the symbols listed names have.
    forms = analyze(["Aleksandr Lukashevich"], Family.PERSON, query=True, lexicon=lexicon)
    aleksandr = forms[0].tokens[0]
    assert aleksandr.text == "aleksandr" and aleksandr.symbols
    assert all(s in lexicon.relevant for s in aleksandr.symbols if s.startswith("NAME:"))
