"""Malformed OFAC files: one ListFormatError naming the file, the line or element, and what was
expected; ``clearance ingest`` exits 2 and the store keeps its previous version."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clearance.engine import Engine
from clearance.errors import ListFormatError
from clearance.sources import open_list

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ofac"


def _truncate_mid_quote(data: bytes) -> bytes:
    remarks = data.index(b'"Aircraft Construction Number')
    return data[: remarks + 30]  # inside the quoted Remarks of the third row


def _drop_a_column(data: bytes) -> bytes:
    return data.replace(b'"BELARUS-EO14038] [RUSSIA-EO14024",-0- ,', b'"BELARUS-EO14038] [RUSSIA-EO14024",', 1)


def _letters_in_ent_num(data: bytes) -> bytes:
    return data.replace(b"90004,", b"9000X,", 1)


def _utf16(data: bytes) -> bytes:
    return data.decode("ascii").encode("utf-16")


def _undecodable_byte(data: bytes) -> bytes:
    return data.replace(b"Gomel", b"G\x81mel", 1)  # 0x81: not UTF-8, undefined in Windows-1252


CSV_DAMAGE: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    # name: (damage, location, words in the message)
    "truncated mid-quote": (_truncate_mid_quote, "line 3", "ends inside the quoted cell"),
    "a column missing": (_drop_a_column, "line 2", "row has 11 columns (expected 12: ent_num, SDN_Name"),
    "non-numeric ent_num": (_letters_in_ent_num, "line 4, column ent_num", "'9000X' is not a number"),
    "UTF-16": (_utf16, "line 1, byte", "NUL byte"),
    "undecodable byte": (_undecodable_byte, "line 1, byte", "cannot decode byte 0x81"),
}


def damaged_set(source: Path, tmp_path: Path, damage: Callable[[bytes], bytes]) -> Path:
    folder = tmp_path / "bad"
    shutil.copytree(source, folder)
    (folder / "sdn.csv").write_bytes(damage((folder / "sdn.csv").read_bytes()))
    return folder


@pytest.mark.parametrize("case", sorted(CSV_DAMAGE))
def test_bad_csv_raises_one_error_naming_file_and_line(case: str, ofac_csv_set: Path, tmp_path: Path) -> None:
    damage, location, words = CSV_DAMAGE[case]
    folder = damaged_set(ofac_csv_set, tmp_path, damage)
    with pytest.raises(ListFormatError) as caught:
        list(open_list(folder).entities)
    error = caught.value
    assert Path(error.file) == folder / "sdn.csv"
    assert error.location is not None and error.location.startswith(location), error.message
    assert words in error.message


def test_bad_companion_file_is_named(ofac_csv_set: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(ofac_csv_set, folder)
    (folder / "alt.csv").write_bytes((folder / "alt.csv").read_bytes().replace(b',"aka",', b",", 1))
    with pytest.raises(ListFormatError) as caught:
        open_list(folder)
    assert Path(caught.value.file) == folder / "alt.csv"
    assert caught.value.location == "line 1"
    assert "expected 5: ent_num, alt_num, alt_type, alt_name, alt_remarks" in caught.value.message


def _ingest_cli(path: Path, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "1000"}  # the error on one line, whatever the path's length
    return subprocess.run([sys.executable, "-m", "clearance", "ingest", str(path), "--db", db],
                          capture_output=True, text=True, timeout=120, check=False, env=env)


def test_cli_exits_2_and_store_keeps_previous_version(ofac_csv_set: Path, tmp_path: Path, db_path: str) -> None:
    db = db_path
    with Engine(db) as engine:
        first = engine.ingest([ofac_csv_set])[0].version
    for case in sorted(CSV_DAMAGE):
        damage, location, _words = CSV_DAMAGE[case]
        folder = damaged_set(ofac_csv_set, tmp_path / case.replace(" ", "_"), damage)
        run = _ingest_cli(folder, db)
        assert run.returncode == 2, (case, run.stderr)
        assert "sdn.csv" in run.stderr and location in run.stderr, (case, run.stderr)
    with Engine(db) as engine:
        assert engine.versions("us-ofac-sdn") == [first]
        assert engine.entity("us-ofac-sdn:90003").version == first


# -- XML ----------------------------------------------------------------------------------------
def _cut_before(marker: str, keep: int = 20) -> Callable[[str], str]:
    return lambda text: text[: text.index(marker) + keep]


def _replace(*pairs: str) -> Callable[[str], str]:
    def damage(text: str) -> str:
        for old, new in zip(pairs[::2], pairs[1::2], strict=True):
            assert old in text
            text = text.replace(old, new)
        return text

    return damage


# (fixture, format) -> case -> (damage, location starts with, words in the message)
XML_DAMAGE: dict[tuple[str, str], dict[str, tuple[Callable[[str], str], str, str]]] = {
    ("sdn.xml", "ofac-xml"): {
        "truncated": (_cut_before("<uid>90004</uid>"), "line ", "XML is not well-formed"),
        "wrong root element": (
            _replace("<sdnList ", "<sanctionsList ", "</sdnList>", "</sanctionsList>"), "root element",
            "root element is <{http://tempuri.org/sdnList.xsd}sanctionsList> (expected <sdnList>"),
        "non-numeric uid": (_replace("<uid>90003</uid>", "<uid>9OOO3</uid>"), "line 163, sdnEntry/uid",
                            "uid '9OOO3' is not a number"),
    },
    ("sdn_advanced.xml", "ofac-advanced-xml"): {
        "truncated": (_cut_before('<DistinctParty FixedRef="90003">'), "line ", "XML is not well-formed"),
        "wrong root element": (_replace("<Sanctions ", "<Sanction "), "root element", "root element is"),
        "wrong namespace": (_replace('xmlns="http://www.un.org/sanctions/1.0"', 'xmlns="urn:other"'),
                            "root element", "namespace 'urn:other' (expected http://www.un.org/sanctions/1.0)"),
        "unknown feature type": (
            _replace('FeatureTypeID="47"', 'FeatureTypeID="4747"'),
            "line 449, DistinctParty[FixedRef=90003]/Profile/Feature[ID=10022]", "unknown FeatureTypeID '4747'"),
    },
    ("sdn_enhanced.xml", "ofac-enhanced-xml"): {
        "truncated": (_cut_before('<entity id="90004">'), "line ", "XML is not well-formed"),
        "wrong root element": (_replace("<sanctionsData ", "<sanctionData ", "</sanctionsData>", "</sanctionData>"),
                               "root element", "(expected <sanctionsData> (OFAC Enhanced XML))"),
        "non-numeric id": (_replace('<entity id="90003">', '<entity id="EW-999NW">'), "line 188, entity/@id",
                           "id 'EW-999NW' is not a number"),
    },
}
XML_CASES = [(key, case) for key, cases in XML_DAMAGE.items() for case in sorted(cases)]


@pytest.mark.parametrize(("fixture", "case"), XML_CASES, ids=[f"{k[1]}-{c}" for k, c in XML_CASES])
def test_bad_xml_raises_one_error(fixture: tuple[str, str], case: str, tmp_path: Path) -> None:
    name, fmt = fixture
    damage, location, words = XML_DAMAGE[fixture][case]
    path = tmp_path / name
    path.write_text(damage((FIXTURES / name).read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ListFormatError) as caught:
        list(open_list(path, fmt=fmt).entities)
    assert Path(caught.value.file) == path
    assert caught.value.location is not None and caught.value.location.startswith(location), caught.value.message
    assert words in caught.value.message


@pytest.mark.parametrize("fixture", sorted(XML_DAMAGE))
def test_cli_refuses_bad_xml_and_keeps_the_store(fixture: tuple[str, str], tmp_path: Path, db_path: str) -> None:
    name, _fmt = fixture
    db = db_path
    with Engine(db) as engine:
        first = engine.ingest([FIXTURES / name])[0].version
    path = tmp_path / name
    damage, _location, words = XML_DAMAGE[fixture]["truncated"]
    path.write_text(damage((FIXTURES / name).read_text(encoding="utf-8")), encoding="utf-8")
    run = _ingest_cli(path, db)
    assert run.returncode == 2 and name in run.stderr and words in run.stderr, run.stderr
    with Engine(db) as engine:
        assert engine.versions(first.source) == [first]
