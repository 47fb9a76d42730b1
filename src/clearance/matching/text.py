"""Text normalisation for name matching: look-alike letters, scripts, transliteration, keys.

Everything here works on one string or one token and is pure. The heavy lifting is done by
libraries: ICU (confusable skeletons of Unicode TS #39), rigour (script detection,
transliteration to ASCII with rigour's spellings, metaphone) and rapidfuzz (edit distances).

- :func:`fold_lookalikes` repairs words that mix scripts, such as a Cyrillic ``Путiн`` typed with
  a Latin ``i`` or a Latin ``Рutin`` typed with a Cyrillic ``Р``: the letters of the minority
  script are replaced by their look-alikes in the word's main script (ICU skeletons).
- :func:`latin` transliterates a token of any script to lower-case ASCII.
- :func:`consonant_skeleton` is the key used to compare names written in an abjad (Arabic,
  Hebrew, Persian, Urdu), whose spelling omits short vowels, with their Latin forms: a
  metaphone code (rigour) reduced to what an abjad writes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu
from rigour.text import ascii_text, metaphone
from rigour.text.scripts import text_scripts

_SPOOF = icu.SpoofChecker()
# Scripts whose letters are look-alikes of each other (Unicode TS #39 "mixed-script confusables").
_CONFUSABLE_SCRIPTS = ("Latin", "Cyrillic", "Greek")
# Unicode blocks searched for a script's look-alike letters, basic alphabet first so that
# the Russian 'а' wins over rarer letters with the same skeleton.
_SCRIPT_RANGES = {
    "Cyrillic": ((0x0430, 0x0450), (0x0410, 0x0430), (0x0450, 0x0530)),
    "Greek": ((0x03B1, 0x03CA), (0x0391, 0x03AA)),
}
# Scripts written without spaces between the syllables of a name.
SYLLABIC_NAME_SCRIPTS = frozenset({"Han", "Hangul"})
_LEADING_VOWEL = re.compile(r"^[AEIOU]")
_ABJAD_CODE = str.maketrans({"P": "B", "X": "S", "0": "T", "W": None, "Y": None, "H": None})
_REPEATS = re.compile(r"(.)\1+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _skeleton(char: str) -> str:
    return str(_SPOOF.getSkeleton(0, char))


@lru_cache(maxsize=8)
def _lookalikes_of(script: str) -> dict[str, str]:
    """Skeleton -> the letter of ``script`` with that skeleton (built from ICU's data)."""
    table: dict[str, str] = {}
    for start, end in _SCRIPT_RANGES.get(script, ()):
        for code in range(start, end):
            char = chr(code)
            skeleton = _skeleton(char)
            if len(skeleton) == 1 and skeleton.isascii() and skeleton not in table:
                table[skeleton] = char
    return table


@lru_cache(maxsize=65536)
def _letter_script(char: str) -> str | None:
    scripts = text_scripts(char)
    return next(iter(scripts)) if len(scripts) == 1 else None


def _to_script(char: str, script: str) -> str:
    """``char`` replaced by its look-alike in ``script``, or unchanged when it has none."""
    skeleton = _skeleton(char)
    if script == "Latin":
        if len(skeleton) == 1 and skeleton.isascii() and skeleton.isalpha():
            # TS #39 uses lower-case 'l' as the prototype of I/l/1-like letters.
            if skeleton == "l" and char.isupper():
                return "I"
            return skeleton
        return char
    return _lookalikes_of(script).get(skeleton, char)


def fold_lookalikes(text: str) -> str:
    """Rewrite words that mix Latin, Cyrillic and Greek letters into their main script (Latin
    for words with digits, which are codes)."""
    if text.isascii():
        return text
    words = text.split(" ")
    changed = False
    for i, word in enumerate(words):
        counts: dict[str, int] = {}
        for char in word:
            if char.isalpha():
                script = _letter_script(char)
                if script in _CONFUSABLE_SCRIPTS:
                    counts[script] = counts.get(script, 0) + 1
        if len(counts) < 2:
            continue
        # A code such as a tail number is Latin; otherwise the majority wins, a tie goes to Latin.
        has_digit = any(char.isdigit() for char in word)
        main = "Latin" if has_digit else max(counts, key=lambda s: (counts[s], s == "Latin"))
        words[i] = "".join(
            _to_script(c, main) if c.isalpha() and _letter_script(c) not in (main, None) else c for c in word
        )
        changed = True
    return " ".join(words) if changed else text


@lru_cache(maxsize=65536)
def scripts_of(text: str) -> frozenset[str]:
    return frozenset(text_scripts(text))


def split_syllabic(text: str) -> str | None:
    """``金正恩`` -> ``金 正恩``; ``김정은`` -> ``김 정은``: family name first, as East Asian names
    are written. rigour's name symbols know these parts (金 ~ Kim, 正恩 ~ Jong Un), but only when
    the parts are separate words. None when the text has no such word."""
    words = text.split()
    out: list[str] = []
    changed = False
    for word in words:
        if 2 <= len(word) <= 4 and scripts_of(word) <= SYLLABIC_NAME_SCRIPTS and scripts_of(word):
            out.extend((word[0], word[1:]))
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None


@lru_cache(maxsize=262144)
def latin(token: str) -> str:
    """A token in any script as lower-case ASCII letters and digits (no spaces)."""
    text = token.lower() if token.isascii() else ascii_text(unicodedata.normalize("NFC", token)).lower()
    return _NOT_ALNUM.sub("", text)


@lru_cache(maxsize=262144)
def consonant_skeleton(token: str, article: bool = False) -> str:
    """The key comparing a word written in an abjad with its Latin forms: rigour's metaphone code
    of the Latin text, reduced to what an abjad writes.

    Arabic and Hebrew write consonants only (short vowels are left out, long ones share letters
    with w and y), have no letters for p and v, and Arabic writes the foreign g as غ (gh) and ch
    as تش (tsh). So, on top of metaphone: ``gh`` reads as g and ``tsh`` as ch before coding; in
    the code a leading vowel, W, Y and H are dropped, P becomes B, X (sh) S, and 0 (th) T, and
    repeats collapse. ``vladimir putin`` and the transliterated ``fladymyr bwtyn`` share
    ``FLTMR BTN``; ``arcaro`` and ``arkarw`` share ``RKR``. ``article``: the word began with the
    Arabic article ال, which is left out of the key (``al-akkad`` ~ ``akkad``).
    These rules are overrides metaphone lacks for abjads; no transliteration table is kept here.
    """
    text = token[2:] if article and token.startswith("al") and len(token) > 4 else token
    code = metaphone(text.replace("gh", "g").replace("tsh", "ch")) or ""
    code = _LEADING_VOWEL.sub("", code).translate(_ABJAD_CODE)
    return _REPEATS.sub(r"\1", code)
