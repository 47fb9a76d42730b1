"""A user's own list as CSV.

Columns (header row required, in any order; ``id``, ``type`` and ``name`` required)::

    id,type,name,aliases,birth_date,country,identifiers,programs,remarks

``aliases`` and ``programs`` are ``;``-separated; ``identifiers`` are ``SCHEME:VALUE;...`` with
SCHEME one of clearance's identifier schemes (tail_number, imo, tax_id, ...) or any other label;
``type`` is person, organization, company, vessel or aircraft.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from clearance.errors import ListFormatError
from clearance.model import Entity, EntityType, Identifier, IdScheme, ListMeta, Name, NameKind
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.sources.base import ParsedList, csv_rows, decode_text, sha256_of

COLUMNS = ("id", "type", "name", "aliases", "birth_date", "country", "identifiers", "programs", "remarks")
REQUIRED = ("id", "type", "name")
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def split_list(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def parse_identifiers(cell: str, file: Path, line: int) -> list[Identifier]:
    out: list[Identifier] = []
    for item in split_list(cell):
        scheme, sep, value = item.partition(":")
        if not sep or not scheme.strip() or not value.strip():
            raise ListFormatError(file, f"line {line}, column identifiers", f"bad identifier {item!r}",
                                  "SCHEME:VALUE")
        key = scheme.strip().lower()
        try:
            out.append(Identifier(IdScheme(key), value.strip()))
        except ValueError:
            out.append(Identifier(IdScheme.OTHER, value.strip(), label=scheme.strip()))
    return out


class CustomCsvFormat:
    name = "custom-csv"
    sources = ("custom:NAME",)
    description = "A user's own list: CSV with id,type,name,aliases,birth_date,country,identifiers,programs,remarks"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        first = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip().lower()
        cols = [c.strip() for c in first.split(",")]
        return 0.9 if all(c in cols for c in REQUIRED) and set(cols) <= set(COLUMNS) else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        if source is None:
            source = "custom:" + re.sub(r"[^a-z0-9_.-]+", "-", path.stem.lower()).strip("-")
        name = source.split(":", 1)[1] if source.startswith("custom:") else ""
        if not source.startswith("custom:") or not _SOURCE_NAME.match(name):
            raise ListFormatError(path, None, f"source {source!r} is not a custom list id", "custom:NAME")
        text = decode_text(path)
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path))
        return ParsedList(meta, self._entities(path, text, source))

    def _entities(self, path: Path, text: str, source: str) -> Iterator[Entity]:
        rows = csv_rows(path, text=text)
        try:
            _, header = next(rows)
        except StopIteration:
            raise ListFormatError(path, "line 1", "no header row", ",".join(COLUMNS)) from None
        header = [h.strip().lower() for h in header]
        unknown = [h for h in header if h not in COLUMNS]
        missing = [c for c in REQUIRED if c not in header]
        if unknown or missing:
            problem = "; ".join(
                p for p in (f"unknown columns {unknown}" if unknown else "",
                            f"missing columns {missing}" if missing else "") if p
            )
            raise ListFormatError(path, "line 1", problem, ",".join(COLUMNS))
        for line, row in rows:
            if len(row) != len(header):
                raise ListFormatError(path, f"line {line}", f"row has {len(row)} cells", f"{len(header)}")
            cell = dict(zip(header, (c.strip() for c in row), strict=True))
            for col in REQUIRED:
                if not cell.get(col):
                    raise ListFormatError(path, f"line {line}, column {col}", "empty", "a value")
            try:
                etype = EntityType(cell["type"].lower())
            except ValueError:
                raise ListFormatError(
                    path, f"line {line}, column type", f"unknown type {cell['type']!r}",
                    ", ".join(t.value for t in EntityType),
                ) from None
            birth_dates: list[str] = []
            if cell.get("birth_date"):
                parsed = parse_partial_date(cell["birth_date"])
                if parsed is None:
                    raise ListFormatError(path, f"line {line}, column birth_date",
                                          f"bad date {cell['birth_date']!r}", "YYYY, YYYY-MM or YYYY-MM-DD")
                birth_dates.append(parsed)
            countries: list[str] = []
            for raw in split_list(cell.get("country", "")):
                code = to_country_code(raw)
                if code is None:
                    raise ListFormatError(path, f"line {line}, column country", f"unknown country {raw!r}",
                                          "an ISO 3166 code or country name")
                countries.append(code)
            names = [Name(cell["name"], NameKind.PRIMARY)]
            names += [Name(a, NameKind.ALIAS) for a in split_list(cell.get("aliases", ""))]
            yield Entity(
                id=f"{source}:{cell['id']}",
                source=source,
                type=etype,
                names=names,
                identifiers=parse_identifiers(cell.get("identifiers", ""), path, line),
                birth_dates=birth_dates,
                countries=countries,
                programs=split_list(cell.get("programs", "")),
                remarks=cell.get("remarks") or None,
                record={k: v for k, v in cell.items() if v},
            )


FORMATS = [CustomCsvFormat()]
