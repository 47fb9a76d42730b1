"""trade.gov Consolidated Screening List: CSV and JSON, list of origin kept, unique ids, the
flattened ids cell typed, the real 2022 list, and bad input."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.model import Entity, EntityType, IdScheme, Link
from clearance.sources import detect
from clearance.sources.csl import list_code

REAL = "trade_gov_csl_2022-05-06/consolidated.csv"
EL = "Entity List (EL) - Bureau of Industry and Security"
Parse = Callable[..., dict[str, Entity]]


@pytest.mark.parametrize(("source", "code"), [
    (EL, "EL"),
    ("Specially Designated Nationals (SDN) - Treasury Department", "SDN"),
    ("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department", "NS-MBS"),
    ("Military End User (MEU) List - Bureau of Industry and Security", "MEU"),
])
def test_list_codes(source: str, code: str) -> None:
    assert list_code(source) == code


def test_csv_fixture(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / "csl_consolidated.csv"
    assert detect(path).name == "csl-csv"
    entries = parse_all(path)
    # one SDN number on two lists, and a row the CAPTA part repeats: three distinct ids
    assert list(entries) == ["EL-0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", "SDN-90001", "SDN-90002", "SDN-90003",
                             "CAP-90003", "CAP-90003-2", "DPL-1f2e3d4c5b6a79881726354453627180a9b8c7d6",
                             "NS-MBS-90004"]
    plant = entries["EL-0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"]
    assert plant.lists == [EL] and plant.properties["list_code"] == ["EL"]
    assert plant.type is EntityType.ORGANIZATION and plant.properties["type_guessed"] == ["from name"]
    assert plant.properties["license_policy"] == ["Policy of denial."]
    assert plant.properties["license_requirement"][0].startswith("For all items subject to the EAR.")
    assert plant.listed_on == "2022-04-07" and plant.countries == ["BY"]
    assert [(n.value, n.kind.value) for n in plant.names] == [
        ("Example Avionics Plant JSC", "primary"),
        ("Open Joint Stock Company Example Avionics Plant", "alias"),
        ("ОАО Пример Авионика", "non_latin"),
    ]
    person = entries["SDN-90001"]
    assert person.type is EntityType.PERSON and person.gender == "male"
    assert person.birth_dates == ["1961-02-03", "1958", "1959", "1960"]
    assert person.nationalities == ["BY", "RU"]  # nationality and citizenship
    passport, tax = person.identifiers
    assert (passport.scheme, passport.value, passport.country, passport.note) == (
        IdScheme.PASSPORT, "MP1234567", "BY", "issued 2016-07-12; expires 2026-07-11")
    assert (tax.scheme, tax.value, tax.label) == (IdScheme.TAX_ID, "100000001", "Tax ID No.")
    # OFAC's labelled facts land as the OFAC formats put them (clearance.sources.ofac_labels)
    assert person.properties["secondary_sanctions_risk"] == [
        "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201"]
    assert person.programs == ["BELARUS-EO14038", "RUSSIA-EO14024"] and person.titles == ["Director General"]
    aircraft = entries["SDN-90002"]
    assert aircraft.type is EntityType.AIRCRAFT
    assert aircraft.identifier_values(IdScheme.TAIL_NUMBER) == ["EW-901EX"]
    assert aircraft.identifier_values(IdScheme.MSN) == ["99001"]
    assert aircraft.properties["aircraft_model"] == ["B.737-800"] and aircraft.countries == ["BY"]
    assert aircraft.links == [Link("operated_by", "EXAMPLE AIR"), Link("linked_to", "EXAMPLE AIR")]
    bank = entries["SDN-90003"]
    assert bank.identifier_values(IdScheme.SWIFT_BIC) == ["EXMPIRTH"] and bank.incorporation_dates == ["2019-01-17"]
    denied = entries["DPL-1f2e3d4c5b6a79881726354453627180a9b8c7d6"]
    assert denied.properties["end_date"] == ["2026-05-04"] and denied.addresses[0].country == "AE"
    assert entries["NS-MBS-90004"].birth_dates == ["1967"] and entries["NS-MBS-90004"].gender == "female"
    assert person.record["ids"].startswith("BY, 2026-07-11, 2016-07-12, MP1234567, Passport")


def _comparable(entity: Entity) -> dict[str, Any]:
    """What the two containers must agree on (the CSV's address cell cannot be split back into
    street and city, and the record is each container's own)."""
    data = entity.to_dict()
    data.pop("record")
    data["addresses"] = [(a.full, a.country) for a in entity.addresses]
    return data


def test_json_gives_the_same_entities(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / "csl_results.json"
    assert detect(path).name == "csl-json"
    from_json, from_csv = parse_all(path), parse_all(fixtures / "csl_consolidated.csv")
    assert list(from_json) == list(from_csv)
    for key, entity in from_json.items():
        assert _comparable(entity) == _comparable(from_csv[key]), key
    assert from_json["SDN-90001"].record["ids"][0]["number"] == "MP1234567"  # the API object as published


def test_json_joined_strings_read_as_lists(fixtures: Path, tmp_path: Path, parse_all: Parse) -> None:
    data = json.loads((fixtures / "csl_results.json").read_text(encoding="utf-8"))
    data["results"][0]["alt_names"] = "; ".join(data["results"][0]["alt_names"])
    path = tmp_path / "csl.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    plant = parse_all(path)["EL-0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"]
    assert [n.value for n in plant.names] == ["Example Avionics Plant JSC",
                                              "Open Joint Stock Company Example Avionics Plant", "ОАО Пример Авионика"]


def test_json_through_cli(fixtures: Path, ingest_twice: Callable[[Path], dict[str, Any]]) -> None:
    result = ingest_twice(fixtures / "csl_results.json")
    assert (result["source"], result["format"], result["entities"]) == ("us-trade-csl", "csl-json", 8)


@pytest.mark.realdata
def test_real_list(data_dir: Path, parse_all: Parse) -> None:
    path = data_dir / REAL
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))  # independent counts
    entries = parse_all(path)
    assert len(entries) == len(rows) == 14160
    by_list = Counter(e.lists[0] for e in entries.values())
    assert by_list == Counter(r["source"] for r in rows)
    assert by_list[EL] == 2001
    ids_on_several_lists = {i for i, n in Counter(r["_id"] for r in rows).items() if n > 1}
    assert len(ids_on_several_lists) == 71
    belarus_el = [e for e in entries.values() if e.lists == [EL] and "BY" in e.countries]
    expected = sum(1 for r in rows if r["source"] == EL
                   and any(a == "BY" or a.endswith(", BY") for a in r["addresses"].split("; ")))
    assert len(belarus_el) == expected == 33
    plant = next(e for e in belarus_el if e.caption == "140 Repair Plant JSC")
    assert plant.properties["license_policy"] == ["Policy of denial."]
    assert plant.listed_on == "2022-04-07" and plant.properties["federal_register_notice"] == ["87 FR 20299"]
    aircraft = [e for e in entries.values() if e.type is EntityType.AIRCRAFT]
    assert len(aircraft) == sum(1 for r in rows if r["type"] == "Aircraft") == 283
    kinds = Counter(i.scheme for e in entries.values() for i in e.identifiers)
    assert kinds[IdScheme.PASSPORT] >= 1600 and kinds[IdScheme.TAIL_NUMBER] > 0 and kinds[IdScheme.IMO] > 400


@pytest.mark.realdata
def test_real_list_through_cli(data_dir: Path, ingest_twice: Callable[[Path], dict[str, Any]]) -> None:
    result = ingest_twice(data_dir / REAL)
    assert (result["source"], result["format"], result["entities"]) == ("us-trade-csl", "csl-csv", 14160)


def _csv_variant(fixtures: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (fixtures / "csl_consolidated.csv").read_bytes().decode()
    assert old in text
    path = tmp_path / "consolidated.csv"
    path.write_bytes(text.replace(old, new, 1).encode())
    return path


def test_csv_missing_column(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _csv_variant(fixtures, tmp_path, ",name,", ",nom,")
    rejected(path, "line 1", "header lacks column(s) name")


def test_csv_bad_start_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _csv_variant(fixtures, tmp_path, ",2021-05-04,", ",05/04/2021,")
    rejected(path, "line 8, field start_date", "bad date '05/04/2021'")


def test_csv_empty_name(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _csv_variant(fixtures, tmp_path, ",EW-901EX,", ",,")
    rejected(path, "line 4, field name", "missing or empty")


def test_csv_not_utf8(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = tmp_path / "consolidated.csv"
    path.write_bytes((fixtures / "csl_consolidated.csv").read_bytes().replace(b"Minsk", "Mínsk".encode("cp1252")))
    rejected(path, "line 2", "cannot decode byte 0xed")


def test_json_truncated(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    data = (fixtures / "csl_results.json").read_bytes()
    path = tmp_path / "csl.json"
    path.write_bytes(data[: len(data) // 2])
    message = rejected(path, "not valid JSON")
    assert "line " in message and "column " in message


def test_json_without_results(tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = tmp_path / "csl.json"
    path.write_text(json.dumps({"total": 0, "items": []}))
    rejected(path, "top level", 'no "results" list', args=("--format", "csl-json"))


def test_json_entry_without_source(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    data = json.loads((fixtures / "csl_results.json").read_text())
    data["results"][2]["source"] = None
    path = tmp_path / "csl.json"
    path.write_text(json.dumps(data))
    rejected(path, "results[2], field source", "missing or empty")
