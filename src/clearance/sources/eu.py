"""EU Financial Sanctions Files (FSF), the consolidated list as XML (schema 1.1).

Root ``export`` in the namespace ``http://eu.europa.ec/fpi/fsd/export``; ``generationDate`` is
the publication time. One ``sanctionEntity`` per listed party, its facts in attributes:
``subjectType@code`` (person, enterprise), ``regulation`` (``programme`` such as BLR,
``numberTitle``, ``entryIntoForceDate``, ``publicationUrl``), ``nameAlias`` (``wholeName``,
``firstName``/``middleName``/``lastName``, ``nameLanguage``, ``strong``, ``function``,
``title``, ``gender``), ``citizenship``, ``birthdate`` (``birthdate`` or ``year``/
``monthOfYear``/``dayOfMonth``, ``circa``, place), ``identification`` (``identificationTypeCode``
passport, id, regnumber, swiftbic, fiscalcode, other...; ``number``), ``address`` (with
``contactInfo``) and ``remark``. ``countryIso2Code`` ``00`` means unknown.

Entity ids are ``eu-fsf:<logicalId>``: every entry has one and it keys the entry in the
Commission's database across files, while ``euReferenceNumber`` (``EU.27.28``) is missing on
some entries and is kept as the ``eu_reference_number`` property. ``unitedNationId`` is the UN
list's DATAID (``un_dataid``), which ties an entry to its ``un-sc`` counterpart.

The first name of an entry is its primary name; ``strong="false"`` names are weak aliases.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from clearance.errors import ListFormatError
from clearance.model import Address, Entity, EntityType, Identifier, IdScheme, ListMeta, Name, NameKind
from clearance.sources.base import ParsedList, is_number, sha256_of
from clearance.sources.cells import (
    add_name,
    add_property,
    clean,
    country_code,
    enumerated,
    id_scheme,
    iso_date,
    iso_datetime,
    join_parts,
    latin_or_original,
    make_name,
    unique,
)
from clearance.sources.xml import Element, element_record, iterparse, require_root, root_info

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
NS = f"{{{NAMESPACE}}}"
ROOT = "export"
_TYPES = {"person": EntityType.PERSON, "enterprise": EntityType.ORGANIZATION}
# identificationTypeCode -> scheme, where the code says more than its description would.
_ID_CODES = {
    "passport": IdScheme.PASSPORT,
    "id": IdScheme.NATIONAL_ID,
    "regnumber": IdScheme.REGISTRATION,
    "swiftbic": IdScheme.SWIFT_BIC,
    "fiscalcode": IdScheme.TAX_ID,
    "imo": IdScheme.IMO,
}
_CONTACTS = {"phone": IdScheme.PHONE, "fax": IdScheme.PHONE, "email": IdScheme.EMAIL, "web": IdScheme.WEBSITE}


def _attr(element: Element, name: str) -> str | None:
    return clean(element.get(name))


def _country(element: Element) -> tuple[str | None, str | None]:
    """(ISO code, description) of an element's country; ``00`` / UNKNOWN is no country."""
    code = _attr(element, "countryIso2Code")
    description = _attr(element, "countryDescription")
    if description and description.upper() == "UNKNOWN":
        description = None
    iso = country_code(code) if code and code != "00" else None
    return iso or country_code(description), description


class EuFsfXmlFormat:
    name = "eu-fsf-xml"
    sources = ("eu-fsf",)
    description = "EU Financial Sanctions Files, consolidated list XML (export, schema 1.1)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        root, namespace = root_info(head)
        if root != ROOT:
            return 0.0
        return 0.95 if namespace == NAMESPACE else 0.55

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        attrs = require_root(path, ROOT, NAMESPACE)
        generated = attrs.get("generationDate")
        published = iso_datetime(generated, path, f"<{ROOT}>@generationDate") if generated else None
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=published, publisher_version=attrs.get("globalFileId"))
        return ParsedList(meta, self._entities(path, source))

    def _entities(self, path: Path, source: str) -> Iterator[Entity]:
        for element in iterparse(path, f"{NS}sanctionEntity"):
            yield _entity(path, source, element)


def _entity(file: Path, source: str, el: Element) -> Entity:
    logical = _attr(el, "logicalId")
    where = f"line {el.sourceline}, sanctionEntity" + (f"[logicalId={logical}]" if logical else "")
    if logical is None:
        raise ListFormatError(file, f"{where}@logicalId", "logicalId missing", "the entry's logicalId")
    subject = el.find(f"{NS}subjectType")
    code = (_attr(subject, "code") or "") if subject is not None else ""
    if code not in _TYPES:
        raise ListFormatError(file, f"{where}/subjectType@code", f"unknown subject type {code!r}",
                              "person or enterprise")
    properties: dict[str, list[str]] = {}
    add_property(properties, "eu_reference_number", el.get("euReferenceNumber"))
    add_property(properties, "un_dataid", el.get("unitedNationId"))
    add_property(properties, "designation_details", el.get("designationDetails"))
    programs: list[str] = []
    starts: list[str] = []
    for reg in el.iterfind(f"{NS}regulation"):
        add_property(properties, "regulation", reg.get("numberTitle"))
        add_property(properties, "regulation_url", reg.findtext(f"{NS}publicationUrl"))
        programs.append(_attr(reg, "programme") or "")
        in_force = _attr(reg, "entryIntoForceDate")
        if in_force:
            starts.append(iso_date(in_force, file, f"{where}/regulation@entryIntoForceDate"))
    designated = _attr(el, "designationDate")
    listed = iso_date(designated, file, f"{where}@designationDate") if designated else min(starts, default=None)
    entity = Entity(
        id=f"{source}:{logical}",
        source=source,
        type=_TYPES[code],
        programs=unique(programs),
        listed_on=listed,
        properties=properties,
        remarks=join_parts([e.text for e in el.iterfind(f"{NS}remark")], "\n\n"),
        record=element_record(el),
    )
    _names(file, where, el, entity)
    _births(file, where, el, entity)
    _documents(el, entity)
    _addresses(el, entity)
    entity.nationalities = unique(_country(c)[0] for c in el.iterfind(f"{NS}citizenship"))
    return entity


def _names(file: Path, where: str, el: Element, entity: Entity) -> None:
    names: list[Name] = []
    for alias in el.iterfind(f"{NS}nameAlias"):
        full = _attr(alias, "wholeName") or join_parts(
            (alias.get("firstName"), alias.get("middleName"), alias.get("lastName")))
        if full is None:
            continue
        lang = (_attr(alias, "nameLanguage") or "").lower() or None
        strong = (_attr(alias, "strong") or "true").lower() != "false"
        if not names:
            add_name(names, make_name(full, NameKind.PRIMARY, lang=lang))
        elif strong:
            add_name(names, latin_or_original(full, NameKind.ALIAS, lang=lang))
        else:
            add_name(names, make_name(full, NameKind.WEAK_ALIAS, lang=lang, quality="strong=false"))
        gender = {"M": "male", "F": "female"}.get((_attr(alias, "gender") or "").upper())
        entity.gender = entity.gender or gender
        entity.titles = unique([*entity.titles, *enumerated(alias.get("title")), *enumerated(alias.get("function"))])
    if not names:
        raise ListFormatError(file, f"{where}/nameAlias", "no name", "a nameAlias with wholeName")
    entity.names = names


def _births(file: Path, where: str, el: Element, entity: Entity) -> None:
    for birth in el.iterfind(f"{NS}birthdate"):
        full = _attr(birth, "birthdate")
        year = _attr(birth, "year")
        month = _attr(birth, "monthOfYear") or _attr(birth, "month")
        day = _attr(birth, "dayOfMonth") or _attr(birth, "day")
        if full:
            entity.birth_dates.append(iso_date(full, file, f"{where}/birthdate@birthdate"))
        elif year:
            if not (is_number(year) and len(year) == 4):
                raise ListFormatError(file, f"{where}/birthdate@year", f"bad year {year!r}", "YYYY")
            parts = [year] + [f"{int(p):02d}" for p in (month, day if month else None) if is_number(p)]
            entity.birth_dates.append("-".join(parts))
        if (_attr(birth, "circa") or "").lower() == "true":
            add_property(entity.properties, "birth_date_circa", "true")
        _code, country = _country(birth)
        place = join_parts((birth.get("place"), birth.get("city"), birth.get("region"), country), ", ")
        if place:
            entity.birth_places.append(place)
    entity.birth_dates = unique(entity.birth_dates)
    entity.birth_places = unique(entity.birth_places)


def _documents(el: Element, entity: Entity) -> None:
    for doc in el.iterfind(f"{NS}identification"):
        number = _attr(doc, "number") or _attr(doc, "latinNumber")
        if number is None:
            continue
        code = (_attr(doc, "identificationTypeCode") or "").lower()
        described = _attr(doc, "identificationTypeDescription")
        scheme = _ID_CODES.get(code) or id_scheme(described)
        flags = [f for f in ("diplomatic", "knownExpired", "knownFalse", "reportedLost", "revokedByIssuer")
                 if (_attr(doc, f) or "").lower() == "true"]
        note = join_parts([*(doc.findtext(f"{NS}remark") or "").splitlines(),
                           f"issued by {doc.get('issuedBy')}" if _attr(doc, "issuedBy") else None,
                           f"issued {doc.get('issueDate')}" if _attr(doc, "issueDate") else None, *flags], "; ")
        identifier = Identifier(scheme, number, country=_country(doc)[0], label=described or code, note=note)
        if identifier not in entity.identifiers:
            entity.identifiers.append(identifier)


def _addresses(el: Element, entity: Entity) -> None:
    for node in el.iterfind(f"{NS}address"):
        iso, description = _country(node)
        street = join_parts((node.get("street"), node.get("poBox")), ", ")
        parts = [street, clean(node.get("zipCode")), clean(node.get("city")), clean(node.get("place")),
                 clean(node.get("region")), description]
        full = join_parts(parts, ", ")
        if full is not None:
            found = Address(full=full, street=street, city=parts[2], postal_code=parts[1], region=parts[4],
                            country=iso, country_name=description)
            if found not in entity.addresses:
                entity.addresses.append(found)
        for contact in node.iterfind(f"{NS}contactInfo"):
            scheme = _CONTACTS.get((_attr(contact, "key") or "").lower(), IdScheme.OTHER)
            for value in (v.strip() for v in (contact.get("value") or "").replace(";", ",").split(",")):
                if value:
                    entity.identifiers.append(Identifier(scheme, value, label=contact.get("key")))
        add_property(entity.properties, "address_remark", node.findtext(f"{NS}remark"))
    entity.countries = unique(a.country for a in entity.addresses)


FORMATS = [EuFsfXmlFormat()]
