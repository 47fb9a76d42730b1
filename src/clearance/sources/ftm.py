"""FollowTheMoney (FtM) entities as JSON lines: ``{"id", "schema", "properties": {...}, "datasets"}``.

The format of OpenSanctions exports and of other investigative data sets. Parties are read from
the schemata Person, Organization, Company, LegalEntity, PublicBody, Vessel and Airplane.
Entities of other schemata that describe a party are folded into it:

* ``Sanction`` (its ``entity``): programs, the earliest ``startDate``/``listingDate``, authority;
* ``Ownership`` (``owner`` -> ``asset``, ``percentage``): an ``owned_by`` link with the share
  on the asset and an ``owner_of`` link on the owner; ``Directorship`` gives ``directed_by`` /
  ``director_of``; ``UnknownLink``, ``Associate`` and ``Family`` give ``linked_to``; a vehicle's
  ``owner`` and ``operator`` give ``owned_by`` and ``operated_by`` (a link reads "this entity
  <kind> the target");
* ``Identification`` and ``Passport`` (``holder``): identifiers; ``Address`` entities referred
  to by ``addressEntity``: addresses.

Everything else is skipped; the counts of what was read and what was skipped, by schema, are
in the version's metadata (``schemas``, ``skipped``). Folding needs the whole file, so it is
read twice: once for the relations, once for the parties.

Entity ids are ``<source>:<FtM id>``, the source ``ftm`` unless ``--source custom:NAME`` names
another. ``datasets`` become the entity's ``lists``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearance.errors import ListFormatError
from clearance.model import Address, Entity, EntityType, Identifier, IdScheme, Link, ListMeta, Name, NameKind
from clearance.model.dates import parse_partial_date
from clearance.sources.base import ParsedList, sha256_of
from clearance.sources.cells import (
    add_name,
    add_property,
    clean,
    countries,
    id_scheme,
    join_parts,
    latin_or_original,
    make_name,
    unique,
)

PARTIES = {
    "Person": EntityType.PERSON,
    "Organization": EntityType.ORGANIZATION,
    "LegalEntity": EntityType.ORGANIZATION,
    "PublicBody": EntityType.ORGANIZATION,
    "Company": EntityType.COMPANY,
    "Vessel": EntityType.VESSEL,
    "Airplane": EntityType.AIRCRAFT,
}
FOLDED = ("Sanction", "Ownership", "Directorship", "UnknownLink", "Associate", "Family", "Identification",
          "Passport", "Address")  # read into the parties they describe
_NAME_KINDS = (("alias", NameKind.ALIAS), ("abbreviation", NameKind.ALIAS), ("weakAlias", NameKind.WEAK_ALIAS),
               ("previousName", NameKind.PREVIOUS))
# property -> (scheme, label); aircraft registration numbers are tail numbers (see _identifiers).
_IDENTIFIERS = {
    "taxNumber": (IdScheme.TAX_ID, None), "vatCode": (IdScheme.TAX_ID, "VAT"), "innCode": (IdScheme.TAX_ID, "INN"),
    "registrationNumber": (IdScheme.REGISTRATION, None), "ogrnCode": (IdScheme.REGISTRATION, "OGRN"),
    "okpoCode": (IdScheme.REGISTRATION, "OKPO"), "dunsCode": (IdScheme.REGISTRATION, "DUNS"),
    "kppCode": (IdScheme.OTHER, "KPP"), "bikCode": (IdScheme.OTHER, "BIK"), "isinCode": (IdScheme.OTHER, "ISIN"),
    "idNumber": (IdScheme.NATIONAL_ID, None), "passportNumber": (IdScheme.PASSPORT, None),
    "socialSecurityNumber": (IdScheme.NATIONAL_ID, "SSN"), "leiCode": (IdScheme.LEI, None),
    "swiftBic": (IdScheme.SWIFT_BIC, None), "imoNumber": (IdScheme.IMO, None), "mmsi": (IdScheme.MMSI, None),
    "callSign": (IdScheme.CALL_SIGN, None), "serialNumber": (IdScheme.MSN, None), "email": (IdScheme.EMAIL, None),
    "phone": (IdScheme.PHONE, None), "website": (IdScheme.WEBSITE, None),
}
_PROPERTIES = {"topics": "topics", "sector": "sector", "legalForm": "legal_form", "status": "status",
               "model": "aircraft_model", "type": "type", "buildDate": "build_date", "flag": "vessel_flag",
               "pastFlags": "vessel_previous_flag", "tonnage": "vessel_tonnage", "sourceUrl": "source_url",
               "wikidataId": "wikidata_id", "deathDate": "death_date"}
_VEHICLE_LINKS = (("owner", "owned_by"), ("operator", "operated_by"))  # Vessel/Airplane entity references
_TOP_LEVEL = ("first_seen", "last_seen", "last_change", "target")  # OpenSanctions' fields beside the properties


@dataclass
class _Folded:
    """What the non-party entities say about one party."""

    programs: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    authorities: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line; malformed lines are ListFormatErrors."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise ListFormatError(path, f"line {number}, byte {exc.start}", f"cannot decode byte "
                                      f"0x{raw[exc.start]:02x}", "UTF-8 JSON lines") from exc
            except json.JSONDecodeError as exc:
                raise ListFormatError(path, f"line {number}, column {exc.colno}", f"not valid JSON: {exc.msg}",
                                      "one FtM entity object per line") from exc
            if not isinstance(data, dict):
                raise ListFormatError(path, f"line {number}", f"a JSON {type(data).__name__}", "an object")
            for key in ("id", "schema"):
                if not isinstance(data.get(key), str) or not data[key]:
                    raise ListFormatError(path, f"line {number}, field {key}", "missing or not a string",
                                          "an FtM entity with id and schema")
            properties = data.get("properties", {})
            if not isinstance(properties, dict) or any(
                    not isinstance(v, list) or not all(isinstance(i, str) for i in v) for v in properties.values()):
                raise ListFormatError(path, f"line {number}, field properties", "not an object of string lists",
                                      '{"name": ["..."], ...}')
            yield number, data


def _values(data: dict[str, Any], prop: str) -> list[str]:
    return [v for v in (clean(x) for x in data.get("properties", {}).get(prop, [])) if v]


def _first(data: dict[str, Any], *props: str) -> str | None:
    """The first value of the first of ``props`` that has one."""
    return next((v for prop in props for v in _values(data, prop)), None)


_LINK_ENDS = {  # relation schema -> (property of one end, property of the other, link kinds forward/backward)
    "Ownership": ("owner", "asset", "owner_of", "owned_by"),
    "Directorship": ("director", "organization", "director_of", "directed_by"),
    "UnknownLink": ("subject", "object", "linked_to", "linked_to"),
    "Associate": ("person", "associate", "linked_to", "linked_to"),
    "Family": ("person", "relative", "linked_to", "linked_to"),
}


class _Relations:
    """The first pass over a file: party captions (link targets are named by them), Address
    entities, schema counts, and what each relation entity says about the parties it joins."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.source = source
        self.folded: dict[str, _Folded] = {}
        self.captions: dict[str, str] = {}
        self.addresses: dict[str, Address] = {}
        self.counts: Counter[str] = Counter()
        ends: list[tuple[str, str, str, str, float | None]] = []  # (one, other, forward, backward, share)
        for line, data in _lines(path):
            schema = data["schema"]
            self.counts[schema] += 1
            if schema in PARTIES:
                self.captions[data["id"]] = _first(data, "name") or str(data.get("caption") or data["id"])
            elif schema == "Address":
                self._address(data)
            elif schema == "Sanction":
                self._sanction(line, data)
            elif schema in ("Identification", "Passport"):
                self._document(schema, data)
            elif schema in _LINK_ENDS:
                one, other, forward, backward = _LINK_ENDS[schema]
                share = _share(_first(data, "percentage"))
                ends += [(a, b, forward, backward, share) for a in _values(data, one) for b in _values(data, other)]
        for one, other, forward, backward, share in ends:  # captions are all known now
            self._about(one).links.append(self.link(forward, other, share))
            self._about(other).links.append(self.link(backward, one, share))

    def link(self, kind: str, target: str, share: float | None = None) -> Link:
        """A link to the FtM entity ``target``: by its entity id when it is a party of this file."""
        if target in self.captions:
            return Link(kind, self.captions[target], f"{self.source}:{target}", share)
        return Link(kind, target, None, share)

    def _about(self, party: str) -> _Folded:
        return self.folded.setdefault(party, _Folded())

    def _address(self, data: dict[str, Any]) -> None:
        street, city = _first(data, "street"), _first(data, "city")
        self.addresses[data["id"]] = Address(
            full=_first(data, "full") or join_parts([street, city], ", "), street=street, city=city,
            postal_code=_first(data, "postalCode"), region=_first(data, "region", "state"),
            country=next(iter(countries(_values(data, "country"))), None))

    def _sanction(self, line: int, data: dict[str, Any]) -> None:
        for target in _values(data, "entity"):
            about = self._about(target)
            about.programs += _values(data, "program")
            about.authorities += _values(data, "authority")
            for prop in ("startDate", "listingDate"):
                about.listed += [_date(self.path, line, prop, v) for v in _values(data, prop)]

    def _document(self, schema: str, data: dict[str, Any]) -> None:
        label = _first(data, "type")
        scheme = IdScheme.PASSPORT if schema == "Passport" else id_scheme(label)
        country = next(iter(countries(_values(data, "country"))), None)
        for holder in _values(data, "holder"):
            self._about(holder).identifiers += [Identifier(scheme, value, country=country, label=label or schema)
                                                for value in _values(data, "number")]


class FtmFormat:
    name = "ftm"
    sources = ("ftm",)
    description = "FollowTheMoney entities, JSON lines (Person, Company, Vessel, Airplane... with their links)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        first = head.lstrip().split(b"\n", 1)[0]
        return 0.9 if first.startswith(b"{") and b'"schema"' in first and b'"properties"' in first else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        relations = _Relations(path, source)
        counts = relations.counts
        skipped = {s: n for s, n in sorted(counts.items()) if s not in PARTIES and s not in FOLDED}
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        extra={"schemas": dict(sorted(counts.items())), "skipped": skipped})
        return ParsedList(meta, self._entities(path, source, relations))

    @staticmethod
    def _entities(path: Path, source: str, relations: _Relations) -> Iterator[Entity]:
        for line, data in _lines(path):
            if data["schema"] in PARTIES:
                yield _entity(path, line, source, data, relations)


_ISO_PREFIX = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:[T ].*)?$")


def _date(path: Path, line: int, prop: str, text: str) -> str:
    """FtM dates are ISO 8601 prefixes (``1954``, ``1954-08``, ``1954-08-30``, with a time or not)."""
    m = _ISO_PREFIX.match(text)
    found = parse_partial_date(m.group(1)) if m else None
    if found is None:
        raise ListFormatError(path, f"line {line}, properties.{prop}", f"bad date {text!r}",
                              "an ISO date: YYYY, YYYY-MM or YYYY-MM-DD")
    return found


def _share(text: str | None) -> float | None:
    """``51``, ``51%`` or ``0.51`` -> 0.51; anything else None."""
    try:
        value = float((text or "").rstrip("% "))
    except ValueError:
        return None
    return value / 100 if value > 1 else value


def _entity(path: Path, line: int, source: str, data: dict[str, Any], relations: _Relations) -> Entity:
    extra = relations.folded.get(data["id"], _Folded())
    etype = PARTIES[data["schema"]]
    names: list[Name] = []
    for value in _values(data, "name"):
        add_name(names, make_name(value, NameKind.PRIMARY if not names else NameKind.ALIAS))
    for prop, kind in _NAME_KINDS:
        for value in _values(data, prop):
            add_name(names, latin_or_original(value, kind))
    if not names:
        raise ListFormatError(path, f"line {line}, properties.name", "no name", "a name")
    if names[0].kind is not NameKind.PRIMARY:  # no "name": the first alias stands for it
        names[0] = Name(names[0].value, NameKind.PRIMARY, names[0].script, names[0].lang, names[0].quality)
    properties: dict[str, list[str]] = {}
    for prop, key in _PROPERTIES.items():
        add_property(properties, key, *_values(data, prop))
    for top in _TOP_LEVEL:
        published = data.get(top)
        add_property(properties, top, str(published).lower() if isinstance(published, bool) else published)
    add_property(properties, "authority", *extra.authorities)
    genders = [g.lower() for g in _values(data, "gender") if g.lower() in ("male", "female")]
    entity = Entity(
        id=f"{source}:{data['id']}",
        source=source,
        type=etype,
        names=names,
        identifiers=_identifiers(data, etype, extra),
        birth_dates=unique(_date(path, line, "birthDate", d) for d in _values(data, "birthDate")),
        birth_places=_values(data, "birthPlace"),
        incorporation_dates=unique(_date(path, line, "incorporationDate", d)
                                   for d in _values(data, "incorporationDate")),
        nationalities=countries([*_values(data, "nationality"), *_values(data, "citizenship")]),
        countries=countries([*_values(data, "country"), *_values(data, "jurisdiction"),
                             *_values(data, "mainCountry"), *_values(data, "flag")]),
        addresses=_addresses(data, relations.addresses),
        gender=genders[0] if genders else None,
        programs=unique([*_values(data, "program"), *extra.programs]),
        lists=[str(d) for d in data.get("datasets", [])],
        listed_on=min(extra.listed, default=None),
        links=unique([*extra.links, *(relations.link(kind, ref) for prop, kind in _VEHICLE_LINKS
                                      for ref in _values(data, prop))]),
        titles=unique([*_values(data, "title"), *_values(data, "position")]),
        properties=properties,
        remarks=join_parts([*_values(data, "notes"), *_values(data, "summary"), *_values(data, "description")],
                           "\n\n"),
        record=data,
    )
    return entity


def _identifiers(data: dict[str, Any], etype: EntityType, extra: _Folded) -> list[Identifier]:
    out: list[Identifier] = []
    for prop, (scheme, label) in _IDENTIFIERS.items():
        if prop == "registrationNumber" and etype is EntityType.AIRCRAFT:
            scheme = IdScheme.TAIL_NUMBER  # an aircraft's registration is its tail number
        out += [Identifier(scheme, v, label=label or prop) for v in _values(data, prop)]
    return unique([*out, *extra.identifiers])


def _addresses(data: dict[str, Any], known: dict[str, Address]) -> list[Address]:
    found = [Address(full=text) for text in _values(data, "address")]
    found += [known[ref] for ref in _values(data, "addressEntity") if ref in known]
    return unique(found)


FORMATS = [FtmFormat()]
