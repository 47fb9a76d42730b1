"""EU Financial Sanctions Files XML: a fixture in the published layout (no real copy is
available), its Belarus facts cross-checked against the transcription of the EU Belarus annexes,
and bad input."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.model import Entity, EntityType, IdScheme
from clearance.sources import detect, open_list

FIXTURE = "eu_fsf.xml"
TRANSCRIPTION = "eu_journal_sanctions_belarus/consolidated/32006R0765.csv"
Parse = Callable[..., dict[str, Entity]]


def names(entity: Entity) -> list[tuple[str, str, str | None]]:
    return [(n.value, n.kind.value, n.lang) for n in entity.names]


def test_fixture_entries(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / FIXTURE
    assert detect(path).name == "eu-fsf-xml"
    meta = open_list(path).meta
    assert (meta.published, meta.publisher_version) == ("2026-04-27T18:05:12.117+02:00", "190001")
    found = parse_all(path)
    assert list(found) == ["900011", "900017", "900028", "900029", "900099"]
    president = found["900011"]
    assert president.type is EntityType.PERSON and president.gender == "male"
    assert names(president) == [
        ("Aliaksandr Ryhoravich LUKASHENKA", "primary", None),
        ("Alexander (Alexandr) Grigorievich LUKASHENKO", "alias", None),
        ("Аляксандр Рыгоравіч ЛУКАШЭНКА", "non_latin", "be"),
        ("Александр Григорьевич ЛУКАШЕНКО", "non_latin", "ru"),
    ]
    assert president.birth_dates == ["1954-08-30"] and president.nationalities == ["BY"]
    assert president.listed_on == "2020-11-06" and president.programs == ["BLR"]
    assert president.titles == ["President of the Republic of Belarus"]
    assert president.properties["eu_reference_number"] == ["EU.9001.11"]
    assert president.record["@logicalId"] == "900011"
    belavia = found["900017"]
    assert belavia.type is EntityType.ORGANIZATION
    assert [(i.scheme, i.value, i.country) for i in belavia.identifiers] == [
        (IdScheme.REGISTRATION, "600390798", "BY")]
    assert belavia.listed_on == "2021-12-02" and belavia.countries == ["BY"]
    assert belavia.addresses[0].full == "14A Nemiga St., 220004, Minsk, BELARUS"
    potash = found["900029"]
    assert [(i.scheme, i.value) for i in potash.identifiers][1:] == [
        (IdScheme.PHONE, "+375 (17) 309-30-10"), (IdScheme.PHONE, "+375 (17) 309-30-30"),
        (IdScheme.EMAIL, "info@belpc.by")]
    invented = found["900099"]
    assert ("Vanya", "weak_alias", None) in names(invented)  # strong="false"
    assert invented.birth_dates == ["1965-03"] and invented.properties["birth_date_circa"] == ["true"]
    assert invented.nationalities == []  # countryIso2Code 00: unknown
    assert invented.listed_on == "2014-03-17"  # no designationDate: the regulation's entry into force
    assert invented.properties["un_dataid"] == ["9000001"]
    assert invented.titles == ["Dr.", "Director", "Board member"]
    [passport] = invented.identifiers
    assert (passport.scheme, passport.country, passport.note) == (IdScheme.PASSPORT, "RU", "Expired; knownExpired")


def test_fixture_through_cli(fixtures: Path, ingest_twice: Callable[[Path], dict[str, Any]]) -> None:
    result = ingest_twice(fixtures / FIXTURE)
    assert (result["source"], result["entities"]) == ("eu-fsf", 5)


def _dmy(text: str) -> str:
    day, month, year = (int(p) for p in text.split("."))
    return f"{year:04d}-{month:02d}-{day:02d}"


@pytest.mark.realdata
def test_fixture_agrees_with_the_eu_journal(fixtures: Path, data_dir: Path, parse_all: Parse) -> None:
    """Every Belarus fact typed into the fixture matches the transcription of Annex I."""
    with (data_dir / TRANSCRIPTION).open(newline="", encoding="utf-8") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    found = parse_all(fixtures / FIXTURE)
    for logical in ("900011", "900017", "900028", "900029"):
        entity = found[logical]
        row = rows[entity.caption]  # the fixture's primary name is the annex's name
        assert row["annex"] == ("I.A" if entity.type is EntityType.PERSON else "I.B")
        assert entity.listed_on == _dmy(row["startDate"]), entity.caption
        assert {n.value for n in entity.names[1:]} == set(row["alias"].split("; ")), entity.caption
        if row["birthDate"]:
            assert entity.birth_dates == [_dmy(row["birthDate"])]
        if row["registrationNumber"]:
            assert entity.identifier_values(IdScheme.REGISTRATION) == [row["registrationNumber"]]
        if row["address"]:
            address = entity.addresses[0]
            assert address.street and address.street in row["address"]
            assert address.postal_code and address.postal_code in row["address"]
        if row["incorporationDate"]:
            assert entity.remarks == f"Date of registration: {row['incorporationDate']}"


def _variant(fixtures: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (fixtures / FIXTURE).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / FIXTURE
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_truncated(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    data = (fixtures / FIXTURE).read_bytes()
    path = tmp_path / FIXTURE
    path.write_bytes(data[: data.index(b'logicalId="900029"')])
    rejected(path, "XML is not well-formed")


def test_wrong_namespace(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, 'xmlns="http://eu.europa.ec/fpi/fsd/export"', 'xmlns="urn:example"')
    rejected(path, "root element is <{urn:example}export>", "expected <{http://eu.europa.ec/fpi/fsd/export}export>",
             args=("--format", "eu-fsf-xml"))


def test_bad_designation_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, 'designationDate="2021-12-02"', 'designationDate="02/12/2021"')
    rejected(path, "sanctionEntity[logicalId=900017]@designationDate", "bad date '02/12/2021'")


def test_unknown_subject_type(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, '<subjectType code="enterprise" classificationCode="E"/>',
                    '<subjectType code="vessel" classificationCode="V"/>')
    rejected(path, "sanctionEntity[logicalId=900017]/subjectType@code", "unknown subject type 'vessel'")


def test_entry_without_logical_id(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, 'unitedNationId="9000001" logicalId="900099"', 'unitedNationId="9000001"')
    rejected(path, "sanctionEntity@logicalId", "logicalId missing")
