"""Re-screening bookkeeping: which list versions the monitored counterparties were re-screened
against, and what changed since.

Per source, the newest version without a finished run is compared with the newest version that
has one (or with nothing, for a source never re-screened): the entities added or whose record
changed are what the counterparties must be screened against — never the whole list. Versions
skipped in between are covered by that one comparison and recorded as done with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, select

from clearance.model import Entity, VersionInfo
from clearance.store import Store
from clearance.store.decision_schema import rescreen_runs
from clearance.store.schema import entity_records, list_versions, version_entities


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


class Monitor:
    def __init__(self, store: Store) -> None:
        self.store = store

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
        """Entities of the newest version that are new or whose record differs since the last run."""
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
        with self.store.read() as conn:
            return [Entity.from_dict(json.loads(data)) for (data,) in conn.execute(query)]

    @staticmethod
    def is_done(conn: Connection, version_id: int) -> bool:
        return conn.execute(select(rescreen_runs.c.version_id).where(rescreen_runs.c.version_id == version_id)
                            ).first() is not None

    @staticmethod
    def record(conn: Connection, pending: PendingRescreen, run: RescreenRun, *, at: str, actor: str) -> None:
        conn.execute(rescreen_runs.insert(), [
            {"version_id": version_id, "at": at, "actor": actor, "entities": run.entities,
             "counterparties": run.counterparties, "hits": run.hits, "alerts": run.alerts, "seconds": run.seconds}
            for version_id in pending.covers
        ])
