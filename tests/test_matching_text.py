"""Normalisation: look-alike letters, syllabic scripts, transliteration, the abjad key."""

from __future__ import annotations

import pytest

from clearance.matching.names import Family, TokenKind, analyze
from clearance.matching.text import consonant_skeleton, fold_lookalikes, latin, split_syllabic

pytestmark = pytest.mark.store_independent


@pytest.mark.parametrize(
    ("mixed", "repaired"),
    [
        ("Путiн", "Путін"),  # a Latin i in a Cyrillic word becomes the Cyrillic look-alike
        ("Лукашенкo", "Лукашенко"),  # a Latin o
        ("Рutin", "Putin"),  # a Cyrillic Р in a Latin word becomes Latin P
        ("ЕW-001РА", "EW-001PA"),  # a code (it has digits) is Latin whatever its majority
        ("Lukashenko", "Lukashenko"),  # nothing to repair
        ("Путин Vladimir", "Путин Vladimir"),  # each word keeps its own script
    ],
)
def test_fold_lookalikes(mixed: str, repaired: str) -> None:
    assert fold_lookalikes(mixed) == repaired


def test_mixed_script_name_reads_like_the_clean_one() -> None:
    mixed = analyze(["Лукашенкo Aлександр"], Family.PERSON)[0]
    clean = analyze(["Лукашенко Александр"], Family.PERSON)[0]
    assert [t.text for t in mixed.tokens] == [t.text for t in clean.tokens] == ["lukashenko", "aleksandr"]


def test_split_syllabic_names_family_first() -> None:
    assert split_syllabic("金正恩") == "金 正恩"
    assert split_syllabic("김정은") == "김 정은"
    assert split_syllabic("Kim Jong Un") is None


def test_han_name_parts_carry_the_symbols_of_their_latin_forms() -> None:
    han = next(f for f in analyze(["金正恩"], Family.PERSON) if len(f.tokens) == 2)
    latin_form = analyze(["Kim Jong Un"], Family.PERSON)[0]
    assert han.tokens[0].symbols & latin_form.tokens[0].symbols  # 金 ~ Kim
    assert han.tokens[0].syllabic and han.tokens[0].kind is TokenKind.NAME


@pytest.mark.parametrize(
    ("text", "ascii_form"),
    [("Лукашэнка", "lukashenka"), ("Βλαντίμιρ", "vlantimir"), ("Erdoğan", "erdogan"), ("O'Brien", "obrien")],
)
def test_latin(text: str, ascii_form: str) -> None:
    assert latin(text) == ascii_form


def test_abjad_key_agrees_across_scripts() -> None:
    arabic = analyze(["فلاديمير بوتين"], Family.PERSON)[0]
    assert [t.foreign for t in arabic.tokens] == [True, True]
    assert [t.skeleton for t in arabic.tokens] == [consonant_skeleton("vladimir"), consonant_skeleton("putin")]
    assert consonant_skeleton("arcaro") == consonant_skeleton("arkarw")  # c and k, final w as a vowel
    assert consonant_skeleton("vladimir") != consonant_skeleton("putin")


def test_abjad_key_leaves_out_the_arabic_article() -> None:
    with_article = analyze(["الأكدي"], Family.PERSON)[0].tokens[0]
    assert with_article.skeleton == consonant_skeleton("akkadi")


def test_token_kinds() -> None:
    company = analyze(["ABC Trading LLC"], Family.ORGANIZATION)[0]
    assert [t.kind for t in company.tokens] == [TokenKind.NAME, TokenKind.GENERIC, TokenKind.LEGAL]
    airline = analyze(["Mahan Airlines"], Family.ORGANIZATION)[0]
    assert airline.tokens[1].kind is TokenKind.DOMAIN
    person = analyze(["Vladimir V. Putin"], Family.PERSON)[0]
    assert person.tokens[1].kind is TokenKind.INITIAL  # not the Roman numeral five
    fund = analyze(["Snow Storm 2"], Family.OBJECT)[0]
    assert fund.tokens[-1].kind is TokenKind.NUMBER
