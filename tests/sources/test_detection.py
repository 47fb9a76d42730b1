"""Formats are told apart by content: every fixture and real list is claimed by its own format
alone, whatever the file is called, and the OFAC files are claimed by none of these."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

import clearance.sources
from clearance.sources import detect, formats
from clearance.sources.base import read_head

FIXTURES = {
    "un_consolidated.xml": "un-xml",
    "ofsi_conlist_2022.csv": "ofsi-csv",
    "ofsi_conlist_legacy.csv": "ofsi-csv",
    "fcdo_uk_sanctions_list.xml": "fcdo-xml",
    "fcdo_uk_sanctions_list.csv": "fcdo-csv",
    "eu_fsf.xml": "eu-fsf-xml",
    "bis_dpl.txt": "bis-dpl",
    "csl_consolidated.csv": "csl-csv",
    "csl_results.json": "csl-json",
    "ftm_entities.jsonl": "ftm",
    "custom_list.csv": "custom-csv",
}
REAL = {
    "un_consolidated/consolidated.xml": "un-xml",
    "uk_ofsi_conlist/ConList.xlsx": "ofsi-xlsx",
    "uk_ofsi_conlist/sanctionsconlist_2018-04-13.csv": "ofsi-csv",
    "bis_dpl/dpl.txt": "bis-dpl",
    "trade_gov_csl_2022-05-06/consolidated.csv": "csl-csv",
}
# The OFAC files belong to the OFAC formats (another module): none of these may claim them.
OFAC = ["ofac_sdn/sdn.csv", "ofac_sdn/add.csv", "ofac_sdn/alt.csv", "ofac_consolidated/consolidated.xml",
        "ofac_consolidated/cons_prim.csv", "ofac_consolidated_advanced_2020/cons_advanced.xml",
        "ofac_enhanced_xml_irgc/IRGC_sanctions.xml", "ofac_consolidated_enhanced_2025-01-10/CONS_ENHANCED.XML",
        "ofac_sdn", "ofac_consolidated"]
MINE = {"un-xml", "ofsi-csv", "ofsi-xlsx", "fcdo-xml", "fcdo-csv", "eu-fsf-xml", "bis-dpl", "csl-csv", "csl-json",
        "ftm"}


def claims(path: Path) -> dict[str, float]:
    head = read_head(path)
    return {name: fmt.sniff(path, head) for name, fmt in formats().items() if fmt.sniff(path, head) >= 0.5}


def renamed(path: Path, tmp_path: Path) -> Path:
    """The same content under a name that says nothing (a link, so nothing is copied)."""
    link = tmp_path / "download.bin"
    link.symlink_to(path.resolve())
    return link


def test_every_format_registered() -> None:
    assert set(formats()) >= MINE | {"custom-csv"}


@pytest.mark.parametrize(("name", "expected"), sorted(FIXTURES.items()))
def test_fixtures_claimed_by_their_format_alone(fixtures: Path, tmp_path: Path, name: str, expected: str) -> None:
    path = renamed(fixtures / name, tmp_path)
    assert detect(path).name == expected
    assert set(claims(path)) == {expected}


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "expected"), sorted(REAL.items()))
def test_real_lists_claimed_by_their_format_alone(data_dir: Path, tmp_path: Path, name: str, expected: str) -> None:
    path = renamed(data_dir / name, tmp_path)
    assert detect(path).name == expected
    assert set(claims(path)) == {expected}


@pytest.mark.realdata
@pytest.mark.parametrize("name", OFAC)
def test_ofac_files_not_claimed(data_dir: Path, name: str) -> None:
    assert not set(claims(data_dir / name)) & MINE


def test_xml_read_only_through_the_safe_module() -> None:
    """No format module imports lxml (or any other XML parser) itself: all XML goes through
    clearance.sources.xml, which refuses DTDs and entities and never touches the network."""
    package = Path(clearance.sources.__file__).parent
    offenders = []
    for module in package.glob("*.py"):
        if module.name == "xml.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{module.name}: {n}" for n in names
                          if n.split(".")[0] in ("lxml", "xml", "defusedxml", "xmltodict")]
    assert offenders == []


@pytest.mark.parametrize("name", ["un_consolidated.xml", "fcdo_uk_sanctions_list.xml", "eu_fsf.xml"])
def test_xml_formats_refuse_entity_declarations(fixtures: Path, tmp_path: Path, name: str,
                                                rejected: Callable[..., str]) -> None:
    """A list file that smuggles in a DTD with entities (an expansion bomb, an external file)
    is refused before any parsing, whichever format it otherwise looks like."""
    text = (fixtures / name).read_text(encoding="utf-8")
    declaration, rest = text.split("\n", 1)
    bomb = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY leak SYSTEM "file:///etc/passwd">]>')
    path = tmp_path / name
    path.write_text(f"{declaration}\n{bomb}\n{rest}", encoding="utf-8")
    rejected(path, "line 2", "DOCTYPE declares entities")
