"""What every list format provides, and the helpers they share.

A format is an object with a ``name`` (``ofac-csv``), the ``sources`` it can carry, a
``sniff`` that looks at a path's content and says how sure it is that the path is in this
format, and a ``parse`` that returns the list's metadata and an iterator of entities. Parsers
are pure: path in, model objects out; errors are :class:`clearance.errors.ListFormatError`
naming the file, the line or element, and what was expected.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeGuard

from clearance.errors import ListFormatError
from clearance.model import Entity, ListMeta

SNIFF_BYTES = 64 * 1024


@dataclass
class ParsedList:
    meta: ListMeta
    entities: Iterator[Entity]  # lazily produced; errors surface while iterating


class ListFormat(Protocol):
    name: str  # format id, e.g. "ofac-csv"
    sources: tuple[str, ...]  # source ids this format can carry; the first is the default
    description: str

    def sniff(self, path: Path, head: bytes) -> float:
        """Confidence 0..1 that ``path`` is in this format; ``head`` is its first bytes (files)."""
        ...

    def parse(self, path: Path, source: str | None) -> ParsedList:
        """Parse ``path`` (a file or a folder of a multi-file set) as list ``source``."""
        ...


def sha256_of(path: Path, names: list[str] | None = None) -> str:
    """SHA-256 of a file, or of the named files of a folder (names and contents, sorted)."""
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    for name in sorted(names or [p.name for p in path.iterdir() if p.is_file()]):
        digest.update(name.encode() + b"\0")
        with (path / name).open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def is_number(text: str | None) -> TypeGuard[str]:
    """``text`` is ASCII digits only. (``str.isdigit`` also accepts superscripts and the digits of
    other scripts, which ``int`` refuses or which no list uses in an id, a year or a date.)"""
    return text is not None and text.isascii() and text.isdigit()


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    if not path.is_file():
        return b""
    with path.open("rb") as fh:
        return fh.read(size)


def decode_text(path: Path, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """The file's text in the first encoding that decodes it, else a ListFormatError naming the
    line and byte offset of the first undecodable byte."""
    data = path.read_bytes()
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    raise ListFormatError(
        path,
        f"line {line}, byte {first_error.start}",
        f"cannot decode byte 0x{data[first_error.start]:02x}",
        f"text in {' or '.join(encodings)}",
    )


def csv_rows(
    path: Path,
    *,
    text: str | None = None,
    delimiter: str = ",",
    encodings: tuple[str, ...] = ("utf-8-sig",),
    min_columns: int | None = None,
    skip_blank: bool = True,
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, row)``; a row with fewer than ``min_columns`` cells is an error."""
    content = decode_text(path, encodings) if text is None else text
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            line = reader.line_num
            if skip_blank and (not row or all(not c.strip() for c in row)):
                continue
            if min_columns is not None and len(row) < min_columns:
                raise ListFormatError(
                    path, f"line {line}", f"row has {len(row)} columns", f"at least {min_columns}"
                )
            yield line, row
    except csv.Error as exc:
        sep = "tabs" if delimiter == "\t" else repr(delimiter)
        raise ListFormatError(path, f"line {reader.line_num}", f"malformed CSV: {exc}",
                              f"cells separated by {sep}, every quoted cell closed (is the file truncated?)") from exc
