"""How an airport resolves, and which zones of the loaded packs it falls in at a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from clearance.policy.conditions import in_zone
from clearance.policy.facts import Place
from clearance.policy.packset import PolicySet
from clearance.policy.reference.airports import AirportInfo


@dataclass(frozen=True)
class AirportReport:
    airport: AirportInfo
    date: str
    zones: tuple[dict[str, Any], ...]  # {zone, pack, name, status: inside | review, why, validity}

    def to_dict(self) -> dict[str, Any]:
        return {**self.airport.to_dict(), "date": self.date, "zones": [dict(z) for z in self.zones]}


def airport_report(airport: AirportInfo, policy: PolicySet, day: date) -> AirportReport:
    place = Place("airport", "to", f"{airport.iata or airport.icao} ({airport.name})", airport.country,
                  airport.subdivision, airport)
    zones = []
    for pack in policy.packs:
        for zone in pack.zones:
            found = in_zone(zone, place, day)
            if found.value is False:
                continue
            zones.append({
                "zone": zone.id,
                "pack": pack.name,
                "name": zone.name,
                "status": "inside" if found.value else "review",
                "why": found.why,
                "validity": zone.validity.describe(),
                "certainty": zone.provenance.certainty.value,
            })
    return AirportReport(airport, day.isoformat(), tuple(zones))
