"""The store: list versions and entity records in SQLite or PostgreSQL, through SQLAlchemy Core.

An ingest is one transaction: either the whole new version is there, or nothing changed. A
record unchanged between versions is stored once (content-addressed by the SHA-256 of its
canonical JSON), so keeping every version costs little and a diff is a join on hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import SQLAlchemyError as SAError

from clearance.errors import ListFormatError, NotFoundError, StoreError
from clearance.model import (
    Diff,
    Entity,
    EntityChange,
    IngestResult,
    ListMeta,
    VersionInfo,
    canonical_json,
)
from clearance.store.backends import WRITE_OPTION, display_name, insert_ignore, is_unavailable, make_engine, serialise
from clearance.store.migrations import migrate
from clearance.store.schema import entity_records, list_versions, version_entities

BATCH = 2000
Progress = Callable[[int], None]  # called with the number of entities written so far
BeforeCommit = Callable[[Connection, VersionInfo, tuple[int, int, int]], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def version_label(published: str | None, ingested_at: str, sha256: str) -> str:
    day = (published or ingested_at)[:10].replace("-", "")
    return f"{day}-{sha256[:8]}"


class Store:
    """Persistence for list versions and entities. Construct with a path or URL; call ``close``."""

    def __init__(self, db: str, *, engine: Engine | None = None) -> None:
        self.db = display_name(db)  # for messages: without a URL's password
        self.engine = engine or make_engine(db)
        try:
            with self.write() as conn:
                migrate(conn)
        except StoreError as exc:
            raise StoreError(f"cannot open {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        try:
            with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            if is_unavailable(exc):
                raise self._unavailable(exc) from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            if is_unavailable(exc):
                raise self._unavailable(exc) from exc
            raise

    def _unavailable(self, exc: DBAPIError) -> StoreError:
        """A lost or refused connection is a ``StoreError`` (exit 5, HTTP 503: try again later); any
        other database error is a bug and is raised as it is."""
        return StoreError(f"database {self.db}: {exc.orig}")

    # -- versions ---------------------------------------------------------------------------
    def latest_versions(self) -> list[VersionInfo]:
        """The newest version of every source, by source id."""
        newest = (
            select(list_versions.c.source, func.max(list_versions.c.id).label("id"))
            .group_by(list_versions.c.source)
            .subquery()
        )
        query = select(list_versions).join(newest, list_versions.c.id == newest.c.id)
        with self.read() as conn:
            rows = conn.execute(query.order_by(list_versions.c.source)).mappings().all()
        return [_version(r) for r in rows]

    def versions(self, source: str) -> list[VersionInfo]:
        with self.read() as conn:
            rows = (
                conn.execute(
                    select(list_versions).where(list_versions.c.source == source).order_by(list_versions.c.id)
                )
                .mappings()
                .all()
            )
        return [_version(r) for r in rows]

    def version(self, source: str, ref: str | None = None) -> VersionInfo:
        """A version of ``source`` by label, unique label prefix, row id, or ``latest``/``previous``."""
        versions = self.versions(source)
        if not versions:
            raise NotFoundError(f"no versions of source {source!r} in {self.db}")
        if ref in (None, "", "latest"):
            return versions[-1]
        if ref == "previous":
            if len(versions) < 2:
                raise NotFoundError(f"source {source!r} has only one version")
            return versions[-2]
        assert ref is not None
        exact = [v for v in versions if v.label == ref or str(v.id) == ref]
        if exact:
            return exact[0]
        prefixed = [v for v in versions if v.label.startswith(ref) or v.sha256.startswith(ref)]
        if len(prefixed) == 1:
            return prefixed[0]
        known = ", ".join(v.label for v in versions)
        problem = "is ambiguous" if prefixed else "does not exist"
        raise NotFoundError(f"version {ref!r} of {source!r} {problem}; versions: {known}")

    # -- ingest ---------------------------------------------------------------------------
    def ingest(
        self,
        meta: ListMeta,
        entities: Iterable[Entity],
        *,
        actor: str,
        origin: str,
        progress: Progress | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> IngestResult:
        """Store a new version of ``meta.source`` holding ``entities``, in one transaction.

        Identical content (same SHA-256 as the latest version) is a no-op: ``created`` is False.
        ``before_commit(conn, version, (added, removed, changed))`` runs inside the transaction once
        the version is complete (the audit log's event commits or rolls back with the version).
        """
        started = datetime.now(UTC)
        ingested_at = _now()
        label = version_label(meta.published, ingested_at, meta.sha256)
        record_insert = insert_ignore(self.engine, entity_records)
        try:
            with self.write() as conn:
                # Two ingests of one source take turns (the second then sees the first's version);
                # ingests of different sources run side by side.
                serialise(conn, f"ingest:{meta.source}")
                previous = self._latest(meta.source, conn)
                if previous is not None and previous.sha256 == meta.sha256:
                    return IngestResult(version=previous, created=False)
                label = self._free_label(conn, meta.source, label)
                inserted = conn.execute(
                    list_versions.insert().values(
                        source=meta.source,
                        label=label,
                        sha256=meta.sha256,
                        published=meta.published,
                        ingested_at=ingested_at,
                        format=meta.format,
                        origin=origin,
                        entities=0,
                        actor=actor,
                        meta=json.dumps(
                            {"files": meta.files, "publisher_version": meta.publisher_version, **meta.extra}
                        ),
                    )
                ).inserted_primary_key
                assert inserted is not None
                version_id = inserted[0]
                count = 0
                seen: set[str] = set()
                records: list[dict[str, Any]] = []
                members: list[dict[str, Any]] = []
                for entity in entities:
                    if entity.source != meta.source:
                        raise StoreError(f"entity {entity.id} has source {entity.source}, not {meta.source}")
                    if entity.id in seen:
                        raise ListFormatError(
                            origin, None, f"entity id {entity.id} occurs twice", "one record per entity id"
                        )
                    seen.add(entity.id)
                    data = canonical_json(entity.to_dict())
                    digest = _digest(data)
                    records.append({"hash": digest, "entity_id": entity.id, "data": data})
                    members.append({"version_id": version_id, "entity_id": entity.id, "record_hash": digest})
                    count += 1
                    if len(records) >= BATCH:
                        self._flush(conn, record_insert, records, members)
                        if progress:
                            progress(count)
                self._flush(conn, record_insert, records, members)
                if progress:
                    progress(count)
                conn.execute(
                    list_versions.update().where(list_versions.c.id == version_id).values(entities=count)
                )
                added, removed, changed = self._change_counts(conn, previous.id if previous else None, version_id)
                row = conn.execute(select(list_versions).where(list_versions.c.id == version_id)).mappings().one()
                if before_commit is not None:
                    before_commit(conn, _version(row), (added, removed, changed))
        except SAError as exc:
            raise StoreError(f"ingest of {meta.source} into {self.db} failed: {exc}") from exc
        seconds = (datetime.now(UTC) - started).total_seconds()
        return IngestResult(_version(row), True, added, removed, changed, seconds)

    @staticmethod
    def _flush(conn: Connection, record_insert: Any, records: list[dict[str, Any]],
               members: list[dict[str, Any]]) -> None:
        if records:
            conn.execute(record_insert, records)
            conn.execute(version_entities.insert(), members)
            records.clear()
            members.clear()

    @staticmethod
    def _free_label(conn: Connection, source: str, label: str) -> str:
        """``label``, or ``label-2``, ``label-3``... when a list returns to the content of an older
        version (same date and hash): the older version keeps its label, the new one gets its own."""
        taken = set(
            conn.execute(
                select(list_versions.c.label).where(
                    list_versions.c.source == source, list_versions.c.label.startswith(label, autoescape=True)
                )
            ).scalars()
        )
        candidate, n = label, 1
        while candidate in taken:
            n += 1
            candidate = f"{label}-{n}"
        return candidate

    def _latest(self, source: str, conn: Connection | None = None) -> VersionInfo | None:
        query = select(list_versions).where(list_versions.c.source == source).order_by(list_versions.c.id.desc())
        if conn is None:
            with self.read() as own:
                row = own.execute(query.limit(1)).mappings().first()
        else:
            row = conn.execute(query.limit(1)).mappings().first()
        return _version(row) if row else None

    @staticmethod
    def _change_counts(conn: Connection, old: int | None, new: int) -> tuple[int, int, int]:
        a = version_entities.alias("a")
        b = version_entities.alias("b")
        if old is None:
            total = conn.execute(select(func.count()).where(version_entities.c.version_id == new)).scalar_one()
            return int(total), 0, 0
        added = conn.execute(
            select(func.count())
            .select_from(b.outerjoin(a, and_(a.c.entity_id == b.c.entity_id, a.c.version_id == old)))
            .where(b.c.version_id == new, a.c.entity_id.is_(None))
        ).scalar_one()
        removed = conn.execute(
            select(func.count())
            .select_from(a.outerjoin(b, and_(a.c.entity_id == b.c.entity_id, b.c.version_id == new)))
            .where(a.c.version_id == old, b.c.entity_id.is_(None))
        ).scalar_one()
        changed = conn.execute(
            select(func.count())
            .select_from(a.join(b, a.c.entity_id == b.c.entity_id))
            .where(a.c.version_id == old, b.c.version_id == new, a.c.record_hash != b.c.record_hash)
        ).scalar_one()
        return int(added), int(removed), int(changed)

    # -- entities -----------------------------------------------------------------------
    def iter_entities(self, version_ids: Iterable[int]) -> Iterator[Entity]:
        """Every entity of the given versions (for building the screening index)."""
        ids = list(version_ids)
        if not ids:
            return
        query = (
            select(entity_records.c.data)
            .join(version_entities, version_entities.c.record_hash == entity_records.c.hash)
            .where(version_entities.c.version_id.in_(ids))
            .order_by(version_entities.c.version_id, version_entities.c.entity_id)
        )
        with self.read() as conn:
            for (data,) in conn.execute(query).yield_per(BATCH):
                yield Entity.from_dict(json.loads(data))

    def entity(self, entity_id: str, version: VersionInfo | None = None) -> tuple[Entity, VersionInfo, bool]:
        """(entity, the version it was read from, whether it is in its source's latest version).

        Without ``version``: the newest version that holds the entity."""
        query = (
            select(entity_records.c.data, version_entities.c.version_id)
            .join(version_entities, version_entities.c.record_hash == entity_records.c.hash)
            .where(version_entities.c.entity_id == entity_id)
        )
        if version is not None:
            query = query.where(version_entities.c.version_id == version.id)
        with self.read() as conn:
            row = conn.execute(query.order_by(version_entities.c.version_id.desc()).limit(1)).first()
            if row is None:
                where = f" in version {version.label}" if version else ""
                raise NotFoundError(f"entity {entity_id!r} not found{where}")
            found = _version(
                conn.execute(select(list_versions).where(list_versions.c.id == row.version_id)).mappings().one()
            )
        latest = self._latest(found.source)
        return Entity.from_dict(json.loads(row.data)), found, latest is not None and latest.id == found.id

    def entity_history(self, entity_id: str) -> list[tuple[VersionInfo, str | None]]:
        """For every version of the entity's source: (version, record hash or None if absent)."""
        source = entity_id.split(":", 1)[0] if ":" in entity_id else entity_id
        with self.read() as conn:
            present = dict(
                conn.execute(
                    select(version_entities.c.version_id, version_entities.c.record_hash).where(
                        version_entities.c.entity_id == entity_id
                    )
                ).all()
            )
        sources = {v.source for v in self.latest_versions()}
        candidates = [s for s in sources if entity_id.startswith(s + ":")] or [source]
        history: list[tuple[VersionInfo, str | None]] = []
        for src in candidates:
            for v in self.versions(src):
                history.append((v, present.get(v.id)))
        return sorted(history, key=lambda item: item[0].id)

    # -- diff ---------------------------------------------------------------------------
    def diff(self, source: str, old: VersionInfo | None, new: VersionInfo) -> Diff:
        with self.read() as conn:
            new_rows = self._members(conn, new.id)
            old_rows = self._members(conn, old.id) if old else {}
            added_ids = sorted(set(new_rows) - set(old_rows))
            removed_ids = sorted(set(old_rows) - set(new_rows))
            changed_ids = sorted(e for e in set(new_rows) & set(old_rows) if new_rows[e] != old_rows[e])
            wanted = {new_rows[e] for e in added_ids + changed_ids} | {old_rows[e] for e in removed_ids + changed_ids}
            data = self._records(conn, wanted)
        added = tuple(EntityChange(e, data[new_rows[e]]["caption"]) for e in added_ids)
        removed = tuple(EntityChange(e, data[old_rows[e]]["caption"]) for e in removed_ids)
        changed = tuple(
            EntityChange(e, data[new_rows[e]]["caption"], _changed_fields(data[old_rows[e]], data[new_rows[e]]))
            for e in changed_ids
        )
        return Diff(source, old, new, added, removed, changed)

    @staticmethod
    def _members(conn: Connection, version_id: int) -> dict[str, str]:
        rows = conn.execute(
            select(version_entities.c.entity_id, version_entities.c.record_hash).where(
                version_entities.c.version_id == version_id
            )
        ).all()
        return {r.entity_id: r.record_hash for r in rows}

    @staticmethod
    def _records(conn: Connection, hashes: set[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        ordered = sorted(hashes)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            for row in conn.execute(
                select(entity_records.c.hash, entity_records.c.data).where(entity_records.c.hash.in_(chunk))
            ):
                out[row.hash] = json.loads(row.data)
        return out


def _digest(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    keys = sorted(set(old) | set(new))
    return tuple(k for k in keys if old.get(k) != new.get(k))


def _version(row: Any) -> VersionInfo:
    return VersionInfo(
        id=int(row["id"]),
        source=row["source"],
        label=row["label"],
        sha256=row["sha256"],
        published=row["published"],
        ingested_at=row["ingested_at"],
        format=row["format"],
        origin=row["origin"],
        entities=int(row["entities"]),
        actor=row["actor"],
    )
