"""UK OFSI Consolidated List of Financial Sanctions Targets, XLSX and CSV.

Both files are one table: a first line ``Last Updated,<dd/mm/yyyy>`` (the publication date), a
header line, then one row per name variant of a target. Rows sharing a ``Group ID`` are one
target; they are rarely adjacent (the list is sorted by name), so a file is grouped in full
before its entities are produced. Entity ids are ``gb-ofsi:<Group ID>``.

Two column sets exist and are told apart by their header, not by the file name:

* the "2022 format" (36 columns; ``Alias Quality``, ``Name Non-Latin Script``, ``Passport
  Number``, ``UK Sanctions List Date Designated``...), published as XLSX and as UTF-8 CSV;
* the legacy layout before 2022 (29 columns; passports and national ids only as free text),
  whose CSV is Windows-1252.

``Alias Type`` gives the name kinds: ``Primary name`` (legacy ``Prime Alias``) is the primary
name; ``Primary name variation`` a strong alias (and the primary name when a target has no
``Primary name`` row); ``AKA`` an alias, weak when ``Alias Quality`` is ``Low quality``; ``FKA``
a previous name. ``Other Information`` is kept as the remarks and its labelled parts
(``(IMO number):7408873 (Flag of ship):North Korea``, ``(Gender):Male``, ``(UK Sanctions List
Ref):BEL0047``...) become identifiers, links and properties.

Each entity's record is its rows: the cells all rows share under ``common``, and under ``rows``
the cells that differ, row by row, so the 15 rows of a target with one long statement of
reasons do not store that statement 15 times.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
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
    enumerated,
    id_scheme,
    join_parts,
    language_code,
    latin_or_original,
    make_name,
    slash_date,
    unique,
)

REQUIRED = ("Name 6", "Group Type", "Alias Type", "Regime", "Listed On", "Group ID")
NAME_PARTS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
ADDRESS_LINES = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
_TYPES = {"individual": EntityType.PERSON, "entity": EntityType.ORGANIZATION, "ship": EntityType.VESSEL}
_PRIMARY = {"primary name", "prime alias"}
_VARIATION = "primary name variation"
# "(IMO number):7408873 (Flag of ship):North Korea" - a label in parentheses, then a colon.
_LABEL = re.compile(r"\(([A-Z][A-Za-z /]{1,40})\):")
_LIST_REF = re.compile(r"\b[A-Z]{3}\d{4}\b")
_UN_REF = re.compile(r"\b[A-Z]{2,3}[ie]\.\d{3}\b")
# A document number inside free text: a run of letters/digits (with . / -) holding a digit and
# at least five characters, that is not a date.
_DOC_NUMBER = re.compile(r"(?<![\w.])(?=[A-Za-z0-9./-]*\d)[A-Za-z0-9][A-Za-z0-9./-]{4,}")
_DATE_LIKE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
_CONTACT_SCHEMES = {
    "business reg no": IdScheme.REGISTRATION,
    "phone number": IdScheme.PHONE,
    "tel": IdScheme.PHONE,
    "fax": IdScheme.PHONE,
    "email address": IdScheme.EMAIL,
    "website": IdScheme.WEBSITE,
}
_DETAIL_PROPERTIES = {
    "type of ship": "vessel_type",
    "tonnage of ship": "vessel_tonnage",
    "length of ship": "vessel_length",
    "year built": "vessel_year_built",
    "type of entity": "entity_type",
}


@dataclass
class _Table:
    published: str
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (line or row number, cell values), after the header
    where: Callable[[int, int, str | None], str]  # (line, column index, column name) -> location


@dataclass
class _Row:
    cells: dict[str, str]  # header -> non-empty text
    line: int
    table: _Table

    def get(self, column: str) -> str | None:
        return self.cells.get(column)

    def where(self, column: str) -> str:
        """``line 12, column DOB`` (CSV) or ``sheet Data, cell K12 (DOB)`` (XLSX)."""
        header = self.table.header
        return self.table.where(self.line, header.index(column) if column in header else len(header), column)


def _cell_text(value: Any) -> str | None:
    """Spreadsheet cell values as the text the CSV would carry (dates as dd/mm/yyyy)."""
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(value)


def _start(file: Path, rows: Iterator[tuple[int, list[Any]]], where: Callable[[int, int, str | None], str]) -> _Table:
    """Read and check the date line and the header: the start of the table in either container."""
    first = next(rows, (1, []))[1]
    label = _cell_text(first[0]) if first else None
    if label is None or label.lower() != "last updated" or len(first) < 2:
        raise ListFormatError(file, where(1, 0, None), f"first line starts {label!r}", "Last Updated,<dd/mm/yyyy>")
    published = slash_date(_cell_text(first[1]), file, where(1, 1, None))
    if published is None or len(published) != 10:
        raise ListFormatError(file, where(1, 1, None), "no full publication date", "Last Updated,<dd/mm/yyyy>")
    second = next(rows, None)
    if second is None:
        raise ListFormatError(file, where(2, 0, None), "no header line", ", ".join(REQUIRED))
    header = [(_cell_text(h) or "") for h in second[1]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ListFormatError(file, where(second[0], 0, None), f"header lacks column(s) {', '.join(missing)}",
                              "the OFSI ConList columns (Name 6, Name 1..5, ..., Group ID)")
    return _Table(published, header, rows, where)


def _read_csv(file: Path) -> _Table:
    """The 2022-format CSV is UTF-8; only the legacy layout may be Windows-1252."""
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        legacy = b"Alias Quality" not in raw[:4096] and b"Group ID" in raw[:4096]
        text = decode_text(file, ("cp1252",) if legacy else ("utf-8-sig",))

    def where(line: int, column: int, name: str | None) -> str:
        return f"line {line}, column {name}" if name else f"line {line}, field {column + 1}"

    return _start(file, csv_rows(file, text=text), where)


# What the zip and XML readers raise on a damaged .xlsx (a zip of XML parts): a bad or truncated
# archive, corrupt compressed data, an unsupported compression or encryption flag, malformed XML
# (XML parse errors are SyntaxErrors), a missing part, an impossible value.
BROKEN_XLSX: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, SyntaxError, ValueError,
    KeyError, OSError,
    TypeError,  # openpyxl builds objects from the XML's attributes: a damaged attribute name
)


def _read_xlsx(file: Path) -> _Table:
    import openpyxl  # the spreadsheet reader is only needed for this container
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (*BROKEN_XLSX, InvalidFileException) as exc:
        raise ListFormatError(file, None, f"not a readable XLSX workbook ({exc})", "an .xlsx file (a zip)") from exc
    if "Data" not in book.sheetnames:
        found = ", ".join(book.sheetnames)
        book.close()
        raise ListFormatError(file, "workbook", f"no sheet named Data (sheets: {found})", "the sheet Data")
    sheet = book["Data"]

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            # The sheet's XML is read (and unzipped) while iterating: damage shows up here.
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(v is not None and str(v).strip() for v in values):
                    yield number, list(values)
        except BROKEN_XLSX as exc:
            raise ListFormatError(file, f"sheet Data, after row {number}", f"damaged sheet ({exc})",
                                  "a well-formed worksheet") from exc
        finally:
            book.close()

    def where(row: int, column: int, name: str | None) -> str:
        return f"sheet Data, cell {get_column_letter(column + 1)}{row}" + (f" ({name})" if name else "")

    return _start(file, numbered(), where)


class _OfsiFormat:
    sources = ("gb-ofsi",)
    name = ""
    description = ""

    def _read(self, path: Path) -> _Table:
        raise NotImplementedError

    def parse(self, path: Path, source: str | None) -> ParsedList:
        source = source or self.sources[0]
        table = self._read(path)  # checks the date line and the header now, before any ingest
        layout = "2022" if "Alias Quality" in table.header else "legacy"
        meta = ListMeta(source=source, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=table.published, extra={"columns": layout})
        return ParsedList(meta, self._entities(path, source, table))

    def _entities(self, path: Path, source: str, table: _Table) -> Iterator[Entity]:
        groups: dict[str, list[_Row]] = {}
        header = table.header
        for line, values in table.rows:
            cells = {h: t for h, v in zip(header, values, strict=False) if h and (t := _cell_text(v))}
            row = _Row(cells, line, table)
            group = row.get("Group ID")
            if group is None:
                raise ListFormatError(path, row.where("Group ID"), "Group ID empty", "the target's group id")
            groups.setdefault(group, []).append(row)
        for group, rows in groups.items():
            yield _target(path, source, group, rows)


class OfsiCsvFormat(_OfsiFormat):
    name = "ofsi-csv"
    description = "UK OFSI Consolidated List, CSV (2022 format, UTF-8; or the legacy layout, Windows-1252)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file():
            return 0.0
        lines = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf").split("\n", 2)
        if len(lines) < 2 or not lines[0].lower().startswith("last updated,"):
            return 0.0
        return 0.95 if "Group ID" in lines[1] and "Name 6" in lines[1] else 0.6

    def _read(self, path: Path) -> _Table:
        return _read_csv(path)


class OfsiXlsxFormat(_OfsiFormat):
    name = "ofsi-xlsx"
    description = "UK OFSI Consolidated List, XLSX (sheet Data)"

    def sniff(self, path: Path, head: bytes) -> float:
        if not path.is_file() or not head.startswith(b"PK\x03\x04"):
            return 0.0
        try:
            with zipfile.ZipFile(path) as archive:
                workbook = archive.read("xl/workbook.xml")
        except BROKEN_XLSX:
            return 0.0
        return 0.9 if b'name="Data"' in workbook else 0.5

    def _read(self, path: Path) -> _Table:
        return _read_xlsx(path)


def _target(file: Path, source: str, group: str, rows: list[_Row]) -> Entity:
    first = rows[0]
    kind = (first.get("Group Type") or "").lower()
    if kind not in _TYPES:
        raise ListFormatError(file, first.where("Group Type"), f"unknown Group Type {first.get('Group Type')!r}",
                              "Individual, Entity or Ship")
    properties: dict[str, list[str]] = {}
    listed = [slash_date(r.get("Listed On"), file, r.where("Listed On")) for r in rows]
    if any(d is None for d in listed):
        bad = next(r for r, d in zip(rows, listed, strict=True) if d is None)
        raise ListFormatError(file, bad.where("Listed On"), "Listed On empty", "dd/mm/yyyy")
    for row in rows:
        add_property(properties, "uk_date_designated",
                     slash_date(row.get("UK Sanctions List Date Designated"), file,
                              row.where("UK Sanctions List Date Designated")))
    updated = sorted(d for r in rows if (d := slash_date(r.get("Last Updated"), file, r.where("Last Updated"))))
    add_property(properties, "last_updated", *updated[-1:])
    entity = Entity(
        id=f"{source}:{group}",
        source=source,
        type=_TYPES[kind],
        names=_names(file, rows),
        programs=unique(r.get("Regime") for r in rows),
        listed_on=min(d for d in listed if d is not None),
        properties=properties,
        remarks=join_parts(unique(r.get("Other Information") for r in rows), "\n\n"),
        record=_record(rows),
    )
    _people_facts(file, rows, entity)
    for text in unique(r.get("Other Information") for r in rows):
        _labelled_facts(text or "", entity)
    return entity


def _names(file: Path, rows: list[_Row]) -> list[Name]:
    def alias_type(row: _Row) -> str:
        return (row.get("Alias Type") or "").lower()

    primary_row = (next((r for r in rows if alias_type(r) in _PRIMARY), None)
                   or next((r for r in rows if alias_type(r) == _VARIATION), rows[0]))
    ordered = [primary_row] + [r for r in rows if r is not primary_row]
    names: list[Name] = []
    for row in ordered:
        full = join_parts(row.get(p) for p in NAME_PARTS)
        if full is None:
            raise ListFormatError(file, row.where("Name 6"), "no name in Name 1..6", "a name")
        label, quality = row.get("Alias Type"), row.get("Alias Quality")
        if row is primary_row:
            kind = NameKind.PRIMARY
        elif alias_type(row) == "fka":
            kind = NameKind.PREVIOUS
        elif (quality or "").lower().startswith("low"):
            kind = NameKind.WEAK_ALIAS
        else:
            kind = NameKind.ALIAS
        add_name(names, latin_or_original(full, kind, quality=join_parts((label, quality), ", ")))
        original = row.get("Name Non-Latin Script")
        if original:
            add_name(names, make_name(original, NameKind.NON_LATIN,
                                      lang=language_code(row.get("Non-Latin Script Language"))))
    return names


def _people_facts(file: Path, rows: list[_Row], entity: Entity) -> None:
    """Dates and places of birth, nationality, documents, positions and addresses: the same on
    most rows of a target, gathered once each."""
    unresolved: list[str] = []
    for row in rows:
        birth = row.get("DOB")
        if birth:
            try:
                entity.birth_dates.append(slash_date(birth, file, row.where("DOB")) or "")
            except ListFormatError:
                add_property(entity.properties, "birth_date_text", birth)  # not a date; kept as published
        entity.birth_places += _birth_places(row.get("Town of Birth"), row.get("Country of Birth"))
        entity.nationalities += countries(enumerated(row.get("Nationality")), unresolved)
        entity.identifiers += _documents(row)
        entity.titles += enumerated(row.get("Title")) + enumerated(row.get("Position"))
        found = address([row.get(c) for c in ADDRESS_LINES], postal_code=row.get("Post/Zip Code"),
                        country=row.get("Country"))
        if found is not None:
            entity.addresses.append(found)
    add_property(entity.properties, "nationality_text", *unresolved)
    entity.birth_dates = unique(entity.birth_dates)
    entity.birth_places = unique(entity.birth_places)
    entity.nationalities = unique(entity.nationalities)
    entity.identifiers = unique(entity.identifiers)
    entity.titles = unique(entity.titles)
    entity.addresses = unique(entity.addresses)
    entity.countries = unique(a.country for a in entity.addresses if a.country)


def _birth_places(towns_cell: str | None, countries_cell: str | None) -> list[str]:
    towns, lands = enumerated(towns_cell), enumerated(countries_cell)
    if towns and len(towns) == len(lands):
        return [f"{t}, {c}" for t, c in zip(towns, lands, strict=True)]
    if towns and len(lands) == 1:
        return [f"{t}, {lands[0]}" for t in towns]
    return towns + lands


def _documents(row: _Row) -> list[Identifier]:
    out: list[Identifier] = []
    for number_col, detail_col, default in (
        ("Passport Number", "Passport Details", IdScheme.PASSPORT),
        ("National Identification Number", "National Identification Details", IdScheme.NATIONAL_ID),
    ):
        numbers, details = enumerated(row.get(number_col)), enumerated(row.get(detail_col))
        for i, number in enumerate(numbers):
            detail = details[i] if len(details) == len(numbers) else row.get(detail_col)
            scheme = id_scheme(detail) if default is IdScheme.NATIONAL_ID else default
            out.append(Identifier(scheme if scheme is not IdScheme.OTHER else default, number,
                                  country=country_code(detail), label=number_col, note=detail))
    # The legacy layout has only free text: take the number each item starts with or holds.
    for text_col, default in (("Passport Details", IdScheme.PASSPORT), ("NI Number", IdScheme.NATIONAL_ID)):
        if row.get("Passport Number") or row.get("National Identification Number") or not row.get(text_col):
            continue
        for item in enumerated(row.get(text_col)):
            found = [str(m) for m in _DOC_NUMBER.findall(item) if not _DATE_LIKE.match(m)]
            if found:
                number = found[0]
                scheme = default if default is IdScheme.PASSPORT else id_scheme(item)
                out.append(Identifier(scheme if scheme is not IdScheme.OTHER else default, number.rstrip(".,"),
                                      label=text_col, note=item))
    return out


def _labelled_facts(text: str, entity: Entity) -> None:
    """The labelled parts of ``Other Information`` as identifiers, links and properties."""
    parts = _LABEL.split(text)
    for label, value in zip(parts[1::2], parts[2::2], strict=True):
        key, value = label.strip().lower(), value.strip()
        items = enumerated(value)
        if key == "gender":
            word = value.split()[0].lower().strip(".,;") if value.split() else ""
            entity.gender = word if word in ("male", "female") else entity.gender
        elif key == "uk sanctions list ref":
            add_property(entity.properties, "uk_sanctions_list_ref", *_LIST_REF.findall(value))
        elif key == "un ref":
            add_property(entity.properties, "un_reference", *_UN_REF.findall(value))
        elif key == "imo number":
            entity.identifiers.append(Identifier(IdScheme.IMO, value.split()[0].rstrip(".,"), label="IMO number"))
        elif key in ("flag of ship", "previous flags"):
            prop = "vessel_flag" if key == "flag of ship" else "vessel_previous_flag"
            add_property(entity.properties, prop, *items)
            if key == "flag of ship":
                entity.countries = unique([*entity.countries, *countries(items)])
        elif key in _DETAIL_PROPERTIES:
            add_property(entity.properties, _DETAIL_PROPERTIES[key], *items)
        elif key in ("current owners", "parent company"):
            entity.links += [Link("owned_by", item) for item in items if Link("owned_by", item) not in entity.links]
        elif key == "subsidiaries":
            entity.links += [Link("owner_of", item) for item in items if Link("owner_of", item) not in entity.links]
        elif key in _CONTACT_SCHEMES:
            scheme = _CONTACT_SCHEMES[key]
            entity.identifiers += [i for i in (Identifier(scheme, item, label=label) for item in items)
                                   if i not in entity.identifiers]


def _record(rows: list[_Row]) -> dict[str, Any]:
    common = {k: v for k, v in rows[0].cells.items() if all(r.cells.get(k) == v for r in rows[1:])}
    return {"common": common, "rows": [{k: v for k, v in r.cells.items() if k not in common} for r in rows]}


FORMATS = [OfsiXlsxFormat(), OfsiCsvFormat()]
