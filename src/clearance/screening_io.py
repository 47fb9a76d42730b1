"""Screening queries in and screening results out, in the file formats of ``screen-file``.

Query files (the format is chosen by the extension) hold the columns
``id,name,type,birth_date,country,identifiers``; only ``name`` is required, identifiers are
``SCHEME:VALUE;...`` (a list of such strings in JSON lines and Parquet):

- ``.csv``: a header row naming the columns, then one row per query;
- ``.jsonl`` / ``.ndjson`` / ``.json``: one JSON object per line;
- ``.parquet``: one row per query (read a row group at a time; needs the ``dask`` extra).

They are read as a stream of :data:`Row` tuples, so memory does not depend on the file's size.
A row that is not even shaped as one (a wrong cell count, a line that is not JSON) stops the
read; the fields of a row are checked when it becomes a :class:`Query` (:func:`row_query`).
Either way the error names the file, the line (or row) and the column.

Results are written as JSON lines (one ``screen --json`` document per query), CSV or Parquet
(one row per hit; a query without hits gets one row with ``rank`` 0). They are produced a
partition at a time as bytes (:func:`encode_results`) by whichever process screened it, and
the parts are joined in input order (:func:`join_parts`).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from clearance.errors import MissingExtraError, QueryError
from clearance.model import EntityType
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.model.screening import Query, ScreenResult

QUERY_COLUMNS = ("id", "name", "type", "birth_date", "country", "identifiers")
RESULT_COLUMNS = ("id", "query_name", "rank", "entity_id", "source", "type", "name", "matched_name", "score",
                  "match", "programs", "explanation")
INPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
OUTPUT_FORMATS = INPUT_FORMATS

# (line or row number, id, name, type, birth_date, country, identifiers): one query as read,
# every field a string ("" when absent). Compact, so that partitions are cheap to send to workers.
Row = tuple[int, str, str, str, str, str, str]


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
    date_ = None
    if birth_date and birth_date.strip():
        date_ = parse_partial_date(birth_date)
        if date_ is None:
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
        return Query(name=name.strip(), type=entity_type, birth_date=date_, country=code, identifiers=idents,
                     sources=sources, id=row_id)
    except QueryError as exc:
        column = "identifiers" if "identifier" in exc.message else "name"
        raise QueryError(f"{where}, column {column}: {exc.message}") from None


def row_query(row: Row, source: str) -> Query:
    """The query of a row read from the file named ``source``, every field checked."""
    position, row_id, name, type_, birth_date, country, identifiers = row
    unit = "row" if source.lower().endswith(".parquet") else "line"
    return build_query(name, type=type_, birth_date=birth_date, country=country, identifiers=identifiers.split(";"),
                       row_id=row_id, where=f"{source}, {unit} {position}")


def file_format(path: Path, option: str) -> str:
    """``csv``, ``jsonl`` or ``parquet``, from the extension of the file given to ``option``."""
    fmt = INPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QueryError(f"{option} {path}: unknown format {path.suffix!r} (expected .csv, .jsonl or .parquet)")
    if fmt == "parquet":
        _pyarrow()  # say now, not after the screening, that the extra is missing
    return fmt


def read_rows(path: Path) -> Iterator[Row]:
    """The rows of a query file, one at a time, in file order."""
    fmt = file_format(path, "input")
    if fmt == "csv":
        return _csv_rows(path)
    if fmt == "jsonl":
        return _jsonl_rows(path)
    return _parquet_rows(path)


def read_queries(path: Path) -> Iterator[Query]:
    """The queries of a query file, one at a time, each checked."""
    return (row_query(row, str(path)) for row in read_rows(path))


def count_rows(path: Path) -> int:
    """Queries in a file: exact for Parquet; for text, lines minus any header (an estimate for a
    progress bar, as blank lines and quoted line breaks count)."""
    if file_format(path, "input") == "parquet":
        return int(_pyarrow().parquet.ParquetFile(path).metadata.num_rows)
    lines = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(0, lines - 1) if path.suffix.lower() == ".csv" else lines


def _check_columns(path: Path, where: str, columns: list[str]) -> None:
    unknown = [c for c in columns if c not in QUERY_COLUMNS]
    if unknown or "name" not in columns:
        problem = f"unknown columns {unknown}" if unknown else "no 'name' column"
        raise QueryError(f"{path}, {where}: {problem} (expected columns {','.join(QUERY_COLUMNS)}; "
                         "only name is required)")


def _row(position: int, cells: dict[str, str]) -> Row:
    return (position, cells.get("id") or str(position), cells.get("name", ""), cells.get("type", ""),
            cells.get("birth_date", ""), cells.get("country", ""), cells.get("identifiers", ""))


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise QueryError(f"{path}, line 1: empty file (expected a header row: {','.join(QUERY_COLUMNS)})") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise QueryError(f"{path}, line 1: {exc}") from None
        _check_columns(path, "line 1", header)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise QueryError(f"{path}, line {reader.line_num}: {exc}") from None
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            if len(cells) != len(header):
                raise QueryError(f"{path}, line {line}: {len(cells)} cells (expected {len(header)}, as in the header)")
            yield _row(line, dict(zip(header, cells, strict=True)))


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as fh:
        line = 0
        while True:
            try:
                text = fh.readline()
            except UnicodeDecodeError as exc:
                raise QueryError(f"{path}, line {line + 1}: {exc}") from None
            if not text:
                return
            line += 1
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise QueryError(f"{path}, line {line}: not JSON ({exc.msg} at column {exc.colno}) (expected one "
                                 "JSON object per line)") from None
            if not isinstance(record, dict):
                raise QueryError(f"{path}, line {line}: a JSON {type(record).__name__} (expected one JSON object "
                                 "per line)")
            keys = [str(k).lower() for k in record]
            _check_columns(path, f"line {line}", keys)
            where = f"{path}, line {line}"
            yield _row(line, {k: _text(v, where, k) for k, v in zip(keys, record.values(), strict=True)})


def _text(value: Any, where: str, column: str) -> str:
    """A JSON or Parquet value as the text of a column: strings, numbers and dates as written,
    a list of identifiers joined with ``;``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise QueryError(f"{where}, column {column}: a boolean (expected text)")
    if isinstance(value, int | float) and column in ("id", "birth_date"):
        return str(value)
    if isinstance(value, date) and column == "birth_date":
        return value.isoformat()[:10]
    if isinstance(value, list) and column == "identifiers" and all(isinstance(v, str) for v in value):
        return ";".join(value)
    expected = "a list of SCHEME:VALUE strings" if column == "identifiers" else "text"
    raise QueryError(f"{where}, column {column}: {value!r} (expected {expected})")


def _parquet_rows(path: Path) -> Iterator[Row]:
    pa = _pyarrow()
    try:
        parquet = pa.parquet.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise QueryError(f"{path}: not a readable Parquet file ({exc})") from None
    columns = [name.lower() for name in parquet.schema_arrow.names]
    _check_columns(path, "schema", columns)
    position = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            position += 1
            where = f"{path}, row {position}"
            yield _row(position, {k.lower(): _text(v, where, k.lower()) for k, v in record.items()})


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise MissingExtraError("Parquet files", "dask", "pyarrow") from None
    return pyarrow


# -- results ------------------------------------------------------------------------------------
def output_header(fmt: str) -> bytes:
    """What a results file starts with before the first part: the CSV header row."""
    if fmt != "csv":
        return b""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(RESULT_COLUMNS)
    return buffer.getvalue().encode()


def _hit_rows(result: ScreenResult) -> Iterator[tuple[Any, ...]]:
    """One row per hit (or one with rank 0 for a query without hits), as in RESULT_COLUMNS."""
    row_id = result.query.id or ""
    if not result.results:
        yield (row_id, result.query.name, 0, None, None, None, None, None, None, None, None, None)
    for rank, hit in enumerate(result.results, start=1):
        why = "; ".join(f"{f.feature} {f.score:.2f}: {f.detail}" for f in hit.explanation)
        yield (row_id, result.query.name, rank, hit.entity_id, hit.source, hit.type.value, hit.name, hit.matched_name,
               round(hit.score, 4), hit.match, list(hit.programs), why)


def encode_results(results: Iterable[ScreenResult], fmt: str) -> bytes:
    """The results of one partition, as the bytes of a part of a ``fmt`` results file."""
    if fmt == "jsonl":
        return "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in results).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for result in results:
            for row in _hit_rows(result):
                *head, score, match, programs, why = row
                writer.writerow([*("" if v is None else v for v in head), "" if score is None else f"{score:.4f}",
                                 "" if match is None else ("true" if match else "false"),
                                 "" if programs is None else ";".join(programs), "" if why is None else why])
        return buffer.getvalue().encode()
    pa = _pyarrow()
    rows = [row for result in results for row in _hit_rows(result)]
    table = pa.Table.from_pylist([dict(zip(RESULT_COLUMNS, row, strict=True)) for row in rows],
                                 schema=_parquet_schema())
    sink = io.BytesIO()
    pa.parquet.write_table(table, sink)
    return sink.getvalue()


def _parquet_schema() -> Any:
    pa = _pyarrow()
    text = pa.string()
    return pa.schema([("id", text), ("query_name", text), ("rank", pa.int32()), ("entity_id", text),
                      ("source", text), ("type", text), ("name", text), ("matched_name", text),
                      ("score", pa.float64()), ("match", pa.bool_()), ("programs", pa.list_(text)),
                      ("explanation", text)])


def join_parts(fmt: str, parts: Iterable[Path], out: Path) -> None:
    """Write the results file ``out`` from its parts, in the order given."""
    if fmt == "parquet":
        pa = _pyarrow()
        with pa.parquet.ParquetWriter(out, _parquet_schema()) as writer:
            for part in parts:
                writer.write_table(pa.parquet.read_table(part, schema=_parquet_schema()))
        return
    with out.open("wb") as fh:
        fh.write(output_header(fmt))
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)
