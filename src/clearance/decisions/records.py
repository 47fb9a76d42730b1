"""Stored screenings and checks: what was asked, what was answered, against which list and pack
versions, by whom and when — and the alerts each one opened, refreshed, suppressed or reopened.

Each record is written with its alerts and its audit event in one transaction; the audit event
carries the SHA-256 of the record's canonical JSON, so the chain vouches for the record too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from clearance.audit import AuditLog, utc_now
from clearance.decisions.alerts import Alerts, Candidate, Outcome
from clearance.errors import NotFoundError
from clearance.model import canonical_json
from clearance.model.screening import ScreenResult
from clearance.model.verdict import Verdict
from clearance.store import Store
from clearance.store.decision_schema import checks, screenings


@dataclass(frozen=True, slots=True)
class StoredScreening:
    id: int
    at: str
    actor: str
    origin: str
    counterparty_id: str | None
    query: dict[str, Any]
    result: dict[str, Any]  # ScreenResult.to_dict() plus "alerts": [Outcome.to_dict()]
    sha256: str
    screened: ScreenResult | None = None  # the live result when just saved; None when read back

    def to_dict(self) -> dict[str, Any]:
        return {"screening_id": self.id, "at": self.at, "actor": self.actor, "origin": self.origin,
                "counterparty_id": self.counterparty_id, "sha256": self.sha256, **self.result}


@dataclass(frozen=True, slots=True)
class StoredCheck:
    id: int
    at: str
    actor: str
    origin: str
    on_date: str
    transaction: dict[str, Any]
    verdict: dict[str, Any]  # Verdict.to_dict() plus "alerts"
    sha256: str
    checked: Verdict | None = None  # the live verdict when just saved; None when read back

    def to_dict(self) -> dict[str, Any]:
        return {"check_id": self.id, "at": self.at, "actor": self.actor, "origin": self.origin,
                "transaction": self.transaction, "sha256": self.sha256, **self.verdict}


# Statements built once: one runs for every screening stored.
_SEAL_SCREENING = (update(screenings).where(screenings.c.id == bindparam("sid"))
                   .values(result=bindparam("sealed"), sha256=bindparam("digest")))


def party_subject(name: str) -> str:
    """The alert subject of a check's party: its name, case- and space-folded."""
    return "party:" + " ".join(name.casefold().split())


def _sha256(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()


class Records:
    def __init__(self, store: Store, audit: AuditLog, alerts: Alerts) -> None:
        self.store = store
        self.audit = audit
        self.alerts = alerts

    # -- screenings ---------------------------------------------------------------------------
    def save_screenings(self, results: Sequence[ScreenResult], *, actor: str, origin: str,
                        counterparty_ids: Sequence[str | None] | None = None,
                        subject_names: Sequence[str | None] | None = None) -> list[StoredScreening]:
        """Store results in one transaction; results of monitored counterparties raise alerts."""
        cp_ids = list(counterparty_ids) if counterparty_ids is not None else [None] * len(results)
        names = list(subject_names) if subject_names is not None else [None] * len(results)
        with self.audit.transaction() as conn:
            return [self.save_screening(conn, r, actor=actor, origin=origin, counterparty_id=cp, subject_name=n)
                    for r, cp, n in zip(results, cp_ids, names, strict=True)]

    def save_screening(self, conn: Connection, result: ScreenResult, *, actor: str, origin: str,
                       counterparty_id: str | None = None, subject_name: str | None = None) -> StoredScreening:
        """Store one result inside the caller's audited transaction."""
        at = utc_now()
        data = result.to_dict()
        query = data["query"]
        matches = result.matches
        screening_id = conn.execute(screenings.insert(), {
            "at": at, "actor": actor, "origin": origin, "counterparty_id": counterparty_id, "query": json.dumps(query),
            "result": "{}", "lists": json.dumps(data["lists"]), "threshold": result.threshold,
            "matches": len(matches), "top_score": result.results[0].score if result.results else None, "sha256": "",
        }).inserted_primary_key
        assert screening_id is not None
        sid = int(screening_id[0])
        outcomes: list[Outcome] = []
        if counterparty_id is not None:
            candidates = [
                Candidate(subject=f"counterparty:{counterparty_id}", subject_name=subject_name or result.query.name,
                          entity_id=h.entity_id, entity_name=h.name, source=h.source, score=h.score,
                          counterparty_id=counterparty_id, screening_id=sid)
                for h in matches
            ]
            outcomes = self.alerts.raise_candidates(conn, candidates, actor=actor)
        data["alerts"] = [o.to_dict() for o in outcomes]
        record = {"id": sid, "at": at, "actor": actor, "origin": origin, "counterparty_id": counterparty_id,
                  "result": data}
        digest = _sha256(record)
        conn.execute(_SEAL_SCREENING, {"sid": sid, "sealed": canonical_json(data), "digest": digest})
        self.audit.append(conn, actor=actor, kind="screening", payload={
            "screening_id": sid, "sha256": digest, "origin": origin, "counterparty_id": counterparty_id,
            "query": query, "lists": data["lists"], "matches": [h.entity_id for h in matches],
            "alerts": data["alerts"],
        })
        return StoredScreening(sid, at, actor, origin, counterparty_id, query, data, digest, result)

    def screening(self, screening_id: int) -> StoredScreening:
        with self.store.read() as conn:
            row = conn.execute(select(screenings).where(screenings.c.id == screening_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"screening {screening_id} does not exist")
        return _screening(row)

    def screenings(self, *, counterparty_id: str | None = None, limit: int = 50,
                   before: int | None = None) -> list[StoredScreening]:
        query = select(screenings).order_by(screenings.c.id.desc()).limit(limit)
        if counterparty_id is not None:
            query = query.where(screenings.c.counterparty_id == counterparty_id)
        if before is not None:
            query = query.where(screenings.c.id < before)
        with self.store.read() as conn:
            return [_screening(r) for r in conn.execute(query).mappings()]

    # -- checks ---------------------------------------------------------------------------------
    def save_check(self, verdict: Verdict, transaction: dict[str, Any], *, actor: str, origin: str,
                   threshold: float) -> StoredCheck:
        """Store a verdict; each party resolved to a listed entity at or above ``threshold`` raises an alert."""
        at = utc_now()
        data = verdict.to_dict()
        with self.audit.transaction() as conn:
            inserted = conn.execute(checks.insert().values(
                at=at, actor=actor, origin=origin, on_date=verdict.date, transaction=canonical_json(transaction),
                verdict="{}", lists=json.dumps(data["lists"]), packs=json.dumps(data["packs"]), sha256="",
            )).inserted_primary_key
            assert inserted is not None
            cid = int(inserted[0])
            candidates = [
                Candidate(subject=party_subject(p.name), subject_name=p.name, entity_id=entity_id,
                          entity_name="", source=entity_id.rsplit(":", 1)[0], score=score, check_id=cid)
                for p in verdict.parties for entity_id, score in p.resolved if score >= threshold
            ]
            outcomes = self.alerts.raise_candidates(conn, candidates, actor=actor)
            data["alerts"] = [o.to_dict() for o in outcomes]
            record = {"id": cid, "at": at, "actor": actor, "origin": origin, "transaction": transaction,
                      "verdict": data}
            digest = _sha256(record)
            conn.execute(update(checks).where(checks.c.id == cid).values(verdict=canonical_json(data), sha256=digest))
            self.audit.append(conn, actor=actor, kind="check", payload={
                "check_id": cid, "sha256": digest, "origin": origin, "date": verdict.date,
                "kind": transaction.get("kind"), "packs": data["packs"], "lists": data["lists"],
                "outcomes": {j: v["outcome"] for j, v in data["verdicts"].items()}, "alerts": data["alerts"],
            })
        return StoredCheck(cid, at, actor, origin, verdict.date, transaction, data, digest, verdict)

    def check(self, check_id: int) -> StoredCheck:
        with self.store.read() as conn:
            row = conn.execute(select(checks).where(checks.c.id == check_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"check {check_id} does not exist")
        return _check(row)

    def checks(self, *, limit: int = 50, before: int | None = None) -> list[StoredCheck]:
        query = select(checks).order_by(checks.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(checks.c.id < before)
        with self.store.read() as conn:
            return [_check(r) for r in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        with self.store.read() as conn:
            return {
                "screenings": int(conn.execute(select(func.count()).select_from(screenings)).scalar_one()),
                "checks": int(conn.execute(select(func.count()).select_from(checks)).scalar_one()),
            }


def _screening(row: Any) -> StoredScreening:
    return StoredScreening(int(row["id"]), row["at"], row["actor"], row["origin"], row["counterparty_id"],
                           json.loads(row["query"]), json.loads(row["result"]), row["sha256"])


def _check(row: Any) -> StoredCheck:
    return StoredCheck(int(row["id"]), row["at"], row["actor"], row["origin"], row["on_date"],
                       json.loads(row["transaction"]), json.loads(row["verdict"]), row["sha256"])
