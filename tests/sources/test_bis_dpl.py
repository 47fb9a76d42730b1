"""BIS Denied Persons List: one entity per row with a derived stable id, the publication date
from Last_Update, the real list, and bad input."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.model import Entity, EntityType
from clearance.sources import detect, open_list

REAL = "bis_dpl/dpl.txt"
Parse = Callable[..., dict[str, Entity]]


def documented_id(*fields: str) -> str:
    """The id scheme the module documents, computed here on its own."""
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:12]


def test_fixture(fixtures: Path, parse_all: Parse) -> None:
    path = fixtures / "bis_dpl.txt"
    assert detect(path).name == "bis-dpl"
    parsed = open_list(path)
    # the latest Last_Update that is not in the future; the typo is reported, not used
    assert parsed.meta.published == "2023-06-08"
    assert parsed.meta.extra == {"future_last_update": ["3033-09-30"]}
    entities = parse_all(path)
    aviation = documented_id("EXAMPLE AVIATION LLC", "1 AIRPORT ROAD", "MINSK", "", "BY", "220004", "06/07/2023")
    john = documented_id("JOHN Q EXAMPLE", "100 MAIN STREET", "SPRINGFIELD", "IL", "", "62701", "01/15/2020")
    assert set(entities) >= {john, aviation, f"{aviation}-2"}  # the repeated row gets -2
    assert len(entities) == 5
    person = entities[john]
    assert person.type is EntityType.PERSON and person.caption == "JOHN Q EXAMPLE"
    assert person.listed_on == "2020-01-15"  # mm/dd/yyyy
    [home] = person.addresses
    assert (home.city, home.region, home.postal_code, home.country) == ("SPRINGFIELD", "IL", "62701", "US")
    assert person.properties["expiration_date"] == ["2030-01-15"]
    assert person.properties["federal_register_notice"] == ["85 F.R. 1000 1/20/2020"]
    assert person.record["Name"] == "JOHN Q EXAMPLE" and "Country" not in person.record
    firm = entities[aviation]
    assert firm.type is EntityType.ORGANIZATION and firm.countries == ["BY"]
    assert firm.properties["type_guessed"] == ["from name"]
    bare = next(e for e in entities.values() if e.caption == "JANE EXAMPLE")
    assert bare.addresses == [] and "expiration_date" not in bare.properties


@pytest.mark.realdata
def test_real_list(data_dir: Path, parse_all: Parse) -> None:
    path = data_dir / REAL
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))  # independent count and dates
    entities = parse_all(path)
    assert len(entities) == len(rows) == 665
    assert open_list(path).meta.published == max(r["Last_Update"] for r in rows if r["Last_Update"] < "2100")
    assert open_list(path).meta.published == "2023-11-28"
    belavia = next(e for e in entities.values() if e.caption == "BELAVIA BELARUSIAN AIRLINES")
    assert belavia.type is EntityType.ORGANIZATION and belavia.countries == ["BY"]
    assert belavia.listed_on == "2023-06-07"
    assert belavia.properties["federal_register_notice"] == ["87 F.R. 37309 6/22/2022, 88 F.R. 38483 6/13/2023"]
    assert belavia.addresses[0].city == "MINSK"


@pytest.mark.realdata
def test_real_list_through_cli(data_dir: Path, ingest_twice: Callable[[Path], dict[str, Any]]) -> None:
    result = ingest_twice(data_dir / REAL)
    assert (result["source"], result["entities"], result["published"]) == ("us-bis-dpl", 665, "2023-11-28")


def _variant(fixtures: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (fixtures / "bis_dpl.txt").read_bytes().decode()
    assert old in text
    path = tmp_path / "dpl.txt"
    path.write_bytes(text.replace(old, new, 1).encode())
    return path


def test_missing_column(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, '"Effective_Date"', '"Effective"')
    rejected(path, "line 1", "header lacks column(s) Effective_Date")


def test_bad_effective_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, '"03/01/2019"', '"2019-03-01"')
    rejected(path, "line 5, column Effective_Date", "bad date '2019-03-01'", "mm/dd/yyyy")


def test_bad_last_update(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, '"2019-03-05"', '"03/05/2019"')
    rejected(path, "line 5, column Last_Update", "expected YYYY-MM-DD")


def test_short_row(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, '\t"N"\t"2019-03-05"\t""\t""', '\t"N"\t"2019-03-05"')
    rejected(path, "line 5", "row has 10 fields", "expected 12")


def test_wrong_encoding(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = tmp_path / "dpl.txt"
    path.write_bytes((fixtures / "bis_dpl.txt").read_text().encode("utf-16"))
    rejected(path, "not a list format clearance recognises")
    rejected(path, "line 1, byte 0", "cannot decode byte 0xff", "utf-8", args=("--format", "bis-dpl"))
