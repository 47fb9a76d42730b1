"""UK OFSI Consolidated List: XLSX and CSV, 2022 and legacy columns; grouping rows into targets,
name kinds, partial dates, labelled Other Information; real files; bad input."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from clearance.model import Entity, EntityType, IdScheme, Link
from clearance.sources import detect, open_list

XLSX = "uk_ofsi_conlist/ConList.xlsx"
LEGACY = "uk_ofsi_conlist/sanctionsconlist_2018-04-13.csv"
Parse = Callable[..., dict[str, Entity]]


def kinds(entity: Entity) -> list[tuple[str, str, str | None]]:
    return [(n.value, n.kind.value, n.lang) for n in entity.names]


def fixture_rows(fixtures: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((fixtures / "ofsi_conlist_2022.csv").read_text(encoding="utf-8"))))


def write_xlsx(rows: list[list[Any]], path: Path, sheet: str = "Data") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def test_2022_csv_targets(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / "ofsi_conlist_2022.csv"
    parsed = open_list(path)
    assert (parsed.meta.format, parsed.meta.published, parsed.meta.extra) == ("ofsi-csv", "2025-04-14",
                                                                              {"columns": "2022"})
    targets = parse_all(path)
    assert list(targets) == ["90001", "90002", "90003", "90004"]
    president = targets["90001"]
    # the "Primary name" row is the primary name even though it is not the group's first row
    assert kinds(president) == [
        ("Alexander Grigorievich LUKASHENKO", "primary", None),
        ("ЛУКАШЕНКО, Александр Григорьевич", "non_latin", "ru"),
        ("Aliaksandr Ryhoravich LUKASHENKA", "alias", None),
        ("Alyaksandr Ryhoravich LUKASHENKA", "alias", None),
        ("ЛУКАШЭНКА, Аляксандр Рыгоравіч", "non_latin", "be"),
    ]
    assert president.birth_dates == ["1954-08-30"] and president.birth_places == ["Kopys, Belarus"]
    assert president.nationalities == ["BY"] and president.gender == "male"
    # one target under two regimes: both programs, the earliest listing date
    assert president.programs == ["Belarus", "Global Human Rights"]
    assert president.listed_on == "2020-09-29"
    assert president.properties["uk_date_designated"] == ["2020-12-31", "2020-09-29"]
    assert president.properties["uk_sanctions_list_ref"] == ["BEL0901"]
    assert president.titles == ["President of Belarus"]
    assert [a.full for a in president.addresses] == ["Independence Palace, Prospekt Pobeditelei, Minsk, Belarus"]
    assert president.record["common"]["Group ID"] == "90001"
    assert len(president.record["rows"]) == 4


def test_2022_csv_entity_ship_and_documents(fixtures: Path, parse_all: Parse) -> None:
    targets = parse_all(fixtures / "ofsi_conlist_2022.csv")
    firm = targets["90002"]
    assert firm.type is EntityType.ORGANIZATION
    assert kinds(firm) == [
        ("EXAMPLE AVIATION HOLDING JSC", "primary", None),
        ("ЭКЗАМПЛ АВИЭЙШН", "non_latin", None),  # a Good-quality AKA in Cyrillic
        ("EXAMPLE AVIA", "weak_alias", None),  # AKA, Low quality
        ("AVIAEXAMPLE OJSC", "previous", None),  # FKA
    ]
    assert [(i.scheme, i.value) for i in firm.identifiers] == [
        (IdScheme.PHONE, "+7 495 000 0000"), (IdScheme.PHONE, "+7 495 000 0001"),
        (IdScheme.EMAIL, "info@example.test"), (IdScheme.WEBSITE, "www.example.test"),
        (IdScheme.REGISTRATION, "1027700000000"),
    ]
    assert firm.links == [Link("owned_by", "Example Holding JSC"), Link("owner_of", "Example Avionics LLC"),
                          Link("owner_of", "Example Parts LLC")]
    assert firm.properties["entity_type"] == ["Joint Stock Company"]
    ship = targets["90003"]
    assert ship.type is EntityType.VESSEL and ship.caption == "EXAMPLE STAR"
    assert ship.identifier_values(IdScheme.IMO) == ["9123456"]
    assert ship.countries == ["KP"] and ship.properties["vessel_flag"] == ["North Korea"]
    assert ship.properties["vessel_previous_flag"] == ["Panama", "Sierra Leone"]
    assert ship.links == [Link("owned_by", "Example Shipping Co")]
    person = targets["90004"]
    assert person.birth_dates == ["1980-05"]  # 00/05/1980: the day unknown
    assert person.nationalities == ["RU", "CY"] and person.gender == "female"
    assert [(i.scheme, i.value, i.note) for i in person.identifiers] == [
        (IdScheme.PASSPORT, "720000001", "Russian passport"),
        (IdScheme.PASSPORT, "K00000002", "Cypriot passport"),
        (IdScheme.TAX_ID, "770000000000", "Russian – TIN Number"),
    ]


def test_legacy_csv_in_windows_1252(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / "ofsi_conlist_legacy.csv"
    assert "é".encode("cp1252") in path.read_bytes()  # really not UTF-8
    parsed = open_list(path)
    assert (parsed.meta.published, parsed.meta.extra) == ("2018-04-13", {"columns": "legacy"})
    targets = parse_all(path)
    person = targets["91001"]
    assert kinds(person)[0] == ("Hédi AL-TESTI", "primary", None)  # "Prime Alias"
    assert person.birth_dates == ["1970", "1971"]  # 00/00/1970 and 00/00/1971
    assert person.birth_places == ["Béja, Tunisia"]
    assert person.nationalities == ["TN", "QA"]  # "1) Tunisia 2) Qatar"
    # free-text document cells: the number each item holds, the text kept as the note
    assert [(i.scheme, i.value) for i in person.identifiers] == [
        (IdScheme.PASSPORT, "K900001"), (IdScheme.PASSPORT, "00900002"), (IdScheme.TAX_ID, "TSTTST70A01Z352X")]
    assert person.countries == ["IT"]  # "Italy (previous address)"
    assert kinds(targets["91002"])[1] == ("EXAMPLETRAKTOR", "previous", None)


def test_xlsx_reads_like_the_csv(fixtures: Path, tmp_path: Path, parse_all: Parse) -> None:
    book = write_xlsx(fixture_rows(fixtures), tmp_path / "ConList.xlsx")
    assert detect(book).name == "ofsi-xlsx"
    from_xlsx, from_csv = parse_all(book), parse_all(fixtures / "ofsi_conlist_2022.csv")
    assert {k: e.content_hash() for k, e in from_xlsx.items()} == {k: e.content_hash() for k, e in from_csv.items()}


# -- the real files -------------------------------------------------------------------------------

@pytest.mark.realdata
def test_real_xlsx(data_dir: Path, parse_all: Parse) -> None:
    path = data_dir / XLSX
    sheet = openpyxl.load_workbook(path, read_only=True)["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    group_col = rows[1].index("Group ID")
    groups = {r[group_col] for r in rows[2:] if r[group_col]}  # independent count
    targets = parse_all(path)
    assert len(targets) == len(groups) == 4688
    assert open_list(path).meta.published == "2025-04-14"
    president = targets["13918"]
    assert president.caption == "Alexander Ryhorovich LUKASHENKO"
    assert ("ЛУКАШЕНКО, Александр Григорьевич", "non_latin", None) in kinds(president)
    assert ("Aliaksandr Ryhoravich LUKASHENKA", "alias", None) in kinds(president)
    assert president.birth_dates == ["1954-08-30"] and president.nationalities == ["BY"]
    assert set(president.programs) == {"Belarus", "Global Human Rights"}
    assert president.properties["uk_sanctions_list_ref"] == ["BEL0045", "GHR0050"]
    ship = targets["13651"]
    assert ship.type is EntityType.VESSEL and ship.caption == "SAM JONG 2"
    assert ship.identifier_values(IdScheme.IMO) == ["7408873"] and ship.countries == ["KP"]
    assert sum(1 for t in targets.values() if t.type is EntityType.VESSEL) == len(
        {r[group_col] for r in rows[2:] if r[rows[1].index("Group Type")] == "Ship"})


@pytest.mark.realdata
def test_real_legacy_csv(data_dir: Path, parse_all: Parse) -> None:
    path = data_dir / LEGACY
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="cp1252"))))
    groups = {r[rows[1].index("Group ID")] for r in rows[2:]}  # independent count
    targets = parse_all(path)
    assert len(targets) == len(groups) == 2106
    parsed = open_list(path)
    assert (parsed.meta.published, parsed.meta.extra["columns"]) == ("2018-04-13", "legacy")
    emir = targets["13349"]
    assert emir.caption == "Nayef Salam Muhammad Ujaym AL-HABABI"
    assert emir.birth_dates == ["1980", "1981"]
    assert emir.identifier_values(IdScheme.PASSPORT) == ["592667"]
    assert emir.nationalities == ["SA", "QA"]


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "entities", "published"), [(XLSX, 4688, "2025-04-14"), (LEGACY, 2106, "2018-04-13")])
def test_real_files_through_cli(data_dir: Path, ingest_twice: Callable[[Path], dict[str, Any]], name: str,
                                entities: int, published: str) -> None:
    result = ingest_twice(data_dir / name)
    assert (result["source"], result["entities"], result["published"]) == ("gb-ofsi", entities, published)


# -- bad input ------------------------------------------------------------------------------------

def _csv_variant(fixtures: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (fixtures / "ofsi_conlist_2022.csv").read_bytes().decode("utf-8")
    assert old in text
    path = tmp_path / "ConList.csv"
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return path


def test_csv_missing_column(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _csv_variant(fixtures, tmp_path, ",Group ID\r\n", ",Group\r\n")
    rejected(path, "line 2", "header lacks column(s) Group ID")


def test_csv_bad_listing_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _csv_variant(fixtures, tmp_path, "Russia,24/02/2022", "Russia,2022-02-24")
    rejected(path, "line 6, column Listed On", "bad date '2022-02-24'", "dd/mm/yyyy")


def test_csv_bad_publication_line(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _csv_variant(fixtures, tmp_path, "Last Updated,14/04/2025", "Last Updated,31/04/2025")
    rejected(path, "line 1", "impossible date '31/04/2025'")


def test_csv_not_utf8(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    """A 2022-format CSV must be UTF-8: a Latin-1 byte is refused, naming its line."""
    data = (fixtures / "ofsi_conlist_2022.csv").read_bytes().replace(b"Kopys", "Kópys".encode("latin-1"), 1)
    path = tmp_path / "ConList.csv"
    path.write_bytes(data)
    rejected(path, "line 3", "cannot decode byte 0xf3", "utf-8")


def test_legacy_csv_with_bytes_not_in_cp1252(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    data = (fixtures / "ofsi_conlist_legacy.csv").read_bytes().replace(b"Minsk", b"Mi\x81sk", 1)
    path = tmp_path / "legacy.csv"
    path.write_bytes(data)
    rejected(path, "line 6", "cannot decode byte 0x81", "cp1252")


def test_xlsx_bad_date_cell(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    rows = fixture_rows(fixtures)
    listed = rows[1].index("Listed On")
    rows[4][listed] = "24.02.2022"
    book = write_xlsx(rows, tmp_path / "ConList.xlsx")
    rejected(book, "sheet Data, cell AG5 (Listed On)", "bad date '24.02.2022'")


def test_xlsx_without_data_sheet(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    book = write_xlsx(fixture_rows(fixtures), tmp_path / "ConList.xlsx", sheet="Sheet1")
    rejected(book, "no sheet named Data (sheets: Sheet1)", "expected the sheet Data")


def test_xlsx_not_a_zip(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = tmp_path / "ConList.xlsx"
    path.write_text("this is not a workbook\n")
    rejected(path, "not a list format clearance recognises")
    rejected(path, "not a readable XLSX workbook", "an .xlsx file", args=("--format", "ofsi-xlsx"))


def test_xlsx_truncated(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    whole = write_xlsx(fixture_rows(fixtures), tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "ConList.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    rejected(path, "not a readable XLSX workbook", args=("--format", "ofsi-xlsx"))


def test_xlsx_with_a_damaged_attribute_name(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    """openpyxl builds its objects from the XML's attribute names: one the schema does not know
    (found by the parser fuzzing) is a damaged workbook, not a crash."""
    book = write_xlsx(fixture_rows(fixtures), tmp_path / "ConList.xlsx")
    damaged = tmp_path / "damaged" / "ConList.xlsx"
    damaged.parent.mkdir()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                assert b"<sheetFormatPr " in data
                data = data.replace(b"<sheetFormatPr ", b'<sheetFormatPr defaultRoBell="15" ', 1)
            target.writestr(item, data)
    rejected(damaged, "ConList.xlsx", "a well-formed worksheet", args=("--format", "ofsi-xlsx"))
