"""Screening partitions on a Dask cluster (the ``dask`` extra).

``--dask local[:N]`` starts a cluster of N worker processes on this machine (default: one per
core); ``--dask tcp://HOST:PORT`` uses the cluster whose scheduler listens there (its workers
need clearance installed, at the same version).

The index is shipped to each worker once, before the first partition: when every worker sees
the index cache file at the same path (this machine, or a shared folder) it loads the file;
otherwise the file's bytes are scattered to the workers, which unpickle them. A worker keeps
the screener of the index it was last given, so the partitions that follow (and a later run
over the same list versions) find it loaded. Partitions go out a few per worker at a time and
come back as the bytes of their part of the results file, in whatever order they finish.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clearance import index_cache
from clearance.batch.local import default_workers
from clearance.batch.partitions import Job, Partition, PartResult, screen_partition
from clearance.errors import ClearanceError, ConfigurationError, MissingExtraError
from clearance.matching.screener import Screener

WINDOW_PER_WORKER = 2  # partitions in flight per worker: one running, one waiting
CONNECT_TIMEOUT = "20s"

# In a worker process: the screener of the index last shipped to it, by index key. State of the
# process on purpose, so that the index is loaded once per worker, not once per partition.
_loaded: dict[str, Screener] = {}


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingExtraError("--dask", "dask", "distributed") from None
    return distributed


def _load_index(key: str, index: str | bytes, threshold: float) -> tuple[float, float]:
    """Load the index on this worker unless it is loaded: (seconds reading the index, seconds
    loading rigour's name data)."""
    if key in _loaded:
        return 0.0, 0.0
    started = time.perf_counter()
    if isinstance(index, str):
        loaded = index_cache.load(Path(index))
        if loaded is None:
            raise ClearanceError(f"a Dask worker could not read the screening index {index}")
    else:
        loaded = pickle.loads(index)  # noqa: S301 - the index our own client just sent
    read = time.perf_counter()
    screener = Screener(loaded, threshold)
    screener.warm_up()
    _loaded.clear()  # one index per worker: an older one is not needed again
    _loaded[key] = screener
    return read - started, time.perf_counter() - read


def _screen(key: str, index: str | bytes, job: Job, partition: Partition) -> PartResult:
    _load_index(key, index, job.threshold)  # a worker that joined after the others were given the index
    return screen_partition(_loaded[key], job, partition)


def _has_file(path: str, size: int) -> bool:
    file = Path(path)
    return file.is_file() and file.stat().st_size == size


def parse_address(address: str) -> tuple[str | None, int]:
    """(scheduler address, None for a local cluster; local worker count)."""
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2]
        if count and (not count.isdigit() or int(count) < 1):
            raise ConfigurationError(f"--dask {address}: {count!r} is not a number of workers (expected local:N, "
                                     "N at least 1)")
        return None, int(count) if count else default_workers()
    if "://" in address:
        return address, 0
    raise ConfigurationError(f"--dask {address}: expected tcp://HOST:PORT (a running scheduler) or local[:N]")


class DaskExecutor:
    """Screens partitions on the workers of a Dask cluster."""

    def __init__(self, address: str, screener: Screener, index_key: str, index_file: Path, *,
                 ship: str = "auto") -> None:
        self.address = address
        self.screener = screener
        self.index_key = index_key
        self.index_file = index_file
        self.workers = 0
        self.description = ""
        self.ship = ship  # how the index reaches the workers: "file", "bytes" or "auto" (file when they see it)
        self.ship_seconds = 0.0  # from sending the index until every worker is ready
        self.index_seconds = 0.0  # of which the slowest worker spent reading the index
        self.warm_seconds = 0.0  # and loading rigour's name data
        self._client: Any = None
        self._cluster: Any = None
        self._index: Any = None  # what each task is given to find the index: a path, or scattered bytes

    def __enter__(self) -> DaskExecutor:
        distributed = _distributed()
        scheduler, count = parse_address(self.address)
        try:
            if scheduler is None:
                self._cluster = distributed.LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                                         dashboard_address=None, silence_logs=logging.CRITICAL)
                self._client = distributed.Client(self._cluster)
            else:
                self._client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
                self._client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self.__exit__()
            raise ConfigurationError(f"--dask {self.address}: no Dask cluster answers there ({exc})") from None
        self._ship_index()
        where = "local cluster" if scheduler is None else f"cluster at {scheduler}"
        self.description = (f"{self.workers} Dask worker{'s' if self.workers != 1 else ''} ({where}; index "
                            f"{'loaded from the cache file' if self.ship == 'file' else 'sent as bytes'} in "
                            f"{self.ship_seconds:.1f}s)")
        return self

    def _ship_index(self) -> None:
        """Give every worker the index, once."""
        client = self._client
        ship = self.ship
        started = time.perf_counter()
        exists = self.index_file.is_file()
        size = self.index_file.stat().st_size if exists else 0
        if ship == "auto":
            seen = client.run(_has_file, str(self.index_file), size) if exists else {}
            ship = "file" if seen and all(seen.values()) else "bytes"
        if ship == "file":
            self._index = str(self.index_file)
        else:
            data = (self.index_file.read_bytes() if exists
                    else pickle.dumps(self.screener.index, pickle.HIGHEST_PROTOCOL))
            self._index = client.scatter(data, broadcast=True, hash=False)
            del data
        addresses = list(client.scheduler_info()["workers"])
        loads = [client.submit(_load_index, self.index_key, self._index, self.screener.threshold, workers=[a],
                               allow_other_workers=False, pure=False) for a in addresses]
        timings = client.gather(loads)
        self.index_seconds = max(t[0] for t in timings)
        self.warm_seconds = max(t[1] for t in timings)
        self.workers = len(addresses)
        self.ship = ship
        self.ship_seconds = time.perf_counter() - started

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = self._index = None

    def map(self, job: Job, partitions: Iterator[Partition]) -> Iterator[PartResult]:
        distributed = _distributed()
        client = self._client
        running = distributed.as_completed()

        def submit() -> bool:
            partition = next(partitions, None)
            if partition is None:
                return False
            running.add(client.submit(_screen, self.index_key, self._index, job, partition, pure=False))
            return True

        for _ in range(max(1, self.workers) * WINDOW_PER_WORKER):
            if not submit():
                break
        for future in running:
            result: PartResult = future.result()
            future.release()
            submit()
            yield result
