"""Identifiers as exact evidence: one canonical key per identifier, never a fuzzy comparison.

``EW-001PA``, ``EW001PA``, ``ew 001pa`` and the Cyrillic look-alike ``ЕW-001РА`` share the key
``EW001PA``; ``EW-001PB`` does not. Look-alike letters from other scripts are folded with ICU's
confusable skeletons (Unicode TS #39), applied only to non-ASCII characters, so the ASCII digit
``0`` and the letter ``O`` stay distinct: the skeleton alone would merge them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu

from clearance.model import IdScheme

_SPOOF = icu.SpoofChecker()
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
# Prefixes publishers put in front of the number itself.
_SCHEME_PREFIX = {
    IdScheme.IMO: re.compile(r"^IMO"),
    IdScheme.MMSI: re.compile(r"^MMSI"),
}


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    if char.isascii():
        return char.upper()
    skeleton = _SPOOF.getSkeleton(0, char)
    if len(skeleton) == 1 and skeleton.isascii() and skeleton.isalnum():
        # TS #39 skeletons use lower-case 'l' as the prototype of I/l/1-like letters.
        return "I" if skeleton == "l" else skeleton.upper()
    return unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode().upper()


def identifier_key(value: str, scheme: IdScheme | str | None = None) -> str:
    """The canonical key of an identifier value: upper-case ASCII letters and digits only."""
    text = unicodedata.normalize("NFKC", value).strip()
    folded = "".join(_fold_char(c) for c in text)
    key = _NOT_ALNUM.sub("", folded)
    if scheme is not None:
        prefix = _SCHEME_PREFIX.get(IdScheme(scheme))
        if prefix is not None:
            key = prefix.sub("", key)
    return key
