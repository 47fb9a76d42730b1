"""The audit log: append-only events, each chained to the one before by a SHA-256 hash.

Every write clearance makes (an ingest, a key, a counterparty, a screening, a check, a judgement)
appends one event inside the same transaction as the write itself, so a write without its event
(or an event without its write) cannot be committed. An event is::

    seq, at, actor, kind, payload (canonical JSON), prev_hash,
    hash = SHA-256 of the canonical JSON array [seq, at, actor, kind, payload, prev_hash]

``verify`` re-walks the chain and reports the first broken link: an edited event (its content no
longer matches its hash), a removed one (a gap in ``seq``), one inserted or rewritten (the next
event no longer chains to it), and rows cut from or added to the end behind the log's back (the
last event disagrees with the head row that every append updates). An attacker who can write to
the database *and* recomputes every later hash and the head is caught only against a copy of an
earlier head kept elsewhere: pass it as ``anchor`` (``clearance audit verify --anchor SEQ:HASH``).

Appends serialise on the head row: on PostgreSQL the ``UPDATE`` takes its row lock until commit,
on SQLite the write transaction holds the database lock; either way two writers can never chain to
the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from clearance.errors import NotFoundError, UserInputError
from clearance.model import canonical_json
from clearance.store import Store
from clearance.store.decision_schema import GENESIS_HASH, audit_events, audit_head

VERIFY_BATCH = 5000
# Statements built once: every write of the system runs them (SQLAlchemy caches their compiled form).
_LOCK_HEAD = update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq)
_ADVANCE_HEAD = update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq + 1)
_READ_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
_SET_HEAD = update(audit_head).where(audit_head.c.id == 1).values(hash=bindparam("new_hash"))


def utc_now() -> str:
    """The time recorded for a write: ISO 8601, UTC, microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def event_hash(seq: int, at: str, actor: str, kind: str, payload: str, prev_hash: str) -> str:
    """The hash of one event; the inputs are the stored columns, exactly as stored."""
    data = json.dumps([seq, at, actor, kind, payload, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    at: str
    actor: str
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def summary(self, width: int = 100) -> str:
        """One line of the payload's plain values, for tables."""
        parts = [f"{k}={v}" for k, v in self.payload.items()
                 if isinstance(v, (str, int, float)) and not k.endswith(("sha256", "hash"))]
        query = self.payload.get("query")
        if isinstance(query, dict) and query.get("name"):
            parts.insert(0, f"name={query['name']}")
        text = " ".join(parts)
        return text if len(text) <= width else text[: width - 1] + "…"

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The outcome of ``verify``: ``ok``, or the first broken link (``broken_at``, ``problem``)."""

    ok: bool
    events: int  # events walked
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed by ``clearance audit log`` (a checkpoint kept outside the database)."""
    seq, sep, digest = text.partition(":")
    if not sep or not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise UserInputError(f"anchor {text!r}: expected SEQ:HASH, e.g. 1200:<64 hex digits>")
    return int(seq), digest.strip().lower()


class AuditLog:
    """The hash-chained log in the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._writers = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction that holds the log's lock from its first statement.

        Writes that read before they write (is this alert still open? does this counterparty
        exist?) run inside one, so they are serialised with every other audited write on both
        backends and cannot act on a state another writer is changing."""
        # Threads of this process queue here, in order, rather than in the database: SQLite makes a
        # blocked writer sleep and retry (up to 100 ms a time), which under load is the latency tail.
        with self._writers, self.store.write() as conn:
            conn.execute(_LOCK_HEAD)
            yield conn

    def append(self, conn: Connection, *, actor: str, kind: str, payload: dict[str, Any]) -> AuditEvent:
        """Append one event inside the caller's write transaction (commits or rolls back with it)."""
        if not actor or not actor.strip():
            raise UserInputError(f"audit event {kind!r}: field 'actor' is empty (every write names its actor)")
        # Lock first, then read: a concurrent appender waits here until this transaction ends,
        # and then reads the head this one wrote.
        conn.execute(_ADVANCE_HEAD)
        seq, prev_hash = conn.execute(_READ_HEAD).one()
        at = utc_now()
        text = canonical_json(payload)
        digest = event_hash(int(seq), at, actor, kind, text, prev_hash)
        conn.execute(audit_events.insert(), {"seq": seq, "at": at, "actor": actor, "kind": kind, "payload": text,
                                             "prev_hash": prev_hash, "hash": digest})
        conn.execute(_SET_HEAD, {"new_hash": digest})
        return AuditEvent(int(seq), at, actor, kind, payload, prev_hash, digest)

    def record(self, *, actor: str, kind: str, payload: dict[str, Any]) -> AuditEvent:
        """Append one event in its own transaction (for writes that are only an event)."""
        with self.transaction() as conn:
            return self.append(conn, actor=actor, kind=kind, payload=payload)

    def events(self, *, limit: int = 50, before: int | None = None, kind: str | None = None) -> list[AuditEvent]:
        """The newest events first; ``before`` pages back (events with ``seq < before``)."""
        query = select(audit_events).order_by(audit_events.c.seq.desc()).limit(max(0, limit))
        if before is not None:
            query = query.where(audit_events.c.seq < before)
        if kind:
            query = query.where(audit_events.c.kind == kind)
        with self.store.read() as conn:
            return [_event(row) for row in conn.execute(query).mappings()]

    def event(self, seq: int) -> AuditEvent:
        with self.store.read() as conn:
            row = conn.execute(select(audit_events).where(audit_events.c.seq == seq)).mappings().first()
        if row is None:
            raise NotFoundError(f"audit event {seq} does not exist")
        return _event(row)

    def head(self) -> tuple[int, str]:
        with self.store.read() as conn:
            seq, digest = conn.execute(_READ_HEAD).one()
        return int(seq), str(digest)

    def verify(self, anchor: tuple[int, str] | None = None) -> ChainCheck:
        """Re-walk the whole chain from the first event; stop at the first broken link."""
        walked = 0
        previous_seq, previous_hash = 0, GENESIS_HASH
        anchor_seen = anchor is None
        with self.store.read() as conn:
            head_seq, head_hash = conn.execute(_READ_HEAD).one()
            head_seq = int(head_seq)

            def broken(seq: int, problem: str) -> ChainCheck:
                return ChainCheck(False, walked, head_seq, head_hash, seq, problem)

            rows = conn.execute(select(audit_events).order_by(audit_events.c.seq)).yield_per(VERIFY_BATCH)
            for row in rows.mappings():
                seq = int(row["seq"])
                if seq != previous_seq + 1:
                    return broken(previous_seq + 1, f"event {previous_seq + 1} is missing: the log jumps from "
                                                    f"event {previous_seq} to event {seq} (events were deleted)")
                recomputed = event_hash(seq, row["at"], row["actor"], row["kind"], row["payload"], row["prev_hash"])
                if recomputed != row["hash"]:
                    return broken(seq, f"event {seq} ({row['kind']} at {row['at']}) does not match its hash: "
                                       "it was edited after it was written")
                if row["prev_hash"] != previous_hash:
                    return broken(seq, f"event {seq} does not chain to event {previous_seq}: its prev_hash is "
                                       f"{row['prev_hash'][:16]}..., event {previous_seq} hashes to "
                                       f"{previous_hash[:16]}... (an event was rewritten or inserted)")
                if anchor is not None and seq == anchor[0]:
                    if row["hash"] != anchor[1]:
                        return broken(seq, f"event {seq} hashes to {row['hash'][:16]}..., the anchor says "
                                           f"{anchor[1][:16]}...: the log was rewritten since the anchor was taken")
                    anchor_seen = True
                walked += 1
                previous_seq, previous_hash = seq, row["hash"]
        if previous_seq < head_seq:
            return broken(previous_seq + 1, f"the log ends at event {previous_seq} but its head records event "
                                            f"{head_seq}: events at the end were deleted")
        if previous_seq > head_seq or previous_hash != head_hash:
            return broken(head_seq + 1 if previous_seq > head_seq else previous_seq,
                          f"the last event ({previous_seq}) is not the head the log recorded (event {head_seq}): "
                          "events were added or rewritten behind the log's back")
        if not anchor_seen:
            assert anchor is not None
            return broken(anchor[0], f"the anchor names event {anchor[0]}, which the log does not hold")
        return ChainCheck(True, walked, head_seq, head_hash)


def _event(row: Any) -> AuditEvent:
    try:
        payload = json.loads(row["payload"])
    except ValueError:
        payload = {"unparseable": row["payload"]}
    if not isinstance(payload, dict):
        payload = {"value": payload}
    return AuditEvent(int(row["seq"]), row["at"], row["actor"], row["kind"], payload, row["prev_hash"], row["hash"])
