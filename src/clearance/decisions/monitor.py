"""What each list version changed, and which versions the monitored counterparties were re-screened
against.

Each ingest records, in its own transaction, the entities its new version added, changed or removed
against the source's previous version (``record_changes``). Re-screening then reads those rows
only: per source, the changes of every version since the last one re-screened against (or the whole
first version, for a source never re-screened) — time proportional to the change, never to the list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select

from clearance.model import Diff, Entity, EntityChange, VersionInfo
from clearance.store import Store
from clearance.store.decision_schema import rescreen_runs, version_change_sets, version_changes
from clearance.store.schema import entity_records, list_versions, version_entities

CHUNK = 500


@dataclass(frozen=True, slots=True)
class PendingRescreen:
    version: VersionInfo  # the newest version of its source
    since: int | None  # the version id last re-screened against (None: never)
    covers: tuple[int, ...]  # every version id this run records as done


@dataclass(frozen=True, slots=True)
class RescreenRun:
    source: str
    version: str
    entities: int  # added + changed entities screened against
    counterparties: int
    hits: int  # counterparties with a hit at or above the threshold
    alerts: int  # alerts opened or reopened
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version, "entities": self.entities,
                "counterparties": self.counterparties, "hits": self.hits, "alerts": self.alerts,
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True, slots=True)
class VersionChanges:
    """One version against the one before it: counts, and one page of the changed entities."""

    version: VersionInfo
    previous: VersionInfo | None
    counts: dict[str, int]  # added, changed, removed
    changes: dict[str, list[EntityChange]]  # per kind, the first ``limit`` by entity id

    @classmethod
    def from_diff(cls, diff: Diff, limit: int) -> VersionChanges:
        counts = {"added": len(diff.added), "changed": len(diff.changed), "removed": len(diff.removed)}
        pages = {"added": list(diff.added[:limit]), "changed": list(diff.changed[:limit]),
                 "removed": list(diff.removed[:limit])}
        return cls(diff.to_version, diff.from_version, counts, pages)


def _fields(old: dict[str, Any], new: dict[str, Any]) -> str:
    return ",".join(k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))


class Monitor:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- changes, recorded at ingest ------------------------------------------------------------
    @staticmethod
    def record_changes(conn: Connection, version: VersionInfo) -> tuple[int, int, int]:
        """Inside the ingest's transaction: what ``version`` changed against its predecessor.

        Added and removed rows are copied in SQL; only changed records are read (to name the
        fields that differ), so a first version of 50,000 entities costs one INSERT ... SELECT."""
        previous = conn.execute(
            select(func.max(list_versions.c.id)).where(list_versions.c.source == version.source,
                                                       list_versions.c.id < version.id)
        ).scalar()
        new = version_entities.alias("new")
        old = version_entities.alias("old")
        columns = ["version_id", "entity_id", "change", "record_hash", "fields"]

        def copy(side: Any, other: Any, other_version: int | None, change: str) -> None:
            query = select(literal(version.id), side.c.entity_id, literal(change), side.c.record_hash, literal(""))
            if other_version is None:
                query = query.where(side.c.version_id == version.id)
            else:
                query = query.select_from(side.outerjoin(other, and_(other.c.entity_id == side.c.entity_id,
                                                                     other.c.version_id == other_version)))
                query = query.where(side.c.version_id == (version.id if change == "added" else previous),
                                    other.c.entity_id.is_(None))
            conn.execute(version_changes.insert().from_select(columns, query))

        if previous is None:
            copy(new, None, None, "added")
        else:
            copy(new, old, previous, "added")
            copy(old, new, version.id, "removed")
            changed = conn.execute(
                select(new.c.entity_id, new.c.record_hash, old.c.record_hash)
                .select_from(new.join(old, old.c.entity_id == new.c.entity_id))
                .where(new.c.version_id == version.id, old.c.version_id == previous,
                       old.c.record_hash != new.c.record_hash)
            ).all()
            records = _records(conn, {h for _, n, o in changed for h in (n, o)})
            rows = [{"version_id": version.id, "entity_id": e, "change": "changed", "record_hash": n,
                     "fields": _fields(records[o], records[n])} for e, n, o in changed]
            for i in range(0, len(rows), 2000):
                conn.execute(version_changes.insert(), rows[i : i + 2000])
        counted: dict[str, int] = dict(conn.execute(
            select(version_changes.c.change, func.count()).where(version_changes.c.version_id == version.id)
            .group_by(version_changes.c.change)).all())
        added, changed_n, removed = (int(counted.get(k, 0)) for k in ("added", "changed", "removed"))
        conn.execute(version_change_sets.insert().values(version_id=version.id, previous_id=previous,
                                                         added=added, changed=changed_n, removed=removed))
        return added, changed_n, removed

    def changes(self, version: VersionInfo, *, limit: int = 200) -> VersionChanges | None:
        """The recorded changes of one version (None if it was ingested before they were recorded)."""
        version_id = version.id
        with self.store.read() as conn:
            head = conn.execute(select(version_change_sets).where(version_change_sets.c.version_id == version_id)
                                ).mappings().first()
            if head is None:
                return None
            pages: dict[str, list[EntityChange]] = {}
            for kind in ("added", "removed", "changed"):
                rows = conn.execute(
                    select(version_changes.c.entity_id, version_changes.c.record_hash, version_changes.c.fields)
                    .where(version_changes.c.version_id == version_id, version_changes.c.change == kind)
                    .order_by(version_changes.c.entity_id).limit(limit)
                ).all()
                records = _records(conn, {h for _, h, _ in rows})
                pages[kind] = [EntityChange(e, records[h].get("caption", e), tuple(f.split(",")) if f else ())
                               for e, h, f in rows]
        counts = {"added": int(head["added"]), "changed": int(head["changed"]), "removed": int(head["removed"])}
        previous = self.store.version(version.source, str(head["previous_id"])) if head["previous_id"] else None
        return VersionChanges(version, previous, counts, pages)

    # -- re-screening ------------------------------------------------------------------------------
    @staticmethod
    def is_done(conn: Connection, version_id: int) -> bool:
        return conn.execute(select(rescreen_runs.c.version_id).where(rescreen_runs.c.version_id == version_id)
                            ).first() is not None

    def pending(self) -> list[PendingRescreen]:
        """One entry per source whose newest version has not been re-screened against."""
        with self.store.read() as conn:
            done = set(conn.execute(select(rescreen_runs.c.version_id)).scalars())
            rows = conn.execute(select(list_versions.c.id, list_versions.c.source).order_by(list_versions.c.id)).all()
        by_source: dict[str, list[int]] = {}
        for version_id, source in rows:
            by_source.setdefault(source, []).append(int(version_id))
        pending: list[PendingRescreen] = []
        for source, ids in sorted(by_source.items()):
            if ids[-1] in done:
                continue
            since = max((i for i in ids if i in done), default=None)
            covers = tuple(i for i in ids if i not in done and (since is None or i > since))
            pending.append(PendingRescreen(self.store.version(source, str(ids[-1])), since, covers))
        return pending

    def changed_entities(self, pending: PendingRescreen) -> list[Entity]:
        """Entities of the newest version added or changed since the last re-screening, read from
        the recorded changes; a version without recorded changes falls back to comparing versions."""
        with self.store.read() as conn:
            recorded = set(conn.execute(select(version_change_sets.c.version_id)
                                        .where(version_change_sets.c.version_id.in_(pending.covers))).scalars())
            if set(pending.covers) <= recorded:
                ids = set(conn.execute(select(version_changes.c.entity_id).where(
                    version_changes.c.version_id.in_(pending.covers), version_changes.c.change != "removed"
                )).scalars())
                return _entities_in(conn, pending.version.id, ids)
            return _compare_versions(conn, pending)


def _records(conn: Connection, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
    ordered = sorted(set(hashes))
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ordered), CHUNK):
        for digest, data in conn.execute(select(entity_records.c.hash, entity_records.c.data)
                                         .where(entity_records.c.hash.in_(ordered[i : i + CHUNK]))):
            out[digest] = json.loads(data)
    return out


def _entities_in(conn: Connection, version_id: int, entity_ids: set[str]) -> list[Entity]:
    """The records of ``entity_ids`` as they are in ``version_id`` (those no longer there are skipped)."""
    ordered = sorted(entity_ids)
    found: list[Entity] = []
    for i in range(0, len(ordered), CHUNK):
        rows = conn.execute(
            select(entity_records.c.data)
            .join(version_entities, version_entities.c.record_hash == entity_records.c.hash)
            .where(version_entities.c.version_id == version_id,
                   version_entities.c.entity_id.in_(ordered[i : i + CHUNK]))
        )
        found += [Entity.from_dict(json.loads(data)) for (data,) in rows]
    return found


def _compare_versions(conn: Connection, pending: PendingRescreen) -> list[Entity]:
    new = version_entities.alias("new")
    old = version_entities.alias("old")
    query = (
        select(entity_records.c.data)
        .select_from(new)
        .join(entity_records, entity_records.c.hash == new.c.record_hash)
        .where(new.c.version_id == pending.version.id)
    )
    if pending.since is not None:
        query = query.outerjoin(
            old, and_(old.c.entity_id == new.c.entity_id, old.c.version_id == pending.since)
        ).where((old.c.record_hash.is_(None)) | (old.c.record_hash != new.c.record_hash))
    return [Entity.from_dict(json.loads(data)) for (data,) in conn.execute(query)]


def mark_done(conn: Connection, pending: PendingRescreen, run: RescreenRun, *, at: str, actor: str) -> bool:
    """Record the run for every version it covers; False if another process recorded it first."""
    if Monitor.is_done(conn, pending.version.id):
        return False
    conn.execute(rescreen_runs.insert(), [
        {"version_id": version_id, "at": at, "actor": actor, "entities": run.entities,
         "counterparties": run.counterparties, "hits": run.hits, "alerts": run.alerts, "seconds": run.seconds}
        for version_id in pending.covers
    ])
    return True
