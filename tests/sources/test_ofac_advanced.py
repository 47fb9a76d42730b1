"""OFAC's Advanced Sanctions List Standard XML: the hand-written SDN fixture (an aircraft, an
original-script name, document dates, typed relationships) and the real 2020 cons_advanced.xml."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from ofac_fixture_facts import FIXTURES, assert_fixture_aircraft, assert_fixture_vessel, by_id, parsed

from clearance.model import EntityType, IdScheme, NameKind

ADVANCED = FIXTURES / "sdn_advanced.xml"



def test_fixture_advanced_sdn() -> None:
    entities = parsed(ADVANCED, "ofac-advanced-xml", "us-ofac-sdn", "2024-05-03")
    assert sorted(entities) == ["90001", "90002", "90003", "90004", "90005"]

    person = entities["90001"]
    assert [(n.value, n.kind, n.script) for n in person.names] == [
        ("KOVALENKO, Ivan Petrovich", NameKind.PRIMARY, "Latn"),
        ("КОВАЛЕНКО, Иван Петрович", NameKind.NON_LATIN, "Cyrl"),
        ("KOVALENKO, Ivan", NameKind.ALIAS, "Latn"),  # parts given first name first: printed LAST, First
        ("VANYA", NameKind.WEAK_ALIAS, "Latn"),  # LowQuality="true"
    ]
    passport = next(i for i in person.identifiers if i.scheme is IdScheme.PASSPORT)
    assert (passport.value, passport.country, passport.note) == (
        "MP1234567", "BY", "issued 2015-02-01; expires 2025-02-01")
    assert person.birth_dates == ["1961-03-12", "1962"]  # a day, and a whole year as a period
    assert person.nationalities == ["BY", "RU"] and person.gender == "male"
    assert (person.programs, person.lists, person.listed_on) == (["BELARUS-EO14038"], ["SDN List"], "2021-08-09")
    assert [(link.kind, link.target_id) for link in person.links] == [("associate_of", "us-ofac-sdn:90002")]

    company = entities["90002"]
    assert company.type is EntityType.COMPANY and company.incorporation_dates == ["1996-06-14"]
    assert company.properties["target_type"] == ["Private Company"]  # a LOOKUP feature
    assert company.addresses[0].street == "Ul. Nemiga 5" and company.addresses[0].postal_code == "220030"
    # A relation to a profile not in the file keeps no target id; a former one says so.
    assert [(link.kind, link.target_id) for link in company.links] == [("former_owned_or_controlled_by", None)]

    aircraft = entities["90003"]
    assert_fixture_aircraft(aircraft)  # the MSN label is spelt with ’ in this format
    assert {(link.kind, link.target_id) for link in aircraft.links} == {
        ("operated_by", "us-ofac-sdn:90002"), ("owned_or_controlled_by", "us-ofac-sdn:90002")}

    vessel = entities["90004"]
    assert_fixture_vessel(vessel)
    assert vessel.addresses == []  # its Location is "undetermined"
    assert entities["90005"].identifier_values(IdScheme.CRYPTO_WALLET) == ["1FfmbHfnpaZjKFvyi1okTjJJusN455paPH"]
    assert person.record["DistinctParty"]["@FixedRef"] == "90001"
    assert [d["IDRegistrationNo"] for d in person.record["IDRegDocument"]] == ["MP1234567", "3120361A001PB1"]


def test_fixture_advanced_agrees_with_the_legacy_csv(ofac_csv_set: Path) -> None:
    """The same parties in the advanced and the legacy CSV formats have the same identifiers,
    dates, nationalities, programs and (apart from the CSV-only aliases) names."""
    advanced = by_id(ADVANCED)
    legacy = by_id(ofac_csv_set)
    for key, entity in advanced.items():
        other = legacy[key]
        assert (entity.type, entity.caption, entity.programs) == (other.type, other.caption, other.programs), key
        assert {(i.scheme, i.value, i.country) for i in entity.identifiers} <= {
            (i.scheme, i.value, i.country) for i in other.identifiers}, key
        assert (entity.birth_dates, entity.nationalities, entity.gender) == (
            other.birth_dates, other.nationalities, other.gender), key
        latin = {(n.value, n.kind) for n in entity.names if n.kind is not NameKind.NON_LATIN}
        assert latin <= {(n.value, n.kind) for n in other.names}, key


@pytest.mark.realdata
def test_real_cons_advanced(data_dir: Path) -> None:
    path = data_dir / "ofac_consolidated_advanced_2020" / "cons_advanced.xml"
    text = path.read_text(encoding="utf-8")
    entities = parsed(path, "ofac-advanced-xml", "us-ofac-cons", "2020-03-17")
    fixed_refs = re.findall(r'<DistinctParty FixedRef="(\d+)"', text)
    assert set(entities) == set(fixed_refs) and len(entities) == len(fixed_refs) == 375

    # Every relationship becomes one link on its From party, resolved within the file.
    relations = re.findall(r'<ProfileRelationship [^>]*From-ProfileID="(\d+)" To-ProfileID="(\d+)"', text)
    links = [(e.local_id, link.target_id) for e in entities.values() for link in e.links
             if link.kind == "owned_or_controlled_by"]
    assert Counter(links) == Counter((a, f"us-ofac-cons:{b}") for a, b in relations)
    # Every party is on the Consolidated List with at least one program.
    assert all("Consolidated List" in e.lists and e.programs for e in entities.values())
    # One name per distinct documented name and kind of a party (OFAC repeats a few), weak when LowQuality.
    names: Counter[bool] = Counter()
    for party in re.findall(r"<DistinctParty .*?</DistinctParty>", text, re.DOTALL):
        distinct = set()
        aliases = re.findall(r'<Alias [^>]*AliasTypeID="(\d+)"[^>]*LowQuality="(\w+)">(.*?)</Alias>', party,
                             re.DOTALL)
        for alias_type, low, body in aliases:
            for documented in re.findall(r"<DocumentedName .*?</DocumentedName>", body, re.DOTALL):
                parts = tuple(re.findall(r">([^<]+)</NamePartValue>", documented))
                distinct.add((low == "true", alias_type if low != "true" else "", parts))
        names.update(low for low, _type, _parts in distinct)
    assert sum(n.kind is NameKind.WEAK_ALIAS for e in entities.values() for n in e.names) == names[True]
    assert sum(len(e.names) for e in entities.values()) == names[True] + names[False]
    # Individuals and the rest, as the party types say.
    persons = sum(e.type is EntityType.PERSON for e in entities.values())
    assert persons == len(re.findall(r'<Profile ID="\d+" PartySubTypeID="4"', text))
