"""The condition vocabulary of packs (``when:``), tested against the fact graph in three values.

Each test answers yes, no, or unknown (a fact the transaction does not give, a place known only
by a partly covered subdivision, a date inside an uncertain window). All keys of a condition
must hold: one "no" makes it false; otherwise one "unknown" makes it unknown, and the reasons
say which facts are missing. A rule whose condition is unknown yields REVIEW if it would decide.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from clearance.model.verdict import Certainty
from clearance.policy.facts import Facts, ItemFacts, Place, Tri
from clearance.policy.schema import Conditions, ItemTest, PlaceTest, Zone
from clearance.policy.validity import Status

YES = Tri(True, "")
NO = Tri(False, "")


def _combine(tests: Iterable[Tri], decisive: bool, otherwise: str | None) -> Tri:
    """The first test whose value is ``decisive`` wins; else any unknown makes it unknown; else the
    opposite, explained by ``otherwise`` (or, when None, by the reasons of every test)."""
    results = list(tests)
    hit = next((t for t in results if t.value is decisive), None)
    if hit is not None:
        return hit
    unknown = [t.why for t in results if t.value is None and t.why]
    if any(t.value is None for t in results):
        return Tri(None, "; ".join(dict.fromkeys(unknown)))
    why = otherwise if otherwise is not None else "; ".join(dict.fromkeys(t.why for t in results if t.why))
    return Tri(not decisive, why)


def all_of(tests: Iterable[Tri]) -> Tri:
    return _combine(tests, decisive=False, otherwise=None)


def any_of(tests: Iterable[Tri], none_why: str = "") -> Tri:
    return _combine(tests, decisive=True, otherwise=none_why)


def negate(test: Tri) -> Tri:
    return test if test.value is None else Tri(not test.value, test.why)


@dataclass
class Context:
    facts: Facts
    zones: dict[str, Zone]
    country_sets: dict[str, tuple[str, ...]]
    # For authorization exclusions: does the transaction involve a blocked person outside the scope?
    other_blocked: Tri | None = None
    _countries: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.facts.day

    def countries(self, codes: tuple[str, ...]) -> frozenset[str]:
        if codes not in self._countries:
            out: set[str] = set()
            for code in codes:
                out.update(self.country_sets.get(code[1:], ()) if code.startswith("@") else (code,))
            self._countries[codes] = frozenset(out)
        return self._countries[codes]


def in_zone(zone: Zone, place: Place, day: date) -> Tri:
    status = zone.validity.status(day)
    if status is Status.OUT:
        return Tri(False, "")
    found = _zone_membership(zone, place)
    if found.value is True and status is Status.UNCERTAIN:
        return Tri(None, f"{place.label} is in {zone.name}, but {zone.validity.doubt(day)}")
    if found.value is True and zone.provenance.certainty is Certainty.UNVERIFIED:
        return Tri(None, f"{found.why}; the zone itself is unverified")
    return found


def _zone_membership(zone: Zone, place: Place) -> Tri:
    where = f"{place.path} {place.label}"
    if place.country in zone.countries:
        return Tri(True, f"{where} is in {zone.name}")
    if place.subdivision is not None and place.subdivision in zone.subdivisions:
        return Tri(True, f"{where} is in {place.subdivision}, wholly in {zone.name}")
    if place.airport is not None:
        codes = {place.airport.iata, place.airport.icao}
        for known in zone.places:
            if known.airport in codes:
                if known.certainty is Certainty.UNVERIFIED:
                    side = "inside" if known.inside else "outside"
                    return Tri(None, f"{where} is reported {side} {zone.name}, unverified"
                               + (f" ({known.note})" if known.note else ""))
                state = "inside" if known.inside else "outside"
                return Tri(known.inside, f"{where} lies {state} {zone.name}")
    if place.subdivision is not None and place.subdivision in zone.partial_subdivisions:
        return Tri(None, f"{where} is in {place.subdivision}, only partly in {zone.name}: the exact location "
                         "decides (a subdivision code alone is not enough)")
    zone_countries = {code[:2] for code in zone.subdivisions + zone.partial_subdivisions}
    candidates = set(place.airport.subdivision_candidates) if place.airport is not None else set()
    if place.subdivision is None and candidates:
        inside = candidates & set(zone.subdivisions + zone.partial_subdivisions)
        if not inside:
            return Tri(False, "")
        return Tri(None, f"{where} is in {' or '.join(sorted(candidates))} (the data does not say which); "
                         f"{zone.name} covers {', '.join(sorted(inside))}")
    if place.subdivision is None and place.country in zone_countries:
        return Tri(None, f"{where} is in {place.country} but its subdivision is unknown; {zone.name} covers "
                         "part of that country")
    return Tri(False, "")


def place_matches(test: PlaceTest, place: Place, ctx: Context) -> Tri:
    if place.role not in test.roles:
        return NO
    results = []
    if test.countries and place.country in ctx.countries(test.countries):
        results.append(Tri(True, f"{place.path} {place.label} is in {place.country}"))
    if test.countries and place.country is None:
        results.append(Tri(None, f"the country of {place.path} {place.label} is unknown"))
    for zone_id in test.zones:
        results.append(in_zone(ctx.zones[zone_id], place, ctx.day))
    return any_of(results)


def places_test(test: PlaceTest, places: Iterable[Place], ctx: Context) -> Tri:
    return any_of(place_matches(test, p, ctx) for p in places)


def _overflight_unknown(test: PlaceTest, ctx: Context) -> Tri | None:
    """Flights whose FIRs are not given may overfly anything: unknown, when the test looks at FIRs."""
    route = ctx.facts.tx.route
    if "fir" in test.roles and ctx.facts.tx.kind == "flight" and route is not None and route.firs is None:
        return Tri(None, "route.firs not given: overflight cannot be excluded (give the FIRs crossed, "
                         "or [] for none)")
    return None


def destination_places(facts: Facts) -> list[Place]:
    """Where the goods, the aircraft or the service end up."""
    chosen = [p for p in facts.places if p.role in ("destination", "to", "via")]
    legs = [p for p in facts.places if p.role == "leg"]
    if legs and not any(p.role == "destination" for p in chosen):
        chosen.append(legs[-1])
    return chosen


def origin_places(facts: Facts) -> list[Place]:
    """Where the goods leave from: the route's origin or first leg; failing those, the exporter's country."""
    firsts = [p for p in facts.places if p.role == "from"]
    legs = [p for p in facts.places if p.role == "leg"]
    if firsts or legs:
        return firsts + legs[:1]
    return [p for p in facts.places if p.role == "party" and facts.nodes[p.path].role == "exporter"]


def item_test(test: ItemTest, item: ItemFacts) -> Tri:
    checks: list[Tri] = []
    if test.subject_to_ear is not None:
        s = item.subject_to_ear
        checks.append(s if s.value is None else Tri(s.value == test.subject_to_ear, s.why))
    if test.control_levels is not None:
        wanted = set(test.control_levels)
        if not item.possible_levels & wanted:
            checks.append(Tri(False, f"{item.label}: {item.control_why}"))
        elif item.possible_levels <= wanted:
            checks.append(Tri(True, f"{item.label}: {item.control_why}"))
        else:
            checks.append(Tri(None, f"{item.label}: {item.control_why}"
                                    + (" (unverified)" if item.control_level else "")))
    if test.eccn_prefixes is not None:
        eccn = item.item.eccn
        checks.append(Tri(None, f"{item.label}: ECCN not given") if eccn is None else
                      Tri(any(eccn.upper().startswith(p.upper()) for p in test.eccn_prefixes), f"{item.label} {eccn}"))
    if test.hs_prefixes is not None:
        hs = item.item.hs
        checks.append(Tri(None, f"{item.label}: HS/CN code not given") if hs is None else
                      Tri(any(hs.startswith(p) for p in test.hs_prefixes), f"{item.label} HS {hs}"))
    if test.origins is not None:
        origin = item.item.origin
        checks.append(Tri(None, f"{item.label}: origin not given") if origin is None else
                      Tri(origin in test.origins, f"{item.label} of {origin} origin"))
    if test.for_aircraft_in_scope:
        checks.append(Tri(item.for_transaction_aircraft is True,
                          f"{item.label} is for {item.item.for_aircraft or 'no named aircraft'}"))
    return all_of(checks)


def items_test(test: ItemTest, ctx: Context) -> Tri:
    return any_of((item_test(test, item) for item in ctx.facts.items), "no item matches")


def matching_items(test: ItemTest | None, ctx: Context) -> tuple[int, ...]:
    """Indexes of the items that do (or may) match: what a prohibition concerns."""
    if test is None:
        return ()
    return tuple(i.index for i in ctx.facts.items if item_test(test, i).value is not False)


def _choice(values: tuple[str, ...], actual: str | None, what: str, missing_is_unknown: bool = True) -> Tri:
    if actual is None:
        return Tri(None, f"{what} not given") if missing_is_unknown else Tri(False, "")
    return Tri(actual in values, f"{what} {actual}")


def _carrier(codes: frozenset[str], ctx: Context) -> Tri:
    facts = ctx.facts
    tests = []
    for node in facts.participants():
        if not node.is_carrier:
            continue
        if node.country is None:
            tests.append(Tri(None, f"the country of carrier {node.label} is not given"))
        else:
            tests.append(Tri(node.country in codes, f"carrier {node.label} is of {node.country}"))
    if facts.aircraft is not None:
        for country, why in facts.aircraft.nationalities.items():
            if country in codes:
                tests.append(Tri(True, f"aircraft {facts.aircraft.label}: {why} ({country})"))
    if not tests:
        return Tri(None, "no carrier is named (give the operating or marketing carrier)")
    return any_of(tests)


def _parties(subject_ids: tuple[str, ...], ctx: Context) -> Tri:
    tests = []
    for node in ctx.facts.participants():
        for subject, exact in node.subjects().items():
            if subject in subject_ids:
                tests.append(Tri(True, f"{node.label} is {subject}") if exact else
                             Tri(None, f"{node.label} matched {subject} by screening only: confirm the identity"))
    return any_of(tests)


def _aircraft_tests(cond: Conditions, ctx: Context) -> list[Tri]:
    aircraft = ctx.facts.aircraft
    keys = (cond.aircraft_subject_to_ear, cond.aircraft_nationality, cond.aircraft_ids)
    if all(k is None for k in keys):
        return []
    if aircraft is None:
        if ctx.facts.tx.kind == "flight":
            return [Tri(None, "the aircraft is not described (give registration and whether it is subject to "
                              "the EAR)")]
        return [NO]
    tests = []
    if cond.aircraft_subject_to_ear is not None:
        s = aircraft.subject_to_ear
        tests.append(s if s.value is None else Tri(s.value == cond.aircraft_subject_to_ear, s.why))
    if cond.aircraft_nationality is not None:
        codes = ctx.countries(cond.aircraft_nationality)
        hits = [f"{why} ({c})" for c, why in aircraft.nationalities.items() if c in codes]
        if hits:
            tests.append(Tri(True, f"aircraft {aircraft.label}: " + ", ".join(hits)))
        elif aircraft.nationalities:
            tests.append(Tri(False, ""))
        else:
            tests.append(Tri(None, f"the nationality of aircraft {aircraft.label} is unknown (registration, "
                                   "operator country)"))
    if cond.aircraft_ids is not None:
        found = aircraft.subjects() & set(cond.aircraft_ids)
        tests.append(Tri(bool(found), f"aircraft {aircraft.label} is {', '.join(sorted(found))}"))
    return tests


def _crosses(pairs: tuple[tuple[str, str], ...], ctx: Context) -> Tri:
    seq = ctx.facts.route_sequence
    tests = []
    for a, b in itertools.pairwise(seq):
        if a.country is None or b.country is None:
            tests.append(Tri(None, f"the country of {a.path if a.country is None else b.path} is unknown"))
        elif (a.country, b.country) in pairs:
            tests.append(Tri(True, f"{a.label} -> {b.label} crosses {a.country}-{b.country}"))
    return any_of(tests)


def test(cond: Conditions, ctx: Context) -> Tri:
    """Whether ``cond`` holds for the facts in ``ctx``."""
    facts = ctx.facts
    tx = facts.tx
    tests: list[Tri] = []
    if cond.kinds is not None:
        tests.append(Tri(tx.kind in cond.kinds, f"kind {tx.kind}"))
    if cond.activities is not None:
        tests.append(_choice(cond.activities, facts.activity, "activity"))
    if cond.purposes is not None:
        tests.append(_choice(cond.purposes, tx.purpose, "purpose", missing_is_unknown=False))
    if cond.modes is not None:
        tests.append(Tri(None, "the transport mode is not given") if not facts.modes else
                     Tri(bool(facts.modes & set(cond.modes)), "by " + ", ".join(sorted(facts.modes))))
    if cond.carrier_countries is not None:
        tests.append(_carrier(ctx.countries(cond.carrier_countries), ctx))
    if cond.parties is not None:
        tests.append(_parties(cond.parties, ctx))
    if cond.places is not None:
        found = places_test(cond.places, facts.places, ctx)
        unknown = _overflight_unknown(cond.places, ctx)
        tests.append(any_of([found, unknown]) if unknown is not None else found)
    if cond.not_places is not None:
        tests.append(negate(places_test(cond.not_places, facts.places, ctx)))
    if cond.destination is not None:
        dest = destination_places(facts)
        if dest:
            tests.append(places_test(cond.destination, dest, ctx))
        elif tx.kind in ("export", "shipment"):
            tests.append(Tri(None, "the destination is not given"))
        else:
            tests.append(Tri(False, "no destination is given"))
    if cond.shipped_from is not None:
        origins = origin_places(facts)
        codes = ctx.countries(cond.shipped_from)
        tests.append(any_of(Tri(p.country in codes, f"shipped from {p.label}") if p.country else
                            Tri(None, f"the country of {p.path} is unknown") for p in origins)
                     if origins else Tri(None, "where the goods leave from is not given"))
    if cond.crosses is not None:
        tests.append(_crosses(cond.crosses, ctx))
    tests.extend(_aircraft_tests(cond, ctx))
    if cond.items is not None:
        tests.append(items_test(cond.items, ctx))
    if cond.involves_other_blocked is not None:
        other = ctx.other_blocked or Tri(False, "")
        tests.append(other if cond.involves_other_blocked else negate(other))
    return all_of(tests)

