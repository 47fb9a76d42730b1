"""Partial dates as publishers write them, turned into partial ISO strings.

A partial date is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: a birth year alone is common on
sanctions lists and must not be padded into a false full date. Parsing is dateutil's; which
parts the text really carries is found by parsing against two different default dates and
keeping only the components that do not move.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil import parser as dateutil_parser

_DEFAULT_A = datetime(1904, 1, 1)  # a leap year, so 29 Feb parses
_DEFAULT_B = datetime(1908, 12, 28)
_ISO_PARTIAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_YEAR_ONLY = re.compile(r"^\s*(\d{4})\s*$")
_NOISE = re.compile(r"\b(circa|ca\.?|approximately|approx\.?|about|born|in)\b", re.IGNORECASE)


def parse_partial_date(text: str | None, *, dayfirst: bool = True) -> str | None:
    """Return the partial ISO form of ``text`` or None when it holds no recognisable date.

    ``dayfirst`` decides ``01/02/1970`` (UK and UN style: 1 Feb) versus US ``MM/DD/YYYY``.
    """
    if text is None:
        return None
    raw = _NOISE.sub(" ", text).strip().strip(".;,")
    if not raw:
        return None
    if _ISO_PARTIAL.match(raw):
        return raw if _valid_iso(raw) else None
    year = _YEAR_ONLY.match(raw)
    if year:
        return year.group(1)
    try:
        a = dateutil_parser.parse(raw, default=_DEFAULT_A, dayfirst=dayfirst, fuzzy=False)
        b = dateutil_parser.parse(raw, default=_DEFAULT_B, dayfirst=dayfirst, fuzzy=False)
    except (ValueError, OverflowError):
        return None
    if a.year != b.year:
        return None
    if a.month != b.month:
        return f"{a.year:04d}"
    if a.day != b.day:
        return f"{a.year:04d}-{a.month:02d}"
    return f"{a.year:04d}-{a.month:02d}-{a.day:02d}"


def _valid_iso(text: str) -> bool:
    parts = [int(p) for p in text.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def date_range_years(text: str) -> list[str]:
    """``1954 to 1956`` -> ``['1954', '1955', '1956']``; anything else -> ``[]``."""
    m = re.match(r"^\s*(\d{4})\s*(?:to|-|–)\s*(\d{4})\s*$", text)
    if not m:
        return []
    start, end = int(m.group(1)), int(m.group(2))
    if not 0 <= end - start <= 20:
        return []
    return [str(y) for y in range(start, end + 1)]
