"""US Commerce BIS Denied Persons List, tab-separated text (``dpl.txt``).

A header of quoted column names (``Name``, ``Street_Address``, ``City``, ``State``, ``Country``,
``Postal_Code``, ``Effective_Date``, ``Expiration_Date``, ``Standard_Order``, ``Last_Update``,
``Action``, ``FR_Citation``), then one row per denial order and address: one entity per row.
The file has no date, so the publication date is the latest ``Last_Update``.

The list has no ids. An entity's id is ``us-bis-dpl:<12 hex digits>``: the start of the SHA-256
of name, street, city, state, country, postal code and effective date, which together say who
is denied, where, and by which order, and do not change when BIS edits an entry's other fields
(its expiry, its Federal Register citations). The list repeats a few rows word for word; the
second and later copies get ``-2``, ``-3``... in file order.

The list does not say whether a party is a person or an organisation: the type is guessed from
the name (legal forms, organisation words) and the entity says so (``type_guessed``). A blank
``Country`` with a US state code is a US address: BIS leaves the country out for those.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pycountry

from clearance.errors import ListFormatError
from clearance.model import Entity, ListMeta, NameKind
from clearance.sources.base import ParsedList, csv_rows, decode_text, sha256_of
from clearance.sources.cells import (
    RepeatedKeys,
    add_property,
    address,
    clean,
    guess_entity_type,
    iso_date,
    make_name,
    short_hash,
    slash_date,
)

COLUMNS = ("Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date",
           "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation")
REQUIRED = ("Name", "Effective_Date", "Last_Update")
_IDENTITY = ("Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date")


class BisDplFormat:
    name = "bis-dpl"
    sources = ("us-bis-dpl",)
    description = "US BIS Denied Persons List, tab-separated (dpl.txt)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
        cells = [c.strip().strip('"') for c in first.split("\t")]
        return 0.95 if cells[:2] == ["Name", "Street_Address"] else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        rows = list(csv_rows(path, text=decode_text(path), delimiter="\t"))
        if not rows:
            raise ListFormatError(path, "line 1", "no header", "\t".join(COLUMNS))
        header = [h.strip() for h in rows[0][1]]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ListFormatError(path, "line 1", f"header lacks column(s) {', '.join(missing)}",
                                  "the tab-separated DPL columns " + ", ".join(COLUMNS))
        records: list[tuple[int, dict[str, str]]] = []
        for line, cells in rows[1:]:
            if len(cells) != len(header):
                raise ListFormatError(path, f"line {line}", f"row has {len(cells)} fields", f"{len(header)}")
            records.append((line, {h: c.strip() for h, c in zip(header, cells, strict=True) if c.strip()}))
        updates = [iso_date(r.get("Last_Update"), path, f"line {n}, column Last_Update") for n, r in records]
        # A typo can put an update in the future (the 2023 list has "3033-09-30" for 2022-09-30):
        # such a date cannot be when the list was published, so it is left out of the maximum.
        today = datetime.now(UTC).date().isoformat()
        past = [d for d in updates if d <= today]
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=max(past) if past else None,
                        extra={"future_last_update": sorted(set(updates) - set(past))} if len(past) < len(updates)
                        else {})
        return ParsedList(meta, self._entities(path, source, records))

    def _entities(self, path: Path, source: str, records: list[tuple[int, dict[str, str]]]) -> Iterator[Entity]:
        repeated = RepeatedKeys()
        for line, row in records:
            name = clean(row.get("Name"))
            if name is None:
                raise ListFormatError(path, f"line {line}, column Name", "empty", "the denied party's name")
            local_id = repeated(short_hash(*(row.get(c) for c in _IDENTITY)))
            effective = slash_date(row.get("Effective_Date"), path, f"line {line}, column Effective_Date",
                                   day_first=False)
            if effective is None:
                raise ListFormatError(path, f"line {line}, column Effective_Date", "empty", "mm/dd/yyyy")
            country = row.get("Country")
            if country is None and _is_us_state(row.get("State")):
                country = "US"
            found = address([row.get("Street_Address")], city=row.get("City"), region=row.get("State"),
                            postal_code=row.get("Postal_Code"), country=country)
            properties: dict[str, list[str]] = {"type_guessed": ["from name"]}
            add_property(properties, "expiration_date",
                         slash_date(row.get("Expiration_Date"), path, f"line {line}, column Expiration_Date",
                                    day_first=False))
            add_property(properties, "standard_order", (row.get("Standard_Order") or "").upper())
            add_property(properties, "last_updated", row.get("Last_Update"))
            add_property(properties, "action", row.get("Action"))
            add_property(properties, "federal_register_notice", row.get("FR_Citation"))
            yield Entity(
                id=f"{source}:{local_id}",
                source=source,
                type=guess_entity_type(name),
                names=[make_name(name, NameKind.PRIMARY)],
                countries=[found.country] if found is not None and found.country else [],
                addresses=[found] if found is not None else [],
                listed_on=effective,
                properties=properties,
                record=row,
            )


def _is_us_state(code: str | None) -> bool:
    return bool(code) and f"US-{(code or '').upper()}" in _us_subdivisions()


@lru_cache(maxsize=1)
def _us_subdivisions() -> frozenset[str]:
    """ISO 3166-2 codes of the US states, district and territories (pycountry)."""
    return frozenset(str(s.code) for s in pycountry.subdivisions if s.country_code == "US")


FORMATS = [BisDplFormat()]
