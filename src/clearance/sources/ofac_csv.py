"""OFAC's legacy delimited CSV sets: the SDN list and the Consolidated (non-SDN) list.

A set is a primary file and up to three companions, all headerless, CRLF, ``-0-`` for empty,
ending in a 0x1A byte::

    us-ofac-sdn   sdn.csv        add.csv        alt.csv        sdn_comments.csv
    us-ofac-cons  cons_prim.csv  cons_add.csv   cons_alt.csv   cons_comments.csv

PATH is the folder holding a set or the primary file itself; companions are used when they sit
beside a primary file of the standard name (names compare case-insensitively: the Sanctions List
Service serves ``SDN.CSV``). The file names say which list it is; ``--source`` may say otherwise.

The primary file's Remarks (continued in the comments file past 1,000 characters) carry most of
the data; :mod:`clearance.sources.ofac_remarks` parses them and documents the choices made. In
short: type ``-0-`` (an "entity") is ``company`` when rigour finds a legal form in the name, else
``organization``; ``a.k.a. 'X'`` in Remarks is a weak alias (OFAC's low-quality names live only
there); date ranges become every year they cover. ``alt.csv`` types map ``aka`` -> alias, ``fka``
-> previous, ``nka`` -> alias; ``add.csv`` rows with no address, city or country are placeholders
and add nothing. Each entity's ``record`` holds its exact rows from every file of the set.

Text is read as UTF-8 (ASCII is what OFAC publishes) or, failing that, Windows-1252, the
encoding of OFAC's older Windows-generated files; a file with NUL bytes (UTF-16, binary) or a
byte neither encoding knows is refused. The CSV has no date, so versions carry no publish date.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ListFormatError
from clearance.model import Address, Entity, ListMeta, NameKind
from clearance.model.countries import to_country_code
from clearance.sources.base import ParsedList, csv_rows, decode_text, is_number, sha256_of
from clearance.sources.ofac_remarks import (
    apply_label,
    entity_type,
    finish,
    ids_by_primary_name,
    ofac_name,
    parse_remarks,
    resolve_links,
    split_programs,
)

PRIMARY = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage", "GRT",
           "Vess_flag", "Vess_owner", "Remarks")
ADDRESSES = ("ent_num", "Add_num", "Address", "City/State/Province/Postal Code", "Country", "Add_remarks")
ALIASES = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
COMMENTS = ("ent_num", "Remarks_Extension")

# source -> (primary, addresses, aliases, comments) file names
SETS: dict[str, tuple[str, str, str, str]] = {
    "us-ofac-sdn": ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"),
    "us-ofac-cons": ("cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"),
}
_ALIAS_KINDS = {"aka": NameKind.ALIAS, "fka": NameKind.PREVIOUS, "nka": NameKind.ALIAS}
_VESSEL_COLUMNS = (("Call_Sign", "Vessel Call Sign"), ("Vess_type", "VESSEL TYPE"), ("Tonnage", "Vessel Tonnage"),
                   ("GRT", "Vessel Gross Registered Tonnage"), ("Vess_flag", "Vessel Flag"),
                   ("Vess_owner", "Vessel Owner"))
_ROW_START = re.compile(rb"^\s*\d+,\"")
_EMPTY = "-0-"
_SUB = "\x1a"  # DOS end-of-file marker OFAC still appends

Row = dict[str, str]  # column name -> raw cell, exactly as in the file


@dataclass(frozen=True)
class CsvSet:
    source: str
    primary: Path
    addresses: Path | None
    aliases: Path | None
    comments: Path | None

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.primary, self.addresses, self.aliases, self.comments) if p is not None]


def _by_lower_name(folder: Path) -> dict[str, Path]:
    return {p.name.lower(): p for p in folder.iterdir() if p.is_file()}


def locate(path: Path, source: str | None) -> CsvSet:
    """The files of the set at ``path`` (a folder, or the primary file) and the list it carries."""
    if path.is_dir():
        present = _by_lower_name(path)
        found = [s for s, names in SETS.items() if names[0] in present]
        if source in SETS and SETS[source][0] in present:
            found = [source]
        if not found:
            wanted = " or ".join(names[0] for names in SETS.values())
            raise ListFormatError(path, None, "no OFAC CSV primary file in this folder", wanted)
        if len(found) > 1:
            raise ListFormatError(path, None, "folder holds both sdn.csv and cons_prim.csv",
                                  "one set per folder, or --source us-ofac-sdn / us-ofac-cons")
        chosen = found[0]
        primary = present[SETS[chosen][0]]
    else:
        primary = path
        present = _by_lower_name(path.parent)
        by_name = [s for s, names in SETS.items() if names[0] == path.name.lower()]
        chosen = by_name[0] if by_name else ("us-ofac-cons" if "cons" in path.name.lower() else "us-ofac-sdn")
        if not by_name:  # a primary file under another name: its companions cannot be told apart
            present = {}
    names = SETS[chosen]
    companions = [present.get(name) for name in names[1:]]
    return CsvSet(source or chosen, primary, companions[0], companions[1], companions[2])


def read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, Row]]:
    """Every row of one file of the set, checked: the right number of columns, a numeric ent_num."""
    raw = path.read_bytes()
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        raise ListFormatError(path, f"line {line}, byte {nul}", "NUL byte: not single-byte text (UTF-16?)",
                              "ASCII/UTF-8 or Windows-1252 text")
    text = decode_text(path, ("utf-8-sig", "cp1252")).rstrip()
    if text.endswith(_SUB):
        text = text[:-1]
    if text.count('"') % 2:  # quotes inside cells are doubled, so an odd count is an unclosed cell
        opened = text.rindex('"')
        raise ListFormatError(path, f"line {text.count(chr(10), 0, opened) + 1}",
                              "the file ends inside the quoted cell opened on this line (truncated?)",
                              "every quoted cell closed")
    rows: list[tuple[int, Row]] = []
    for line, cells in csv_rows(path, text=text):
        if len(cells) != len(columns):
            raise ListFormatError(path, f"line {line}", f"row has {len(cells)} columns",
                                  f"{len(columns)}: {', '.join(columns)}")
        ent_num = cells[0].strip()
        if not is_number(ent_num):
            raise ListFormatError(path, f"line {line}, column ent_num", f"{ent_num!r} is not a number",
                                  "a positive integer entity number")
        rows.append((line, dict(zip(columns, [ent_num, *cells[1:]], strict=True))))
    return rows


def value(row: Row, column: str) -> str | None:
    cell = row[column].strip()
    return None if not cell or cell == _EMPTY else cell


def _group(rows: list[tuple[int, Row]]) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for _line, row in rows:
        grouped[int(row["ent_num"])].append(row)
    return grouped


class OfacCsvFormat:
    name = "ofac-csv"
    sources = ("us-ofac-sdn", "us-ofac-cons")
    description = "OFAC legacy CSV set: sdn.csv (+ add, alt, sdn_comments) or cons_prim.csv (+ cons_add, ...)"

    def sniff(self, path: Path, head: bytes) -> float:
        if path.is_dir():
            present = _by_lower_name(path)
            return 0.95 if any(names[0] in present for names in SETS.values()) else 0.0
        if not _ROW_START.match(head):
            return 0.0
        if any(path.name.lower() == names[0] for names in SETS.values()):
            return 0.95
        first = head.split(b"\n", 1)[0].decode("latin-1")
        cells = next(iter(csv_rows(path, text=first)), (0, []))[1]
        return 0.6 if len(cells) == len(PRIMARY) else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        files = locate(path, source)
        primary = read_rows(files.primary, PRIMARY)
        aliases = _group(read_rows(files.aliases, ALIASES)) if files.aliases else {}
        addresses = _group(read_rows(files.addresses, ADDRESSES)) if files.addresses else {}
        comments = _group(read_rows(files.comments, COMMENTS)) if files.comments else {}
        primary_names: dict[str, str] = {}
        seen: dict[int, int] = {}
        for line, row in primary:
            ent_num = int(row["ent_num"])
            if ent_num in seen:
                raise ListFormatError(files.primary, f"line {line}, column ent_num",
                                      f"entity {ent_num} already on line {seen[ent_num]}", "one row per entity")
            seen[ent_num] = line
            primary_names[str(ent_num)] = row["SDN_Name"].strip()
        ids_by_name = ids_by_primary_name(primary_names, files.source)
        orphans = {
            kind: sum(len(rows) for ent_num, rows in grouped.items() if ent_num not in seen)
            for kind, grouped in (("aliases", aliases), ("addresses", addresses), ("comments", comments))
        }
        folder = files.primary.parent
        meta = ListMeta(
            source=files.source,
            format=self.name,
            files=[str(p) for p in files.files],
            sha256=sha256_of(folder, [p.name for p in files.files]),
            published=None,
            extra={"rows": {"primary": len(primary), "aliases": sum(map(len, aliases.values())),
                            "addresses": sum(map(len, addresses.values())),
                            "comments": sum(map(len, comments.values()))},
                   "orphan_rows": orphans},
        )
        entities = (
            self._entity(files, row, aliases, addresses, comments, ids_by_name) for _line, row in primary
        )
        return ParsedList(meta, entities)

    def _entity(self, files: CsvSet, row: Row, aliases: dict[int, list[Row]], addresses: dict[int, list[Row]],
                comments: dict[int, list[Row]], ids_by_name: dict[str, str | None]) -> Entity:
        ent_num = int(row["ent_num"])
        name = row["SDN_Name"].strip()
        entity = Entity(
            id=f"{files.source}:{ent_num}",
            source=files.source,
            type=entity_type(value(row, "SDN_Type"), name),
            names=[ofac_name(name, NameKind.PRIMARY)],
            programs=split_programs(value(row, "Program")),
        )
        title = value(row, "Title")
        if title:
            entity.titles.extend(t.strip() for t in title.split(";") if t.strip())
        for column, label in _VESSEL_COLUMNS:
            cell = value(row, column)
            if cell:
                apply_label(entity, label, cell)
        remark_rows = comments.get(ent_num, [])
        remarks = (value(row, "Remarks") or "") + "".join(r["Remarks_Extension"] for r in remark_rows)
        if remarks.strip():
            entity.remarks = remarks.strip()
            parse_remarks(entity, entity.remarks)
        for alias in aliases.get(ent_num, []):
            alias_name = value(alias, "alt_name")
            if alias_name:
                alt_type = (value(alias, "alt_type") or "aka").casefold()
                quality = f"{alt_type[0]}.{alt_type[1:2]}.{alt_type[2:]}." if len(alt_type) == 3 else alt_type
                entity.names.append(ofac_name(alias_name, _ALIAS_KINDS.get(alt_type, NameKind.ALIAS), quality))
        for address_row in addresses.get(ent_num, []):
            address = _address(address_row)
            if address is not None:
                entity.addresses.append(address)
                if address.country:
                    entity.countries.append(address.country)
        resolve_links(entity, ids_by_name)
        entity.record = {
            "primary": row,
            **({"aliases": aliases[ent_num]} if ent_num in aliases else {}),
            **({"addresses": addresses[ent_num]} if ent_num in addresses else {}),
            **({"comments": remark_rows} if remark_rows else {}),
        }
        return finish(entity)


def _address(row: Row) -> Address | None:
    street = value(row, "Address")
    city = value(row, "City/State/Province/Postal Code")
    country_name = value(row, "Country")
    parts = [p for p in (street, city, country_name) if p]
    if not parts:
        return None
    return Address(full=", ".join(parts), street=street, city=city,
                   country=to_country_code(country_name), country_name=country_name)


FORMATS = [OfacCsvFormat()]
