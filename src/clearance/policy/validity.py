"""When a fact is in force, including facts whose exact day is not known.

A bound is a day known exactly (``2025-09-11``) or only to lie in a range: a month
(``2024-12``: "lapsed in December 2024") or ``{earliest, latest}`` ("Poland reopened on the
23rd, 24th or 25th"). On a day inside the range the fact is neither in nor out: it is
*uncertain*, and a rule that decides on an uncertain day yields REVIEW, naming the bound.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Status(StrEnum):
    IN = "in"
    OUT = "out"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class Bound:
    earliest: date  # first possible day
    latest: date  # last possible day (== earliest when the day is known)
    text: str  # as written in the pack

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    @classmethod
    def parse(cls, value: object) -> Bound:
        """``date``, ``"YYYY-MM-DD"``, ``"YYYY-MM"`` or ``{"earliest": ..., "latest": ...}``; ValueError else."""
        if isinstance(value, date):
            return cls(value, value, value.isoformat())
        if isinstance(value, str):
            text = value.strip()
            if len(text) == 10:
                day = date.fromisoformat(text)
                return cls(day, day, text)
            if len(text) == 7 and text[4] == "-":
                year, month = int(text[:4]), int(text[5:])
                last = calendar.monthrange(year, month)[1]
                return cls(date(year, month, 1), date(year, month, last), text)
            raise ValueError(text)
        if isinstance(value, dict) and set(value) == {"earliest", "latest"}:
            low, high = cls.parse(value["earliest"]), cls.parse(value["latest"])
            if high.latest < low.earliest:
                raise ValueError("latest is before earliest")
            return cls(low.earliest, high.latest, f"between {low.text} and {high.text}")
        raise ValueError(repr(value))


@dataclass(frozen=True, slots=True)
class Validity:
    """In force from ``start`` (inclusive) until ``end`` (exclusive: the first day no longer in force)."""

    start: Bound | None = None
    end: Bound | None = None

    def status(self, day: date) -> Status:
        result = Status.IN
        if self.start is not None:
            if day < self.start.earliest:
                return Status.OUT
            if day < self.start.latest:
                result = Status.UNCERTAIN
        if self.end is not None:
            if day >= self.end.latest:
                return Status.OUT
            if day >= self.end.earliest:
                result = Status.UNCERTAIN
        return result

    def doubt(self, day: date) -> str | None:
        """Why ``day`` is uncertain, or None when it is not."""
        if self.status(day) is not Status.UNCERTAIN:
            return None
        parts = []
        if self.start is not None and self.start.earliest <= day < self.start.latest:
            parts.append(f"in force from {self.start.text} (exact day unknown)")
        if self.end is not None and self.end.earliest <= day < self.end.latest:
            parts.append(f"ended {self.end.text} (exact day unknown)")
        return f"whether it was in force on {day.isoformat()} is unverified: " + "; ".join(parts)

    def describe(self) -> str:
        if self.start is None and self.end is None:
            return "in force throughout the pack's period"
        parts = []
        if self.start is not None:
            parts.append(f"from {self.start.text}")
        if self.end is not None:
            parts.append(f"until {self.end.text}")
        return " ".join(parts)
