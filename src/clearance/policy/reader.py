"""Typed reads of one pack file's values, collecting ``file:line: path: problem (expected ...)``.

The loader (:mod:`clearance.policy.loader`) builds the pack from these reads; nothing here stops
at the first problem, so that every error of a pack is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pycountry

from clearance.model.transaction import subdivision_country
from clearance.model.verdict import Certainty
from clearance.policy.schema import Provenance
from clearance.policy.validity import Bound, Validity
from clearance.policy.yamlfile import LineDict, LineList

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class PackReader:
    """Typed reads of one file's values, collecting ``file:line: path: problem (expected ...)``."""

    def __init__(self, path: Path, errors: list[str]) -> None:
        self.path = path
        self.name = path.name
        self.errors = errors

    def fail(self, line: int, where: str, problem: str, expected: str | None = None) -> None:
        self.errors.append(f"{self.path}:{line}: {where}: {problem}" + (f" (expected {expected})" if expected else ""))

    def at(self, line: int) -> str:
        return f"{self.name}:{line}"

    def obj(self, value: Any, line: int, where: str, fields: Iterable[str], required: Iterable[str] = ()) -> LineDict:
        allowed = tuple(fields)
        if not isinstance(value, LineDict):
            self.fail(line, where, f"is {type(value).__name__}", "a mapping")
            empty = LineDict()
            empty.line, empty.key_lines = line, {}
            return empty
        for key in value:
            if key not in allowed:
                self.fail(value.line_of(key), f"{where}.{key}", "unknown field", "one of: " + ", ".join(allowed))
        for key in required:
            if value.get(key) in (None, "", []):
                self.fail(value.line, f"{where}.{key}", "missing", "a value")
        return value

    def items(self, value: Any, line: int, where: str) -> list[tuple[int, Any, int]]:
        """(index, item, line) of a list; a missing list is empty."""
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.fail(line, where, f"is {type(value).__name__}", "a list")
            return []
        return [(i, item, value.line_of(i)) for i, item in enumerate(value)]

    def text(self, d: LineDict, key: str, where: str, required: bool = False) -> str | None:
        value = d.get(key)
        if value is None:
            if required:
                self.fail(d.line, f"{where}.{key}", "missing", "a value")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
            self.fail(d.line_of(key), f"{where}.{key}", f"is {type(value).__name__}", "a non-empty string")
            return None
        return str(value).strip()

    def ident(self, d: LineDict, key: str, where: str) -> str:
        text = self.text(d, key, where, required=True)
        if text is not None and not ID.match(text):
            self.fail(d.line_of(key), f"{where}.{key}", f"{text!r} is not a valid id", "letters, digits, . _ -")
        return text or ""

    def choice(self, d: LineDict, key: str, where: str, allowed: Iterable[str], required: bool = False) -> str | None:
        options = tuple(allowed)
        text = self.text(d, key, where, required)
        if text is not None and text not in options:
            self.fail(d.line_of(key), f"{where}.{key}", f"unknown value {text!r}", "one of: " + ", ".join(options))
            return None
        return text

    def flag(self, d: LineDict, key: str, where: str) -> bool | None:
        value = d.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.fail(d.line_of(key), f"{where}.{key}", f"is {value!r}", "true or false")
        return None

    def fraction(self, d: LineDict, key: str, where: str) -> float | None:
        value = d.get(key)
        if value is None:
            self.fail(d.line, f"{where}.{key}", "missing", "a number between 0 and 1")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            self.fail(d.line_of(key), f"{where}.{key}", f"is {value!r}", "a number between 0 and 1")
            return None
        return float(value)

    def strings(self, d: LineDict, key: str, where: str, allowed: Iterable[str] | None = None,
                check: Callable[[str], str | None] | None = None) -> tuple[str, ...] | None:
        """A list of strings (a single string is accepted as a one-item list); None when absent."""
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, str | int) and not isinstance(value, bool):
            value_list: list[Any] = [value]
            lines = [d.line_of(key)]
        elif isinstance(value, LineList):
            value_list, lines = list(value), [value.line_of(i) for i in range(len(value))]
        else:
            self.fail(d.line_of(key), f"{where}.{key}", f"is {type(value).__name__}", "a list of strings")
            return None
        options = tuple(allowed) if allowed is not None else None
        out: list[str] = []
        for i, (item, line) in enumerate(zip(value_list, lines, strict=True)):
            text = str(item).strip() if isinstance(item, str | int) and not isinstance(item, bool) else ""
            path = f"{where}.{key}[{i}]"
            if not text:
                self.fail(line, path, f"is {item!r}", "a non-empty string")
                continue
            if options is not None and text not in options:
                self.fail(line, path, f"unknown value {text!r}", "one of: " + ", ".join(options))
                continue
            if check is not None:
                problem = check(text)
                if problem is not None:
                    self.fail(line, path, problem)
                    continue
            out.append(text)
        return tuple(out)

    def bound(self, d: LineDict, key: str, where: str) -> Bound | None:
        value = d.get(key)
        if value is None:
            return None
        try:
            return Bound.parse(dict(value) if isinstance(value, LineDict) else value)
        except (ValueError, TypeError):
            self.fail(d.line_of(key), f"{where}.{key}", f"{value!r} is not a date",
                      "YYYY-MM-DD, YYYY-MM (day unknown) or {earliest: DATE, latest: DATE}")
            return None

    def validity(self, d: LineDict, where: str) -> Validity:
        start, end = self.bound(d, "valid_from", where), self.bound(d, "valid_until", where)
        if start is not None and end is not None and end.latest <= start.earliest:
            self.fail(d.line_of("valid_until"), f"{where}.valid_until", f"{end.text} is not after {start.text}",
                      "valid_until later than valid_from")
        return Validity(start, end)

    def provenance(self, d: LineDict, where: str, sources: dict[str, str], required: bool = True) -> Provenance:
        certainty = self.choice(d, "certainty", where, [c.value for c in Certainty], required=required)
        cited = self.strings(d, "sources", where,
                             check=lambda s: None if s in sources else f"unknown source key {s!r} "
                             "(declare it under sources: in pack.yml)")
        if required and not cited and "sources" not in d:
            self.fail(d.line, f"{where}.sources", "missing", "at least one source key from pack.yml")
        return Provenance(
            certainty=Certainty(certainty) if certainty else Certainty.UNVERIFIED,
            sources=tuple(f"{key}: {sources[key]}" for key in cited or ()),
            where=self.at(d.line),
            legal_basis=self.text(d, "legal_basis", where),
        )


def country_problem(code: str) -> str | None:
    if code.startswith("@"):
        return None  # a country set, checked once all files are read
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return None
    return f"unknown country {code!r} (expected an ISO 3166-1 alpha-2 code or @SET)"


def subdivision_problem(code: str) -> str | None:
    return None if subdivision_country(code) is not None else (
        f"unknown subdivision {code!r} (expected an ISO 3166-2 code such as UA-43)")


def currency_problem(code: str) -> str | None:
    return None if pycountry.currencies.get(alpha_3=code) is not None else f"unknown currency {code!r}"
