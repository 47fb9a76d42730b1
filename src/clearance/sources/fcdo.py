"""UK Sanctions List (FCDO), XML and CSV.

The list every UK designation is made on (it replaced OFSI's consolidated list as the source
of record). One ``Designation`` per designation reference (``UniqueID``: ``RUS0123``,
``BEL0045``); a person designated under two regimes has two references, so two entities:
ids are ``gb-fcdo:<UniqueID>``. ``OFSIGroupID`` (the ``gb-ofsi`` entity id) and
``UNReferenceNumber`` are kept as properties to tie the lists together.

XML: root ``Designations`` with ``DateGenerated`` (dd/mm/yyyy, the publication date) and the
``Designation`` elements: ``Names/Name`` (``Name1``..``Name6``, ``Name6`` the family or whole
name, ``NameType`` Primary Name / Primary name variation / Alias, ``AliasStrength`` Good or Low
quality a.k.a), ``NonLatinNames`` (``NameNonLatinScript``, ``NonLatinScriptLanguage``),
``RegimeName``, ``IndividualEntityShip``, ``DateDesignated``, ``LastUpdated``,
``SanctionsImposed`` (``|``-separated), ``OtherInformation``, ``UKStatementofReasons``,
``Addresses/Address``, contact details, and ``IndividualDetails``, ``EntityDetails`` or
``ShipDetails``.

CSV: the same designations flattened, a first line ``Report Date: dd/mm/yyyy`` and a header
(``Unique ID``, ``Name 1``..``Name 6``, ``Name type``, ``Alias strength``, ``Regime Name``,
``Designation Type`` - also seen headed ``Individual, Entity, Ship`` -, ``Date Designated``,
``D.O.B``, ``Passport number``, ``IMO number``...), one row per name variant: rows are grouped
by ``Unique ID``. Header names are matched case-insensitively.

Both containers are read into one intermediate form (:class:`_Designation`) and built into
entities by the same code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearance.errors import ListFormatError
from clearance.model import Entity, EntityType, Identifier, IdScheme, Link, ListMeta, Name, NameKind
from clearance.sources.base import ParsedList, csv_rows, decode_text, sha256_of
from clearance.sources.cells import (
    add_name,
    add_property,
    address,
    clean,
    countries,
    country_code,
    id_scheme,
    join_parts,
    language_code,
    latin_or_original,
    make_name,
    slash_date,
    unique,
)
from clearance.sources.xml import Element, element_record, has_root, iterparse, local, require_root

ROOT = "Designations"
_TYPES = {"individual": EntityType.PERSON, "entity": EntityType.ORGANIZATION, "ship": EntityType.VESSEL}
_REPORT_DATE = re.compile(r"report date:?\s*(\S+)", re.IGNORECASE)
_IMO = re.compile(r"^(?:IMO)?\s*(\d{7})$", re.IGNORECASE)


@dataclass
class _Designation:
    """One designation in either container. ``values`` holds every field as a list of texts
    (names and repeated groups as tuples), keyed by the XML element name."""

    unique_id: str
    where: Callable[[str], str]  # field -> "line 12, column Date Designated" / "line 7, Designation[...]/..."
    names: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (full name, type, strength)
    non_latin: list[tuple[str, str | None]] = field(default_factory=list)  # (name, language)
    addresses: list[tuple[tuple[str | None, ...], str | None, str | None]] = field(default_factory=list)
    documents: list[tuple[str, str, str | None]] = field(default_factory=list)  # (kind, number, information)
    birth_places: list[tuple[str | None, str | None]] = field(default_factory=list)  # (town, country)
    values: dict[str, list[str]] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)

    def first(self, key: str) -> str | None:
        return next(iter(self.values.get(key, [])), None)

    def all(self, key: str) -> list[str]:
        return self.values.get(key, [])


# -- XML ------------------------------------------------------------------------------------------

# Repeated text fields: key -> path below a Designation.
_XML_FIELDS = {
    "UniqueID": "UniqueID", "OFSIGroupID": "OFSIGroupID", "UNReferenceNumber": "UNReferenceNumber",
    "RegimeName": "RegimeName", "IndividualEntityShip": "IndividualEntityShip",
    "DesignationSource": "DesignationSource", "SanctionsImposed": "SanctionsImposed",
    "OtherInformation": "OtherInformation", "UKStatementofReasons": "UKStatementofReasons",
    "DateDesignated": "DateDesignated", "LastUpdated": "LastUpdated",
    "Title": ".//Titles/Title", "PhoneNumber": ".//PhoneNumbers/PhoneNumber",
    "EmailAddress": ".//EmailAddresses/EmailAddress", "Website": ".//Websites/Website",
    "DOB": ".//DOBs/DOB", "Nationality": ".//Nationalities/Nationality", "Position": ".//Positions/Position",
    "Gender": ".//Genders/Gender", "TypeOfEntity": ".//TypeOfEntities/TypeOfEntity",
    "BusinessRegistrationNumber": ".//BusinessRegistrationNumbers/BusinessRegistrationNumber",
    "ParentCompany": ".//ParentCompanies/ParentCompany", "Subsidiary": ".//Subsidiaries/Subsidiary",
    "IMONumber": ".//IMONumbers/IMONumber", "CurrentOwnerOperator": ".//CurrentOwnerOperators/CurrentOwnerOperator",
    "PreviousOwnerOperator": ".//PreviousOwnerOperators/PreviousOwnerOperator",
    "CurrentBelievedFlagOfShip": ".//CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip",
    "PreviousFlag": ".//PreviousFlags/PreviousFlag", "TypeOfShip": ".//TypeOfShipDetails/TypeOfShip",
    "TonnageOfShip": ".//TonnageOfShipDetails/TonnageOfShip", "LengthOfShip": ".//LengthOfShipDetails/LengthOfShip",
    "YearBuilt": ".//YearsBuilt/YearBuilt",
    "HullIdentificationNumber": ".//HullIdentificationNumbers/HullIdentificationNumber",
}


def _xml_designation(file: Path, element: Element) -> _Designation:
    line = element.sourceline
    uid = clean(element.findtext("UniqueID"))

    def where(child: str) -> str:
        return f"line {line}, Designation" + (f"[UniqueID={uid}]" if uid else "") + f"/{child}"

    if uid is None:
        raise ListFormatError(file, where("UniqueID"), "UniqueID missing or empty", "the designation reference")
    found = _Designation(uid, where, record=element_record(element))
    for key, path in _XML_FIELDS.items():
        texts = [t for t in (clean(e.text) for e in element.iterfind(path)) if t]
        if texts:
            found.values[key] = texts
    for name in element.iterfind("Names/Name"):
        full = join_parts(name.findtext(f"Name{i}") for i in range(1, 7)) or clean(name.findtext("Name"))
        if full:
            found.names.append((full, clean(name.findtext("NameType")), clean(name.findtext("AliasStrength"))))
    # NameNonLatinScript sits in NonLatinNames/NonLatinName, or straight in NonLatinNames; the
    # language is its sibling either way.
    for original in element.iterfind("NonLatinNames//NameNonLatinScript"):
        holder = original.getparent()
        text = clean(original.text)
        if text and holder is not None:
            found.non_latin.append((text, clean(holder.findtext("NonLatinScriptLanguage"))))
    for node in element.iterfind("Addresses/Address"):
        lines = tuple(clean(node.findtext(f"AddressLine{i}")) for i in range(1, 7))
        postal, country = clean(node.findtext("AddressPostalCode")), clean(node.findtext("AddressCountry"))
        found.addresses.append((lines, postal, country))
    for kind, path, number, info in (
        ("passport", ".//PassportDetails/Passport", "PassportNumber", "PassportAdditionalInformation"),
        ("national_id", ".//NationalIdentifierDetails/NationalIdentifier", "NationalIdentifierNumber",
         "NationalIdentifierAdditionalInformation"),
    ):
        for node in element.iterfind(path):
            value = clean(node.findtext(number))
            if value:
                found.documents.append((kind, value, clean(node.findtext(info))))
    for node in element.iterfind(".//BirthDetails/Location"):
        found.birth_places.append((clean(node.findtext("TownOfBirth")), clean(node.findtext("CountryOfBirth"))))
    return found


class FcdoXmlFormat:
    name = "fcdo-xml"
    sources = ("gb-fcdo",)
    description = "UK Sanctions List (FCDO), XML (Designations)"

    def sniff(self, path: Path, head: bytes) -> float:
        return 0.95 if has_root(path, head, ROOT) else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        require_root(path, ROOT)
        published = None
        for element in iterparse(path, ("DateGenerated", "Designation")):
            if local(element.tag) == "DateGenerated":  # it precedes the designations
                published = slash_date(element.text, path, f"line {element.sourceline}, DateGenerated")
            break
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=published)
        return ParsedList(meta, self._entities(path, source))

    def _entities(self, path: Path, source: str) -> Iterator[Entity]:
        for element in iterparse(path, "Designation"):
            yield _entity(path, source, _xml_designation(path, element))


# -- CSV ------------------------------------------------------------------------------------------

# CSV column (lower case) -> the XML field it flattens.
_CSV_FIELDS = {
    "unique id": "UniqueID", "ofsi group id": "OFSIGroupID", "un reference number": "UNReferenceNumber",
    "regime name": "RegimeName", "designation type": "IndividualEntityShip",
    "individual, entity, ship": "IndividualEntityShip", "designation source": "DesignationSource",
    "sanctions imposed": "SanctionsImposed", "other information": "OtherInformation",
    "uk statement of reasons": "UKStatementofReasons", "date designated": "DateDesignated",
    "last updated": "LastUpdated", "title": "Title", "phone number": "PhoneNumber", "email address": "EmailAddress",
    "website": "Website", "d.o.b": "DOB", "nationality(/ies)": "Nationality", "position": "Position",
    "gender": "Gender", "type of entity": "TypeOfEntity", "business registration number (s)":
    "BusinessRegistrationNumber", "parent company": "ParentCompany", "subsidiaries": "Subsidiary",
    "imo number": "IMONumber", "current owner/operator (s)": "CurrentOwnerOperator",
    "previous owner/operator (s)": "PreviousOwnerOperator", "current believed flag of ship":
    "CurrentBelievedFlagOfShip", "previous flags": "PreviousFlag", "type of ship": "TypeOfShip",
    "tonnage of ship": "TonnageOfShip", "length of ship": "LengthOfShip", "year built": "YearBuilt",
    "hull identification number (hin)": "HullIdentificationNumber",
}
CSV_REQUIRED = ("unique id", "name 6", "name type", "regime name", "date designated")


class FcdoCsvFormat:
    name = "fcdo-csv"
    sources = ("gb-fcdo",)
    description = "UK Sanctions List (FCDO), CSV (Report Date line, one row per name, grouped by Unique ID)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:2]
        header = lines[-1].lower() if lines else ""
        if "unique id" in header and "name type" in header and "regime name" in header:
            return 0.95
        return 0.6 if lines and lines[0].lower().startswith("report date") else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        rows = csv_rows(path, text=decode_text(path))
        first = next(rows, None)
        published = None
        if first is not None and first[1] and (m := _REPORT_DATE.match(first[1][0].strip())):
            published = slash_date(m.group(1), path, f"line {first[0]}, Report Date")
            first = next(rows, None)
        if first is None:
            raise ListFormatError(path, "line 1", "no header", "Report Date line, then the column names")
        header = [h.strip().lower() for h in first[1]]
        missing = [c for c in CSV_REQUIRED if c not in header]
        if missing:
            raise ListFormatError(path, f"line {first[0]}", f"header lacks column(s) {', '.join(missing)}",
                                  "the UK Sanctions List CSV columns (Unique ID, Name 6, Name type, ...)")
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=published)
        names = [c.strip() for c in first[1]]
        return ParsedList(meta, self._entities(path, source, header, names, rows))

    def _entities(self, path: Path, source: str, header: list[str], names: list[str],
                  rows: Iterator[tuple[int, list[str]]]) -> Iterator[Entity]:
        groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for line, cells in rows:
            if len(cells) != len(header):
                raise ListFormatError(path, f"line {line}", f"row has {len(cells)} cells", f"{len(header)}")
            row = {h: c.strip() for h, c in zip(header, cells, strict=True) if c.strip()}
            uid = row.get("unique id")
            if uid is None:
                raise ListFormatError(path, f"line {line}, column Unique ID", "empty", "the designation reference")
            groups.setdefault(uid, []).append((line, row))
        display = dict(zip(header, names, strict=True))
        for uid, group in groups.items():
            yield _entity(path, source, _csv_designation(uid, group, display))


def _csv_designation(uid: str, group: list[tuple[int, dict[str, str]]], display: dict[str, str]) -> _Designation:
    first_line = group[0][0]

    def where(key: str) -> str:
        """``key`` is an XML field name; the message names the CSV column that carries it."""
        candidates = [c for c, k in _CSV_FIELDS.items() if k == key] + [key.lower()]
        column = next((c for c in candidates if c in display), key)
        line = next((n for n, row in group if column in row), first_line)
        return f"line {line}, column {display.get(column, column)}"

    rows = [row for _line, row in group]
    common = {k: v for k, v in rows[0].items() if all(r.get(k) == v for r in rows[1:])}
    record = {"common": {display[k]: v for k, v in common.items()},
              "rows": [{display[k]: v for k, v in r.items() if k not in common} for r in rows]}
    found = _Designation(uid, where, record=record)
    for column, key in _CSV_FIELDS.items():
        texts = unique(row.get(column) for row in rows)
        if texts:
            found.values[key] = [*found.values.get(key, []), *texts]
    for row in rows:
        full = join_parts(row.get(f"name {i}") for i in range(1, 7))
        if full:
            found.names.append((full, row.get("name type"), row.get("alias strength")))
        if row.get("name non-latin script"):
            found.non_latin.append((row["name non-latin script"], row.get("non-latin script language")))
        lines = tuple(row.get(f"address line {i}") for i in range(1, 7))
        found.addresses.append((lines, row.get("address postal code"), row.get("address country")))
        if row.get("passport number"):
            found.documents.append(("passport", row["passport number"], row.get("passport additional information")))
        if row.get("national identifier number"):
            found.documents.append(("national_id", row["national identifier number"],
                                    row.get("national identifier additional information")))
        found.birth_places.append((row.get("town of birth"), row.get("country of birth")))
    return found


# -- both -----------------------------------------------------------------------------------------

def _entity(file: Path, source: str, found: _Designation) -> Entity:
    kind = (found.first("IndividualEntityShip") or "").lower()
    if kind not in _TYPES:
        raise ListFormatError(file, found.where("IndividualEntityShip"),
                              f"unknown designation type {found.first('IndividualEntityShip')!r}",
                              "Individual, Entity or Ship")
    designated = slash_date(found.first("DateDesignated"), file, found.where("DateDesignated"))
    if designated is None:
        raise ListFormatError(file, found.where("DateDesignated"), "DateDesignated missing", "dd/mm/yyyy")
    properties: dict[str, list[str]] = {}
    add_property(properties, "uk_sanctions_list_ref", found.unique_id)
    for key, prop in (("OFSIGroupID", "ofsi_group_id"), ("UNReferenceNumber", "un_reference"),
                      ("DesignationSource", "designation_source"), ("TypeOfEntity", "entity_type"),
                      ("TypeOfShip", "vessel_type"), ("TonnageOfShip", "vessel_tonnage"),
                      ("LengthOfShip", "vessel_length"), ("YearBuilt", "vessel_year_built"),
                      ("CurrentBelievedFlagOfShip", "vessel_flag"), ("PreviousFlag", "vessel_previous_flag"),
                      ("UKStatementofReasons", "statement_of_reasons")):
        add_property(properties, prop, *found.all(key))
    for measures in found.all("SanctionsImposed"):
        add_property(properties, "sanctions_imposed", *measures.split("|"))
    add_property(properties, "last_updated",
                 *[slash_date(d, file, found.where("LastUpdated")) for d in found.all("LastUpdated")])
    entity = Entity(
        id=f"{source}:{found.unique_id}",
        source=source,
        type=_TYPES[kind],
        names=_names(file, found),
        programs=found.all("RegimeName"),
        listed_on=designated,
        titles=unique([*found.all("Title"), *found.all("Position")]),
        properties=properties,
        remarks=join_parts(found.all("OtherInformation"), "\n\n"),
        record=found.record,
    )
    _person(file, found, entity)
    _contacts_and_links(found, entity)
    for lines, postal, country in found.addresses:
        made = address(lines, postal_code=postal, country=country)
        if made is not None and made not in entity.addresses:
            entity.addresses.append(made)
    entity.countries = unique([*(a.country for a in entity.addresses),
                               *countries(found.all("CurrentBelievedFlagOfShip"))])
    return entity


def _names(file: Path, found: _Designation) -> list[Name]:
    names: list[Name] = []
    primary_seen = False
    ordered = sorted(found.names, key=lambda n: (n[1] or "").strip().lower() != "primary name")
    for full, name_type, strength in ordered:
        label = (name_type or "").strip().lower()
        quality = join_parts((name_type, strength), ", ")
        if label == "primary name" and not primary_seen:
            primary_seen = True
            add_name(names, make_name(full, NameKind.PRIMARY, quality=quality))
        elif (strength or "").lower().startswith("low"):
            add_name(names, make_name(full, NameKind.WEAK_ALIAS, quality=quality))
        else:
            add_name(names, latin_or_original(full, NameKind.ALIAS, quality=quality))
    if not names:
        raise ListFormatError(file, found.where("Names"), "no name", "at least one Name with Name1..Name6")
    if not primary_seen:  # no "Primary Name": the first name given stands for it
        first = names[0]
        names[0] = Name(first.value, NameKind.PRIMARY, first.script, first.lang, first.quality)
    for text, language in found.non_latin:
        add_name(names, make_name(text, NameKind.NON_LATIN, lang=language_code(language)))
    return names


def _person(file: Path, found: _Designation, entity: Entity) -> None:
    for text in found.all("DOB"):
        try:
            entity.birth_dates.append(slash_date(text, file, found.where("DOB")) or "")
        except ListFormatError:
            add_property(entity.properties, "birth_date_text", text)  # not a date; kept as published
    entity.birth_dates = unique(entity.birth_dates)
    entity.birth_places = unique(join_parts(place, ", ") for place in found.birth_places)
    unresolved: list[str] = []
    entity.nationalities = countries(found.all("Nationality"), unresolved)
    add_property(entity.properties, "nationality_text", *unresolved)
    genders = [g.lower() for g in found.all("Gender") if g.lower() in ("male", "female")]
    entity.gender = genders[0] if genders else None
    for kind, number, information in found.documents:
        scheme = IdScheme.PASSPORT if kind == "passport" else id_scheme(information)
        identifier = Identifier(scheme if scheme is not IdScheme.OTHER else IdScheme.NATIONAL_ID, number,
                                country=country_code(information), note=information)
        if identifier not in entity.identifiers:
            entity.identifiers.append(identifier)


def _contacts_and_links(found: _Designation, entity: Entity) -> None:
    for key, scheme in (("PhoneNumber", IdScheme.PHONE), ("EmailAddress", IdScheme.EMAIL),
                        ("Website", IdScheme.WEBSITE), ("BusinessRegistrationNumber", IdScheme.REGISTRATION),
                        ("HullIdentificationNumber", IdScheme.OTHER)):
        for value in found.all(key):
            entity.identifiers.append(Identifier(scheme, value, label=key))
    for value in found.all("IMONumber"):
        m = _IMO.match(value)
        entity.identifiers.append(Identifier(IdScheme.IMO, m.group(1) if m else value, label="IMONumber"))
    for key, kind in (("ParentCompany", "owned_by"), ("CurrentOwnerOperator", "owned_by"),
                      ("Subsidiary", "owner_of"), ("PreviousOwnerOperator", "previously_owned_by")):
        for value in found.all(key):
            if Link(kind, value) not in entity.links:
                entity.links.append(Link(kind, value))
    entity.identifiers = unique(entity.identifiers)


FORMATS = [FcdoXmlFormat(), FcdoCsvFormat()]
