"""Screening queries from fields and CSV files, and screening results to JSON lines or CSV.

A query file has a header row with the columns ``id,name,type,birth_date,country,identifiers``
(only ``name`` is required; identifiers as ``SCHEME:VALUE;...``). It is read as a stream: one
row at a time, so memory does not depend on the file's size. A bad row stops the run with an
error naming the file, line and column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from clearance.errors import QueryError
from clearance.model import EntityType
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.model.screening import Query, ScreenResult

QUERY_COLUMNS = ("id", "name", "type", "birth_date", "country", "identifiers")
RESULT_COLUMNS = ("id", "query_name", "rank", "entity_id", "source", "type", "name", "matched_name", "score",
                  "match", "programs", "explanation")


def build_query(
    name: str,
    *,
    type: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    identifiers: list[str] | tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    row_id: str | None = None,
    where: str = "query",
) -> Query:
    """A :class:`Query` from text fields, each checked; ``where`` prefixes error messages."""
    entity_type = None
    if type:
        try:
            entity_type = EntityType(type.strip().lower())
        except ValueError:
            expected = ", ".join(t.value for t in EntityType)
            raise QueryError(f"{where}, column type: unknown type {type!r} (expected {expected})") from None
    date = None
    if birth_date and birth_date.strip():
        date = parse_partial_date(birth_date)
        if date is None:
            raise QueryError(f"{where}, column birth_date: bad date {birth_date!r} (expected YYYY, YYYY-MM or "
                             "YYYY-MM-DD)")
    code = None
    if country and country.strip():
        code = to_country_code(country)
        if code is None:
            raise QueryError(f"{where}, column country: unknown country {country!r} (expected an ISO 3166 code "
                             "or a country name)")
    try:
        idents = tuple(Query.parse_identifier(i) for i in identifiers if i.strip())
        return Query(name=name.strip(), type=entity_type, birth_date=date, country=code, identifiers=idents,
                     sources=sources, id=row_id)
    except QueryError as exc:
        column = "identifiers" if "identifier" in exc.message else "name"
        raise QueryError(f"{where}, column {column}: {exc.message}") from None


def read_queries(path: Path) -> Iterator[Query]:
    """Queries from a CSV file, one row at a time."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise QueryError(f"{path}, line 1: empty file (expected a header row: {','.join(QUERY_COLUMNS)})") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise QueryError(f"{path}, line 1: {exc}") from None
        unknown = [h for h in header if h not in QUERY_COLUMNS]
        if unknown or "name" not in header:
            problem = f"unknown columns {unknown}" if unknown else "no 'name' column"
            raise QueryError(f"{path}, line 1: {problem} (expected columns {','.join(QUERY_COLUMNS)}; "
                             "only name is required)")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise QueryError(f"{path}, line {reader.line_num}: {exc}") from None
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) != len(header):
                raise QueryError(f"{path}, line {line}: {len(row)} cells (expected {len(header)}, as in the header)")
            cell = dict(zip(header, row, strict=True))
            yield build_query(
                cell.get("name", ""),
                type=cell.get("type"),
                birth_date=cell.get("birth_date"),
                country=cell.get("country"),
                identifiers=[i for i in cell.get("identifiers", "").split(";")],
                row_id=cell.get("id") or str(line),
                where=f"{path}, line {line}",
            )


def count_rows(path: Path) -> int:
    """Data rows in a CSV file (physical lines minus the header: an estimate for a progress bar)."""
    lines = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(0, lines - 1)


class ResultWriter:
    """Writes results as JSON lines (``.jsonl``/``.json``) or CSV (one row per hit)."""

    def __init__(self, fh: IO[str], fmt: str) -> None:
        self.fh = fh
        self.fmt = fmt
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(fh)
            self._csv.writerow(RESULT_COLUMNS)

    @staticmethod
    def format_of(path: Path) -> str:
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".json", ".ndjson"):
            return "jsonl"
        if suffix == ".csv":
            return "csv"
        raise QueryError(f"--out {path}: unknown result format {suffix!r} (expected .jsonl or .csv)")

    def write(self, result: ScreenResult) -> None:
        if self._csv is None:
            self.fh.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            return
        row_id = result.query.id or ""
        if not result.results:
            self._csv.writerow([row_id, result.query.name, 0, "", "", "", "", "", "", "", "", ""])
        for rank, hit in enumerate(result.results, start=1):
            why = "; ".join(f"{f.feature} {f.score:.2f}: {f.detail}" for f in hit.explanation)
            self._csv.writerow([row_id, result.query.name, rank, hit.entity_id, hit.source, hit.type.value, hit.name,
                                hit.matched_name, f"{hit.score:.4f}", "true" if hit.match else "false",
                                ";".join(hit.programs), why])
