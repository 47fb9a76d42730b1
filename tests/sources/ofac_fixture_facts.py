"""What the hand-written OFAC fixtures say about their aircraft and vessel, whatever the format:
each format's test checks its parse against these, so the formats are held to the same facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearance.model import Entity, EntityType, IdScheme
from clearance.sources import detect, open_list

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ofac"


def by_id(path: Path, **options: Any) -> dict[str, Entity]:
    """Every entity of a list file by local id (``options``: ``source``, ``fmt``)."""
    return {e.local_id: e for e in open_list(path, **options).entities}


def assert_fixture_aircraft(aircraft: Entity) -> None:
    """EW-999NW (party 90003): every aircraft identifier OFAC publishes, model and build date."""
    assert aircraft.type is EntityType.AIRCRAFT
    assert aircraft.identifier_values(IdScheme.TAIL_NUMBER) == ["EW-999NW"]
    assert aircraft.identifier_values(IdScheme.PREVIOUS_TAIL_NUMBER) == ["EW-998NW"]
    assert aircraft.identifier_values(IdScheme.MSN) == ["35123"]
    assert aircraft.identifier_values(IdScheme.CONSTRUCTION_NUMBER) == ["1234"]
    assert aircraft.identifier_values(IdScheme.MODE_S) == ["5100AB"]
    assert aircraft.properties["aircraft_model"] == ["B.737-800"]
    assert aircraft.properties["aircraft_manufacture_date"] == ["2008-01-15"]


def assert_fixture_vessel(vessel: Entity) -> None:
    """POLAR STAR (party 90004): IMO, MMSI, call sign, flag (a property and a country), type."""
    assert vessel.type is EntityType.VESSEL
    assert vessel.identifier_values(IdScheme.IMO) == ["9111111"]
    assert vessel.identifier_values(IdScheme.MMSI) == ["355000001"]
    assert vessel.identifier_values(IdScheme.CALL_SIGN) == ["9BAB1"]
    assert vessel.countries == ["PA"] and vessel.properties["vessel_flag"] == ["Panama"]
    assert vessel.properties["vessel_type"] == ["Crude Oil Tanker"]


def parsed(path: Path, fmt: str, source: str, published: str | None) -> dict[str, Entity]:
    """Parse ``path`` after checking it is detected as ``fmt`` and read as list ``source``
    published on ``published``; the entities by local id, each id seen once."""
    assert detect(path).name == fmt
    result = open_list(path)
    assert (result.meta.source, result.meta.published) == (source, published)
    entities: dict[str, Entity] = {}
    for entity in result.entities:
        assert entity.local_id not in entities and entity.source == source
        entities[entity.local_id] = entity
    return entities
