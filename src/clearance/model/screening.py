"""Screening queries and results: every score travels with the features that made it.

The JSON shapes (``to_dict``) are the documented output of ``clearance screen --json``, of each
line of ``screen-file`` and of ``POST /screen``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.errors import QueryError
from clearance.model.entity import EntityType, Identifier, IdScheme


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    type: EntityType | None = None
    birth_date: str | None = None  # partial ISO date
    country: str | None = None  # ISO alpha-2
    identifiers: tuple[Identifier, ...] = ()
    gender: str | None = None
    sources: tuple[str, ...] = ()  # restrict to these sources; empty = all loaded
    id: str | None = None  # the caller's row id (screen-file), echoed in the result

    def __post_init__(self) -> None:
        if (not self.name or not self.name.strip()) and not self.identifiers:
            raise QueryError("query: field 'name' is empty (a name or an identifier is required)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.value if self.type else None,
            "birth_date": self.birth_date,
            "country": self.country,
            "identifiers": [{"scheme": i.scheme.value, "value": i.value} for i in self.identifiers],
        }

    @staticmethod
    def parse_identifier(text: str) -> Identifier:
        """``SCHEME:VALUE`` (scheme one of :class:`IdScheme`, or any label for ``other``)."""
        scheme, sep, value = text.partition(":")
        if not sep or not scheme.strip() or not value.strip():
            raise QueryError(f"identifier {text!r}: expected SCHEME:VALUE, e.g. tail_number:EW-001PA")
        try:
            return Identifier(IdScheme(scheme.strip().lower()), value.strip())
        except ValueError:
            return Identifier(IdScheme.OTHER, value.strip(), label=scheme.strip())


@dataclass(frozen=True, slots=True)
class FeatureScore:
    """One feature's contribution: its score in 0..1, its weight, and what was compared."""

    feature: str
    score: float
    weight: float
    detail: str
    query: str | None = None
    candidate: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "score": round(self.score, 4),
            "weight": self.weight,
            "detail": self.detail,
            "query": self.query,
            "candidate": self.candidate,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    entity_id: str
    source: str
    type: EntityType
    name: str  # the entity's caption
    matched_name: str  # the entity name that scored best
    score: float
    match: bool  # score >= threshold
    programs: tuple[str, ...] = ()
    explanation: tuple[FeatureScore, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "source": self.source,
            "type": self.type.value,
            "name": self.name,
            "matched_name": self.matched_name,
            "score": round(self.score, 4),
            "match": self.match,
            "programs": list(self.programs),
            "explanation": [f.to_dict() for f in self.explanation],
        }


@dataclass(frozen=True, slots=True)
class ListRef:
    source: str
    version: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "version": self.version}


@dataclass(frozen=True, slots=True)
class ScreenResult:
    query: Query
    threshold: float
    lists: tuple[ListRef, ...]
    results: tuple[Hit, ...] = field(default_factory=tuple)  # sorted by score, best first

    @property
    def matches(self) -> tuple[Hit, ...]:
        return tuple(h for h in self.results if h.match)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.query.id is not None:
            out["id"] = self.query.id
        out.update(
            {
                "query": self.query.to_dict(),
                "threshold": self.threshold,
                "lists": [ref.to_dict() for ref in self.lists],
                "results": [hit.to_dict() for hit in self.results],
            }
        )
        return out
