"""UN Security Council consolidated XML: the fixture in detail, the real list's counts and entries,
the CLI end to end, and bad input."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.model import Entity, EntityType, IdScheme, NameKind
from clearance.sources import detect, open_list

REAL = "un_consolidated/consolidated.xml"


def names(entity: Entity) -> list[tuple[str, str, str | None, str | None]]:
    return [(n.value, n.kind.value, n.script, n.quality) for n in entity.names]


def test_fixture_person_in_full(fixtures: Path, parse_all: Callable[..., dict[str, Entity]]) -> None:
    entities = parse_all(fixtures / "un_consolidated.xml")
    assert list(entities) == ["KPi.901", "QDi.901", "KPe.901"]
    ivan = entities["KPi.901"]
    assert ivan.id == "un-sc:KPi.901" and ivan.type is EntityType.PERSON
    assert names(ivan) == [
        ("IVAN PETROVICH TESTOV", "primary", "Latn", None),
        ("Иван Петрович Тестов", "non_latin", "Cyrl", None),
        ("Ivan Testoff", "alias", "Latn", "Good"),
        ("The Tester", "weak_alias", "Latn", "Low"),
    ]
    # EXACT date, the BETWEEN span year by year, and the alias's own year of birth
    assert ivan.birth_dates == ["1963", "1962-03-04", "1960", "1961"]
    assert ivan.birth_places == ["Omsk, Russian Federation"]
    assert ivan.nationalities == ["RU"]
    assert ivan.properties["nationality_text"] == ["former Soviet Union"]
    assert ivan.properties["un_dataid"] == ["9000001"]
    assert ivan.gender == "male"
    assert ivan.programs == ["DPRK"]
    assert ivan.listed_on == "2017-08-05"
    assert ivan.titles == ["Dr.", "Director, Example Trading"]
    assert ivan.remarks == "Representative of a front company."
    passport, national = ivan.identifiers
    assert (passport.scheme, passport.value, passport.country, passport.note) == (
        IdScheme.PASSPORT, "7654321", "RU", "issued 2012-01-02")
    assert (national.scheme, national.value, national.label) == (
        IdScheme.NATIONAL_ID, "45 01 123456", "National Identification Number: internal passport")
    [home] = ivan.addresses
    assert (home.street, home.city, home.country, home.country_name) == (
        "12 Example Street", "Vladivostok", "RU", "Russian Federation")
    assert ivan.countries == ["RU"]
    assert ivan.record["REFERENCE_NUMBER"] == "KPi.901"
    assert [a["ALIAS_NAME"] for a in ivan.record["INDIVIDUAL_ALIAS"]] == ["Ivan Testoff", "The Tester"]


def test_fixture_dates_and_kinds(fixtures: Path, parse_all: Callable[..., dict[str, Entity]]) -> None:
    entities = parse_all(fixtures / "un_consolidated.xml")
    ahmad = entities["QDi.901"]
    assert ahmad.listed_on == "2015-04-07"  # xs:date with a zone: 2015-04-07-04:00
    assert ahmad.birth_dates == ["1975", "1973-11"]  # APPROXIMATELY a year; a month in a NOTE
    assert ("Ahmad Sample", "previous", "Latn", "f.k.a.") in names(ahmad)
    assert ahmad.remarks is None and ahmad.identifiers == [] and ahmad.birth_places == []
    firm = entities["KPe.901"]
    assert firm.type is EntityType.ORGANIZATION
    assert names(firm) == [
        ("EXAMPLE TRADING CORPORATION", "primary", "Latn", None),
        ("EXAMPLE TRADING CO.", "alias", "Latn", "a.k.a."),
        ("조선실례무역회사", "non_latin", "Hang", "a.k.a."),
    ]
    assert firm.countries == ["KP"]


def test_record_carries_no_position(fixtures: Path, tmp_path: Path,
                                    parse_all: Callable[..., dict[str, Entity]]) -> None:
    """Moving an entry within the file (other line, other neighbours) leaves its record and hash alone."""
    text = (fixtures / "un_consolidated.xml").read_text(encoding="utf-8")
    people = re.findall(r"    <INDIVIDUAL>.*?</INDIVIDUAL>\n", text, flags=re.DOTALL)
    swapped = text.replace(people[0], "\0").replace(people[1], people[0]).replace("\0", "\n\n" + people[1])
    moved = tmp_path / "moved.xml"
    moved.write_text(swapped, encoding="utf-8")
    before, after = parse_all(fixtures / "un_consolidated.xml"), parse_all(moved)
    assert list(after) == ["QDi.901", "KPi.901", "KPe.901"]
    for key in before:
        assert before[key].content_hash() == after[key].content_hash()


def test_fixture_detected_and_published(fixtures: Path) -> None:
    path = fixtures / "un_consolidated.xml"
    assert detect(path).name == "un-xml"
    assert open_list(path).meta.published == "2026-01-15T10:20:30.000Z"


@pytest.mark.realdata
def test_real_list_counts(data_dir: Path, parse_all: Callable[..., dict[str, Entity]]) -> None:
    path = data_dir / REAL
    raw = path.read_bytes()
    # independent count: the opening tags of the two entry kinds in the raw bytes
    expected = {EntityType.PERSON: raw.count(b"<INDIVIDUAL>"), EntityType.ORGANIZATION: raw.count(b"<ENTITY>")}
    entities = parse_all(path)
    assert Counter(e.type for e in entities.values()) == expected
    assert expected == {EntityType.PERSON: 730, EntityType.ORGANIZATION: 273}
    assert len(entities) == 1003
    assert open_list(path).meta.published is not None
    assert open_list(path).meta.published.startswith("2026-02-27")
    refs = re.findall(rb"<REFERENCE_NUMBER>([^<]+)</REFERENCE_NUMBER>", raw)
    assert sorted(entities) == sorted(r.decode().strip() for r in refs)
    # every entry has a Latin primary name; every NAME_ORIGINAL_SCRIPT became a non-Latin name
    assert all(e.names[0].kind is NameKind.PRIMARY for e in entities.values())
    originals = sum(1 for e in entities.values() for n in e.names if n.kind is NameKind.NON_LATIN)
    assert originals >= raw.count(b"<NAME_ORIGINAL_SCRIPT>")


@pytest.mark.realdata
def test_real_entries(data_dir: Path, parse_all: Callable[..., dict[str, Entity]]) -> None:
    entities = parse_all(data_dir / REAL)
    umarov = entities["QDi.290"]
    assert umarov.caption == "DOKU KHAMATOVICH UMAROV"
    assert ("Умаров Доку Хаматович", "non_latin", "Cyrl", None) in names(umarov)
    assert ("Dokka Umarov", "alias", "Latn", "Good") in names(umarov)
    assert {"1955", "1964-04-13"} <= set(umarov.birth_dates)
    assert umarov.programs == ["Al-Qaida"] and umarov.listed_on == "2011-03-10"
    assert umarov.nationalities == ["RU"]
    [passport] = umarov.identifiers
    assert (passport.scheme, passport.value, passport.country) == (IdScheme.PASSPORT, "96 03 464086", "RU")
    saddam = entities["IQi.001"]
    assert names(saddam)[:3] == [
        ("SADDAM HUSSEIN AL-TIKRITI", "primary", "Latn", None),
        ("صدام حسين التكريتي", "non_latin", "Arab", None),
        ("Abu Ali", "weak_alias", "Latn", "Low"),
    ]
    assert saddam.birth_dates == ["1937-04-28"] and saddam.birth_places == ["al-Awja, near Tikrit, Iraq"]
    kinds = Counter(n.kind for e in entities.values() for n in e.names)
    assert kinds[NameKind.WEAK_ALIAS] > 500 and kinds[NameKind.PREVIOUS] > 10


@pytest.mark.realdata
def test_real_list_through_cli(data_dir: Path, ingest_twice: Callable[[Path], dict[str, Any]]) -> None:
    result = ingest_twice(data_dir / REAL)
    assert (result["source"], result["format"], result["entities"]) == ("un-sc", "un-xml", 1003)
    assert result["published"].startswith("2026-02-27")


# -- bad input ------------------------------------------------------------------------------------

def _variant(fixtures: Path, tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = (fixtures / "un_consolidated.xml").read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "variant.xml"
    out.write_text(text.replace(old, new, count), encoding="utf-8")
    return out


def test_truncated(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    data = (fixtures / "un_consolidated.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: data.index(b"<ENTITY_ALIAS>")])
    rejected(cut, "line ", "XML is not well-formed")


def test_wrong_root(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, "CONSOLIDATED_LIST", "SANCTIONS_LIST", count=2)
    rejected(path, "not a list format clearance recognises")
    rejected(path, "root element is <SANCTIONS_LIST>", "expected <CONSOLIDATED_LIST>", args=("--format", "un-xml"))


def test_bad_listing_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, "<LISTED_ON>2016-03-02", "<LISTED_ON>2016-02-30")
    rejected(path, "ENTITY[REFERENCE_NUMBER=KPe.901]/LISTED_ON", "impossible date '2016-02-30'")


def test_bad_birth_date(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, "<DATE>1962-03-04</DATE>", "<DATE>04/03/1962</DATE>")
    rejected(path, "INDIVIDUAL[REFERENCE_NUMBER=KPi.901]/INDIVIDUAL_DATE_OF_BIRTH/DATE", "expected YYYY-MM-DD")


def test_missing_reference_number(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    path = _variant(fixtures, tmp_path, "<REFERENCE_NUMBER>QDi.901</REFERENCE_NUMBER>", "")
    rejected(path, "INDIVIDUAL/REFERENCE_NUMBER", "REFERENCE_NUMBER missing")


def test_wrong_encoding(fixtures: Path, tmp_path: Path, rejected: Callable[..., str]) -> None:
    """A file that says UTF-8 but is Latin-1 (the Cyrillic replaced by a Latin-1 accented name)."""
    text = (fixtures / "un_consolidated.xml").read_text(encoding="utf-8")
    text = text.replace("Иван Петрович Тестов", "Iván Pétrovich")
    text = text.replace("أحمد مثال", "").replace("조선실례무역회사", "")
    path = tmp_path / "latin1.xml"
    path.write_bytes(text.encode("latin-1"))
    rejected(path, "line 14", "Invalid bytes in character encoding")
