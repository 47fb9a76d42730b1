"""Reference data and identity: airports and their contested-territory overrides, party and aircraft
resolution (exact identifiers, never fuzzy for aircraft; screening matches need confirmation)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clearance.model.entity import EntityType
from clearance.model.screening import Hit, ListRef, Query, ScreenResult
from clearance.model.transaction import Transaction
from clearance.policy import AirportIndex, PolicySet, builtin_pack_dirs
from clearance.policy.reference.airports import SubdivisionNames
from clearance.policy.resolve import Resolver

pytestmark = pytest.mark.store_independent

OVERRIDES = {
    "airports": [{"icao": "UKFF", "iata": "SIP", "aliases": ["URFF"], "country": "UA", "subdivision": "UA-43",
                  "claimed_by": "RU", "name": "Simferopol"}],
}


def test_a_record_that_says_urff_and_ru_resolves_to_ua_43() -> None:
    records = [{"icao": "URFF", "iata": "SIP", "name": "Simferopol", "country": "RU", "subd": "Respublika Krym"},
               {"icao": "UMMS", "iata": "MSQ", "name": "Minsk", "country": "BY", "subd": "Minsk"}]
    index = AirportIndex(records, OVERRIDES)
    for code in ("SIP", "URFF", "UKFF"):
        info = index.get(code)
        assert info is not None
        assert (info.country, info.subdivision, info.claimed_by) == ("UA", "UA-43", "RU")
    sip = index.get("SIP")
    assert sip is not None and sip.recorded == "URFF/RU (Respublika Krym)"


def test_a_check_with_that_record_is_a_crimea_flight() -> None:
    records = [{"icao": "URFF", "iata": "SIP", "name": "Simferopol", "country": "RU", "subd": "Respublika Krym"},
               {"icao": "UMMS", "iata": "MSQ", "name": "Minsk", "country": "BY", "subd": "Minsk"}]
    policy = PolicySet.load(builtin_pack_dirs())
    tx = Transaction.from_dict({
        "kind": "flight", "date": "2025-10-01",
        "parties": [{"role": "operator", "name": "Belavia", "country": "BY"}],
        "aircraft": {"registration": "EW-455PA", "operator": "Belavia", "subject_to_ear": True, "eccn": "9A991.b"},
        "route": {"from": "MSQ", "to": "SIP"},
    })
    verdict = policy.check(tx, date(2025, 10, 1), AirportIndex(records, OVERRIDES))
    assert verdict.verdicts["US.OFAC"].outcome.value == "PROHIBITED"
    assert verdict.verdicts["US.OFAC"].deciding_rule == "US.OFAC.EMBARGO.CRIMEA"
    bis = verdict.verdicts["US.BIS"]
    assert (bis.outcome.value, bis.review) == ("LICENSE_REQUIRED", "denial")
    crimea = next(r for r in verdict.verdicts["US.OFAC"].reasons if r.rule == "US.OFAC.EMBARGO.CRIMEA")
    assert "UA-43" in crimea.text


def test_shipped_airport_data_and_overrides() -> None:
    index = AirportIndex.default()
    sevastopol = index.get("XRFF")
    assert sevastopol is not None and (sevastopol.icao, sevastopol.subdivision) == ("UKFB", "UA-40")
    ozh = index.get("OZH")
    assert ozh is not None and ozh.subdivision == "UA-23" and ozh.claimed_by is None  # partly occupied: no override
    kbp = index.get("KBP")
    assert kbp is not None and kbp.subdivision is None and kbp.subdivision_candidates == ("UA-30", "UA-32")
    assert index.get("QQQ") is None and not index.exists("QQQ")
    assert (index.fir_country("EPWW"), index.fir_country("UMMV"), index.fir_country("UMKK")) == ("PL", "BY", "RU")


def test_subdivision_names_resolve_only_when_unambiguous() -> None:
    names = SubdivisionNames({"UA": {"Crimea": "UA-43"}})
    assert names.code("UA", "Donetska oblast") == "UA-14"
    assert names.code("UA", "Crimea") == "UA-43"
    assert names.code("BY", "Minsk") is None and set(names.candidates("BY", "Minsk")) == {"BY-HM", "BY-MI"}
    assert names.code("UA", "Atlantis") is None


def _screen(hits: list[Hit]) -> Any:
    def screen(query: Query) -> ScreenResult:
        return ScreenResult(query, 0.8, (ListRef("us-ofac-sdn", "v1"),), tuple(hits))
    return screen


def _hit(entity_id: str, name: str, matched: str, score: float, kind: EntityType = EntityType.ORGANIZATION) -> Hit:
    return Hit(entity_id, "pack:belarus", kind, name, matched, score, True)


def test_a_screening_only_match_makes_the_verdict_review() -> None:
    policy = PolicySet.load(builtin_pack_dirs())
    screen = _screen([_hit("pack:belarus:ENT.BELAVIA", "Belavia", "Belavia Belarusian Airlines", 0.86)])
    tx = Transaction.from_dict({"kind": "counterparty", "date": "2024-05-01",
                                "parties": [{"role": "counterparty", "name": "Belavija Airlines Minsk"}]})
    verdict = policy.check(tx, date(2024, 5, 1), AirportIndex([], {}), screen=screen)
    ofac = verdict.verdicts["US.OFAC"]
    assert ofac.outcome.value == "REVIEW" and ofac.deciding_rule == "US.OFAC.SDN.BELAVIA"
    assert ofac.review is not None and "confirm the identity" in ofac.review
    assert verdict.parties[0].resolved == (("pack:belarus:ENT.BELAVIA", 0.86),)


def test_an_exact_name_or_identifier_decides() -> None:
    policy = PolicySet.load(builtin_pack_dirs())
    tx = Transaction.from_dict({"kind": "counterparty", "date": "2024-05-01",
                                "parties": [{"role": "counterparty", "name": "Some Airline",
                                             "identifiers": {"registration": "600 390 798"}}]})
    verdict = policy.check(tx, date(2024, 5, 1), AirportIndex([], {}))
    assert verdict.verdicts["US.OFAC"].outcome.value == "BLOCKED"
    named = Transaction.from_dict({"kind": "counterparty", "date": "2024-05-01",
                                   "parties": [{"role": "counterparty", "name": "OJSC «Belavia» Belarusian Airlines"}]})
    assert policy.check(named, date(2024, 5, 1), AirportIndex([], {})).verdicts["EU"].outcome.value == "BLOCKED"


@pytest.mark.parametrize("registration", ["EW-001PB", "EW-O01PA", "EW-001P"])
def test_aircraft_are_never_matched_fuzzily(registration: str) -> None:
    packs = PolicySet.load(builtin_pack_dirs()).packs
    screen = _screen([_hit("pack:belarus:AC.EW-001PA", "EW-001PA", "EW-001PA", 0.95, EntityType.AIRCRAFT)])
    resolver = Resolver(packs, screen=screen, entity=lambda entity_id: pytest.fail("no entity lookup expected"))
    assert all(m.subject != "AC.EW-001PA" for m in resolver.aircraft(registration, None))
    assert [m.subject for m in Resolver(packs).aircraft("ew 001pa", None)] == ["AC.EW-001PA"]
