"""The review queue: alerts raised by hits, judged by people, remembered.

One alert exists per (subject, listed entity): a monitored counterparty or a check's party on one
side, the listed entity on the other. A hit at or above the threshold opens it; further hits on an
open alert only refresh it. A final judgement (``true_match`` or ``false_positive``) closes it and
is remembered: the same hit is suppressed as long as the listed entity's record is the one judged
(same record hash). When a new list version changes that record, the next hit reopens the alert,
since what was judged is no longer what is listed. ``escalate`` keeps it in the queue for a senior
reviewer. Decisions are compare-and-set on the alert's revision: two analysts deciding the same
alert at once get one success and one conflict, never two judgements or a lost one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from clearance.audit import AuditLog, utc_now
from clearance.errors import ConflictError, NotFoundError, UserInputError
from clearance.store import Store
from clearance.store.decision_schema import alert_events, alerts
from clearance.store.schema import entity_records, list_versions, version_entities

MAX_REASON = 5000
UNKNOWN_RECORD = "unversioned"  # an entity not held in the store (e.g. a policy pack's listing)


class AlertStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"

    @property
    def closed(self) -> bool:
        return self in (AlertStatus.TRUE_MATCH, AlertStatus.FALSE_POSITIVE)


class Judgement(StrEnum):
    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"
    ESCALATE = "escalate"

    @property
    def status(self) -> AlertStatus:
        return {
            Judgement.TRUE_MATCH: AlertStatus.TRUE_MATCH,
            Judgement.FALSE_POSITIVE: AlertStatus.FALSE_POSITIVE,
            Judgement.ESCALATE: AlertStatus.ESCALATED,
        }[self]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A hit at or above the threshold that should be in the queue."""

    subject: str  # "counterparty:<id>" or "party:<name>"
    subject_name: str
    entity_id: str
    entity_name: str  # the entity's caption; empty: read from the store
    source: str
    score: float
    counterparty_id: str | None = None
    screening_id: int | None = None
    check_id: int | None = None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    id: int
    at: str
    actor: str
    action: str  # opened | refreshed | decided | reopened
    judgement: str | None
    reason: str | None
    record_hash: str | None
    score: float | None
    screening_id: int | None
    check_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "at": self.at, "actor": self.actor, "action": self.action, "judgement": self.judgement,
            "reason": self.reason, "record_hash": self.record_hash, "score": self.score,
            "screening_id": self.screening_id, "check_id": self.check_id,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    subject: str
    subject_name: str
    counterparty_id: str | None
    entity_id: str
    entity_name: str
    source: str
    record_hash: str
    score: float
    screening_id: int | None
    check_id: int | None
    status: AlertStatus
    revision: int
    opened_at: str
    updated_at: str
    events: tuple[AlertEvent, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "subject": self.subject, "subject_name": self.subject_name,
            "counterparty_id": self.counterparty_id, "entity_id": self.entity_id, "entity_name": self.entity_name,
            "source": self.source, "record_hash": self.record_hash, "score": round(self.score, 4),
            "screening_id": self.screening_id, "check_id": self.check_id, "status": self.status.value,
            "revision": self.revision, "opened_at": self.opened_at, "updated_at": self.updated_at,
        }
        if self.events:
            out["events"] = [e.to_dict() for e in self.events]
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a candidate did to the queue: opened, refreshed, suppressed or reopened an alert."""

    entity_id: str
    alert_id: int
    action: str  # opened | refreshed | suppressed | reopened
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"entity_id": self.entity_id, "alert_id": self.alert_id, "action": self.action, "status": self.status}


def current_records(conn: Connection, entity_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(record hash, caption) of each entity in the newest version of its source, if held there."""
    ids = sorted(set(entity_ids))
    out: dict[str, tuple[str, str]] = {}
    newest = (
        select(list_versions.c.source, func.max(list_versions.c.id).label("id"))
        .group_by(list_versions.c.source)
        .subquery()
    )
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(version_entities.c.entity_id, version_entities.c.record_hash, entity_records.c.data)
            .join(newest, newest.c.id == version_entities.c.version_id)
            .join(entity_records, entity_records.c.hash == version_entities.c.record_hash)
            .where(version_entities.c.entity_id.in_(ids[i : i + 500]))
        )
        out.update({r.entity_id: (r.record_hash, json.loads(r.data).get("caption", r.entity_id)) for r in rows})
    return out


class Alerts:
    def __init__(self, store: Store, audit: AuditLog) -> None:
        self.store = store
        self.audit = audit

    def raise_candidates(self, conn: Connection, candidates: Sequence[Candidate], *, actor: str) -> list[Outcome]:
        """Put hits in the queue inside the caller's audited write transaction."""
        if not candidates:
            return []
        records = current_records(conn, (c.entity_id for c in candidates))
        outcomes: list[Outcome] = []
        for cand in candidates:
            record, caption = records.get(cand.entity_id, (UNKNOWN_RECORD, cand.entity_name or cand.entity_id))
            if not cand.entity_name:
                cand = replace(cand, entity_name=caption)
            outcomes.append(self._raise_one(conn, cand, record, actor))
        return outcomes

    def _raise_one(self, conn: Connection, cand: Candidate, record: str, actor: str) -> Outcome:
        now = utc_now()
        row = conn.execute(
            select(alerts).where(alerts.c.subject == cand.subject, alerts.c.entity_id == cand.entity_id)
        ).mappings().first()
        refs = {"screening_id": cand.screening_id, "check_id": cand.check_id}
        if row is None:
            alert_id = conn.execute(
                alerts.insert().values(
                    subject=cand.subject, subject_name=cand.subject_name, counterparty_id=cand.counterparty_id,
                    entity_id=cand.entity_id, entity_name=cand.entity_name, source=cand.source,
                    record_hash=record, score=cand.score, status=AlertStatus.OPEN.value, revision=1,
                    opened_at=now, updated_at=now, **refs,
                )
            ).inserted_primary_key
            assert alert_id is not None
            self._event(conn, int(alert_id[0]), actor, "opened", None, None, record, cand.score, cand)
            return Outcome(cand.entity_id, int(alert_id[0]), "opened", AlertStatus.OPEN.value)
        status = AlertStatus(row["status"])
        if not status.closed:
            # Still in the queue: point it at the newest hit. A changed record is news to whoever
            # is reviewing it, so it bumps the revision (a decision on the old view then conflicts).
            record_changed = row["record_hash"] != record
            conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(
                score=cand.score, record_hash=record, entity_name=cand.entity_name, updated_at=now,
                revision=alerts.c.revision + (1 if record_changed else 0), **refs))
            if record_changed:
                self._event(conn, int(row["id"]), actor, "refreshed", None,
                            f"the listed record of {cand.entity_id} changed while the alert was {status.value}",
                            record, cand.score, cand)
            return Outcome(cand.entity_id, int(row["id"]), "refreshed", status.value)
        if row["record_hash"] == record:
            return Outcome(cand.entity_id, int(row["id"]), "suppressed", status.value)
        conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(
            status=AlertStatus.OPEN.value, score=cand.score, record_hash=record, entity_name=cand.entity_name,
            updated_at=now, revision=alerts.c.revision + 1, **refs))
        reason = (f"the listed record of {cand.entity_id} changed since it was judged {status.value} "
                  f"(record {row['record_hash'][:12]} -> {record[:12]})")
        self._event(conn, int(row["id"]), actor, "reopened", None, reason, record, cand.score, cand)
        return Outcome(cand.entity_id, int(row["id"]), "reopened", AlertStatus.OPEN.value)

    @staticmethod
    def _event(conn: Connection, alert_id: int, actor: str, action: str, judgement: str | None,
               reason: str | None, record: str | None, score: float | None, cand: Candidate | None) -> None:
        conn.execute(alert_events.insert().values(
            alert_id=alert_id, at=utc_now(), actor=actor, action=action, judgement=judgement, reason=reason,
            record_hash=record, score=score,
            screening_id=cand.screening_id if cand else None, check_id=cand.check_id if cand else None,
        ))

    def decide(self, alert_id: int, judgement: Judgement | str, reason: str, *, actor: str,
               expected_revision: int | None = None) -> Alert:
        """Record a judgement; the alert must still be open (or escalated) and unchanged."""
        try:
            judgement = Judgement(judgement)
        except ValueError:
            raise UserInputError(f"decision: field 'judgement' {judgement!r}: expected one of "
                                 f"{', '.join(j.value for j in Judgement)}") from None
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
            raise UserInputError(f"decision: field 'reason' must be 1 to {MAX_REASON} characters "
                                 "(why, for whoever reviews this later)")
        with self.audit.transaction() as conn:
            row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"alert {alert_id} does not exist")
            status = AlertStatus(row["status"])
            if expected_revision is not None and row["revision"] != expected_revision:
                raise ConflictError(f"alert {alert_id} changed since it was read (revision {expected_revision}, "
                                    f"now {row['revision']}, status {status.value}): reload it and decide again")
            if status.closed:
                last = self._last_decision(conn, alert_id)
                by = f" by {last.actor} at {last.at}" if last else ""
                raise ConflictError(f"alert {alert_id} is already closed as {status.value}{by}")
            if judgement is Judgement.ESCALATE and status is AlertStatus.ESCALATED:
                raise ConflictError(f"alert {alert_id} is already escalated")
            now = utc_now()
            changed = conn.execute(
                update(alerts)
                .where(and_(alerts.c.id == alert_id, alerts.c.revision == row["revision"]))
                .values(status=judgement.status.value, revision=alerts.c.revision + 1, updated_at=now)
            ).rowcount
            if changed != 1:
                raise ConflictError(f"alert {alert_id} was changed by someone else meanwhile: reload it")
            self._event(conn, alert_id, actor, "decided", judgement.value, reason.strip(), row["record_hash"],
                        None, None)
            self.audit.append(conn, actor=actor, kind="alert.decided", payload={
                "alert_id": alert_id, "subject": row["subject"], "entity_id": row["entity_id"],
                "judgement": judgement.value, "reason": reason.strip(), "record_hash": row["record_hash"],
                "status": judgement.status.value, "revision": int(row["revision"]) + 1,
            })
            return self._load(conn, alert_id)

    def get(self, alert_id: int) -> Alert:
        with self.store.read() as conn:
            return self._load(conn, alert_id)

    def find(self, *, status: str | None = None, subject: str | None = None, entity_id: str | None = None,
             limit: int = 100, offset: int = 0) -> list[Alert]:
        query = select(alerts).order_by(alerts.c.id.desc()).limit(limit).offset(offset)
        if status:
            try:
                query = query.where(alerts.c.status == AlertStatus(status).value)
            except ValueError:
                raise UserInputError(f"alerts: parameter 'status' {status!r}: expected one of "
                                     f"{', '.join(s.value for s in AlertStatus)}") from None
        if subject:
            query = query.where(alerts.c.subject == subject)
        if entity_id:
            query = query.where(alerts.c.entity_id == entity_id)
        with self.store.read() as conn:
            return [_alert(r) for r in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        with self.store.read() as conn:
            rows = conn.execute(select(alerts.c.status, func.count()).group_by(alerts.c.status)).all()
        found = {str(status): int(n) for status, n in rows}
        return {s.value: found.get(s.value, 0) for s in AlertStatus}

    def judgements(self, alert_id: int | None = None) -> list[AlertEvent]:
        query = select(alert_events).where(alert_events.c.action == "decided").order_by(alert_events.c.id)
        if alert_id is not None:
            query = query.where(alert_events.c.alert_id == alert_id)
        with self.store.read() as conn:
            return [_alert_event(r) for r in conn.execute(query).mappings()]

    def _load(self, conn: Connection, alert_id: int) -> Alert:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"alert {alert_id} does not exist")
        events = conn.execute(
            select(alert_events).where(alert_events.c.alert_id == alert_id).order_by(alert_events.c.id)
        ).mappings()
        return _alert(row, tuple(_alert_event(e) for e in events))

    @staticmethod
    def _last_decision(conn: Connection, alert_id: int) -> AlertEvent | None:
        row = conn.execute(
            select(alert_events)
            .where(alert_events.c.alert_id == alert_id, alert_events.c.action == "decided")
            .order_by(alert_events.c.id.desc())
            .limit(1)
        ).mappings().first()
        return _alert_event(row) if row is not None else None


def _alert(row: Any, events: tuple[AlertEvent, ...] = ()) -> Alert:
    return Alert(
        id=int(row["id"]), subject=row["subject"], subject_name=row["subject_name"],
        counterparty_id=row["counterparty_id"], entity_id=row["entity_id"], entity_name=row["entity_name"],
        source=row["source"], record_hash=row["record_hash"], score=float(row["score"]),
        screening_id=_int(row["screening_id"]), check_id=_int(row["check_id"]), status=AlertStatus(row["status"]),
        revision=int(row["revision"]), opened_at=row["opened_at"], updated_at=row["updated_at"], events=events,
    )


def _alert_event(row: Any) -> AlertEvent:
    return AlertEvent(
        id=int(row["id"]), at=row["at"], actor=row["actor"], action=row["action"], judgement=row["judgement"],
        reason=row["reason"], record_hash=row["record_hash"],
        score=float(row["score"]) if row["score"] is not None else None,
        screening_id=_int(row["screening_id"]), check_id=_int(row["check_id"]),
    )


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None
