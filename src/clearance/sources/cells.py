"""Turning the values publishers write in cells and elements into model values.

Every list format needs the same small conversions: trim a cell, assemble a name from its
parts and tell its script, read a country name as an ISO code, read a date the publisher
promises to be well-formed (and fail loudly, naming the place, when it is not), type an
identifier from the publisher's label, and derive a stable id where a list has none. They live
here once so that each format module only says where its values are.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import icu
import pycountry
from rigour.names import extract_org_types

from clearance.errors import ListFormatError
from clearance.model import Address, EntityType, IdScheme, Name, NameKind
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.sources.base import is_number

T = TypeVar("T")
_SPACES = re.compile(r"\s+")
# ICU's pseudo-scripts: Common (digits, punctuation), Inherited (combining marks), Unknown.
_NOT_A_SCRIPT = {"Zyyy", "Zinh", "Zzzz"}


def clean(value: object) -> str | None:
    """The value as text with runs of whitespace collapsed, or None when empty."""
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


def join_parts(parts: Iterable[object], sep: str = " ") -> str | None:
    """Non-empty parts joined by ``sep`` (name parts, address lines)."""
    cleaned = [c for c in (clean(p) for p in parts) if c]
    return sep.join(cleaned) if cleaned else None


def unique(values: Iterable[T | None]) -> list[T]:
    """Values in first-seen order without repeats (and without None or empty strings)."""
    seen: set[T] = set()
    out: list[T] = []
    for value in values:
        if value is None or value == "" or value in seen:
            continue
        seen.add(value)
        out.append(value)
    return out


def script_of(text: str) -> str | None:
    """ISO 15924 code of the script most of ``text``'s letters are written in (ICU's Unicode
    script property), or None when it has no letters."""
    if text.isascii():  # most names: no need to ask ICU character by character
        return "Latn" if any(c.isalpha() for c in text) else None
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            code = str(icu.Script.getScript(char).getShortName())
            if code not in _NOT_A_SCRIPT:
                counts[code] += 1
    return counts.most_common(1)[0][0] if counts else None


def make_name(value: str, kind: NameKind, *, quality: str | None = None, lang: str | None = None,
              script: str | None = None) -> Name:
    """A Name with its script found from the text unless the publisher states it."""
    return Name(value, kind, script=script or script_of(value), lang=lang, quality=quality)


def add_name(names: list[Name], name: Name) -> None:
    """Append ``name`` unless the same text is already there (the first, strongest kind wins)."""
    if all(n.value != name.value for n in names):
        names.append(name)


def latin_or_original(value: str, kind: NameKind, **kwargs: str | None) -> Name:
    """A name in the kind the publisher gives it, except that a strong alias written in a
    non-Latin script is the original-script form (NameKind.NON_LATIN), as when the publisher
    puts it in its own column. Weak and previous names keep their kind."""
    name = make_name(value, kind, **kwargs)
    if kind is NameKind.ALIAS and name.script not in (None, "Latn"):
        return Name(name.value, NameKind.NON_LATIN, name.script, name.lang, name.quality)
    return name


_ENUMERATION = re.compile(r"(?:^|\s)\(?(?:\d{1,2}|[a-zA-Z])\)\s*")


def enumerated(text: object) -> list[str]:
    """The items of a cell that lists several values as ``(1) X (2) Y``, ``1) X 2) Y`` or
    ``(a) X (b) Y`` (UK lists do), separators trailing an item dropped; else the cell itself."""
    value = clean(text)
    if value is None:
        return []
    if not _ENUMERATION.match(value):
        return [value]
    parts = _ENUMERATION.split(value)
    return [p for p in (clean(part.strip().rstrip(".,;").strip()) for part in parts) if p]


@lru_cache(maxsize=512)
def language_code(text: str | None) -> str | None:
    """ISO 639 code (alpha-2 where one exists) of a language name (``Russian`` -> ``ru``);
    ``Persian/Farsi`` tries each name. None when no name is a known language."""
    if not clean(text):
        return None
    for part in (clean(text) or "").split("/"):
        try:
            language = pycountry.languages.lookup(part.strip())
        except LookupError:
            continue
        return str(getattr(language, "alpha_2", None) or language.alpha_3)
    return None


_PARENTHESES = re.compile(r"\([^()]*\)")


def country_code(text: str | None) -> str | None:
    """ISO alpha-2 for a published country name or code (None when unknown or empty). A note in
    parentheses is ignored when the whole text is not a country: ``Pakistan (previous address)``."""
    value = clean(text)
    code = to_country_code(value)
    if code is None and value and "(" in value:
        code = to_country_code(clean(_PARENTHESES.sub(" ", value)))
    return code


def countries(texts: Iterable[str | None], unresolved: list[str] | None = None) -> list[str]:
    """ISO codes of the given country texts, in order, without repeats; texts that name no
    known country are appended to ``unresolved`` when given (kept as published, not dropped)."""
    codes: list[str] = []
    for text in texts:
        cleaned = clean(text)
        if cleaned is None:
            continue
        code = country_code(cleaned)
        if code is not None:
            codes.append(code)
        elif unresolved is not None:
            unresolved.append(cleaned)
    return unique(codes)


def address(street: Sequence[object] = (), *, city: object = None, region: object = None, postal_code: object = None,
            country: object = None) -> Address | None:
    """An Address from published parts (country as published; its ISO code looked up), or None
    when every part is empty. ``full`` is the parts joined in postal order."""
    country_text = clean(country)
    street_text = join_parts(street, ", ")
    parts = [street_text, clean(city), clean(region), clean(postal_code), country_text]
    full = join_parts(parts, ", ")
    if full is None:
        return None
    return Address(
        full=full,
        street=street_text,
        city=clean(city),
        postal_code=clean(postal_code),
        region=clean(region),
        country=country_code(country_text),
        country_name=country_text,
    )


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*|Z|[+-]\d{2}:\d{2})?$")


def iso_date(text: str | None, file: Path, where: str) -> str:
    """``YYYY-MM-DD`` from an ISO date or datetime (``xs:date`` may carry a zone: ``2015-04-07-04:00``).
    A missing or malformed value is a ListFormatError naming ``where``."""
    value = clean(text)
    m = _ISO_DATE.match(value or "")
    if value is None or m is None:
        raise ListFormatError(file, where, f"bad date {value!r}" if value else "date missing", "YYYY-MM-DD")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise ListFormatError(file, where, f"impossible date {value!r}", "a real calendar date") from None


def iso_datetime(text: str | None, file: Path, where: str) -> str:
    """An ISO 8601 timestamp as published, checked to be one (``2026-02-27T00:00:09.554Z``)."""
    value = clean(text)
    try:
        datetime.fromisoformat(value or "")
    except ValueError:
        raise ListFormatError(file, where, f"bad timestamp {value!r}", "an ISO 8601 date and time") from None
    assert value is not None
    return value


_SLASHED = re.compile(r"^(?:(\d{1,2}|dd|mm)/)?(?:(\d{1,2}|dd|mm)/)?(\d{4})$", re.IGNORECASE)


def slash_date(text: str | None, file: Path, where: str, *, day_first: bool = True) -> str | None:
    """A ``dd/mm/yyyy`` cell (UK; ``mm/dd/yyyy`` with ``day_first=False``, US) as a partial ISO
    date. ``00`` (OFSI) or the letters ``dd``/``mm`` (UK Sanctions List) stand for an unknown day
    or month: ``00/00/1980`` and ``dd/mm/1980`` are 1980, ``00/05/1980`` is 1980-05; ``mm/yyyy``
    and ``yyyy`` are read too. Empty is None; anything else is a ListFormatError naming ``where``."""
    value = clean(text)
    if value is None:
        return None
    m = _SLASHED.match(value)
    if m is None:
        shape = "dd/mm/yyyy" if day_first else "mm/dd/yyyy"
        raise ListFormatError(file, where, f"bad date {value!r}", f"{shape} (00 for an unknown day or month)")
    first, second, year_text = m.groups()
    if second is None:
        day, month = None, first
    else:
        day, month = (first, second) if day_first else (second, first)
    year, month_no, day_no = int(year_text), _part(month), _part(day)
    try:
        if month_no == 0:
            return f"{year:04d}"
        if day_no == 0:
            date(year, month_no, 1)
            return f"{year:04d}-{month_no:02d}"
        return date(year, month_no, day_no).isoformat()
    except ValueError:
        raise ListFormatError(file, where, f"impossible date {value!r}", "a real calendar date") from None


def _part(text: str | None) -> int:
    return int(text) if is_number(text) else 0


def loose_date(text: str | None) -> str | None:
    """A partial ISO date from free text (``Nov. 1973``, ``12 Jan 1960``), None if it holds none."""
    return parse_partial_date(clean(text))


# Publisher labels -> identifier scheme, matched against the label with its dots removed
# ("R.F.C." -> "RFC"). Checked in order, first match wins, so the specific labels ("previous
# aircraft tail number", "tax identification number") come before the general ones.
_SCHEME_PATTERNS: tuple[tuple[re.Pattern[str], IdScheme], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), scheme)
    for pattern, scheme in (
        (r"chinese commercial code", IdScheme.OTHER),  # telegraph codes of a name's characters
        (r"pass(e)?port|pasaporte|паспорт|travel document", IdScheme.PASSPORT),
        (r"electoral", IdScheme.NATIONAL_ID),  # before "registry": Mexican voter ids
        (r"\b(tax|tin|inn|vat|kpp|nif|rfc|ntn|cuit|ruc|unp|nit|rif|cif|fein|nuit|rtn|rsin|ein)\b|taxpayer|fiscal"
         r"|\bинн\b|tributar", IdScheme.TAX_ID),
        (r"\bimo\b", IdScheme.IMO),
        (r"\bmmsi\b", IdScheme.MMSI),
        (r"swift|\bbic\b", IdScheme.SWIFT_BIC),
        (r"\blei\b|legal entity (identifier|number)", IdScheme.LEI),
        (r"previous (aircraft )?tail number", IdScheme.PREVIOUS_TAIL_NUMBER),
        (r"tail number|aircraft registration|\bregistration mark", IdScheme.TAIL_NUMBER),
        (r"construction number", IdScheme.CONSTRUCTION_NUMBER),
        (r"manufacturer'?s? serial|\bmsn\b|serial (number|identification)", IdScheme.MSN),
        (r"mode s", IdScheme.MODE_S),
        (r"call sign", IdScheme.CALL_SIGN),
        (r"e-?mail", IdScheme.EMAIL),
        (r"website|\burl\b", IdScheme.WEBSITE),
        (r"phone|\bfax\b", IdScheme.PHONE),
        (r"digital currency|crypto|wallet", IdScheme.CRYPTO_WALLET),
        (r"\bregist|regnumber|\bogrn|company number|business number|\bokpo\b|\bcr\b"
         r"|commerc|chamber of comm|incorporation|mercantil|social credit|enterprise number|branch unit"
         r"|gazette|d-u-n-s|trade licen[cs]e|business registration", IdScheme.REGISTRATION),
        (r"national|\bidentity|identidad|identification|\bid (no|number|card)|\bid\b|cedula|cédula|\bssn\b"
         r"|social security|\bcurp\b|\bdni\b|\bife\b|\bcui\b|\bnie\b|personal (id|numerical)|citizen'?s card"
         r"|residency|tazkira", IdScheme.NATIONAL_ID),
    )
)


def id_scheme(label: str | None) -> IdScheme:
    """The identifier scheme a publisher's label names (``Passport``, ``Tax ID No.``, ``R.F.C.``,
    ``IMO``, ``regnumber``...), OTHER when none fits (the label is then kept beside the value)."""
    text = clean(label)
    if text is None:
        return IdScheme.OTHER
    text = text.replace(".", "")
    for pattern, scheme in _SCHEME_PATTERNS:
        if pattern.search(text):
            return scheme
    return IdScheme.OTHER


# Words that mark an organisation's name where rigour's legal-form table (LLC, GmbH, OOO...) has
# nothing to find: "MAHAN AIR", "BEIJING UNIVERSITY OF AERONAUTICS", "AL NASER AIRLINES".
_ORG_WORDS = frozenset("""
    academy aero aerospace agency air airline airlines airways association aviation bank branch brigade bureau
    center centre college committee companies company components cooperative corp corporation corps council
    department design development devices electronics engineering enterprise enterprises equipment establishment
    export exports factory foundation front group holding holdings hospital import imports industrial industries
    industry institute instruments international laboratories laboratory logistics machinery manufacturing
    ministry movement network office organisation organization partners party plant research school services
    shipping society solutions station systems technologies technology trade trading union university works
""".split())  # noqa: SIM905 - a block of words reads better than 80 quoted strings


def guess_entity_type(name: str) -> EntityType:
    """Organisation when the name carries a legal form (rigour) or an organisation word, else
    person: for lists that do not say which a party is (BIS Denied Persons, most trade.gov
    lists). Callers record that the type was guessed."""
    if extract_org_types(name):
        return EntityType.ORGANIZATION
    words = re.findall(r"[^\W\d_]+", name.casefold())
    return EntityType.ORGANIZATION if any(w in _ORG_WORDS for w in words) else EntityType.PERSON


def short_hash(*parts: str | None, length: int = 12) -> str:
    """A stable id from the given values: the first ``length`` hex digits of their SHA-256
    (parts joined by the unit separator, so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


class RepeatedKeys:
    """Ids for keys a list repeats: the first occurrence is the key itself, then ``key-2``,
    ``key-3``... in file order, so every row keeps an id and the ids stay stable while the
    repeats stay in place."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def __call__(self, key: str) -> str:
        self._seen[key] += 1
        count = self._seen[key]
        return key if count == 1 else f"{key}-{count}"


def add_property(properties: dict[str, list[str]], key: str, *values: object) -> None:
    """Append the non-empty values to ``properties[key]`` without repeats."""
    for value in values:
        text = clean(value)
        if text is None:
            continue
        bucket = properties.setdefault(key, [])
        if text not in bucket:
            bucket.append(text)
