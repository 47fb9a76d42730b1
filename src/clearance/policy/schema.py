"""What a policy pack declares, as plain data: the loader builds these from YAML.

A pack is a folder of YAML files. Every rule-like object carries :class:`Provenance`
(certainty, sources, legal basis and where in the pack it was written), so that a verdict can
cite it and an unverified deciding rule turns into REVIEW.

Conditions (``when``) use a fixed vocabulary, each key a test on the transaction's facts that
answers yes, no or unknown (a missing fact); see :mod:`clearance.policy.conditions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.model.entity import EntityType, IdScheme
from clearance.model.verdict import Certainty, Outcome
from clearance.policy.validity import Validity

EFFECTS = (Outcome.BLOCKED, Outcome.PROHIBITED, Outcome.LICENSE_REQUIRED)
REVIEW_POLICIES = ("denial", "case_by_case", "unknown")
CONTROL_LEVELS = ("EAR99", "AT_ONLY", "CONTROLLED")
# Place roles a condition may look at: route endpoints and stops, FIRs overflown, shipment legs,
# the stated destination, and where parties are established.
PLACE_ROLES = ("from", "to", "via", "fir", "leg", "destination", "party")
# Unless a condition names its roles, it looks where the event happens: airports, legs, destination.
# Overflown FIRs and the parties' own countries count only where a rule says so.
DEFAULT_PLACE_ROLES = ("from", "to", "via", "leg", "destination")
CARRIER_ROLES = ("operator", "operating_carrier", "marketing_carrier", "carrier")


@dataclass(frozen=True, slots=True)
class Provenance:
    certainty: Certainty
    sources: tuple[str, ...]
    where: str  # "us_ofac.yml:42"
    legal_basis: str | None = None


@dataclass(frozen=True, slots=True)
class OwnershipRule:
    threshold: float  # 0.5
    inclusive: bool  # True: ">= threshold"; False: "> threshold"
    aggregate: bool  # add up holdings of several blocked owners
    provenance: Provenance

    def meets(self, share: float) -> bool:
        return share >= self.threshold - 1e-9 if self.inclusive else share > self.threshold + 1e-9

    def describe(self) -> str:
        op = ">=" if self.inclusive else ">"
        how = "holdings of blocked owners added up" if self.aggregate else "each blocked owner alone"
        return f"{op} {self.threshold:.0%} ({how})"


@dataclass(frozen=True, slots=True)
class ListBinding:
    """A loaded list source whose entries are blocked persons/property in a jurisdiction."""

    source: str  # "us-ofac-sdn"
    programs: dict[str, str]  # list program tag -> pack program id ("BELARUS-EO14038" -> "US.OFAC.BY")


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    id: str  # "US.OFAC"
    name: str
    nexus: str  # "persons" (flags, countries, places, currencies) | "ear" (items subject to the EAR)
    where: str
    person_flag: str | None = None  # "us_person"
    countries: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()  # payments in these currencies clear through this jurisdiction
    currency_certainty: Certainty = Certainty.UNVERIFIED
    airspace: bool = False  # overflying its territory (FIRs) is a nexus
    ownership: OwnershipRule | None = None
    lists: tuple[ListBinding, ...] = ()
    defined: bool = True  # False: a reference to a jurisdiction another pack defines


@dataclass(frozen=True, slots=True)
class Program:
    id: str
    jurisdiction: str
    name: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Subject:
    """A person, organisation or aircraft the pack knows by name and identifiers."""

    id: str  # "ENT.BELAVIA"
    type: EntityType
    names: tuple[str, ...]
    where: str
    identifiers: tuple[tuple[IdScheme, str], ...] = ()
    country: str | None = None
    operator: str | None = None  # subject id (aircraft)
    owner: str | None = None  # subject id (aircraft)
    model: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """A dated designation in one jurisdiction (pack facts win over loaded list versions)."""

    id: str
    subject: str
    jurisdiction: str
    program: str | None
    measure: str  # asset_freeze | block | block_property
    validity: Validity
    provenance: Provenance
    reference: str | None = None  # "Annex I.B #17", "SDN"
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ZonePlace:
    airport: str  # IATA or ICAO code
    inside: bool
    certainty: Certainty
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    name: str
    validity: Validity
    provenance: Provenance
    countries: tuple[str, ...] = ()
    subdivisions: tuple[str, ...] = ()  # the whole subdivision is in the zone
    partial_subdivisions: tuple[str, ...] = ()  # only part: the code alone gives REVIEW
    places: tuple[ZonePlace, ...] = ()  # known airports inside or outside a partial subdivision


@dataclass(frozen=True, slots=True)
class PlaceTest:
    countries: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    roles: tuple[str, ...] = DEFAULT_PLACE_ROLES


@dataclass(frozen=True, slots=True)
class Conditions:
    """All keys given must hold. ``None`` means the key was not given (no constraint)."""

    kinds: tuple[str, ...] | None = None
    activities: tuple[str, ...] | None = None
    purposes: tuple[str, ...] | None = None
    modes: tuple[str, ...] | None = None
    carrier_countries: tuple[str, ...] | None = None  # a carrier party (or the aircraft) of these countries
    parties: tuple[str, ...] | None = None  # a participant resolved to one of these subjects
    places: PlaceTest | None = None
    not_places: PlaceTest | None = None  # no place matches
    destination: PlaceTest | None = None
    shipped_from: tuple[str, ...] | None = None  # goods leave from (route origin / first leg) these countries
    crosses: tuple[tuple[str, str], ...] | None = None  # consecutive legs/airports (from_country, to_country)
    aircraft_subject_to_ear: bool | None = None
    aircraft_nationality: tuple[str, ...] | None = None  # registered in / operated from these countries
    aircraft_ids: tuple[str, ...] | None = None  # subject ids of aircraft
    items: ItemTest | None = None
    involves_other_blocked: bool | None = None  # only for authorization exclusions


@dataclass(frozen=True, slots=True)
class ItemTest:
    subject_to_ear: bool | None = None
    control_levels: tuple[str, ...] | None = None
    eccn_prefixes: tuple[str, ...] | None = None
    hs_prefixes: tuple[str, ...] | None = None
    origins: tuple[str, ...] | None = None
    for_aircraft_in_scope: bool | None = None  # authorizations only: item is for the aircraft in scope


@dataclass(frozen=True, slots=True)
class Variant:
    """A different outcome of the same rule when more conditions hold (e.g. case-by-case for safety)."""

    when: Conditions
    effect: Outcome
    review: str | None
    text: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    jurisdiction: str
    title: str
    effect: Outcome
    when: Conditions
    validity: Validity
    provenance: Provenance
    review: str | None = None
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnedBy:
    subjects: tuple[str, ...]
    threshold: float
    inclusive: bool
    aggregate: bool


@dataclass(frozen=True, slots=True)
class AircraftScope:
    operated_by: tuple[str, ...] | None = None  # subject ids
    subject_to_ear: bool | None = None
    eccns: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    parties: tuple[str, ...] | None = None
    owned_by: OwnedBy | None = None
    property: tuple[str, ...] | None = None
    aircraft: AircraftScope | None = None
    items: ItemTest | None = None
    activities: tuple[str, ...] | None = None
    purposes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    id: str
    text: str
    when: Conditions
    provenance: Provenance
    then_effect: Outcome | None = None  # the prohibition stays, with this outcome instead
    then_review: str | None = None


@dataclass(frozen=True, slots=True)
class Residual:
    """What is left when the authorization's party/aircraft scope holds but its item scope does not."""

    effect: Outcome
    review: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Authorization:
    id: str
    jurisdiction: str
    kind: str  # general_license | agency_authorization | derogation | specific_license
    title: str
    validity: Validity
    provenance: Provenance
    covers_rules: tuple[str, ...] = ()
    covers_programs: tuple[str, ...] = ()
    scope: Scope = field(default_factory=Scope)
    exclusions: tuple[Exclusion, ...] = ()
    residual: Residual | None = None


@dataclass(frozen=True, slots=True)
class Constraint:
    """A non-legal constraint (closed border, terminated contract): reported under ``operational``."""

    id: str
    title: str
    when: Conditions
    validity: Validity
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class EarReference:
    """Reference facts of the EAR the evaluators need to classify items."""

    de_minimis_pct: float | None
    de_minimis_provenance: Provenance | None
    at_only_eccns: tuple[tuple[str, Certainty], ...] = ()  # ECCN prefix, certainty that it is AT-only


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    version: str
    title: str
    path: str
    description: str = ""
    period: Validity = field(default_factory=Validity)
    sources: dict[str, str] = field(default_factory=dict)
    jurisdictions: tuple[Jurisdiction, ...] = ()
    country_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    registration_marks: dict[str, str] = field(default_factory=dict)  # aircraft nationality mark -> country
    programs: tuple[Program, ...] = ()
    subjects: tuple[Subject, ...] = ()
    listings: tuple[Listing, ...] = ()
    zones: tuple[Zone, ...] = ()
    rules: tuple[Rule, ...] = ()
    authorizations: tuple[Authorization, ...] = ()
    operational: tuple[Constraint, ...] = ()
    ear: EarReference | None = None

    @property
    def source_id(self) -> str:
        """The list source under which the pack's subjects are stored and screened."""
        return f"pack:{self.name}"

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "path": self.path,
            "period": self.period.describe(),
            "jurisdictions": [j.id for j in self.jurisdictions if j.defined],
            "counts": {
                "subjects": len(self.subjects),
                "listings": len(self.listings),
                "zones": len(self.zones),
                "rules": len(self.rules),
                "authorizations": len(self.authorizations),
                "operational": len(self.operational),
            },
        }
