"""The shared fact graph of one transaction at one date, built once and read by every evaluator.

Nodes are the parties, their owners (recursively) and the aircraft's operator and owner, each
resolved to pack subjects and list entities. Places are the airports, FIRs, legs, destination
and the parties' countries, each with country and subdivision. Items carry whether they are
subject to the EAR and at which control level, or why that is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from clearance.errors import TransactionError
from clearance.matching.identifiers import identifier_key
from clearance.model.entity import IdScheme
from clearance.model.transaction import Item, Owner, Transaction
from clearance.model.verdict import Certainty
from clearance.policy.reference.airports import AirportIndex, AirportInfo
from clearance.policy.resolve import Match, Resolver, name_key
from clearance.policy.schema import CARRIER_ROLES, EarReference, Pack

DEFAULT_ACTIVITY = {"flight": "flight", "export": "export", "payment": "payment", "shipment": "transport"}
AIRCRAFT = "aircraft"  # the node key of the aircraft


@dataclass(frozen=True, slots=True)
class Holding:
    owner: str  # node key
    share: float
    held: bool  # held on the evaluation date


@dataclass(slots=True)
class Node:
    key: str  # "parties[0]", "parties[0].owners[1]", "aircraft.operator"
    name: str
    role: str | None  # the party role; "owner" for owners; "aircraft_operator" / "aircraft_owner"
    participant: bool  # takes part in the transaction (owners do not)
    country: str | None
    flags: dict[str, bool | None]
    matches: list[Match] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.key} ({self.name})"

    @property
    def is_carrier(self) -> bool:
        return self.role in CARRIER_ROLES or self.role == "aircraft_operator"

    def subjects(self) -> dict[str, bool]:
        """Pack subject id -> whether the identity is exact (True) or a screening match (False)."""
        out: dict[str, bool] = {}
        for m in self.matches:
            if m.subject is not None:
                out[m.subject] = out.get(m.subject, False) or m.exact
        return out


@dataclass(frozen=True, slots=True)
class Place:
    path: str  # "route.to"
    role: str  # from | to | via | fir | leg | destination | party
    label: str
    country: str | None
    subdivision: str | None = None
    airport: AirportInfo | None = None


@dataclass(frozen=True, slots=True)
class Tri:
    """A fact that is true, false, or unknown (None) with the reason it is unknown."""

    value: bool | None
    why: str
    certainty: Certainty = Certainty.VERIFIED


@dataclass(slots=True)
class AircraftFacts:
    registration: str | None
    key: str | None  # canonical registration key
    model: str | None
    eccn: str | None
    matches: list[Match]
    operator: str | None  # node key
    owner: str | None  # node key
    subject_to_ear: Tri
    nationalities: dict[str, str]  # country -> why (registration mark, operator, owner)

    @property
    def label(self) -> str:
        return self.registration or "the aircraft"

    def subjects(self) -> set[str]:
        return {m.subject for m in self.matches if m.subject is not None}


@dataclass(frozen=True, slots=True)
class ItemFacts:
    index: int
    item: Item
    subject_to_ear: Tri
    control_level: str | None  # EAR99 | AT_ONLY | CONTROLLED
    control_why: str
    control_certainty: Certainty
    for_transaction_aircraft: bool | None  # None: item names no aircraft
    possible_levels: frozenset[str] = frozenset({"EAR99", "AT_ONLY", "CONTROLLED"})  # what it may be at most

    @property
    def label(self) -> str:
        text = self.item.description or self.item.eccn or self.item.hs or "item"
        return f"{self.item.path} ({text})"


@dataclass(slots=True)
class Facts:
    tx: Transaction
    day: date
    nodes: dict[str, Node]
    aircraft: AircraftFacts | None
    places: list[Place]
    route_sequence: list[Place]  # airports or legs in travel order
    items: list[ItemFacts]
    activity: str | None
    modes: set[str]

    def participants(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.participant]


def normalize_eccn(eccn: str) -> str:
    return "EAR99" if eccn.upper() == "EAR99" else eccn[:5].upper() + eccn[5:].lower()


class FactBuilder:
    """Builds :class:`Facts`; unknown airport codes become a :class:`TransactionError` with the path."""

    def __init__(self, packs: Sequence[Pack], airports: AirportIndex, resolver: Resolver) -> None:
        self.airports = airports
        self.resolver = resolver
        self.ear: EarReference | None = next((p.ear for p in packs if p.ear is not None), None)
        self.marks: dict[str, str] = {}
        for pack in packs:
            for mark, country in pack.registration_marks.items():
                self.marks.setdefault(identifier_key(mark), country)
        self.subject_country = {s.id: s.country for p in packs for s in p.subjects if s.country}
        self.subject_names = {s.id: s.names[0] for p in packs for s in p.subjects if s.names}
        self.subject_links = {s.id: (s.operator, s.owner) for p in packs for s in p.subjects}

    def build(self, tx: Transaction, day: date) -> Facts:
        errors: list[str] = []
        nodes: dict[str, Node] = {}
        for party in tx.parties:
            node = self._node(party.path, party.name, party.role, True, party.country, party.identifiers,
                              {f: party.flag(f) for f in ("us_person", "eu_person", "uk_person")})
            nodes[node.key] = node
        for party in tx.parties:
            self._owners(nodes, party.path, party.owners, day)
        aircraft = self._aircraft(tx, nodes)
        places, sequence = self._places(tx, nodes, errors)
        if errors:
            raise TransactionError("invalid transaction: " + "; ".join(errors) if len(errors) == 1 else
                                   f"invalid transaction, {len(errors)} errors:\n" +
                                   "\n".join(f"  - {e}" for e in errors))
        items = [self._item(i, item, aircraft) for i, item in enumerate(tx.items)]
        modes = {m for m in [tx.route.mode if tx.route else None] + [leg.mode for leg in
                 (tx.route.legs if tx.route else ())] if m}
        if tx.kind == "flight":
            modes.add("air")
        return Facts(tx, day, nodes, aircraft, places, sequence, items,
                     tx.activity or DEFAULT_ACTIVITY.get(tx.kind), modes)

    # -- nodes -------------------------------------------------------------------------
    def _node(self, key: str, name: str, role: str | None, participant: bool, country: str | None,
              identifiers: Sequence[tuple[IdScheme, str]], flags: dict[str, bool | None]) -> Node:
        matches = self.resolver.party(name, identifiers, country)
        if country is None:
            country = next((self.subject_country[m.subject] for m in matches
                            if m.exact and m.subject in self.subject_country), None)
        return Node(key, name, role, participant, country, flags, matches)

    def _find(self, nodes: dict[str, Node], name: str) -> Node | None:
        wanted = name_key(name)
        return next((n for n in nodes.values() if n.participant and name_key(n.name) == wanted), None)

    def _owners(self, nodes: dict[str, Node], path: str, owners: Sequence[Owner], day: date) -> None:
        holder = nodes[path]
        for owner in owners:
            same = self._find(nodes, owner.name)
            if same is not None and same.key != path:
                key = same.key  # an owner that is also a party: one node, its own owners count too
            else:
                key = owner.path
                nodes[key] = self._node(key, owner.name, "owner", False, owner.country, owner.identifiers,
                                        {"us_person": None, "eu_person": None, "uk_person": None})
                self._owners(nodes, key, owner.owners, day)
            holder.holdings.append(Holding(key, owner.share, owner.held_on(day)))

    def _linked(self, nodes: dict[str, Node], key: str, name: str | None, subject: str | None, role: str) -> str | None:
        if name is None and subject is not None:
            name = self.subject_names.get(subject)
        if name is None:
            return None
        same = self._find(nodes, name)
        if same is not None:
            return same.key
        nodes[key] = self._node(key, name, role, True, None, (), {"us_person": None, "eu_person": None,
                                                                  "uk_person": None})
        return key

    def _aircraft(self, tx: Transaction, nodes: dict[str, Node]) -> AircraftFacts | None:
        a = tx.aircraft
        if a is None:
            return None
        matches = self.resolver.aircraft(a.registration, a.msn)
        linked = next(((self.subject_links.get(m.subject or "") or (None, None)) for m in matches if m.subject),
                      (None, None))
        operator = self._linked(nodes, "aircraft.operator", a.operator, linked[0], "aircraft_operator")
        owner = self._linked(nodes, "aircraft.owner", a.owner, linked[1], "aircraft_owner")
        nationalities: dict[str, str] = {}
        key = identifier_key(a.registration, IdScheme.TAIL_NUMBER) if a.registration else None
        if key is not None:
            for length in (3, 2, 1):
                country = self.marks.get(key[:length])
                if country is not None:
                    nationalities[country] = f"registration mark {key[:length]}"
                    break
        for node_key, what in ((operator, "operator"), (owner, "owner")):
            node = nodes.get(node_key or "")
            if node is not None and node.country:
                nationalities.setdefault(node.country, f"{what} {node.name}")
        return AircraftFacts(
            registration=a.registration,
            key=key,
            model=a.model,
            eccn=normalize_eccn(a.eccn) if a.eccn else None,
            matches=matches,
            operator=operator,
            owner=owner,
            subject_to_ear=self._ear_status(a.subject_to_ear, a.eccn, None, a.us_content_pct, "aircraft"),
            nationalities=nationalities,
        )

    # -- places ------------------------------------------------------------------------
    def _airport(self, code: str, path: str, role: str, errors: list[str]) -> Place | None:
        info = self.airports.get(code)
        if info is None:
            errors.append(f"{path}: unknown airport code {code!r} (expected an IATA or ICAO code known to "
                          f"{self.airports.source} or the override table)")
            return None
        label = f"{info.iata or info.icao} ({info.name})"
        return Place(path, role, label, info.country, info.subdivision, info)

    def _places(self, tx: Transaction, nodes: dict[str, Node], errors: list[str]) -> tuple[list[Place], list[Place]]:
        places: list[Place] = []
        sequence: list[Place] = []
        route = tx.route
        if route is not None:
            endpoints = [("route.from", "from", route.origin)]
            endpoints += [(f"route.via[{i}]", "via", code) for i, code in enumerate(route.via)]
            endpoints += [("route.to", "to", route.to)]
            for path, role, code in endpoints:
                if code is None:
                    continue
                place = self._airport(code, path, role, errors)
                if place is not None:
                    places.append(place)
                    sequence.append(place)
            for i, fir in enumerate(route.firs or ()):
                country = self.airports.fir_country(fir)
                places.append(Place(f"route.firs[{i}]", "fir", f"FIR {fir}", country))
            for leg in route.legs:
                label = leg.place or leg.port or leg.country or leg.path
                place = Place(leg.path, "leg", label, leg.country, leg.subdivision)
                places.append(place)
                sequence.append(place)
        if tx.destination is not None:
            label = tx.destination.subdivision or tx.destination.country or "unknown"
            places.append(Place("destination", "destination", label, tx.destination.country,
                                tx.destination.subdivision))
        for node in nodes.values():
            if node.participant and node.country:
                places.append(Place(node.key, "party", node.label, node.country))
        return places, sequence

    # -- items -------------------------------------------------------------------------
    def _ear_status(self, given: bool | None, eccn: str | None, origin: str | None, us_pct: float | None,
                    what: str) -> Tri:
        if given is not None:
            return Tri(given, f"{what} stated {'' if given else 'not '}subject to the EAR")
        if eccn:
            return Tri(True, f"{what} classified {normalize_eccn(eccn)} (an EAR classification)")
        if origin == "US":
            return Tri(True, f"{what} of US origin")
        if us_pct is not None and self.ear is not None and self.ear.de_minimis_pct is not None:
            above = us_pct > self.ear.de_minimis_pct
            certainty = self.ear.de_minimis_provenance.certainty if self.ear.de_minimis_provenance else \
                Certainty.UNVERIFIED
            return Tri(above, f"{what} has {us_pct:g}% controlled US content (de minimis "
                              f"{self.ear.de_minimis_pct:g}%)", certainty)
        return Tri(None, f"whether the {what} is subject to the EAR is not given (US origin, an ECCN, or "
                         "controlled US content above de minimis)")

    def _item(self, index: int, item: Item, aircraft: AircraftFacts | None) -> ItemFacts:
        eccn = normalize_eccn(item.eccn) if item.eccn else None
        level, why, certainty = None, "the item's control level is not given (ECCN and reasons for control)", \
            Certainty.UNVERIFIED
        if eccn == "EAR99":
            level, why, certainty = "EAR99", "EAR99", Certainty.VERIFIED
        elif item.reasons_for_control:
            reasons = set(item.reasons_for_control)
            level = "AT_ONLY" if reasons == {"AT"} else "CONTROLLED"
            why, certainty = f"reasons for control {', '.join(sorted(reasons))}", Certainty.VERIFIED
        elif eccn is not None:
            known = next(((prefix, c) for prefix, c in (self.ear.at_only_eccns if self.ear else ())
                          if eccn.upper().startswith(prefix)), None)
            if known is not None:
                level, why, certainty = "AT_ONLY", f"{eccn}: {known[0]} is controlled for AT only", known[1]
            else:
                why = f"the reasons for control of {eccn} are not given"
        possible = frozenset({"EAR99", "AT_ONLY", "CONTROLLED"})
        if eccn is not None:
            possible = frozenset({"EAR99"}) if eccn == "EAR99" else frozenset({"AT_ONLY", "CONTROLLED"})
        if level is not None and certainty is not Certainty.UNVERIFIED:
            possible = frozenset({level})
        for_aircraft = None
        if item.for_aircraft is not None:
            for_aircraft = aircraft is not None and aircraft.key == identifier_key(item.for_aircraft,
                                                                                   IdScheme.TAIL_NUMBER)
        return ItemFacts(index, item, self._ear_status(item.subject_to_ear, item.eccn, item.origin,
                                                       item.us_content_pct, "item"),
                         level, why, certainty, for_aircraft, possible)
