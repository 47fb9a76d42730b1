"""Facts about an OFAC-listed party, parsed into clearance's model — shared by the four OFAC formats.

The legacy CSV carries almost everything inside one Remarks cell::

    DOB 30 Aug 1954; alt. DOB 31 Aug 1954; POB Kopys, Vitebsk oblast, Belarus; nationality Belarus;
    Gender Male; Tax ID No. 600390798 (Belarus); Linked To: OPEN JOINT STOCK COMPANY BELAVIA ...

:func:`parse_remarks` splits that into clauses and hands each ``label value`` pair to
:func:`apply_label`, which the XML formats call directly with the labels their elements carry.
What a label means is in :mod:`clearance.sources.ofac_labels`.

Choices made here, for every OFAC format alike:

- The entity type: OFAC's "entity" (``-0-`` in the CSV) becomes ``company`` when rigour finds a
  legal form in the primary name ("OPEN JOINT STOCK COMPANY BELAVIA ...", "CIMEX, S.A."), else
  ``organization`` (HIZBALLAH, BANCO NACIONAL DE CUBA, ministries, armed groups).
- Names printed in Remarks (``a.k.a. 'RUSAG'``) are OFAC's weak aliases: the legacy XML lists
  exactly these with ``<category>weak</category>`` and the CSV's alias file leaves them out. They
  become ``weak_alias`` names whatever their a.k.a./f.k.a. type, which stays in ``quality``.
- Dates are partial ISO; a range ("1954 to 1956", "01 Jan 1961 to 31 Dec 1963") becomes every
  year it covers, a range within one year or month the year or month ("01 Sep 1990 to 30 Sep
  1990" -> "1990-09"); "circa" is dropped (the value is kept in ``remarks``).
- A remark clause that matches no known label, or whose value does not parse (an unknown
  country, an unreadable date), is left alone: the full Remarks text is always kept.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TypeVar

from rigour.names.org_types import extract_org_types

from clearance.model import Address, Entity, EntityType, Identifier, Link, Name, NameKind
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.sources.cells import script_of
from clearance.sources.ofac_labels import Field, Target, label_pattern, slug, target_for

_CLAUSE = re.compile(
    r"^(?:alt\.\s*)?(?P<label>" + label_pattern() + r")(?![\w'’])\s*[:\-]?\s*(?P<value>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_RANGE = re.compile(r"^(?P<start>.+?)\s+to\s+(?P<end>.+)$|^(?P<y1>\d{4})\s*-\s*(?P<y2>\d{4})$", re.IGNORECASE)
_CIRCA = re.compile(r"^\s*(?:circa|approximately|approx\.)\s+", re.IGNORECASE)
_MAX_RANGE_YEARS = 20
# OFAC's own date style ("30 Aug 1954", "Aug 1960", "1962"), parsed without dateutil: it is
# nearly every date in the lists, and dateutil's general parser costs 0.1 ms a call.
_OFAC_DATE = re.compile(r"^(?:(?P<day>\d{1,2})\s+)?(?:(?P<month>[A-Za-z]{3})[a-z]*\.?\s+)?(?P<year>\d{4})$")
_MONTHS = {calendar.month_abbr[m].casefold(): m for m in range(1, 13)}
_T = TypeVar("_T")


# -- entity type, programs ----------------------------------------------------------------------
def entity_type(ofac_type: str | None, primary_name: str) -> EntityType:
    """Map OFAC's type ("individual", "Vessel", "-0-", "Entity", ...) to clearance's."""
    kind = (ofac_type or "").strip().casefold()
    if kind in ("individual", "person"):
        return EntityType.PERSON
    if kind == "vessel":
        return EntityType.VESSEL
    if kind == "aircraft":
        return EntityType.AIRCRAFT
    return EntityType.COMPANY if extract_org_types(primary_name.casefold()) else EntityType.ORGANIZATION


def split_programs(cell: str | None) -> list[str]:
    """``"UKRAINE-EO13662] [RUSSIA-EO14024"`` or ``"[SDGT] [IRGC]"`` -> ``["UKRAINE-EO13662", ...]``."""
    if not cell:
        return []
    return [p.strip() for p in re.split(r"[\[\]]", cell) if p.strip()]


def ofac_name(value: str, kind: NameKind, quality: str | None = None) -> Name:
    """A name with its script: ASCII names (nearly all of OFAC's) are Latin without asking ICU."""
    if not value.isascii():
        return Name(value, kind, script=script_of(value), quality=quality)
    return Name(value, kind, script="Latn" if any(c.isalpha() for c in value) else None, quality=quality)


# -- dates -------------------------------------------------------------------------------------------
def parse_dates(text: str | None) -> list[str]:
    """Partial ISO dates in an OFAC date text: a date, "circa 1951", "Aug 1960", "1954 to 1956"."""
    if not text:
        return []
    value = _CIRCA.sub("", text.strip().rstrip("."))
    ranged = _RANGE.match(value)
    if ranged:
        start = _partial(ranged.group("start") or ranged.group("y1"))
        end = _partial(ranged.group("end") or ranged.group("y2"))
        if start is None or end is None:
            return []
        return period_dates(_first_day(start), _last_day(end))
    single = _partial(value)
    return [single] if single else []


def _partial(text: str) -> str | None:
    m = _OFAC_DATE.match(text.strip())
    if m is None or (m.group("day") and not m.group("month")):
        return parse_partial_date(text)
    year = int(m.group("year"))
    if not m.group("month"):
        return f"{year:04d}"
    month = _MONTHS.get(m.group("month").casefold())
    if month is None:
        return parse_partial_date(text)
    if not m.group("day"):
        return f"{year:04d}-{month:02d}"
    day = int(m.group("day"))
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def period_dates(start: date, end: date) -> list[str]:
    """The partial dates a period stands for: one day, a month, a year, or the years it spans."""
    if end < start:
        start, end = end, start
    if start == end:
        return [start.isoformat()]
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole_months and start.month == 1 and end.month == 12:
        return _years(start.year, end.year)
    if (start.year, start.month) == (end.year, end.month):
        return [f"{start.year:04d}-{start.month:02d}"]
    if whole_months and start.year == end.year:
        return [f"{start.year:04d}-{m:02d}" for m in range(start.month, end.month + 1)]
    return _years(start.year, end.year)


def _years(first: int, last: int) -> list[str]:
    if last - first > _MAX_RANGE_YEARS:
        return []
    return [f"{y:04d}" for y in range(first, last + 1)]


def _first_day(partial: str) -> date:
    parts = [int(p) for p in partial.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _last_day(partial: str) -> date:
    parts = [int(p) for p in partial.split("-")]
    year, month = parts[0], parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return date(year, month, day)


# -- labelled values -----------------------------------------------------------------------------
def apply_label(
    entity: Entity,
    label: str,
    value: str | None,
    *,
    country: str | None = None,
    issued: str | None = None,
    expires: str | None = None,
    note: str | None = None,
    dates: list[str] | None = None,
    address: Address | None = None,
) -> bool:
    """Put one labelled fact on ``entity``. Returns False when the value could not be placed.

    ``label`` is OFAC's ("Tax ID No.", "Aircraft Tail Number", "Secondary sanctions risk:"). The
    XML formats pass what their elements carry separately: the issuing ``country`` (a name or ISO
    code), ``issued``/``expires`` dates, already-parsed ``dates``, a resolved ``address``. A label
    clearance does not know is kept as a property named after it, so nothing is lost.
    """
    target = target_for(label)
    text = " ".join((value or "").split())
    if target is None:
        if not text:
            return False
        entity.properties.setdefault(slug(label), []).append(text)
        return True
    # One apostrophe in labels: OFAC prints "Manufacturer's" in the CSV and "Manufacturer’s" in XML.
    label = " ".join(label.replace("’", "'").split())
    return _apply(entity, target, label, text, country, issued, expires, note, dates, address)


def _apply(entity: Entity, target: Target, label: str, value: str, country: str | None, issued: str | None,
           expires: str | None, note: str | None, dates: list[str] | None, address: Address | None) -> bool:
    f = target.field
    if f is Field.ADDRESS:
        if address is not None:
            entity.addresses.append(address)
            return True
        if value:
            entity.addresses.append(Address(full=value))
            return True
        return False
    if not value and not dates:
        return False
    if f in (Field.BIRTH_DATE, Field.INCORPORATION_DATE, Field.PROPERTY_DATE):
        found = dates if dates else parse_dates(value)
        if not found:
            return False
        if f is Field.BIRTH_DATE:
            entity.birth_dates.extend(found)
        elif f is Field.INCORPORATION_DATE:
            entity.incorporation_dates.extend(found)
        else:
            entity.properties.setdefault(target.key or slug(label), []).extend(found)
        return True
    if f is Field.IDENTIFIER:
        return _apply_document(entity, target, label, value, country, issued, expires, note)
    if f is Field.CODE:
        assert target.scheme is not None
        entity.identifiers.append(
            Identifier(target.scheme, _strip_terminator(value), _country(country), label, note)
        )
        return True
    if f in (Field.NATIONALITY, Field.COUNTRY, Field.FLAG):
        iso = to_country_code(country or value)
        if f is Field.FLAG:
            entity.properties.setdefault(target.key or "vessel_flag", []).append(value)
        if iso is None:
            return f is Field.FLAG
        (entity.nationalities if f is Field.NATIONALITY else entity.countries).append(iso)
        return True
    if f is Field.GENDER:
        gender = value.strip(". ").casefold()
        if gender not in ("male", "female"):
            return False
        entity.gender = gender
        return True
    if f is Field.BIRTH_PLACE:
        entity.birth_places.append(_strip_terminator(value))
        return True
    if f is Field.TITLE:
        entity.titles.append(_strip_terminator(value))
        return True
    if f is Field.LINK:
        entity.links.append(Link(target.key or "linked_to", _strip_terminator(value)))
        return True
    if f is Field.WEAK_NAME:
        quoted = value.strip().rstrip(".").strip()
        if len(quoted) < 3 or quoted[0] not in "'’" or quoted[-1] not in "'’":
            return False
        entity.names.append(ofac_name(quoted[1:-1].strip(), NameKind.WEAK_ALIAS, target.key))
        return True
    # PROPERTY
    text = _strip_terminator(value)
    entity.properties.setdefault(target.key or slug(label), []).append(text)
    if target.link:
        entity.links.append(Link(target.link, text))
    return True


def _apply_document(entity: Entity, target: Target, label: str, value: str, country: str | None,
                    issued: str | None, expires: str | None, note: str | None) -> bool:
    """``VALUE (Issuing Country) issued DATE expires DATE`` (Remarks) or the same parts given apart."""
    assert target.scheme is not None
    text = _strip_terminator(value)
    expires_m = re.search(r"\s+expires\s+(.+)$", text, re.IGNORECASE)
    if expires_m:
        expires, text = expires or expires_m.group(1), text[: expires_m.start()]
    issued_m = re.search(r"\s+issued\s+(.+)$", text, re.IGNORECASE)
    if issued_m:
        issued, text = issued or issued_m.group(1), text[: issued_m.start()]
    notes = [note] if note else []
    paren = re.search(r"\s*\(([^()]+)\)$", text)
    if paren and country is None:
        code = to_country_code(paren.group(1))
        if code is not None:
            country, text = code, text[: paren.start()]
    text = text.strip()
    if target.scheme.value in ("imo", "mmsi"):
        text = re.sub(r"^(IMO|MMSI)\s*", "", text, flags=re.IGNORECASE)
    if not text:
        return False
    for word, when in (("issued", issued), ("expires", expires)):
        if when:
            parsed = parse_dates(when)
            notes.append(f"{word} {parsed[0] if len(parsed) == 1 else when.strip()}")
    entity.identifiers.append(
        Identifier(target.scheme, text, _country(country), label, "; ".join(notes) or None)
    )
    return True


def _country(value: str | None) -> str | None:
    return to_country_code(value) if value else None


def _strip_terminator(value: str) -> str:
    """Remarks end with a full stop that belongs to no value; "LTD." keeps its own (see links)."""
    return value.strip().rstrip(";").strip()


# -- Remarks ------------------------------------------------------------------------------------
def split_clauses(remarks: str) -> list[str]:
    """Split Remarks on ``;`` outside parentheses (OFAC writes ``(Following data ...: DOB ...;
    Passport ...)`` as one clause). The full stop ending the Remarks is removed."""
    text = remarks.strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if "(" not in text:
        return [c.strip() for c in text.split(";") if c.strip()]
    clauses: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == ";" and depth == 0:
            clauses.append(text[start:i])
            start = i + 1
    clauses.append(text[start:])
    return [c.strip() for c in clauses if c.strip()]


def parse_remarks(entity: Entity, remarks: str | None) -> list[str]:
    """Parse every clause of ``remarks`` onto ``entity``; return the clauses left unparsed."""
    if not remarks:
        return []
    unparsed: list[str] = []
    for clause in split_clauses(remarks):
        inner = clause[1:-1].strip() if clause.startswith("(") and clause.endswith(")") else clause
        match = _CLAUSE.match(inner)
        if match is None or not apply_label(entity, match.group("label"), match.group("value")):
            unparsed.append(clause)
    return unparsed


# -- finishing ------------------------------------------------------------------------------------
def resolve_links(entity: Entity, ids_by_name: dict[str, str | None]) -> None:
    """Give each link whose target is named exactly like one primary name of the same list the
    id of that entity. ``ids_by_name`` maps a primary name to its id, or to None when several
    entities share it. A link that ended the Remarks lost its full stop to the terminator, so
    "CO., LTD" is tried as "CO., LTD." too."""
    resolved: list[Link] = []
    for link in entity.links:
        if link.target_id is None:
            for candidate in (link.target_name, link.target_name + ".", link.target_name.rstrip(".")):
                target = ids_by_name.get(candidate)
                if target is not None and target != entity.id:
                    link = Link(link.kind, candidate, target, link.share)
                    break
        resolved.append(link)
    entity.links = resolved


def ids_by_primary_name(names: Mapping[str, str], source: str) -> dict[str, str | None]:
    """Primary name -> ``<source>:<local id>`` for ``names`` (local id -> primary name); a name
    several entities share maps to None, so a link naming it stays unresolved."""
    index: dict[str, str | None] = {}
    for local_id, name in names.items():
        index[name] = None if name in index else f"{source}:{local_id}"
    return index


_LIST_FIELDS = ("names", "identifiers", "birth_dates", "birth_places", "incorporation_dates", "nationalities",
                "countries", "addresses", "programs", "lists", "links", "titles")


def finish(entity: Entity) -> Entity:
    """Drop repeated values (OFAC repeats a nationality or a program across sub-lists) in order."""
    for name in _LIST_FIELDS:
        setattr(entity, name, _unique(getattr(entity, name)))
    entity.properties = {k: _unique(v) for k, v in entity.properties.items()}
    return entity


def _unique(values: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(values))
