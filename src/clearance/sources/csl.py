"""trade.gov Consolidated Screening List (CSL): 13 US export and sanctions lists in one file.

Two containers of the same records: the CSV download (29 columns, multi-valued cells joined by
``; ``) and the API's JSON (``{"results": [...]}``, lists and objects where the CSV has joined
text). One entity per record; ``Entity.lists`` keeps the record's list of origin as published
("Entity List (EL) - Bureau of Industry and Security") and the ``list_code`` property its
short code (``EL``, ``SDN``, ``DPL``, ``NS-MBS``...).

Entity ids are ``us-trade-csl:<list code>-<_id>``. ``_id`` alone is not unique: an OFAC entry
on two Treasury lists (SDN and CAPTA) carries its OFAC number under both, and the CAPTA part
once repeated BANK OF KUNLUN word for word; the list code makes the first unique and a
``-2`` suffix the second. For OFAC records ``_id`` is the OFAC entity number; for the other
lists it is trade.gov's own hash of the record.

The CSV's ``ids`` cell flattens each id object into ``country, expiration_date, issue_date,
number, type`` (keys in alphabetical order, empty ones left out). Besides documents it carries
OFAC's other "features": gender, dates of establishment, aircraft model and operator, former
flags, sanction details ("Secondary sanctions risk:", directive information); those become
the matching entity fields and properties instead of identifiers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clearance.errors import ListFormatError
from clearance.model import Address, Entity, EntityType, Identifier, IdScheme, Link, ListMeta, Name, NameKind
from clearance.model.dates import date_range_years
from clearance.sources.base import ParsedList, csv_rows, decode_text, sha256_of
from clearance.sources.cells import (
    RepeatedKeys,
    add_name,
    add_property,
    clean,
    countries,
    country_code,
    guess_entity_type,
    id_scheme,
    iso_date,
    join_parts,
    latin_or_original,
    loose_date,
    make_name,
    unique,
)

COLUMNS = ("_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
           "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
           "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_flag",
           "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships", "dates_of_birth",
           "nationalities", "places_of_birth", "source_information_url", "ids")
REQUIRED = ("_id", "source", "name")
_TYPES = {"individual": EntityType.PERSON, "entity": EntityType.ORGANIZATION, "vessel": EntityType.VESSEL,
          "aircraft": EntityType.AIRCRAFT}
_MULTI_VALUED = ("programs", "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth")
_LIST_CODE = re.compile(r"\(([^()]+)\)")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LINKED_TO = re.compile(r"\(Linked To: ([^()]+)\)")  # OFAC remarks
_PROPERTIES = ("federal_register_notice", "end_date", "standard_order", "license_requirement", "license_policy",
               "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_flag", "source_list_url",
               "source_information_url", "entity_number")
# Labels in ``ids`` that are facts about the party, not identifiers: label -> property name.
_FACT_PROPERTIES = {
    "aircraft model": "aircraft_model",
    "aircraft manufacture date": "aircraft_manufacture_date",
    "former vessel flag": "vessel_previous_flag",
    "other vessel flag": "vessel_flag",
    "other vessel type": "vessel_type",
    "target type": "target_type",
    "organization type:": "organization_type",
    "issuer name": "issuer_name",
}
# Labels in ``ids`` that describe the sanction itself (secondary sanctions, directives, dates).
_SANCTION_DETAIL = re.compile(r"information|determination|sanctions risk|prohibited|^(listing|effective) date"
                              r"|divestment date", re.IGNORECASE)


def list_code(source: str) -> str:
    """``Entity List (EL) - Bureau...`` -> ``EL``; ``... (NS-MBS List) - ...`` -> ``NS-MBS``."""
    m = _LIST_CODE.search(source)
    code = m.group(1) if m else source.split(" - ", 1)[0]
    return re.sub(r"\s+List$", "", code.strip()).replace(" ", "-")


class _CslFormat:
    sources = ("us-trade-csl",)
    name = ""
    description = ""

    def _records(self, path: Path) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(location, record in the JSON shape, the record as published) per entry."""
        raise NotImplementedError

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        records = self._records(path)  # a generator: the first problem surfaces while ingesting
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path))
        return ParsedList(meta, _entities(path, source, records))


class CslCsvFormat(_CslFormat):
    name = "csl-csv"
    description = "trade.gov Consolidated Screening List, CSV (29 columns)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").strip()
        cells = first.split(",")
        return 0.95 if cells[:2] == ["_id", "source"] and "alt_names" in cells else 0.0

    def _records(self, path: Path) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        rows = csv_rows(path, text=decode_text(path))
        first = next(rows, None)
        if first is None:
            raise ListFormatError(path, "line 1", "no header", ",".join(COLUMNS))
        header = [h.strip() for h in first[1]]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ListFormatError(path, "line 1", f"header lacks column(s) {', '.join(missing)}",
                                  "the CSL columns " + ",".join(COLUMNS))
        for line, cells in rows:
            if len(cells) != len(header):
                raise ListFormatError(path, f"line {line}", f"row has {len(cells)} cells", f"{len(header)}")
            row = {h: c.strip() for h, c in zip(header, cells, strict=True) if c.strip()}
            yield f"line {line}", _from_csv(row), row


class CslJsonFormat(_CslFormat):
    name = "csl-json"
    description = "trade.gov Consolidated Screening List, JSON ({\"results\": [...]} as the API returns)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        text = head.decode("utf-8", "replace").lstrip("\ufeff \r\n\t")
        if not text.startswith("{") or '"results"' not in text:
            return 0.0
        return 0.9 if '"source_information_url"' in text or '"alt_names"' in text else 0.55

    def _records(self, path: Path) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        try:
            data = json.loads(decode_text(path))
        except json.JSONDecodeError as exc:
            raise ListFormatError(path, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}") from exc
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise ListFormatError(path, "top level", "no \"results\" list", '{"results": [...]} as the CSL API returns')
        for i, result in enumerate(results):
            if not isinstance(result, dict):
                raise ListFormatError(path, f"results[{i}]", f"a {type(result).__name__}", "an object")
            record = {k: v for k, v in result.items() if v not in (None, "", [], {})}
            if "id" in record and "_id" not in record:
                record["_id"] = record.pop("id")
            for key in _MULTI_VALUED:  # the API gives lists, but a joined "a; b" string is seen too
                if isinstance(record.get(key), str):
                    record[key] = _split(record[key])
            yield f"results[{i}]", record, result


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split("; ") if p.strip()]


def _from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the JSON shape: lists for the multi-valued cells, objects for ids and addresses."""
    record: dict[str, Any] = dict(row)
    for key in _MULTI_VALUED:
        if key in row:
            record[key] = _split(row[key])
    if "addresses" in row:
        record["addresses"] = [_address_from_text(a) for a in _split(row["addresses"])]
    if "ids" in row:
        record["ids"] = [_id_from_text(i) for i in _split(row["ids"])]
    return record


def _address_from_text(text: str) -> dict[str, str]:
    """``street, city, postal code, CC``: only the country code is told apart with confidence."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts[-1]) == 2 and parts[-1].isupper() and country_code(parts[-1]):
        return {"address": ", ".join(parts[:-1]), "country": parts[-1]} if len(parts) > 1 else {"country": parts[0]}
    return {"address": text}


def _id_from_text(text: str) -> dict[str, str]:
    parts = [p.strip() for p in text.split(", ")]
    item: dict[str, str] = {"type": parts[-1]}
    rest = parts[:-1]
    if len(rest) > 1 and len(rest[0]) == 2 and rest[0].isupper() and country_code(rest[0]):
        item["country"] = rest.pop(0)
    dates = [p for p in rest if _ISO_DAY.match(p)]
    rest = [p for p in rest if not _ISO_DAY.match(p)]
    if len(dates) == 2:  # alphabetical key order: expiration_date before issue_date
        item["expiration_date"], item["issue_date"] = dates
    elif dates:
        item["date"] = dates[0]  # one date: the flattened cell does not say which
    if rest:
        item["number"] = ", ".join(rest)
    return item


def _entities(path: Path, source: str,
              records: Iterator[tuple[str, dict[str, Any], dict[str, Any]]]) -> Iterator[Entity]:
    repeated = RepeatedKeys()
    for where, record, published in records:
        for key in REQUIRED:
            if not clean(record.get(key)):
                raise ListFormatError(path, f"{where}, field {key.lstrip('_') if key == '_id' else key}",
                                      "missing or empty", "a value")
        origin = str(record["source"])
        code = list_code(origin)
        entity = _entity(path, where, source, repeated(f"{code}-{record['_id']}"), record)
        entity.record = published
        entity.lists = [origin]
        entity.properties["list_code"] = [code]
        yield entity


def _entity(path: Path, where: str, source: str, local_id: str, record: dict[str, Any]) -> Entity:
    name = str(clean(record["name"]))
    kind = (clean(record.get("type")) or "").lower()
    properties: dict[str, list[str]] = {}
    if kind in _TYPES:
        etype = _TYPES[kind]
    elif not kind:
        etype = guess_entity_type(name)
        properties["type_guessed"] = ["from name"]
    else:
        raise ListFormatError(path, f"{where}, field type", f"unknown type {kind!r}",
                              "Individual, Entity, Vessel, Aircraft or empty")
    for key in _PROPERTIES:
        add_property(properties, key, record.get(key))
    names: list[Name] = [make_name(name, NameKind.PRIMARY)]
    for alias in _as_list(record.get("alt_names")):
        add_name(names, latin_or_original(alias, NameKind.ALIAS))
    entity = Entity(
        id=f"{source}:{local_id}",
        source=source,
        type=etype,
        names=names,
        programs=unique(_as_list(record.get("programs"))),
        titles=_as_list(record.get("title")),
        properties=properties,
        remarks=clean(record.get("remarks")),
    )
    _people(entity, record)
    _addresses(entity, record)
    _listing_date(path, where, entity, record)
    for item in _as_list(record.get("ids")):
        _apply_id(entity, item)
    if record.get("call_sign"):
        entity.identifiers.append(Identifier(IdScheme.CALL_SIGN, str(record["call_sign"]), label="call_sign"))
    if record.get("vessel_owner"):
        entity.links.append(Link("owned_by", str(record["vessel_owner"])))
    for target in _LINKED_TO.findall(entity.remarks or ""):
        if Link("linked_to", target.strip()) not in entity.links:
            entity.links.append(Link("linked_to", target.strip()))
    entity.countries = unique([*entity.countries, *countries(_as_list(record.get("vessel_flag")))])
    return entity


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _people(entity: Entity, record: dict[str, Any]) -> None:
    unresolved: list[str] = []
    entity.nationalities = countries(
        [*_as_list(record.get("nationalities")), *_as_list(record.get("citizenships"))], unresolved)
    add_property(entity.properties, "nationality_text", *unresolved)
    for text in _as_list(record.get("dates_of_birth")):
        span = date_range_years(str(text))
        found = span or [d for d in [loose_date(str(text))] if d]
        entity.birth_dates += found
        if not found:
            add_property(entity.properties, "birth_date_text", text)
    entity.birth_dates = unique(entity.birth_dates)
    entity.birth_places = unique(str(p) for p in _as_list(record.get("places_of_birth")))


def _addresses(entity: Entity, record: dict[str, Any]) -> None:
    for item in _as_list(record.get("addresses")):
        if not isinstance(item, dict):
            continue
        country_text = clean(item.get("country"))
        parts = [clean(item.get(k)) for k in ("address", "city", "state", "postal_code")]
        full = join_parts([*parts, country_text], ", ")
        if full is None:
            continue
        entity.addresses.append(Address(full=full, street=parts[0], city=parts[1], region=parts[2],
                                        postal_code=parts[3], country=country_code(country_text),
                                        country_name=country_text))
    entity.addresses = unique(entity.addresses)
    entity.countries = unique(a.country for a in entity.addresses if a.country)


def _listing_date(path: Path, where: str, entity: Entity, record: dict[str, Any]) -> None:
    start = clean(record.get("start_date"))
    if start is None:
        return
    day = iso_date(start, path, f"{where}, field start_date")
    if day < "1900":  # "0017-05-26" in the 2022 list: a typo, kept as published but not used
        add_property(entity.properties, "start_date_text", start)
    else:
        entity.listed_on = day


def _apply_id(entity: Entity, item: Any) -> None:
    if not isinstance(item, dict):
        return
    label = clean(item.get("type")) or ""
    number = clean(item.get("number"))
    key = label.lower()
    if key == "gender":
        entity.gender = (number or "").lower() if (number or "").lower() in ("male", "female") else entity.gender
    elif key == "organization established date":
        found = loose_date(number)
        entity.incorporation_dates = unique([*entity.incorporation_dates, found])
    elif key in _FACT_PROPERTIES:
        add_property(entity.properties, _FACT_PROPERTIES[key], number)
    elif key == "aircraft operator":
        if number and Link("operated_by", number) not in entity.links:
            entity.links.append(Link("operated_by", number))
    elif key in ("nationality of registration", "registration country"):
        entity.countries = unique([*entity.countries, *countries([number])])
        add_property(entity.properties, "registration_country", number)
    elif _SANCTION_DETAIL.search(label):
        add_property(entity.properties, "sanction_details", f"{label.rstrip(' :-')}: {number}")
    elif number:
        _add_identifier(entity, label, number, item)


def _add_identifier(entity: Entity, label: str, number: str, item: dict[str, Any]) -> None:
    scheme = id_scheme(label)
    if label.lower() == "vessel registration identification":
        imo = re.fullmatch(r"IMO\s*(\d{7})", number)
        scheme, number = (IdScheme.IMO, imo.group(1)) if imo else (IdScheme.REGISTRATION, number)
    dates = [f"issued {item['issue_date']}" if item.get("issue_date") else None,
             f"expires {item['expiration_date']}" if item.get("expiration_date") else None,
             f"dated {item['date']}" if item.get("date") else None]
    identifier = Identifier(scheme, number, country=country_code(item.get("country")), label=label,
                            note=join_parts(dates, "; "))
    if identifier not in entity.identifiers:
        entity.identifiers.append(identifier)


FORMATS = [CslCsvFormat(), CslJsonFormat()]
