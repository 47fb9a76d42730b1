"""Scoring rules, checked through the explanation they leave (``score_entity``: no index)."""

from __future__ import annotations

import pytest

from clearance.matching import DEFAULT_THRESHOLD
from clearance.matching.features import FEATURES
from clearance.matching.screener import score_entity
from clearance.model import Entity, EntityType, Identifier, IdScheme, Name, NameKind
from clearance.model.screening import FeatureScore, Query

pytestmark = pytest.mark.store_independent


def _entity(name: str, entity_type: EntityType = EntityType.PERSON, *, aliases: tuple[str, ...] = (),
            birth: str | None = None, countries: tuple[str, ...] = (),
            identifiers: tuple[Identifier, ...] = ()) -> Entity:
    names = [Name(name, NameKind.PRIMARY)] + [Name(a, NameKind.ALIAS) for a in aliases]
    return Entity(id="t:1", source="t", type=entity_type, names=names, birth_dates=[birth] if birth else [],
                  countries=list(countries), identifiers=list(identifiers))


def _score(query: Query, entity: Entity) -> tuple[float, dict[str, FeatureScore]]:
    value, explanation = score_entity(query, entity)
    return value, {f.feature: f for f in explanation}


def test_contradicting_words_cost_more_than_missing_ones() -> None:
    company = _entity("XYZ Trading LLC", EntityType.COMPANY)
    value, features = _score(Query("ABC Trading LLC", type=EntityType.COMPANY), company)
    assert value < DEFAULT_THRESHOLD
    assert "abc≠xyz (contradiction" in features["name"].detail
    assert "generic_name" in features  # only Trading and LLC agree
    extra, _ = _score(Query("XYZ Trading International LLC", type=EntityType.COMPANY), company)
    assert extra >= DEFAULT_THRESHOLD  # a generic word more is no contradiction


def test_two_different_generic_words_contradict_at_half_cost() -> None:
    value, features = _score(Query("Acme Systems Inc", type=EntityType.COMPANY),
                             _entity("Acme Industries Inc", EntityType.COMPANY))
    assert value < DEFAULT_THRESHOLD
    assert "systems≠industries (contradiction, cost 0.80)" in features["name"].detail


def test_listed_middle_names_cost_less_than_query_words() -> None:
    listed = _entity("PUTIN, Vladimir Vladimirovich")
    shorter, features = _score(Query("Vladimir Putin", type=EntityType.PERSON), listed)
    assert shorter >= DEFAULT_THRESHOLD
    assert "+vladimirovich (only in candidate" in features["name"].detail
    longer, _ = _score(Query("Vladimir Vladimirovich Putin Junior", type=EntityType.PERSON), _entity("Vladimir Putin"))
    assert longer < shorter


def test_father_and_son_swapped_around_bin() -> None:
    value, features = _score(Query("Karim bin Yusuf al-Tamimi", type=EntityType.PERSON),
                             _entity("Yusuf bin Karim al-Tamimi"))
    assert value < DEFAULT_THRESHOLD
    assert "father and son swapped" in features["name"].detail


def test_han_and_hangul_syllables_are_never_fuzzy() -> None:
    value, _ = _score(Query("이재형", type=EntityType.PERSON), _entity("이재명"))
    assert value < DEFAULT_THRESHOLD
    same, features = _score(Query("习近平", type=EntityType.PERSON), _entity("习近平"))
    assert same == 1.0 and features["name"].score == 1.0


def test_numbers_must_agree() -> None:
    vessel = _entity("SNOW STORM 2", EntityType.VESSEL)
    value, features = _score(Query("Snow Storm 1", type=EntityType.VESSEL), vessel)
    assert value < DEFAULT_THRESHOLD
    assert "1≠2 (contradiction" in features["name"].detail
    fund, _ = _score(Query("Victory", type=EntityType.VESSEL), _entity("VICTORY 3", EntityType.VESSEL))
    assert fund < DEFAULT_THRESHOLD


def test_birth_dates_qualify_the_name() -> None:
    listed = _entity("LUKASHENKA, Alyaksandr Ryhorovich", birth="1954-08-30")
    same, features = _score(Query("Alyaksandr Lukashenka", type=EntityType.PERSON, birth_date="1954"), listed)
    assert features["birth_date"].detail == "same year of birth" and features["birth_date"].candidate == "1954-08-30"
    near, features = _score(Query("Alyaksandr Lukashenka", type=EntityType.PERSON, birth_date="1955"), listed)
    assert features["birth_date_mismatch"].detail == "year of birth one year apart"
    far, features = _score(Query("Alyaksandr Lukashenka", type=EntityType.PERSON, birth_date="1976"), listed)
    assert features["birth_date_mismatch"].detail == "different year of birth"
    assert same > near > far and far < DEFAULT_THRESHOLD <= near


def test_country_and_gender_disagreement_show() -> None:
    listed = _entity("Bel Avia LLC", EntityType.COMPANY, countries=("BY",))
    _, features = _score(Query("Bel Avia LLC", type=EntityType.COMPANY, country="GE"), listed)
    assert features["country_mismatch"].query == "GE" and features["country_mismatch"].candidate == "BY"
    person = Entity(id="t:2", source="t", type=EntityType.PERSON, names=[Name("Maria Ivanova")], gender="female")
    _, features = _score(Query("Maria Ivanova", type=EntityType.PERSON, gender="male"), person)
    assert features["gender_mismatch"].weight < 0


def test_identifier_is_exact_evidence() -> None:
    aircraft = _entity("EW-001PA", EntityType.AIRCRAFT,
                       identifiers=(Identifier(IdScheme.TAIL_NUMBER, "EW-001PA"),))
    value, features = _score(Query("Boeing 737", type=EntityType.AIRCRAFT,
                                   identifiers=(Identifier(IdScheme.TAIL_NUMBER, "ew 001pa"),)), aircraft)
    assert value >= DEFAULT_THRESHOLD and features["identifier"].detail.startswith("tail_number")
    other, features = _score(Query("EW-001PB", type=EntityType.AIRCRAFT,
                                   identifiers=(Identifier(IdScheme.TAIL_NUMBER, "EW-001PB"),)), aircraft)
    assert other < DEFAULT_THRESHOLD and "identifier_conflict" in features


def test_type_mismatch_is_explained() -> None:
    value, features = _score(Query("Mahan Air", type=EntityType.PERSON), _entity("Mahan Air", EntityType.COMPANY))
    assert value == 0.0 and features["type_mismatch"].candidate == "company"


def test_features_are_declared_with_weights_and_descriptions() -> None:
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    assert all(f.description and f.weight != 0 for f in FEATURES)
    assert [f.name for f in FEATURES if f.main] == ["name", "identifier"]
