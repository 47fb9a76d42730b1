"""OFAC's Enhanced XML: the hand-written SDN-filtered fixture, the real complete Consolidated List
export (CONS_ENHANCED.XML) and the real IRGC program export (a subset across lists)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from ofac_fixture_facts import FIXTURES, assert_fixture_aircraft, assert_fixture_vessel, by_id, parsed

from clearance.model import EntityType, IdScheme, NameKind
from clearance.sources import open_list

ENHANCED = FIXTURES / "sdn_enhanced.xml"



def test_fixture_enhanced_filtered_to_the_sdn_list() -> None:
    entities = parsed(ENHANCED, "ofac-enhanced-xml", "us-ofac-sdn", "2024-05-03")
    company = entities["90002"]
    assert [(n.value, n.kind, n.script) for n in company.names] == [
        ("NORTHWIND AVIATION OPEN JOINT STOCK COMPANY", NameKind.PRIMARY, "Latn"),
        ("ОТКРЫТОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО НОРДВИНД АВИАЦИЯ", NameKind.NON_LATIN, "Cyrl"),
        ("BELNORTH AIR", NameKind.PREVIOUS, "Latn"),
        ("NORTHWIND", NameKind.WEAK_ALIAS, "Latn"),  # isLowQuality
    ]
    registration = next(i for i in company.identifiers if i.label == "Registration Number")
    assert (registration.value, registration.country, registration.note) == ("1027700000001", "RU",
                                                                              "issued 2002-07-18")
    assert company.incorporation_dates == ["1996-06-14"] and company.listed_on == "2021-12-02"
    assert company.programs == ["BELARUS-EO14038", "RUSSIA-EO14024"] and company.lists == ["SDN List"]
    assert_fixture_aircraft(entities["90003"])
    assert {(link.kind, link.target_id) for link in entities["90003"].links} == {
        ("operated_by", "us-ofac-sdn:90002"), ("owned_or_controlled_by", "us-ofac-sdn:90002")}
    assert_fixture_vessel(entities["90004"])
    # The vessel's owner (90005) is not in this export: the link keeps its name, no id.
    assert [(link.target_name, link.target_id) for link in entities["90004"].links] == [
        ("OCEANIC TRADING CO., LTD.", None)]


def test_filters_choose_the_source(tmp_path: Path) -> None:
    text = ENHANCED.read_text(encoding="utf-8")
    cases = {
        "Consolidated List": "us-ofac-cons",
        "SDN List</sanctionsList><sanctionsList refId=\"91512\">Consolidated List": "us-ofac-enhanced",
    }
    for listed, expected in cases.items():
        path = tmp_path / "export.xml"
        path.write_text(text.replace('<sanctionsList refId="1550">SDN List', f'<sanctionsList refId="1">{listed}', 1),
                        encoding="utf-8")
        assert open_list(path).meta.source == expected, listed
    irgc = '<sanctionsPrograms><sanctionsProgram refId="91166">IRGC</sanctionsProgram></sanctionsPrograms>'
    program = text.replace("</sanctionsLists>\n    </filters>", f"</sanctionsLists>{irgc}</filters>")
    path = tmp_path / "program.xml"
    path.write_text(program, encoding="utf-8")
    assert open_list(path).meta.source == "us-ofac-enhanced"
    assert all(e.id.startswith("us-ofac-enhanced:") for e in open_list(path).entities)


@pytest.mark.realdata
def test_real_consolidated_enhanced(data_dir: Path) -> None:
    path = data_dir / "ofac_consolidated_enhanced_2025-01-10" / "CONS_ENHANCED.XML"
    text = path.read_text(encoding="utf-8")
    enhanced = parsed(path, "ofac-enhanced-xml", "us-ofac-cons", "2025-01-10")
    assert set(enhanced) == set(re.findall(r'<entity id="(\d+)">', text)) and len(enhanced) == 443
    legacy = by_id(data_dir / "ofac_consolidated" / "consolidated.xml")
    common = set(enhanced) & set(legacy)
    assert len(common) == 442 == len(legacy)  # one entity was removed between 2025-01 and 2025-12
    assert all(enhanced[k].type == legacy[k].type for k in common)
    assert sum(enhanced[k].caption == legacy[k].caption for k in common) >= 440  # one renamed since
    types = Counter(re.findall(r'<entityType refId="\d+">(\w+)</entityType>', text))
    assert sum(e.type is EntityType.PERSON for e in enhanced.values()) == types["Individual"]
    # Relationships: one link each, with an id exactly when the related entity is in the file.
    related = re.findall(r'<relatedEntity entityId="(\d+)">', text)
    typed = [link for e in enhanced.values() for link in e.links if link.kind != "operated_by"]
    assert len(typed) == len(related)
    assert sum(link.target_id is not None for link in typed) == sum(r in enhanced for r in related)


@pytest.mark.realdata
def test_real_irgc_program_export(data_dir: Path) -> None:
    path = data_dir / "ofac_enhanced_xml_irgc" / "IRGC_sanctions.xml"
    text = path.read_text(encoding="utf-8")
    entities = parsed(path, "ofac-enhanced-xml", "us-ofac-enhanced", "2024-08-28")
    assert set(entities) == set(re.findall(r'<entity id="(\d+)">', text)) and len(entities) == 293
    assert all(e.id == f"us-ofac-enhanced:{k}" and "IRGC" in e.programs for k, e in entities.items())
    aircraft = [e for e in entities.values() if e.type is EntityType.AIRCRAFT]
    assert len(aircraft) == text.count(">Aircraft</entityType>")
    assert sum(bool(e.identifier_values(IdScheme.MSN)) for e in aircraft) == text.count('<type featureTypeId="50">')
    translations = re.findall(r"<translation id=\"\d+\">\s*<isPrimary>(\w+)</isPrimary>\s*<script refId=\"\d+\">"
                              r"([^<]+)</script>\s*<formatted", text)
    non_latin = sum(script != "Latin" for _primary, script in translations)
    assert sum(n.kind is NameKind.NON_LATIN for e in entities.values() for n in e.names) == non_latin
    assert {n.script for e in entities.values() for n in e.names if n.kind is NameKind.NON_LATIN} >= {"Arab"}
