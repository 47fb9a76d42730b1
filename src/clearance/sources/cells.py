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
from pathlib import Path
from typing import TypeVar

import icu

from clearance.errors import ListFormatError
from clearance.model import Address, IdScheme, Name, NameKind
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date

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


def unique(values: Iterable[T]) -> list[T]:
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
    """A name in the kind the publisher gives it, unless it is written in a non-Latin script:
    then it is the original-script form (NameKind.NON_LATIN) whatever list column it sat in."""
    name = make_name(value, kind, **kwargs)
    if name.script not in (None, "Latn") and kind is not NameKind.PRIMARY:
        return Name(name.value, NameKind.NON_LATIN, name.script, name.lang, name.quality)
    return name


def country_code(text: str | None) -> str | None:
    """ISO alpha-2 for a published country name or code (None when unknown or empty)."""
    return to_country_code(clean(text))


def countries(texts: Iterable[str | None], unresolved: list[str] | None = None) -> list[str]:
    """ISO codes of the given country texts, in order, without repeats; texts that name no
    known country are appended to ``unresolved`` when given (kept as published, not dropped)."""
    codes: list[str] = []
    for text in texts:
        cleaned = clean(text)
        if cleaned is None:
            continue
        code = to_country_code(cleaned)
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


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def dmy_date(text: str | None, file: Path, where: str) -> str | None:
    """A UK-style ``dd/mm/yyyy`` cell as a partial ISO date. ``00`` stands for an unknown day or
    month (``00/00/1980`` is 1980, ``00/05/1980`` is 1980-05). Empty is None; anything else is a
    ListFormatError naming ``where``."""
    value = clean(text)
    if value is None:
        return None
    m = _DMY.match(value)
    if m is None:
        raise ListFormatError(file, where, f"bad date {value!r}", "dd/mm/yyyy (00 for an unknown day or month)")
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        if month == 0:
            return f"{year:04d}"
        if day == 0:
            date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return date(year, month, day).isoformat()
    except ValueError:
        raise ListFormatError(file, where, f"impossible date {value!r}", "a real calendar date") from None


def loose_date(text: str | None) -> str | None:
    """A partial ISO date from free text (``Nov. 1973``, ``12 Jan 1960``), None if it holds none."""
    return parse_partial_date(clean(text))


# Publisher labels -> identifier scheme. Checked in order, first match wins, so the specific
# labels ("tax identification number") come before the general ones ("identification").
_SCHEME_PATTERNS: tuple[tuple[re.Pattern[str], IdScheme], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), scheme)
    for pattern, scheme in (
        (r"\bpass(e)?port|pasaporte|паспорт", IdScheme.PASSPORT),
        (r"\b(tax|tin|inn|vat|kpp|nif|rfc|ntn|cuit|ruc|unp)\b|taxpayer|fiscal|\bинн\b", IdScheme.TAX_ID),
        (r"\bimo\b", IdScheme.IMO),
        (r"\bmmsi\b", IdScheme.MMSI),
        (r"swift|\bbic\b", IdScheme.SWIFT_BIC),
        (r"\blei\b|legal entity (identifier|number)", IdScheme.LEI),
        (r"tail number|aircraft registration|\bregistration mark", IdScheme.TAIL_NUMBER),
        (r"manufacturer'?s? serial|\bmsn\b|serial number", IdScheme.MSN),
        (r"call sign", IdScheme.CALL_SIGN),
        (r"e-?mail", IdScheme.EMAIL),
        (r"website|\burl\b", IdScheme.WEBSITE),
        (r"phone|\bfax\b", IdScheme.PHONE),
        (r"digital currency|crypto|wallet", IdScheme.CRYPTO_WALLET),
        (r"regist|\bogrn|company number|business number|\bokpo\b|\bcr\b|commercial", IdScheme.REGISTRATION),
        (r"national|\bidentity|identification|\bid\b|\bid card|cedula|cédula|\bssn\b|social security",
         IdScheme.NATIONAL_ID),
    )
)


def id_scheme(label: str | None) -> IdScheme:
    """The identifier scheme a publisher's label names (``Passport``, ``Tax ID No.``, ``IMO``,
    ``regnumber``...), OTHER when none fits (the label is then kept beside the value)."""
    text = clean(label)
    if text is None:
        return IdScheme.OTHER
    for pattern, scheme in _SCHEME_PATTERNS:
        if pattern.search(text):
            return scheme
    return IdScheme.OTHER


def short_hash(*parts: str | None, length: int = 12) -> str:
    """A stable id from the given values: the first ``length`` hex digits of their SHA-256
    (parts joined by the unit separator, so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def add_property(properties: dict[str, list[str]], key: str, *values: object) -> None:
    """Append the non-empty values to ``properties[key]`` without repeats."""
    for value in values:
        text = clean(value)
        if text is None:
            continue
        bucket = properties.setdefault(key, [])
        if text not in bucket:
            bucket.append(text)
