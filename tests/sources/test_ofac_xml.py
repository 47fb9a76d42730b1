"""OFAC's legacy XML (sdnList): the hand-written sdn.xml fixture against the CSV fixture set of the
same entries, and the real consolidated.xml against the real Consolidated CSV set."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from ofac_fixture_facts import FIXTURES, by_id, parsed

from clearance.model import EntityType, IdScheme, NameKind
from clearance.sources import open_list


def _set(values: list[Any]) -> set[str]:
    return {json.dumps(v, sort_keys=True) for v in values}


def test_fixture_sdn_xml() -> None:
    entities = parsed(FIXTURES / "sdn.xml", "ofac-xml", "us-ofac-sdn", "2024-05-03")
    person = entities["90001"]
    assert person.type is EntityType.PERSON and person.gender == "male"
    assert person.birth_dates == ["1961-03-12", "1962"] and person.nationalities == ["BY", "RU"]
    assert ("VANYA", NameKind.WEAK_ALIAS) in {(n.value, n.kind) for n in person.names}  # <category>weak
    assert [(link.kind, link.target_id) for link in person.links] == [("linked_to", "us-ofac-sdn:90002")]
    aircraft = entities["90003"]
    assert aircraft.type is EntityType.AIRCRAFT
    assert aircraft.identifier_values(IdScheme.TAIL_NUMBER) == ["EW-999NW"]
    # The XML's curly apostrophe in "Manufacturer’s" is the same label as the CSV's straight one.
    msn = [i for i in aircraft.identifiers if i.scheme is IdScheme.MSN]
    assert [(i.value, i.label) for i in msn] == [("35123", "Aircraft Manufacturer's Serial Number (MSN)")]
    vessel = entities["90004"]
    assert vessel.identifier_values(IdScheme.IMO) == ["9111111"]
    assert vessel.countries == ["PA"] and vessel.properties["vessel_owner"] == ["OCEANIC TRADING CO., LTD."]
    assert ("linked_to", "us-ofac-sdn:90005") in {(link.kind, link.target_id) for link in vessel.links}
    assert person.record["akaList"]["aka"][1]["category"] == "weak"


def test_fixture_xml_and_csv_agree_on_the_same_entries(ofac_csv_set: Path) -> None:
    """The same five parties written in both legacy formats parse to the same facts."""
    xml = by_id(FIXTURES / "sdn.xml")
    csv = by_id(ofac_csv_set)
    assert set(xml) <= set(csv)
    for key, entity in xml.items():
        other = csv[key]
        assert (entity.type, entity.caption, entity.programs) == (other.type, other.caption, other.programs)
        assert set(entity.identifiers) <= set(other.identifiers), key
        assert entity.birth_dates == other.birth_dates and entity.nationalities == other.nationalities
        assert {(link.kind, link.target_id) for link in entity.links} <= {
            (link.kind, link.target_id) for link in other.links}
        assert {(n.value, n.kind) for n in entity.names} <= {(n.value, n.kind) for n in other.names}
        for prop, values in entity.properties.items():
            assert other.properties[prop] == values, (key, prop)


def test_the_data_not_the_name_tells_the_list(tmp_path: Path) -> None:
    renamed = tmp_path / "consolidated.xml"
    shutil.copy(FIXTURES / "sdn.xml", renamed)
    assert open_list(renamed).meta.source == "us-ofac-sdn"
    empty = tmp_path / "cons_empty.xml"
    empty.write_text('<?xml version="1.0"?><sdnList xmlns="http://tempuri.org/sdnList.xsd"/>')
    assert open_list(empty).meta.source == "us-ofac-cons"  # no entries: the file name decides
    assert list(open_list(empty).entities) == []
    assert open_list(renamed, source="us-ofac-cons").meta.source == "us-ofac-cons"


@pytest.mark.realdata
def test_real_consolidated_xml_matches_the_csv_set(data_dir: Path) -> None:
    path = data_dir / "ofac_consolidated" / "consolidated.xml"
    xml = parsed(path, "ofac-xml", "us-ofac-cons", "2025-12-18")
    text = path.read_text(encoding="utf-8")
    uids = re.findall(r"<sdnEntry>\s*<uid>(\d+)</uid>", text)
    assert set(xml) == set(uids) and len(xml) == 442
    csv = by_id(data_dir / "ofac_consolidated")
    assert set(xml) == set(csv)

    weak = sum(n.kind is NameKind.WEAK_ALIAS for e in xml.values() for n in e.names)
    assert weak == text.count("<category>weak</category>")
    assert sum(len(e.names) - 1 for e in xml.values()) == text.count("<aka>")

    for key, entity in xml.items():
        other = csv[key]
        assert (entity.type, entity.caption) == (other.type, other.caption), key
        assert sorted(entity.programs) == sorted(other.programs), key
        assert _set([i for i in entity.to_dict()["identifiers"]]) == _set(other.to_dict()["identifiers"]), key
        assert entity.birth_dates == other.birth_dates and entity.incorporation_dates == other.incorporation_dates
        assert {k: sorted(v) for k, v in entity.properties.items()} == {
            k: sorted(v) for k, v in other.properties.items()}, key
        assert {(link.kind, link.target_name, link.target_id) for link in entity.links} == {
            (link.kind, link.target_name, link.target_id) for link in other.links}, key
        # The CSV turns the double quotes inside names into single ones; otherwise the same names.
        assert {(n.value.replace('"', "'"), n.kind) for n in entity.names} == {
            (n.value, n.kind) for n in other.names}, key
