"""The Python API: one facade over lists, screening, policy and decisions.

Adapters (the CLI, the HTTP server) make one call here per request and format the result.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from clearance import batch, index_cache, reference_cache
from clearance.audit import AuditLog, utc_now
from clearance.batch import screen_stream
from clearance.decisions import Alerts, Counterparties, Counterparty, Keys, Records, StoredCheck, StoredScreening
from clearance.decisions.monitor import Monitor, RescreenRun, VersionChanges, mark_done
from clearance.errors import ClearanceError, NotFoundError, TransactionError
from clearance.matching import DEFAULT_THRESHOLD
from clearance.matching.index import ScreeningIndex
from clearance.matching.screener import Screener
from clearance.model import Diff, Entity, IngestResult, ListMeta, VersionInfo
from clearance.model.screening import ListRef, Query, ScreenResult
from clearance.model.transaction import Transaction
from clearance.model.updates import SkippedFile, UpdatedList, UpdateReport
from clearance.model.verdict import Verdict
from clearance.policy import (
    AirportIndex,
    AirportReport,
    Pack,
    PolicySet,
    airport_report,
    builtin_pack_dirs,
    load_packs,
    pack_entities,
    user_pack_dirs,
)
from clearance.settings import Settings
from clearance.sources import open_list, source_info
from clearance.store import Store

SCREENER_RECHECK = 1.0  # seconds a screener is used before the list versions are checked again

# progress(task, done, total): task names what runs ("us-ofac-sdn"), total is None when unknown.
ProgressFn = Callable[[str, int, int | None], None]
MONITOR_LIMIT = 10  # hits kept per screening of a monitored counterparty


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
        self._screener: tuple[str, Screener] | None = None  # (index key, screener)
        self._screener_lock = threading.Lock()
        self._screener_checked = 0.0  # when the list versions were last compared with the index
        self._policies: dict[tuple[str, ...], PolicySet] = {}
        self._policy_lock = threading.Lock()
        self._airports: AirportIndex | None = None
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
        """Load the policy packs and build (or load from the cache) the screening index now, so the
        first screening or check is fast."""
        self.policy()
        self.screener()
        # The first analysis of a name loads the name-analysis data (seconds); do it now, not on
        # the first request. Nothing is stored: this is not a screening anyone asked for.
        self.screen(Query(name="warm up"), limit=1)

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
        who = actor or self.settings.actor_name
        results = [self._ingest_one(Path(raw), source, fmt, who, str(raw), progress) for raw in paths]
        if any(r.created for r in results):
            self.rescreen(actor=who)
        return results

    def _ingest_one(
        self, path: Path, source: str | None, fmt: str | None, actor: str, origin: str, progress: ProgressFn | None
    ) -> IngestResult:
        parsed = open_list(path, source=source, fmt=fmt)
        task = parsed.meta.source

        def report(done: int) -> None:
            if progress is not None:
                progress(task, done, None)

        return self._store_version(parsed.meta, parsed.entities, actor=actor, origin=origin, progress=report)

    def update(
        self,
        sources: Sequence[str] | None = None,
        *,
        actor: str | None = None,
        progress: ProgressFn | None = None,
    ) -> UpdateReport:
        """Fetch each source from its publisher and ingest it; with ``CLEARANCE_LISTS_DIR`` set,
        load every list found in that folder instead of downloading.

        ``sources`` limits the update to those source ids (default: every downloadable source,
        or every list in the folder). A source that fails leaves the store as it was and is
        reported in the result; the others are still updated.
        """
        who = actor or self.settings.actor_name
        wanted = list(dict.fromkeys(sources or ()))
        for sid in wanted:
            source_info(sid)  # unknown ids fail before anything is fetched
        if self.settings.lists_dir:
            report = self._update_from_folder(Path(self.settings.lists_dir), wanted, who, progress)
        else:
            report = self._update_from_publishers(wanted, who, progress)
        if any(item.result is not None and item.result.created for item in report.lists):
            self.rescreen(actor=who)
        return report

    def _update_from_publishers(self, wanted: list[str], actor: str, progress: ProgressFn | None) -> UpdateReport:
        from clearance import download  # imported here: httpx is only needed for downloads

        policy = download.DownloadPolicy.from_settings(self.settings)
        urls = download.source_urls(self.settings)
        items: list[UpdatedList] = []
        with download.make_client(policy) as client:
            for sid in wanted or list(urls):
                origin = " ".join(urls.get(sid, ()))
                try:
                    with tempfile.TemporaryDirectory(prefix=f"clearance-{sid.replace(':', '-')}-") as tmp:
                        path = download.fetch_source(
                            sid, download.file_urls(urls, sid), Path(tmp), policy, client=client, progress=progress
                        )
                        result = self._ingest_one(path, sid, None, actor, origin, progress)
                except ClearanceError as exc:
                    items.append(UpdatedList(sid, origin, error=str(exc), exit_code=exc.exit_code))
                    continue
                items.append(UpdatedList(sid, origin, result))
        return UpdateReport("download", tuple(items))

    def _update_from_folder(
        self, folder: Path, wanted: list[str], actor: str, progress: ProgressFn | None
    ) -> UpdateReport:
        from clearance.sources.discover import find_lists

        found, skipped = find_lists(folder)
        if not found:
            raise NotFoundError(
                f"CLEARANCE_LISTS_DIR={folder}: no official list file found ({len(skipped)} file(s) skipped)"
            )
        items: list[UpdatedList] = []
        for item in found:
            if wanted and item.source not in wanted:
                continue
            source = item.source or item.format
            if item.error is not None:
                items.append(UpdatedList(source, str(item.path), error=item.error, exit_code=2))
                continue
            # A file already loaded as any version is not loaded again: re-running update on the same
            # folder must not turn an older file into the latest version for a moment.
            held = next((v for v in self.store.versions(source) if v.sha256 == item.sha256), None)
            if held is not None:
                items.append(UpdatedList(source, str(item.path), IngestResult(held, created=False)))
                continue
            try:
                result = self._ingest_one(item.path, item.source, item.format, actor, str(item.path), progress)
            except ClearanceError as exc:
                items.append(UpdatedList(source, str(item.path), error=str(exc), exit_code=exc.exit_code))
                continue
            items.append(UpdatedList(source, str(item.path), result))
        missing = [sid for sid in wanted if not any(i.source == sid for i in items)]
        items += [
            UpdatedList(sid, str(folder), error=f"no list of source {sid} found in {folder}", exit_code=3)
            for sid in missing
        ]
        return UpdateReport(
            "folder", tuple(items), tuple(SkippedFile(str(s.path), s.reason) for s in skipped), str(folder)
        )

    def _store_version(self, meta: ListMeta, entities: Iterable[Entity], *, actor: str, origin: str,
                       progress: Callable[[int], None] | None = None) -> IngestResult:
        """Store a list version with, in the same transaction, what it changed and its audit event."""

        def record_version(conn: Connection, version: VersionInfo, counts: tuple[int, int, int]) -> None:
            added, removed, changed = counts
            self.monitor.record_changes(conn, version)
            self.audit.append(conn, actor=actor, kind="list.ingested", payload={
                "source": version.source, "version": version.label, "sha256": version.sha256,
                "published": version.published, "format": version.format, "origin": version.origin,
                "entities": version.entities, "added": added, "removed": removed, "changed": changed,
            })

        result = self.store.ingest(meta, entities, actor=actor, origin=origin, progress=progress,
                                   before_commit=record_version)
        self._screener_checked = 0.0  # the next screening compares the list versions again
        return result

    def lists(self) -> list[VersionInfo]:
        """The newest version of every loaded source."""
        return self.store.latest_versions()

    def versions(self, source: str) -> list[VersionInfo]:
        versions = self.store.versions(source)
        if not versions:
            raise NotFoundError(f"source {source!r} has no versions in {self.store.db}")
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

    # -- screening ------------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        """The match threshold: ``CLEARANCE_THRESHOLD`` if set, else the benchmarked default."""
        return self.settings.threshold if self.settings.threshold is not None else DEFAULT_THRESHOLD

    def screener(self) -> Screener:
        """The screener over the newest version of every loaded list.

        Its index is built once per set of list versions and kept in the cache folder, so the
        next process loads it instead of building it (``screener.startup`` says which, and how
        long it took). Whether the lists changed (an ingest by another process) is checked at most
        once every ``SCREENER_RECHECK`` seconds, not on every query.
        """
        now = time.monotonic()
        if self._screener is not None and now - self._screener_checked < SCREENER_RECHECK:
            return self._screener[1]
        versions = self.lists()
        key = index_cache.index_key(versions)
        self._screener_checked = now
        if self._screener is not None and self._screener[0] == key:
            return self._screener[1]
        with self._screener_lock:  # one build at a time when server threads all ask at start-up
            if self._screener is not None and self._screener[0] == key:
                return self._screener[1]
            return self._build_screener(versions, key)

    def _build_screener(self, versions: list[VersionInfo], key: str) -> Screener:
        started = time.perf_counter()
        path = index_cache.index_path(self.settings, key)
        index = index_cache.load(path)
        origin = "cache"
        if index is None:
            refs = tuple(ListRef(v.source, v.label) for v in versions)
            index = ScreeningIndex.build(self.store.iter_entities(v.id for v in versions), refs)
            index_cache.save(path, index)
            origin = "built"
        screener = Screener(index, self.threshold)
        screener.startup = (origin, time.perf_counter() - started)
        self._screener = (key, screener)
        return screener

    def screen(self, query: Query, *, threshold: float | None = None, limit: int = 10) -> ScreenResult:
        """Screen one name (with optional type, birth date, country, identifiers) against the lists."""
        return self.screener().screen(query, threshold=threshold, limit=limit)

    def screen_many(
        self,
        queries: Iterable[Query],
        *,
        threshold: float | None = None,
        limit: int = 10,
        workers: int = 1,
    ) -> Iterator[ScreenResult]:
        """Screen queries in input order, streaming, on ``workers`` processes."""
        return screen_stream(self.screener(), queries, threshold=threshold, limit=limit, workers=workers)

    def screen_file(
        self,
        input_path: Path,
        out: Path,
        *,
        threshold: float | None = None,
        limit: int = 10,
        workers: int = 1,
        dask: str | None = None,
        partition_size: int = batch.DEFAULT_PARTITION_ROWS,
        restart: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> batch.BatchReport:
        """Screen every row of a query file (CSV, JSON lines or Parquet) into a results file, in
        input order, on ``workers`` local processes or the Dask cluster ``dask`` names
        (``tcp://HOST:PORT`` or ``local[:N]``). Interrupted runs resume (see :mod:`clearance.batch.run`)."""
        screener = self.screener()
        key = self._screener[0] if self._screener is not None else index_cache.index_key(self.lists())
        spec = batch.RunSpec(self.threshold if threshold is None else threshold, limit, partition_size, key,
                             screener.lists())
        index_file = index_cache.index_path(self.settings, key)
        return batch.run_file(
            input_path, out, spec,
            lambda: batch.executor(screener, workers=workers, dask=dask, index_key=key, index_file=index_file),
            restart=restart, progress=progress, notice=notice)

    # -- policy ---------------------------------------------------------------------------
    def airports(self) -> AirportIndex:
        if self._airports is None:
            self._airports = reference_cache.airports(self.settings)
        return self._airports

    def policy(self, packs: Sequence[str | Path] | None = None) -> PolicySet:
        """The packs to evaluate: installed ones (shipped + ``CLEARANCE_PACKS_DIR``) by name, or
        pack folders by path; default every installed pack. Their subjects are stored (once per
        content) as list source ``pack:NAME`` so that screening finds them too."""
        key = tuple(str(p) for p in packs or ())
        with self._policy_lock:  # server threads: load (and store the subjects of) each pack set once
            if key not in self._policies:
                self._policies[key] = self._load_policy(packs)
        return self._policies[key]

    def _load_policy(self, packs: Sequence[str | Path] | None) -> PolicySet:
        installed = PolicySet.load(builtin_pack_dirs() + user_pack_dirs(self.settings.packs_dir),
                                   self.airports().exists)
        names = [str(p) for p in packs or () if not (Path(p) / "pack.yml").is_file()]
        folders = [p for p in packs or () if (Path(p) / "pack.yml").is_file()]
        chosen = installed.select(names).packs if names or not folders else []
        policy = PolicySet(chosen + load_packs(folders, self.airports().exists))
        stored = []
        for pack in policy.packs:
            meta, entities = pack_entities(pack)
            stored.append(self._store_version(meta, entities, actor="clearance:packs", origin=pack.path))
        if any(r.created for r in stored):
            self.rescreen(actor="clearance:packs")
        return policy

    def packs(self) -> list[Pack]:
        """The installed policy packs."""
        return list(self.policy().packs)

    def check(self, transaction: Transaction | Mapping[str, Any], at: date | str | None = None,
              packs: Sequence[str | Path] | None = None) -> Verdict:
        """Verdicts per jurisdiction on ``transaction`` at ``at`` (default: its date, else today)."""
        tx = transaction if isinstance(transaction, Transaction) else Transaction.from_dict(transaction)
        day = _as_date(at) if at is not None else tx.date or datetime.now(UTC).date()
        policy = self.policy(packs)
        versions = {v.source: v for v in self.lists() if not v.source.startswith("pack:")}
        screener = self.screener()  # once per check, not once per party

        def screen(query: Query) -> ScreenResult:
            return screener.screen(query)

        return policy.check(tx, day, self.airports(), screen=screen,
                            entity=lambda entity_id: self.store.entity(entity_id)[0], versions=versions)

    def airport(self, code: str, at: date | str | None = None) -> AirportReport:
        """How an airport code resolves (country, subdivision, overrides) and its zones at ``at``."""
        info = self.airports().get(code)
        if info is None:
            raise NotFoundError(f"unknown airport code {code!r} (expected an IATA or ICAO code)")
        day = _as_date(at) if at is not None else datetime.now(UTC).date()
        return airport_report(info, self.policy(), day)


    # -- decisions: recorded screenings, monitored counterparties, re-screening ---------------------
    def screen_and_record(self, queries: Sequence[Query], *, actor: str, origin: str = "api",
                          threshold: float | None = None, limit: int = 10) -> list[StoredScreening]:
        """Screen each query and store it (input, output, list versions, who, when) with its audit event."""
        results = [self.screen(query, threshold=threshold, limit=limit) for query in queries]
        return self.records.save_screenings(results, actor=actor, origin=origin)

    def check_and_record(self, transaction: Mapping[str, Any], *, at: date | str | None = None, actor: str,
                         origin: str = "api", packs: Sequence[str | Path] | None = None) -> StoredCheck:
        """Check a transaction and store it (transaction, verdict, list and pack versions, who, when)
        with its audit event; a party resolved to a listed entity at or above the threshold opens an alert."""
        verdict = self.check(transaction, at=at, packs=packs)
        return self.records.save_check(verdict, dict(transaction), actor=actor, origin=origin,
                                       threshold=self.threshold)

    def save_counterparty(self, counterparty: Counterparty, *,
                          actor: str) -> tuple[Counterparty, bool, StoredScreening | None]:
        """Create or replace a monitored counterparty and screen it now against every list:
        (stored, created, the screening). Hits at or above the threshold open alerts."""
        result = self.screen(counterparty.to_query(), limit=MONITOR_LIMIT) if counterparty.monitored else None
        with self.audit.transaction() as conn:
            stored, created = self.counterparties.put(conn, counterparty, actor=actor)
            screening = None
            if result is not None:
                screening = self.records.save_screening(conn, result, actor=actor, origin="monitor",
                                                        counterparty_id=stored.id, subject_name=stored.name)
        return stored, created, screening

    def rescreen(self, *, actor: str | None = None) -> list[RescreenRun]:
        """Re-screen every monitored counterparty against what changed in each list since the last
        run (added and changed entities only); hits open alerts. Runs after every ingest."""
        who = actor or self.settings.actor_name
        runs: list[RescreenRun] = []
        for pending in self.monitor.pending():
            started = time.perf_counter()
            monitored = self.counterparties.find(monitored_only=True)
            entities = self.monitor.changed_entities(pending) if monitored else []
            hits: list[tuple[Counterparty, ScreenResult]] = []
            if entities:
                refs = (ListRef(pending.version.source, pending.version.label),)
                screener = Screener(ScreeningIndex.build(entities, refs), self.threshold)
                for counterparty in monitored:
                    result = screener.screen(counterparty.to_query(), limit=MONITOR_LIMIT)
                    if result.matches:
                        hits.append((counterparty, result))
            with self.audit.transaction() as conn:
                if self.monitor.is_done(conn, pending.version.id):
                    continue  # another process re-screened this version meanwhile
                saved = [self.records.save_screening(conn, result, actor=who, origin="rescreen",
                                                     counterparty_id=cp.id, subject_name=cp.name)
                         for cp, result in hits]
                opened = sum(1 for s in saved for a in s.result["alerts"] if a["action"] in ("opened", "reopened"))
                run = RescreenRun(pending.version.source, pending.version.label, len(entities), len(monitored),
                                  len(hits), opened, time.perf_counter() - started)
                mark_done(conn, pending, run, at=utc_now(), actor=who)
                self.audit.append(conn, actor=who, kind="rescreen", payload=run.to_dict())
            runs.append(run)
        return runs


def _as_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TransactionError(f"date {value!r} is not a date (expected YYYY-MM-DD)") from None

