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
number, type`` (keys in alphabetical order, empty ones left out; one date alone cannot be told
issue from expiry and is kept as "dated ..."). Its labels, the vessel columns and the Remarks are
OFAC's vocabulary - documents, but also gender, dates of establishment, aircraft model and
operator, sanction details - and are read with the OFAC formats' own label table
(:mod:`clearance.sources.ofac_labels`), so an SDN entry reads the same here as in OFAC's files.
The lists other than OFAC's leave ``type`` empty: the type is then guessed from the name
(``type_guessed``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clearance.errors import ListFormatError
from clearance.model import Address, Entity, ListMeta, Name, NameKind
from clearance.sources.base import ParsedList, csv_rows, decode_text, sha256_of
from clearance.sources.cells import (
    RepeatedKeys,
    add_name,
    add_property,
    clean,
    countries,
    country_code,
    guess_entity_type,
    iso_date,
    join_parts,
    latin_or_original,
    make_name,
)
from clearance.sources.ofac_remarks import apply_label, entity_type, finish, parse_dates, parse_remarks

COLUMNS = ("_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
           "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
           "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_flag",
           "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships", "dates_of_birth",
           "nationalities", "places_of_birth", "source_information_url", "ids")
REQUIRED = ("_id", "source", "name")
_TYPES = ("individual", "entity", "vessel", "aircraft")
_MULTI_VALUED = ("programs", "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth")
_LIST_CODE = re.compile(r"\(([^()]+)\)")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PROPERTIES = ("federal_register_notice", "end_date", "standard_order", "license_requirement", "license_policy",
               "source_list_url", "source_information_url", "entity_number")
# The vessel columns carry what OFAC's own files print under these labels.
_VESSEL_LABELS = {"call_sign": "Vessel Call Sign", "vessel_type": "VESSEL TYPE", "gross_tonnage": "Vessel Tonnage",
                  "gross_registered_tonnage": "Vessel Gross Registered Tonnage", "vessel_flag": "Vessel Flag",
                  "vessel_owner": "Vessel Owner"}


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
            raise ListFormatError(path, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}",
                                  "a complete JSON document (is the file truncated?)") from exc
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
        etype = entity_type(kind, name)  # OFAC's types, read as the OFAC formats read them
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
        programs=_as_list(record.get("programs")),
        titles=_as_list(record.get("title")),
        properties=properties,
        remarks=clean(record.get("remarks")),
    )
    _people(entity, record)
    _addresses(entity, record)
    _listing_date(path, where, entity, record)
    for item in _as_list(record.get("ids")):
        if isinstance(item, dict) and clean(item.get("type")):
            apply_label(entity, str(item["type"]), clean(item.get("number")), country=clean(item.get("country")),
                        issued=clean(item.get("issue_date")), expires=clean(item.get("expiration_date")),
                        note=f"dated {item['date']}" if item.get("date") else None)
    for column, label in _VESSEL_LABELS.items():
        for value in _as_list(record.get(column)):
            apply_label(entity, label, clean(value))
    parse_remarks(entity, entity.remarks)  # "(Linked To: MAHAN AIR)" and the like
    return finish(entity)


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
        found = parse_dates(str(text))  # "1961-02-03", "circa 1967", "1958 to 1960"
        entity.birth_dates += found
        if not found:
            add_property(entity.properties, "birth_date_text", text)
    entity.birth_places = [str(p) for p in _as_list(record.get("places_of_birth"))]


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
    entity.countries = [a.country for a in entity.addresses if a.country]


def _listing_date(path: Path, where: str, entity: Entity, record: dict[str, Any]) -> None:
    start = clean(record.get("start_date"))
    if start is None:
        return
    day = iso_date(start, path, f"{where}, field start_date")
    if day < "1900":  # "0017-05-26" in the 2022 list: a typo, kept as published but not used
        add_property(entity.properties, "start_date_text", start)
    else:
        entity.listed_on = day


FORMATS = [CslCsvFormat(), CslJsonFormat()]
