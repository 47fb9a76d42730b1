"""The OFAC legacy CSV sets: the hand-written fixture set in full, then the real SDN and
Consolidated files with every count measured independently from the files with the csv module."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from ofac_fixture_facts import assert_fixture_aircraft, assert_fixture_vessel, by_id

from clearance.cli import cli
from clearance.engine import Engine
from clearance.errors import UnknownFormatError
from clearance.model import Entity, EntityType, IdScheme, NameKind
from clearance.sources import detect, open_list


def raw_rows(path: Path) -> list[list[str]]:
    """Rows of an OFAC CSV file read with the csv module alone (the 0x1A end line dropped)."""
    text = path.read_text(encoding="latin-1")
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r and r != ["\x1a"]]


def empty(cell: str) -> bool:
    return cell.strip() in ("", "-0-")


# -- the fixture set --------------------------------------------------------------------------
def test_fixture_set_is_detected_and_read_with_its_companions(ofac_csv_set: Path) -> None:
    assert detect(ofac_csv_set).name == "ofac-csv"
    parsed = open_list(ofac_csv_set)
    assert parsed.meta.source == "us-ofac-sdn" and parsed.meta.published is None
    assert [Path(f).name for f in parsed.meta.files] == ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
    entities = {e.local_id: e for e in parsed.entities}
    assert len(entities) == len(raw_rows(ofac_csv_set / "sdn.csv"))

    person = entities["90001"]
    assert person.type is EntityType.PERSON
    assert person.birth_dates == ["1961-03-12", "1962"]
    assert person.nationalities == ["BY", "RU"]  # "nationality Belarus; citizen Russia"
    assert person.gender == "male" and person.birth_places == ["Gomel, Belarus"]
    assert person.titles == ["Director General", "Board Member"]
    passport = next(i for i in person.identifiers if i.scheme is IdScheme.PASSPORT)
    assert (passport.value, passport.country, passport.label) == ("MP1234567", "BY", "Passport")
    assert passport.note == "issued 2015-02-01; expires 2025-02-01"
    assert [(n.value, n.kind) for n in person.names] == [
        ("KOVALENKO, Ivan Petrovich", NameKind.PRIMARY),
        ("VANYA", NameKind.WEAK_ALIAS),  # printed in Remarks: OFAC's weak alias
        ("KOVALENKO, Ivan", NameKind.ALIAS),  # from alt.csv
    ]
    assert [(link.kind, link.target_id) for link in person.links] == [("linked_to", "us-ofac-sdn:90002")]

    company = entities["90002"]
    assert company.type is EntityType.COMPANY  # "OPEN JOINT STOCK COMPANY" is a legal form
    # Remarks cut at "Private Comp" continue in sdn_comments.csv: both halves are joined and parsed.
    assert company.remarks is not None and company.remarks.endswith("Organization Type: Passenger air transport.")
    assert company.properties["target_type"] == ["Private Company"]
    assert company.properties["organization_type"] == ["Passenger air transport"]
    assert company.incorporation_dates == ["1996-06-14"]
    assert company.programs == ["BELARUS-EO14038", "RUSSIA-EO14024"]
    assert {(i.scheme, i.value, i.country) for i in company.identifiers} >= {
        (IdScheme.TAX_ID, "100123456", "BY"), (IdScheme.REGISTRATION, "1027700000001", "RU"),
        (IdScheme.SWIFT_BIC, "NWAVBY2X", None), (IdScheme.WEBSITE, "www.northwind-avia.example", None),
    }
    assert [(n.value, n.kind, n.quality) for n in company.names[1:]] == [
        ("NORTHWIND AVIA", NameKind.ALIAS, "a.k.a."), ("BELNORTH AIR", NameKind.PREVIOUS, "f.k.a."),
        ("NW AVIATION JSC", NameKind.ALIAS, "n.k.a."),
    ]
    assert company.addresses[0].street == "Ul. Nemiga 5" and company.addresses[0].country == "BY"
    assert company.record["comments"] == [{"ent_num": "90002", "Remarks_Extension": "any; Organization Type: "
                                                                                   "Passenger air transport."}]

    aircraft = entities["90003"]
    assert_fixture_aircraft(aircraft)
    assert {(link.kind, link.target_id) for link in aircraft.links} == {
        ("operated_by", "us-ofac-sdn:90002"), ("linked_to", "us-ofac-sdn:90002")}

    vessel = entities["90004"]
    assert_fixture_vessel(vessel)
    assert vessel.addresses == []  # its add.csv row is all -0-
    # "Linked To: OCEANIC TRADING CO., LTD." ends the Remarks: the full stop is the name's own.
    assert ("linked_to", "OCEANIC TRADING CO., LTD.", "us-ofac-sdn:90005") in {
        (link.kind, link.target_name, link.target_id) for link in vessel.links}
    assert ("NORTHERN STAR", NameKind.WEAK_ALIAS, "f.k.a.") in {(n.value, n.kind, n.quality) for n in vessel.names}

    charity = entities["90006"]
    assert charity.type is EntityType.ORGANIZATION
    assert [(link.target_name, link.target_id) for link in charity.links] == [("A PARTY NOT ON THIS LIST", None)]
    assert charity.remarks == "All offices worldwide; Linked To: A PARTY NOT ON THIS LIST."

    ranged = entities["90007"]
    assert ranged.birth_dates == ["1970", "1971", "1972", "1975"]  # "1970 to 1972", "circa 1975"
    assert ranged.properties["additional_sanctions_information"] == ["Subject to Secondary Sanctions"]


def test_record_keeps_the_exact_rows_of_every_file(ofac_csv_set: Path) -> None:
    entity = by_id(ofac_csv_set)["90002"]
    sdn_row = next(r for r in raw_rows(ofac_csv_set / "sdn.csv") if r[0] == "90002")
    alt_rows = [r for r in raw_rows(ofac_csv_set / "alt.csv") if r[0] == "90002"]
    assert list(entity.record["primary"].values()) == sdn_row
    assert [list(r.values()) for r in entity.record["aliases"]] == alt_rows


def test_primary_file_path_reads_the_same_set_as_the_folder(ofac_csv_set: Path) -> None:
    folder = open_list(ofac_csv_set)
    primary = open_list(ofac_csv_set / "sdn.csv")
    assert folder.meta.sha256 == primary.meta.sha256
    assert [e.to_dict() for e in folder.entities] == [e.to_dict() for e in primary.entities]


def test_hash_covers_every_file_of_the_set(ofac_csv_set: Path, tmp_path: Path) -> None:
    copy = tmp_path / "set"
    shutil.copytree(ofac_csv_set, copy)
    before = open_list(copy).meta.sha256
    (copy / "alt.csv").write_bytes((copy / "alt.csv").read_bytes().replace(b"NORTHWIND AVIA", b"NORTHWIND AVIO"))
    assert open_list(copy).meta.sha256 != before


def test_source_override_within_the_format(ofac_csv_set: Path, tmp_path: Path) -> None:
    as_cons = by_id(ofac_csv_set, source="us-ofac-cons")
    assert next(iter(as_cons.values())).id.startswith("us-ofac-cons:")
    with pytest.raises(UnknownFormatError, match="carries us-ofac-sdn, us-ofac-cons"):
        open_list(ofac_csv_set, source="un-sc")


def test_cons_file_names_choose_the_consolidated_list(ofac_csv_set: Path, tmp_path: Path) -> None:
    for name, target in (("sdn.csv", "cons_prim.csv"), ("add.csv", "cons_add.csv"), ("alt.csv", "cons_alt.csv")):
        shutil.copy(ofac_csv_set / name, tmp_path / target)
    parsed = open_list(tmp_path)
    assert parsed.meta.source == "us-ofac-cons"
    assert [Path(f).name for f in parsed.meta.files] == ["cons_prim.csv", "cons_add.csv", "cons_alt.csv"]
    assert all(e.id.startswith("us-ofac-cons:") for e in parsed.entities)


# -- the real files -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sdn_set(data_dir: Path) -> dict[str, Entity]:
    """The real 2023-12 SDN CSV set, parsed once for the tests that read it."""
    return by_id(data_dir / "ofac_sdn")


@pytest.mark.realdata
def test_real_sdn_set_counts(data_dir: Path, sdn_set: dict[str, Entity]) -> None:
    folder = data_dir / "ofac_sdn"
    sdn = raw_rows(folder / "sdn.csv")
    alt = raw_rows(folder / "alt.csv")
    add = raw_rows(folder / "add.csv")
    entities = list(sdn_set.values())

    assert len(entities) == len({r[0] for r in sdn}) == 13_821
    ofac_types = Counter(r[2].strip() for r in sdn)
    types = Counter(e.type for e in entities)
    assert types[EntityType.PERSON] == ofac_types["individual"] == 6_646
    assert types[EntityType.VESSEL] == ofac_types["vessel"] == 764
    assert types[EntityType.AIRCRAFT] == ofac_types["aircraft"] == 378
    assert types[EntityType.COMPANY] + types[EntityType.ORGANIZATION] == ofac_types["-0-"]

    # Aliases: every alt.csv row is a name on its entity.
    names = {e.local_id: e.names for e in entities}
    alias_rows = Counter(r[0] for r in alt)
    assert sum(alias_rows.values()) == 17_091 and len(alias_rows) == 6_667
    for ent_num, count in alias_rows.items():
        assert sum(n.kind in (NameKind.ALIAS, NameKind.PREVIOUS) for n in names[ent_num]) == count
    assert sum(n.kind is NameKind.PREVIOUS for e in entities for n in e.names) == sum(r[2] == "fka" for r in alt)

    # Addresses: 18,990 rows; those with anything in address, city or country become addresses.
    assert len(add) == 18_990
    with_content = Counter(r[0] for r in add if not all(empty(c) for c in r[2:5]))
    assert sum(len(e.addresses) for e in entities) == sum(with_content.values())


@pytest.mark.realdata
def test_real_sdn_aircraft_identifiers(data_dir: Path, sdn_set: dict[str, Entity]) -> None:
    sdn = raw_rows(data_dir / "ofac_sdn" / "sdn.csv")
    aircraft_remarks = [r[11] for r in sdn if r[2] == "aircraft"]
    aircraft = [e for e in sdn_set.values() if e.type is EntityType.AIRCRAFT]
    # SOURCES.md's 161 counts remarks containing "Aircraft Tail Number", which includes the
    # 8 aircraft listed only with a "Previous Aircraft Tail Number".
    tails = sum("Aircraft Tail Number" in r for r in aircraft_remarks)
    assert tails == 161
    assert sum(bool(e.identifier_values(IdScheme.TAIL_NUMBER) or e.identifier_values(IdScheme.PREVIOUS_TAIL_NUMBER))
               for e in aircraft) == tails
    current = sum(bool(re.search(r"(?<!Previous )Aircraft Tail Number", r)) for r in aircraft_remarks)
    assert sum(bool(e.identifier_values(IdScheme.TAIL_NUMBER)) for e in aircraft) == current
    # 328 print "Manufacturer's Serial Number (MSN)"; 3 more business jets give their serial as
    # "Aircraft Serial Identification", also an MSN.
    msn_label = sum("(MSN)" in r for r in aircraft_remarks)
    assert msn_label == 328
    assert sum(any(i.scheme is IdScheme.MSN and "(MSN)" in (i.label or "") for i in e.identifiers)
               for e in aircraft) == msn_label
    assert sum(bool(e.identifier_values(IdScheme.MSN)) for e in aircraft) == msn_label + sum(
        "Aircraft Serial Identification" in r and "(MSN)" not in r for r in aircraft_remarks)


@pytest.mark.realdata
def test_real_sdn_named_entities(sdn_set: dict[str, Entity]) -> None:
    entities = sdn_set
    jet = entities["41416"]
    assert jet.type is EntityType.AIRCRAFT
    assert jet.identifier_values(IdScheme.TAIL_NUMBER) == ["EW-001PA"]
    assert jet.identifier_values(IdScheme.MSN) == ["33079"]
    assert jet.properties["aircraft_model"] == ["B.737-8EV BBJ2"]
    assert jet.properties["aircraft_manufacture_date"] == ["2002-01-29"]
    assert jet.programs == ["BELARUS-EO14038"]

    belavia = entities["44541"]
    assert belavia.caption == "OPEN JOINT STOCK COMPANY BELAVIA BELARUSIAN AIRLINES"
    assert belavia.type is EntityType.COMPANY
    tax = [i for i in belavia.identifiers if i.scheme is IdScheme.TAX_ID]
    assert [(i.value, i.country, i.label) for i in tax] == [("600390798", "BY", "Tax ID No.")]
    assert {n.value for n in belavia.names if n.kind is NameKind.ALIAS} == {
        "BELAVIA BELARUSIAN AIRLINES", "JOINT STOCK COMPANY AVIACOMPANY BELAVIA", "OAO AVIAKOMPANIYA BELAVIA"}
    (address,) = belavia.addresses
    assert (address.street, address.city, address.country) == ("14A, Nemiga str.", "Minsk 220004", "BY")

    crj = entities["44580"]
    assert crj.identifier_values(IdScheme.TAIL_NUMBER) == ["EW-301PJ"]
    assert crj.identifier_values(IdScheme.MSN) == ["8057"]
    assert [(link.kind, link.target_id) for link in crj.links] == [
        ("linked_to", "us-ofac-sdn:44541")]

    president = entities["9760"]
    assert president.caption == "LUKASHENKA, Alyaksandr Ryhorovich"
    assert president.type is EntityType.PERSON
    assert president.birth_dates == ["1954-08-30", "1954-08-31"]
    assert president.nationalities == ["BY"] and president.gender == "male"
    assert president.birth_places == ["Kopys, Vitebsk oblast, Belarus"]


@pytest.mark.realdata
def test_real_sdn_remarks_facts_are_all_parsed(data_dir: Path, sdn_set: dict[str, Entity]) -> None:
    """Every entity whose Remarks have a clause starting DOB, Gender, Tax ID or Linked To has it parsed."""
    sdn = {r[0]: r[11] for r in raw_rows(data_dir / "ofac_sdn" / "sdn.csv")}
    entities = sdn_set
    checks = {
        "DOB ": lambda e: e.birth_dates,
        "Gender ": lambda e: e.gender,
        "Tax ID No. ": lambda e: e.identifier_values(IdScheme.TAX_ID),
        "Linked To: ": lambda e: [link for link in e.links if link.kind == "linked_to"],
    }
    for needle, has in checks.items():
        carrying = [k for k, remarks in sdn.items() if re.search(r"(^|; )" + re.escape(needle), remarks)]
        missing = [k for k in carrying if not has(entities[k])]
        assert carrying and not missing, (needle, missing[:5])


@pytest.mark.realdata
def test_real_primary_only_and_consolidated_counts(data_dir: Path) -> None:
    newer = data_dir / "ofac_sdn_2024-05-03_primary_only" / "sdn.csv"
    assert len(list(open_list(newer).entities)) == len({r[0] for r in raw_rows(newer)}) == 14_965
    cons = data_dir / "ofac_consolidated"
    parsed = open_list(cons)
    assert parsed.meta.source == "us-ofac-cons"
    ids = {e.local_id for e in parsed.entities}
    assert ids == {r[0] for r in raw_rows(cons / "cons_prim.csv")} and len(ids) == 442


@pytest.mark.realdata
def test_cli_ingest_then_entity_json(data_dir: Path, db_path: str) -> None:
    db = db_path
    runner = CliRunner()
    ingested = runner.invoke(cli, ["ingest", str(data_dir / "ofac_sdn"), "--db", db, "--json"])
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.output)[0]["entities"] == 13_821
    shown = runner.invoke(cli, ["entity", "us-ofac-sdn:41416", "--json", "--db", db])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["type"] == "aircraft" and data["programs"] == ["BELARUS-EO14038"]
    ids = {(i["scheme"], i["value"]) for i in data["identifiers"]}
    assert {("tail_number", "EW-001PA"), ("msn", "33079")} <= ids
    assert data["properties"]["aircraft_model"] == ["B.737-8EV BBJ2"]
    assert data["properties"]["aircraft_manufacture_date"] == ["2002-01-29"]


def _linked_names(remarks: str) -> list[str]:
    return [m.rstrip(".") for m in re.findall(r"Linked To: ([^;]+)", remarks)]


@pytest.mark.realdata
def test_diff_between_the_two_sdn_snapshots(data_dir: Path, tmp_path: Path, db_path: str) -> None:
    """The acceptance point: diff counts equal a count made straight from the two files.

    Both snapshots are read primary-only (the 2024 one has no companions). A parsed entity keeps
    its exact row in ``record``, so any change to the row is a change to the entity; the parser
    adds one thing the row does not hold: the id a "Linked To" name resolves to. An entity whose
    row is unchanged but whose linked party appeared or disappeared therefore changes too, and
    the independent count below counts those as well (there are none in these two snapshots).
    """
    old_dir = tmp_path / "2023-12"
    old_dir.mkdir()
    shutil.copy(data_dir / "ofac_sdn" / "sdn.csv", old_dir / "sdn.csv")
    new_file = data_dir / "ofac_sdn_2024-05-03_primary_only" / "sdn.csv"

    old = {r[0]: r for r in raw_rows(old_dir / "sdn.csv")}
    new = {r[0]: r for r in raw_rows(new_file)}
    old_names = Counter(r[1].strip() for r in old.values())
    new_names = Counter(r[1].strip() for r in new.values())

    def resolution_moved(ent_num: str) -> bool:
        return any((old_names[n] == 1) != (new_names[n] == 1) for n in _linked_names(new[ent_num][11]))

    added = set(new) - set(old)
    removed = set(old) - set(new)
    changed = {k for k in set(old) & set(new) if old[k] != new[k] or resolution_moved(k)}

    with Engine(db_path) as engine:
        engine.ingest([old_dir])
        result = engine.ingest([new_file])[0]
        diff = engine.diff("us-ofac-sdn")
    assert (result.added, result.removed, result.changed) == (len(added), len(removed), len(changed))
    assert {c.entity_id for c in diff.added} == {f"us-ofac-sdn:{k}" for k in added}
    assert {c.entity_id for c in diff.removed} == {f"us-ofac-sdn:{k}" for k in removed}
    assert {c.entity_id for c in diff.changed} == {f"us-ofac-sdn:{k}" for k in changed}
    assert (len(added), len(removed)) == (1_256, 112) and changed
    assert all("record" in c.fields for c in diff.changed)
