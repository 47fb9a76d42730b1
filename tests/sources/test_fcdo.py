"""UK Sanctions List (FCDO): XML and CSV fixtures written from the published layout (no real
copy is available), both containers giving the same entities, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.model import Entity, EntityType, IdScheme, Link
from clearance.sources import detect, open_list

XML = "fcdo_uk_sanctions_list.xml"
CSV = "fcdo_uk_sanctions_list.csv"
Parse = Callable[..., dict[str, Entity]]


def names(entity: Entity) -> list[tuple[str, str, str | None]]:
    return [(n.value, n.kind.value, n.lang) for n in entity.names]


def test_xml_designations(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / XML
    assert detect(path).name == "fcdo-xml"
    assert open_list(path).meta.published == "2026-10-02"
    found = parse_all(path)
    assert list(found) == ["BEL9045", "RUS9001", "DPR9001", "AFG9001"]
    president = found["BEL9045"]
    assert president.type is EntityType.PERSON
    assert names(president) == [
        ("Alexander Grigorievich LUKASHENKO", "primary", None),
        ("Aliaksandr Ryhoravich LUKASHENKA", "alias", None),  # Primary name variation
        ("ЛУКАШЕНКО, Александр Григорьевич", "non_latin", "ru"),
        ("ЛУКАШЭНКА, Аляксандр Рыгоравіч", "non_latin", "be"),
    ]
    assert president.programs == ["The Republic of Belarus (Sanctions) (EU Exit) Regulations 2019"]
    assert president.listed_on == "2020-09-29" and president.properties["last_updated"] == ["2022-02-04"]
    assert president.birth_dates == ["1954-08-30"] and president.birth_places == ["Kopys, Belarus"]
    assert president.nationalities == ["BY"] and president.gender == "male"
    assert president.properties["ofsi_group_id"] == ["13918"]  # ties it to gb-ofsi:13918
    assert president.properties["sanctions_imposed"] == ["Asset freeze", "Travel Ban"]
    assert president.titles == ["President of Belarus"] and president.countries == ["BY"]
    assert president.record["UniqueID"] == "BEL9045"
    firm = found["RUS9001"]
    assert firm.type is EntityType.ORGANIZATION
    assert names(firm)[1:3] == [("EXAMPLE AVIA", "weak_alias", None), ("AO EXAMPLE AVIATION", "alias", None)]
    assert [(i.scheme, i.value) for i in firm.identifiers] == [
        (IdScheme.PHONE, "+7 495 000 0000"), (IdScheme.EMAIL, "info@example.test"),
        (IdScheme.WEBSITE, "www.example.test"), (IdScheme.REGISTRATION, "1027700000000")]
    assert firm.links == [Link("owned_by", "Example Holding JSC"), Link("owner_of", "Example Avionics LLC")]
    ship = found["DPR9001"]
    assert ship.type is EntityType.VESSEL and ship.identifier_values(IdScheme.IMO) == ["9123456"]
    assert ship.countries == ["KP"] and ship.properties["vessel_previous_flag"] == ["Panama", "Sierra Leone"]
    assert ship.properties["un_reference"] == ["KPe.901"]
    assert ship.links == [Link("owned_by", "Example Shipping Co")]
    mullah = found["AFG9001"]
    assert mullah.birth_dates == ["1960", "1961-03"]  # dd/mm/1960 and dd/03/1961
    assert [(i.scheme, i.value) for i in mullah.identifiers] == [
        (IdScheme.PASSPORT, "P0900001"), (IdScheme.NATIONAL_ID, "900002")]
    assert ("Haji Ahmad", "weak_alias", None) in names(mullah) and mullah.titles == ["Mullah"]


def test_csv_gives_the_same_entities(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / CSV
    assert detect(path).name == "fcdo-csv"
    assert open_list(path).meta.published == "2026-10-02"
    from_csv, from_xml = parse_all(path), parse_all(fixtures / XML)
    assert list(from_csv) == list(from_xml)
    for key, entity in from_csv.items():
        mine, theirs = entity.to_dict(), from_xml[key].to_dict()
        mine.pop("record"), theirs.pop("record")
        assert mine == theirs, key
    assert from_csv["BEL9045"].record["common"]["Unique ID"] == "BEL9045"


def test_csv_type_column_under_its_other_header(fixtures: Path, tmp_path: Path, parse_all: Parse) -> None:
    text = (fixtures / CSV).read_bytes().decode()
    path = tmp_path / "UK-Sanctions-List.csv"
    path.write_bytes(text.replace(",Designation Type,", ',"Individual, Entity, Ship",', 1).encode())
    assert parse_all(path)["DPR9001"].type is EntityType.VESSEL


@pytest.mark.parametrize(("name", "fmt"), [(XML, "fcdo-xml"), (CSV, "fcdo-csv")])
def test_fixtures_through_cli(fixtures: Path, ingest_twice: Callable[[Path], dict[str, Any]], name: str,
                              fmt: str) -> None:
    result = ingest_twice(fixtures / name)
    assert (result["source"], result["format"], result["entities"], result["published"]) == (
        "gb-fcdo", fmt, 4, "2026-10-02")


def _variant(fixtures: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (fixtures / name).read_bytes().decode()
    assert old in text
    path = tmp_path / name
    path.write_bytes(text.replace(old, new, 1).encode())
    return path


def test_xml_truncated(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    data = (fixtures / XML).read_bytes()
    path = tmp_path / XML
    path.write_bytes(data[: data.index(b"<ShipDetails>")])
    rejected(path, "XML is not well-formed")


def test_xml_wrong_root(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, XML, "<Designations ", "<ArrayOfFinancialSanctionsTarget ")
    path.write_bytes(path.read_bytes().replace(b"</Designations>", b"</ArrayOfFinancialSanctionsTarget>"))
    rejected(path, "root element is <ArrayOfFinancialSanctionsTarget>", "expected <Designations>",
             args=("--format", "fcdo-xml"))


def test_xml_bad_designation_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, XML, "<DateDesignated>24/02/2022", "<DateDesignated>2022-02-24")
    rejected(path, "Designation[UniqueID=RUS9001]/DateDesignated", "bad date '2022-02-24'", "dd/mm/yyyy")


def test_xml_unknown_designation_type(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, XML, "<IndividualEntityShip>Ship", "<IndividualEntityShip>Aircraft")
    rejected(path, "Designation[UniqueID=DPR9001]/IndividualEntityShip", "unknown designation type 'Aircraft'")


def test_xml_missing_unique_id(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, XML, "<UniqueID>AFG9001</UniqueID>", "")
    rejected(path, "Designation/UniqueID", "UniqueID missing")


def test_csv_missing_column(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, CSV, ",Date Designated,", ",Designated,")
    rejected(path, "line 2", "header lacks column(s) date designated")


def test_csv_bad_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, CSV, ",30/03/2018,", ",31/02/2018,")
    rejected(path, "column Date Designated", "impossible date '31/02/2018'")


def test_csv_not_utf8(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = tmp_path / CSV
    path.write_bytes((fixtures / CSV).read_bytes().replace(b"Kopys", "Kópys".encode("latin-1")))
    rejected(path, "line 3", "cannot decode byte 0xf3")
