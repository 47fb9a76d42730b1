"""The one entity model every list maps into.

An :class:`Entity` is one listed party or object (person, organisation, company, vessel,
aircraft) as a single source publishes it. Values stay as published (names, remarks) next to
their normalised forms where a standard exists (ISO country codes, partial ISO dates, identifier
schemes). ``to_dict``/``from_dict`` give the stable JSON form used by the store, ``--json``
output and the HTTP API.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EntityType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    COMPANY = "company"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


class NameKind(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"  # a strong a.k.a.
    WEAK_ALIAS = "weak_alias"  # OFAC/UN "low quality" or f.k.a.-style weak names
    NON_LATIN = "non_latin"  # the original-script form a publisher gives beside the Latin one
    PREVIOUS = "previous"  # formerly known as


class IdScheme(StrEnum):
    """Identifier schemes. ``OTHER`` keeps the publisher's own label in ``Identifier.label``."""

    TAX_ID = "tax_id"
    REGISTRATION = "registration"
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    IMO = "imo"
    MMSI = "mmsi"
    TAIL_NUMBER = "tail_number"
    PREVIOUS_TAIL_NUMBER = "previous_tail_number"
    MSN = "msn"  # aircraft manufacturer's serial number
    CONSTRUCTION_NUMBER = "construction_number"  # aircraft L/N, S/N, F/N
    MODE_S = "mode_s"  # ICAO 24-bit transponder address (hex)
    SWIFT_BIC = "swift_bic"
    LEI = "lei"
    CALL_SIGN = "call_sign"
    EMAIL = "email"
    WEBSITE = "website"
    PHONE = "phone"
    CRYPTO_WALLET = "crypto_wallet"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Name:
    value: str
    kind: NameKind = NameKind.PRIMARY
    script: str | None = None  # ISO 15924 (Latn, Cyrl, Arab, Hani, ...), None if not determined
    lang: str | None = None  # ISO 639 where the publisher says
    quality: str | None = None  # publisher's own quality label ("Good", "Low", "a.k.a.", ...)


@dataclass(frozen=True, slots=True)
class Identifier:
    scheme: IdScheme
    value: str  # as published
    country: str | None = None  # ISO 3166-1 alpha-2 of the issuer
    label: str | None = None  # the publisher's label, e.g. "Tax ID No.", "Government Gazette Number"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    full: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    country_name: str | None = None  # as published


@dataclass(frozen=True, slots=True)
class Link:
    """A relation to another party, read as "this entity <kind> target".

    Kinds in use: ``linked_to`` (OFAC "Linked To"), ``owned_by`` / ``owner_of``, ``operated_by`` /
    ``operator_of``, ``directed_by`` / ``director_of``, and the OFAC relationship types as slugs
    (``owned_or_controlled_by``, ``acting_for_or_on_behalf_of``, ...; ``former_`` prefixed when
    ended). Consumers treat any kind as a relation and the ``owned``/``operated`` ones as such.
    """

    kind: str
    target_name: str
    target_id: str | None = None  # entity id when it resolves within the same list
    share: float | None = None  # ownership share 0..1 where known


@dataclass(slots=True)
class Entity:
    id: str  # "{source}:{local_id}", stable across versions
    source: str
    type: EntityType
    names: list[Name] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)  # partial ISO: YYYY, YYYY-MM, YYYY-MM-DD
    birth_places: list[str] = field(default_factory=list)
    incorporation_dates: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    countries: list[str] = field(default_factory=list)  # ISO alpha-2: residence, jurisdiction, flag
    addresses: list[Address] = field(default_factory=list)
    gender: str | None = None  # male | female
    programs: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)  # list of origin inside an aggregate (CSL)
    listed_on: str | None = None  # partial ISO date of listing where the source gives it
    links: list[Link] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)  # positions, honorifics as published
    properties: dict[str, list[str]] = field(default_factory=dict)  # e.g. aircraft_model, vessel_flag
    remarks: str | None = None
    record: dict[str, Any] = field(default_factory=dict)  # the exact source record it came from

    @property
    def local_id(self) -> str:
        prefix = self.source + ":"
        return self.id[len(prefix) :] if self.id.startswith(prefix) else self.id

    @property
    def caption(self) -> str:
        for name in self.names:
            if name.kind is NameKind.PRIMARY:
                return name.value
        return self.names[0].value if self.names else self.id

    def identifier_values(self, scheme: IdScheme) -> list[str]:
        return [i.value for i in self.identifiers if i.scheme is scheme]

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form: every field always present, enums as strings."""
        return {
            "id": self.id,
            "source": self.source,
            "type": self.type.value,
            "caption": self.caption,
            "names": [_compact(n.__slots__, n) for n in self.names],
            "identifiers": [_compact(i.__slots__, i) for i in self.identifiers],
            "birth_dates": list(self.birth_dates),
            "birth_places": list(self.birth_places),
            "incorporation_dates": list(self.incorporation_dates),
            "nationalities": list(self.nationalities),
            "countries": list(self.countries),
            "addresses": [_compact(a.__slots__, a) for a in self.addresses],
            "gender": self.gender,
            "programs": list(self.programs),
            "lists": list(self.lists),
            "listed_on": self.listed_on,
            "links": [_compact(link.__slots__, link) for link in self.links],
            "titles": list(self.titles),
            "properties": {k: list(v) for k, v in sorted(self.properties.items())},
            "remarks": self.remarks,
            "record": self.record,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        return cls(
            id=data["id"],
            source=data["source"],
            type=EntityType(data["type"]),
            names=[Name(**{**n, "kind": NameKind(n.get("kind", "primary"))}) for n in data.get("names", [])],
            identifiers=[
                Identifier(**{**i, "scheme": IdScheme(i["scheme"])}) for i in data.get("identifiers", [])
            ],
            birth_dates=list(data.get("birth_dates", [])),
            birth_places=list(data.get("birth_places", [])),
            incorporation_dates=list(data.get("incorporation_dates", [])),
            nationalities=list(data.get("nationalities", [])),
            countries=list(data.get("countries", [])),
            addresses=[Address(**a) for a in data.get("addresses", [])],
            gender=data.get("gender"),
            programs=list(data.get("programs", [])),
            lists=list(data.get("lists", [])),
            listed_on=data.get("listed_on"),
            links=[Link(**link) for link in data.get("links", [])],
            titles=list(data.get("titles", [])),
            properties={k: list(v) for k, v in data.get("properties", {}).items()},
            remarks=data.get("remarks"),
            record=dict(data.get("record", {})),
        )

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: equal hashes mean an unchanged record."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode("utf-8")).hexdigest()


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _compact(slots: Any, obj: Any) -> dict[str, Any]:
    """Dataclass fields without the ``None`` ones, enums as their values."""
    out: dict[str, Any] = {}
    for name in slots:
        value = getattr(obj, name)
        if value is None:
            continue
        out[name] = value.value if isinstance(value, StrEnum) else value
    return out
