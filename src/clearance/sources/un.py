"""UN Security Council Consolidated List, XML (``CONSOLIDATED_LIST``, schema sc-sanctions.xsd).

The root's ``dateGenerated`` is the publication time. ``INDIVIDUALS/INDIVIDUAL`` become persons
and ``ENTITIES/ENTITY`` organisations (the UN does not tell companies from other bodies).

Entity ids are ``un-sc:<REFERENCE_NUMBER>`` (``un-sc:QDi.001``), not ``DATAID``. The reference
number is the permanent identifier the Security Council assigns when it lists a party: it is
quoted in the Council's press releases and amendments, in the UK list ("UN Ref QDe.004") and in
other publishers' remarks, and it is never reused. ``DATAID`` is the UN database's internal
row key; it is kept as the ``un_dataid`` property because the EU files cross-reference it
(``unitedNationId``).

Alias ``QUALITY``: ``Good`` and ``a.k.a.`` are strong aliases, ``Low`` a weak alias,
``f.k.a.`` a previous name. Dates of birth: ``EXACT`` with ``DATE`` (full) or ``YEAR``;
``APPROXIMATELY`` with ``YEAR``; ``BETWEEN`` with ``FROM_YEAR``/``TO_YEAR`` (every year of the
span); a free-text ``NOTE`` ("Nov. 1973") when it holds a date.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from clearance.errors import ListFormatError
from clearance.model import Entity, EntityType, Identifier, ListMeta, Name, NameKind
from clearance.model.dates import date_range_years
from clearance.sources.base import ParsedList, is_number, sha256_of
from clearance.sources.cells import (
    add_name,
    add_property,
    address,
    clean,
    countries,
    country_code,
    id_scheme,
    iso_date,
    iso_datetime,
    join_parts,
    latin_or_original,
    loose_date,
    make_name,
    unique,
)
from clearance.sources.xml import Element, element_record, has_root, iterparse, local, require_root

ROOT = "CONSOLIDATED_LIST"
_ALIAS_KINDS = {
    "good": NameKind.ALIAS,
    "a.k.a.": NameKind.ALIAS,
    "low": NameKind.WEAK_ALIAS,
    "f.k.a.": NameKind.PREVIOUS,
}


def _texts(element: Element, path: str) -> list[str]:
    return [t for t in (clean(e.text) for e in element.iterfind(path)) if t]


class _Entry:
    """One INDIVIDUAL or ENTITY element being read; ``where`` names it in error messages."""

    def __init__(self, file: Path, element: Element) -> None:
        self.file = file
        self.element = element
        self.kind = local(element.tag)
        self.ref = clean(element.findtext("REFERENCE_NUMBER"))
        self.line = element.sourceline

    def where(self, child: str | None = None) -> str:
        who = f"{self.kind}[REFERENCE_NUMBER={self.ref}]" if self.ref else self.kind
        return f"line {self.line}, {who}" + (f"/{child}" if child else "")

    def required(self, child: str) -> str:
        value = clean(self.element.findtext(child))
        if value is None:
            raise ListFormatError(self.file, self.where(child), f"{child} missing or empty", f"<{child}> with a value")
        return value


class UnXmlFormat:
    name = "un-xml"
    sources = ("un-sc",)
    description = "UN Security Council Consolidated List, XML (CONSOLIDATED_LIST)"

    def sniff(self, path: Path, head: bytes) -> float:
        return 0.95 if has_root(path, head, ROOT) else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        attrs = require_root(path, ROOT)
        generated = attrs.get("dateGenerated")
        published = iso_datetime(generated, path, f"<{ROOT}>@dateGenerated") if generated else None
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=published)
        return ParsedList(meta, self._entities(path, source))

    def _entities(self, path: Path, source: str) -> Iterator[Entity]:
        for element in iterparse(path, ("INDIVIDUAL", "ENTITY")):
            yield self._entity(_Entry(path, element), source)

    def _entity(self, entry: _Entry, source: str) -> Entity:
        el = entry.element
        ref = entry.required("REFERENCE_NUMBER")
        dataid = entry.required("DATAID")
        person = entry.kind == "INDIVIDUAL"
        prefix = "INDIVIDUAL" if person else "ENTITY"
        primary = join_parts(el.findtext(tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"))
        if primary is None:
            raise ListFormatError(entry.file, entry.where("FIRST_NAME"), "no name", "FIRST_NAME with a value")
        names: list[Name] = [make_name(primary, NameKind.PRIMARY)]
        for original in _texts(el, "NAME_ORIGINAL_SCRIPT"):
            add_name(names, make_name(original, NameKind.NON_LATIN))
        properties: dict[str, list[str]] = {"un_dataid": [dataid]}
        birth_dates: list[str] = []
        birth_places: list[str] = []
        for alias in el.iterfind(f"{prefix}_ALIAS"):
            value = clean(alias.findtext("ALIAS_NAME"))
            if value is None:
                continue
            quality = clean(alias.findtext("QUALITY"))
            kind = _ALIAS_KINDS.get((quality or "").lower(), NameKind.ALIAS)
            add_name(names, latin_or_original(value, kind, quality=quality))
            # An alias may carry the birth data of the identity it names; they are still the
            # listed person's birth data.
            # (free text in the schema: "1955" or "1958-02-22")
            birth = clean(alias.findtext("DATE_OF_BIRTH"))
            birth_dates.append(loose_date(birth) or "")
            if birth and not loose_date(birth):
                add_property(properties, "birth_date_note", birth)
            birth_places.append(join_parts((alias.findtext("CITY_OF_BIRTH"), alias.findtext("COUNTRY_OF_BIRTH")),
                                           ", ") or "")
        for dob in el.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
            birth_dates += self._birth_dates(entry, dob, properties)
        for pob in el.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
            birth_places.append(join_parts(
                (pob.findtext(t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")), ", ") or "")
        addresses = []
        for node in el.iterfind(f"{prefix}_ADDRESS"):
            found = address([node.findtext("STREET")], city=node.findtext("CITY"),
                            region=node.findtext("STATE_PROVINCE"), postal_code=node.findtext("ZIP_CODE"),
                            country=node.findtext("COUNTRY"))
            if found is not None:
                addresses.append(found)
            add_property(properties, "address_note", node.findtext("NOTE"))
        unresolved: list[str] = []
        nationalities = countries(_texts(el, "NATIONALITY/VALUE"), unresolved)
        add_property(properties, "nationality_text", *unresolved)
        add_property(properties, "last_updated", *_texts(el, "LAST_DAY_UPDATED/VALUE"))
        listed = clean(el.findtext("LISTED_ON"))
        gender = clean(el.findtext("GENDER"))
        return Entity(
            id=f"{source}:{ref}",
            source=source,
            type=EntityType.PERSON if person else EntityType.ORGANIZATION,
            names=names,
            identifiers=self._documents(entry) if person else [],
            birth_dates=unique(birth_dates),
            birth_places=unique(birth_places),
            nationalities=nationalities,
            countries=unique(a.country for a in addresses if a.country),
            addresses=addresses,
            gender=gender.lower() if gender and gender.lower() in ("male", "female") else None,
            programs=_texts(el, "UN_LIST_TYPE"),
            listed_on=iso_date(listed, entry.file, entry.where("LISTED_ON")) if listed else None,
            titles=unique(_texts(el, "TITLE/VALUE") + _texts(el, "DESIGNATION/VALUE")),
            properties=properties,
            remarks=clean(el.findtext("COMMENTS1")),
            record=element_record(el),
        )

    @staticmethod
    def _birth_dates(entry: _Entry, dob: Element, properties: dict[str, list[str]]) -> list[str]:
        where = entry.where("INDIVIDUAL_DATE_OF_BIRTH")
        kind = (clean(dob.findtext("TYPE_OF_DATE")) or "").upper()
        full = clean(dob.findtext("DATE"))
        if full is not None:
            return [iso_date(full, entry.file, f"{where}/DATE")]
        year = clean(dob.findtext("YEAR"))
        if year is not None:
            if not (is_number(year) and len(year) == 4):
                raise ListFormatError(entry.file, f"{where}/YEAR", f"bad year {year!r}", "YYYY")
            return [year]
        start, end = clean(dob.findtext("FROM_YEAR")), clean(dob.findtext("TO_YEAR"))
        if kind == "BETWEEN" and start and end:
            years = date_range_years(f"{start} to {end}")
            if not years:
                raise ListFormatError(entry.file, f"{where}/FROM_YEAR", f"bad span {start!r} to {end!r}",
                                      "two years, FROM_YEAR <= TO_YEAR, at most 20 apart")
            return years
        note = clean(dob.findtext("NOTE"))
        add_property(properties, "birth_date_note", note)
        found = loose_date(note)
        return [found] if found else []

    @staticmethod
    def _documents(entry: _Entry) -> list[Identifier]:
        out: list[Identifier] = []
        for doc in entry.element.iterfind("INDIVIDUAL_DOCUMENT"):
            number = clean(doc.findtext("NUMBER"))
            if number is None:
                continue  # a document known only by a note stays in the record and remarks
            label = clean(doc.findtext("TYPE_OF_DOCUMENT"))
            detail = clean(doc.findtext("TYPE_OF_DOCUMENT2"))
            if detail and label and detail.lower() == label.lower():
                detail = None
            issuer = clean(doc.findtext("ISSUING_COUNTRY")) or clean(doc.findtext("COUNTRY_OF_ISSUE"))
            issued_on = clean(doc.findtext("DATE_OF_ISSUE"))
            note = join_parts((f"issued {issued_on}" if issued_on else None, doc.findtext("CITY_OF_ISSUE"),
                               doc.findtext("NOTE")), "; ")
            out.append(Identifier(
                scheme=id_scheme(label),
                value=number,
                country=country_code(issuer),
                label=join_parts((label, detail), ": "),
                note=note,
            ))
        return out


FORMATS = [UnXmlFormat()]
