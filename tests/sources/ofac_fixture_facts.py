"""What the hand-written OFAC fixtures say about their aircraft and vessel, whatever the format:
each format's test checks its parse against these, so the formats are held to the same facts."""

from __future__ import annotations

from clearance.model import Entity, EntityType, IdScheme


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
