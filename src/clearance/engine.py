"""The Python API: one facade over lists, screening, policy and decisions.

Adapters (the CLI, the HTTP server) make one call here per request and format the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from clearance.audit import AuditLog
from clearance.decisions import Alerts, Counterparties, Keys, Records
from clearance.decisions.monitor import Monitor, VersionChanges
from clearance.errors import NotFoundError
from clearance.model import Diff, Entity, IngestResult, VersionInfo
from clearance.settings import Settings
from clearance.sources import open_list
from clearance.store import Store

# progress(task, done, total): task names what runs ("us-ofac-sdn"), total is None when unknown.
ProgressFn = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class EntityView:
    """An entity as stored, with where it was read from and its history across versions."""

    entity: Entity
    version: VersionInfo
    in_latest: bool  # False when the entity was removed from its source's newest version
    history: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entity.to_dict(),
            "version": self.version.label,
            "in_latest": self.in_latest,
            "history": self.history,
        }


class Engine:
    """Open with a database path or URL (default from settings); use as a context manager."""

    def __init__(self, db: str | None = None, *, settings: Settings | None = None) -> None:
        if settings is None:
            settings = Settings.from_env(db=db)
        elif db is not None:
            settings = replace(settings, db=db)
        self.settings = settings
        self.store = Store(self.settings.db)
        # Decisions and memory (clearance.decisions): each a small service over the store whose
        # writes go through the audit log; adapters call them as engine.keys.create(...) etc.
        self.audit = AuditLog(self.store)
        self.keys = Keys(self.store, self.audit)
        self.counterparties = Counterparties(self.store, self.audit)
        self.alerts = Alerts(self.store, self.audit)
        self.records = Records(self.store, self.audit, self.alerts)
        self.monitor = Monitor(self.store)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self) -> None:
        """Make the first screening fast: build or load what screening needs now."""
        self.lists()

    # -- lists ----------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        source: str | None = None,
        fmt: str | None = None,
        actor: str | None = None,
        progress: ProgressFn | None = None,
    ) -> list[IngestResult]:
        """Ingest each path (a file, or a folder holding a multi-file set) as a new list version.

        Each path is one transaction: a bad file leaves the store exactly as it was.
        """
        results: list[IngestResult] = []
        who = actor or self.settings.actor_name
        for raw in paths:
            path = Path(raw)
            parsed = open_list(path, source=source, fmt=fmt)
            task = parsed.meta.source

            def report(done: int, task: str = task) -> None:
                if progress is not None:
                    progress(task, done, None)

            def audit(conn: Connection, version: VersionInfo, counts: tuple[int, int, int], who: str = who) -> None:
                added, removed, changed = counts
                self.monitor.record_changes(conn, version)
                self.audit.append(conn, actor=who, kind="list.ingested", payload={
                    "source": version.source, "version": version.label, "sha256": version.sha256,
                    "published": version.published, "format": version.format, "origin": version.origin,
                    "entities": version.entities, "added": added, "removed": removed, "changed": changed,
                })

            results.append(
                self.store.ingest(parsed.meta, parsed.entities, actor=who, origin=str(path), progress=report,
                                  before_commit=audit)
            )
        return results

    def lists(self) -> list[VersionInfo]:
        """The newest version of every loaded source."""
        return self.store.latest_versions()

    def versions(self, source: str) -> list[VersionInfo]:
        versions = self.store.versions(source)
        if not versions:
            raise NotFoundError(f"source {source!r} has no versions in {self.settings.db}")
        return versions

    def diff(self, source: str, from_version: str | None = None, to_version: str | None = None) -> Diff:
        """Added, removed and changed entities between two versions (default: previous → latest)."""
        new = self.store.version(source, to_version)
        if from_version is None:
            older = [v for v in self.store.versions(source) if v.id < new.id]
            old = older[-1] if older else None
        else:
            old = self.store.version(source, from_version)
        return self.store.diff(source, old, new)

    def changes(self, source: str, version: str | None = None, *, limit: int = 200) -> VersionChanges:
        """What one version (default: the latest) changed against the one before it: the counts and
        the first ``limit`` entities of each kind. Read from the changes recorded at ingest, so it
        takes time proportional to ``limit``, not to the list."""
        found = self.store.version(source, version)
        recorded = self.monitor.changes(found, limit=limit)
        if recorded is not None:
            return recorded
        return VersionChanges.from_diff(self.diff(source, to_version=str(found.id)), limit)

    def entity(self, entity_id: str, version: str | None = None) -> EntityView:
        found_version = None
        if version is not None:
            source = self._source_of(entity_id)
            found_version = self.store.version(source, version)
        entity, read_from, in_latest = self.store.entity(entity_id, found_version)
        history = []
        previous_hash: str | None = None
        for v, record_hash in self.store.entity_history(entity_id):
            if record_hash is None:
                status = "removed" if previous_hash is not None else "absent"
            elif previous_hash is None:
                status = "added"
            else:
                status = "unchanged" if record_hash == previous_hash else "changed"
            history.append({"version": v.label, "published": v.published, "status": status})
            previous_hash = record_hash
        return EntityView(entity, read_from, in_latest, history)

    def entities(self, sources: Iterable[str] | None = None) -> list[Entity]:
        """Every entity in the newest version of the given sources (default: all)."""
        wanted = set(sources) if sources is not None else None
        ids = [v.id for v in self.lists() if wanted is None or v.source in wanted]
        return list(self.store.iter_entities(ids))

    def _source_of(self, entity_id: str) -> str:
        sources = sorted((v.source for v in self.lists()), key=len, reverse=True)
        for source in sources:
            if entity_id.startswith(source + ":"):
                return source
        raise NotFoundError(f"entity {entity_id!r} belongs to no loaded source")
