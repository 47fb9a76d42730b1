"""The Python API: one facade over lists, screening, policy and decisions.

Adapters (the CLI, the HTTP server) make one call here per request and format the result.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clearance import index_cache, reference_cache
from clearance.batch import screen_stream
from clearance.errors import ClearanceError, NotFoundError, TransactionError
from clearance.matching import DEFAULT_THRESHOLD
from clearance.matching.index import ScreeningIndex
from clearance.matching.screener import Screener
from clearance.model import Diff, Entity, IngestResult, VersionInfo
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
        self._screener_checked = 0.0  # when the list versions were last compared with the index
        self._policies: dict[tuple[str, ...], PolicySet] = {}
        self._airports: AirportIndex | None = None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        return [self._ingest_one(Path(raw), source, fmt, who, str(raw), progress) for raw in paths]

    def _ingest_one(
        self, path: Path, source: str | None, fmt: str | None, actor: str, origin: str, progress: ProgressFn | None
    ) -> IngestResult:
        parsed = open_list(path, source=source, fmt=fmt)
        task = parsed.meta.source

        def report(done: int) -> None:
            if progress is not None:
                progress(task, done, None)

        result = self.store.ingest(parsed.meta, parsed.entities, actor=actor, origin=origin, progress=report)
        self._screener_checked = 0.0  # the next screening compares the list versions again
        return result

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
            return self._update_from_folder(Path(self.settings.lists_dir), wanted, who, progress)
        return self._update_from_publishers(wanted, who, progress)

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
        if key not in self._policies:
            installed = PolicySet.load(builtin_pack_dirs() + user_pack_dirs(self.settings.packs_dir),
                                       self.airports().exists)
            names = [str(p) for p in packs or () if not (Path(p) / "pack.yml").is_file()]
            folders = [p for p in packs or () if (Path(p) / "pack.yml").is_file()]
            chosen = installed.select(names).packs if names or not folders else []
            policy = PolicySet(chosen + load_packs(folders, self.airports().exists))
            for pack in policy.packs:
                meta, entities = pack_entities(pack)
                self.store.ingest(meta, entities, actor="clearance:packs", origin=pack.path)
                self._screener_checked = 0.0
            self._policies[key] = policy
        return self._policies[key]

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


def _as_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TransactionError(f"date {value!r} is not a date (expected YYYY-MM-DD)") from None
