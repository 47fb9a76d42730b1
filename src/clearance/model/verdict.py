"""Policy verdicts: one per jurisdiction, each with the rules that decided it and their sources.

The JSON shape (``to_dict``) is the documented output of ``clearance check --json`` and of
``POST /check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clearance.model.screening import ListRef


class Outcome(StrEnum):
    PERMITTED = "PERMITTED"  # nothing applies
    AUTHORIZED = "AUTHORIZED"  # a prohibition applies and an authorization covers it
    BLOCKED = "BLOCKED"  # asset freeze / blocked party or property
    PROHIBITED = "PROHIBITED"  # a territorial, carrier, goods or services ban
    LICENSE_REQUIRED = "LICENSE_REQUIRED"  # with review: denial | case_by_case | unknown
    NOT_APPLICABLE = "NOT_APPLICABLE"  # no nexus
    REVIEW = "REVIEW"  # missing facts, or the deciding rule is not verified


class Certainty(StrEnum):
    VERIFIED = "verified"
    REPORTED = "reported"
    UNVERIFIED = "unverified"


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    text: str
    legal_basis: str | None = None
    certainty: Certainty = Certainty.VERIFIED
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "legal_basis": self.legal_basis,
            "certainty": self.certainty.value,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class JurisdictionVerdict:
    outcome: Outcome
    review: str | None = None  # for LICENSE_REQUIRED: denial | case_by_case | unknown; REVIEW: why
    authorized_by: tuple[str, ...] = ()
    deciding_rule: str | None = None
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "review": self.review,
            "authorized_by": list(self.authorized_by),
            "deciding_rule": self.deciding_rule,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class OperationalFinding:
    """A non-legal constraint (closed border, terminated contract): never part of a legal verdict."""

    outcome: str  # OPERATIONALLY_BLOCKED
    rule: str
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "rule": self.rule, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True, slots=True)
class ResolvedParty:
    role: str
    name: str
    resolved: tuple[tuple[str, float], ...] = ()  # (entity_id, score), best first

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "name": self.name,
            "resolved": [{"entity_id": e, "score": round(s, 4)} for e, s in self.resolved],
        }


@dataclass(frozen=True, slots=True)
class PackRef:
    name: str
    version: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True, slots=True)
class Verdict:
    date: str
    packs: tuple[PackRef, ...]
    lists: tuple[ListRef, ...]
    nexus: dict[str, str]  # jurisdiction -> "established: ..." | "assumed" | "none"
    parties: tuple[ResolvedParty, ...]
    verdicts: dict[str, JurisdictionVerdict]  # "US.OFAC", "US.BIS", "EU", "UK"
    operational: tuple[OperationalFinding, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "packs": [p.to_dict() for p in self.packs],
            "lists": [ref.to_dict() for ref in self.lists],
            "nexus": dict(self.nexus),
            "parties": [p.to_dict() for p in self.parties],
            "verdicts": {k: v.to_dict() for k, v in self.verdicts.items()},
            "operational": [o.to_dict() for o in self.operational],
        }
