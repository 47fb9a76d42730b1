"""FollowTheMoney JSON lines: parties with their properties, relation entities folded into them,
the skipped schemata counted, --source, and bad input."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clearance.engine import Engine
from clearance.model import Entity, EntityType, IdScheme, Link
from clearance.sources import detect, open_list

FIXTURE = "ftm_entities.jsonl"
Parse = Callable[..., dict[str, Entity]]


def test_parties_and_their_properties(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / FIXTURE
    assert detect(path).name == "ftm"
    found = parse_all(path)
    assert list(found) == ["ftm-person-1", "ftm-company-1", "ftm-org-1", "ftm-vessel-1", "ftm-plane-1"]
    assert [e.type for e in found.values()] == [EntityType.PERSON, EntityType.COMPANY, EntityType.ORGANIZATION,
                                                EntityType.VESSEL, EntityType.AIRCRAFT]
    person = found["ftm-person-1"]
    assert [(n.value, n.kind.value) for n in person.names] == [
        ("Ivan Petrovich Examplov", "primary"), ("Иван Петрович Экзамплов", "non_latin"),
        ("Ivan Eksamplov", "alias"), ("Vanya", "weak_alias")]
    assert person.birth_dates == ["1961-02-03"] and person.nationalities == ["BY", "RU"]
    assert person.gender == "male" and person.titles == ["Director General"]
    assert person.lists == ["test_list_a"] and person.remarks == "Invented test entry."
    assert person.addresses[0].full == "7 Example St., 220004 Minsk, Belarus"  # from the Address entity
    assert person.properties["target"] == ["true"] and person.record["id"] == "ftm-person-1"
    company = found["ftm-company-1"]
    assert [(i.scheme, i.value, i.label) for i in company.identifiers] == [
        (IdScheme.TAX_ID, "7700000001", "INN"), (IdScheme.REGISTRATION, "1027700000001", "OGRN"),
        (IdScheme.SWIFT_BIC, "EXAVRUMM", "swiftBic")]
    assert company.names[1].kind.value == "previous" and company.incorporation_dates == ["1996-01-04"]
    assert company.countries == ["RU"] and company.lists == ["test_list_a", "test_list_b"]
    vessel = found["ftm-vessel-1"]
    assert vessel.identifier_values(IdScheme.IMO) == ["9123456"] and vessel.identifier_values(IdScheme.MMSI) == [
        "273000001"]
    plane = found["ftm-plane-1"]
    assert plane.identifier_values(IdScheme.TAIL_NUMBER) == ["EW-901EX"]  # an aircraft's registrationNumber
    assert plane.identifier_values(IdScheme.MSN) == ["99001"]
    assert plane.properties["aircraft_model"] == ["Boeing 737-800"]
    assert plane.links == [Link("operated_by", "Example Avionics JSC", "ftm:ftm-company-1")]


def test_relations_folded_into_parties(fixtures: Path, parse_all: Parse) -> None:
    found = parse_all(fixtures / FIXTURE)
    person, company, holding = found["ftm-person-1"], found["ftm-company-1"], found["ftm-org-1"]
    # Sanction: programs, the earliest start or listing date, the authority
    assert person.programs == ["BELARUS-EO14038"] and person.listed_on == "2021-08-09"
    assert person.properties["authority"] == ["Office of Foreign Assets Control"]
    assert company.programs == ["RUSSIA-EO14024"] and company.listed_on == "2022-02-24"
    # Ownership with its share, seen from both ends; Directorship
    assert Link("owned_by", "Example Holding", "ftm:ftm-org-1", 0.51) in company.links
    assert holding.links == [Link("owner_of", "Example Avionics JSC", "ftm:ftm-company-1", 0.51)]
    assert Link("director_of", "Example Avionics JSC", "ftm:ftm-company-1") in person.links
    assert Link("directed_by", "Ivan Petrovich Examplov", "ftm:ftm-person-1") in company.links
    # Passport and Identification entities become identifiers of their holders
    assert ("MP7654321", "BY") in [(i.value, i.country) for i in person.identifiers]
    assert (IdScheme.TAX_ID, "CY10000001X", "CY") in [(i.scheme, i.value, i.country) for i in holding.identifiers]


def test_schemata_counted(fixtures: Path) -> None:
    path = fixtures / FIXTURE
    expected = Counter(json.loads(line)["schema"] for line in path.read_text().splitlines() if line.strip())
    extra = open_list(path).meta.extra
    assert extra["schemas"] == dict(expected)
    assert extra["skipped"] == {"Article": 2, "Note": 1}


def test_through_cli_and_under_another_source(fixtures: Path, db_path: str,
                                              ingest_twice: Callable[[Path], dict[str, Any]]) -> None:
    result = ingest_twice(fixtures / FIXTURE)
    assert (result["source"], result["format"], result["entities"]) == ("ftm", "ftm", 5)
    with Engine(db_path) as engine:
        [named] = engine.ingest([fixtures / FIXTURE], source="custom:investigation")
        assert named.version.entities == 5
        view = engine.entity("custom:investigation:ftm-company-1")
        assert Link("owned_by", "Example Holding", "custom:investigation:ftm-org-1", 0.51) in view.entity.links


def _write(tmp_path: Path, fixtures: Path, line: int, replacement: str) -> Path:
    lines = (fixtures / FIXTURE).read_text(encoding="utf-8").splitlines()
    lines[line - 1] = replacement
    path = tmp_path / FIXTURE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_line_not_json(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _write(tmp_path, fixtures, 4, '{"id": "x", "schema": "Vessel", "properties": {"name": ["A"]')
    rejected(path, "line 4, column", "not valid JSON")


def test_missing_schema(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _write(tmp_path, fixtures, 3, '{"id": "x", "properties": {"name": ["A"]}}')
    rejected(path, "line 3, field schema", "missing or not a string")


def test_property_not_a_list(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _write(tmp_path, fixtures, 3, '{"id": "x", "schema": "Company", "properties": {"name": "A"}}')
    rejected(path, "line 3, field properties", "not an object of string lists")


def test_bad_birth_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    entry = json.loads((fixtures / FIXTURE).read_text(encoding="utf-8").splitlines()[0])
    entry["properties"]["birthDate"] = ["03/02/1961"]
    path = _write(tmp_path, fixtures, 1, json.dumps(entry, ensure_ascii=False))
    rejected(path, "line 1, properties.birthDate", "bad date '03/02/1961'")


def test_not_utf8(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = tmp_path / FIXTURE
    path.write_bytes((fixtures / FIXTURE).read_bytes().replace(b"Minsk", "Mínsk".encode("latin-1"), 1))
    rejected(path, "line 1, byte", "cannot decode byte 0xed")
