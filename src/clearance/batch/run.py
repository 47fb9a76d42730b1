"""A batch run over a query file: partitioned, checkpointed and resumable.

The input is split into partitions of a fixed number of rows. Each finished partition's results
go to a part file in a run folder next to the results file (``OUT.parts/``), written under a
temporary name and then renamed, so a part file that exists is complete. The folder's manifest
records what the parts depend on: the input file's digest, the results format, the threshold
and limit, the screening index (list versions and matching code) and the partition size. When
every partition is done, the parts are joined in input order into the results file (written
under a temporary name, then renamed) and the run folder is removed.

Run the same command again after an interruption (Ctrl-C, a killed process, a lost cluster) and
the finished partitions are kept, not screened again: the results file is byte for byte the one
an uninterrupted run writes. A run folder made with other options, another input or other list
versions is refused with a :class:`ConflictError` unless ``restart`` discards it. A lock on the
folder keeps two runs from writing it at once. Memory does not grow with the input: rows are
read as a stream and only a few partitions per worker are in flight.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from clearance.batch.partitions import Job, Partition, PartResult, split
from clearance.errors import ConflictError, QueryError
from clearance.model.screening import ListRef
from clearance.screening_io import count_rows, file_format, join_parts, read_rows

RUN_FORMAT = 1  # bump when the part files or the manifest change meaning
DEFAULT_PARTITION_ROWS = 2000  # seconds of work for one core: little lost to a crash, little overhead
MANIFEST = "manifest.json"

Notice = Callable[[str], None]
Progress = Callable[[int, int | None], None]  # (rows done, rows in the input if known)


class Executor(Protocol):
    """Somewhere partitions are screened: this machine's processes or a Dask cluster."""

    workers: int
    description: str

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...

    def map(self, job: Job, partitions: Iterator[Partition]) -> Iterator[PartResult]:
        """The result of every partition, in any order."""
        ...


@dataclass(frozen=True)
class RunSpec:
    """What the results depend on besides the input file."""

    threshold: float
    limit: int
    partition_size: int
    index_key: str  # the screening index: list versions, matching code, versions of clearance and rigour
    lists: tuple[ListRef, ...]


@dataclass(frozen=True)
class BatchReport:
    out: Path
    rows: int  # rows in the results, resumed ones included
    matched: int  # rows with at least one match
    partitions: int
    resumed_partitions: int  # finished by an earlier, interrupted run
    resumed_rows: int
    workers: str  # where the partitions were screened
    seconds: float  # time of this run until every part was written, setup included
    setup_seconds: float  # starting the workers and giving them the index


def run_folder(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RunFolder:
    """The run folder of one results file: its manifest, its lock and its part files."""

    def __init__(self, path: Path, lock: IO[str]) -> None:
        self.path = path
        self._lock = lock

    @classmethod
    def open(cls, path: Path, manifest: dict[str, Any], *, restart: bool) -> RunFolder:
        """Open (and lock) the folder for a run described by ``manifest``: resume the parts of an
        earlier run of the same manifest, refuse those of another unless ``restart``."""
        path.mkdir(parents=True, exist_ok=True)
        lock = (path / ".lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise ConflictError(f"{path}: another screen-file run is writing these results; wait for it to "
                                "end") from None
        folder = cls(path, lock)
        earlier = folder._read_manifest()
        if earlier is not None and earlier != manifest and folder.finished() and not restart:
            lock.close()
            raise ConflictError(
                f"{path} holds {len(folder.finished())} finished partition(s) of a run that differs in "
                f"{_differences(earlier, manifest)}: they cannot be resumed. Run with --restart to discard "
                "them, or give another --out")
        if earlier != manifest or restart:
            folder._clear()
            _write_atomic(path / MANIFEST, json.dumps(manifest, indent=2).encode())
        for stray in path.glob("*.tmp"):  # a part being written when the last run was killed
            stray.unlink()
        return folder

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            data = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def finished(self) -> dict[int, tuple[int, int]]:
        """Finished partitions: number -> (rows, rows with a match)."""
        done: dict[int, tuple[int, int]] = {}
        for part in self.path.glob("*.part"):
            number, rows, matched = (int(x) for x in part.stem.split("-"))
            done[number] = (rows, matched)
        return done

    def write(self, result: PartResult) -> None:
        name = f"{result.number:07d}-{result.rows}-{result.matched}.part"
        _write_atomic(self.path / name, result.data)

    def parts(self) -> list[Path]:
        """The part files in input order."""
        return sorted(self.path.glob("*.part"), key=lambda part: int(part.stem.split("-")[0]))

    def _clear(self) -> None:
        for old in [*self.path.glob("*.part"), *self.path.glob("*.tmp"), self.path / MANIFEST]:
            old.unlink(missing_ok=True)

    def remove(self) -> None:
        self._clear()
        (self.path / ".lock").unlink(missing_ok=True)
        self.close()
        with contextlib.suppress(OSError):  # something else was put there: left alone
            self.path.rmdir()

    def close(self) -> None:
        self._lock.close()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _differences(earlier: dict[str, Any], now: dict[str, Any]) -> str:
    labels = {"input": "the input file's content", "index": "the list versions or the matching code",
              "lists": "the list versions"}
    found = []
    for key in sorted(set(earlier) | set(now)):
        if earlier.get(key) == now.get(key) or (key == "lists" and "index" in found):
            continue
        found.append(key)
    return "; ".join(labels.get(k) or f"{k} ({earlier.get(k)!r} then, {now.get(k)!r} now)" for k in found)


def run_file(input_path: Path, out: Path, spec: RunSpec, executor: Callable[[], Executor], *,
             restart: bool = False, progress: Progress | None = None, notice: Notice | None = None) -> BatchReport:
    """Screen every row of ``input_path`` into ``out``, resuming an interrupted run of the same
    command (see the module docstring). ``executor`` is called once the run folder is settled."""
    fmt = file_format(out, "--out")
    file_format(input_path, "input")
    manifest = {
        "run_format": RUN_FORMAT,
        "input": {"sha256": file_digest(input_path), "bytes": input_path.stat().st_size},
        "results_format": fmt,
        "threshold": spec.threshold,
        "limit": spec.limit,
        "partition_size": spec.partition_size,
        "index": spec.index_key,
        "lists": [f"{ref.source} {ref.version}" for ref in spec.lists],
    }
    folder = RunFolder.open(run_folder(out), manifest, restart=restart)
    try:
        return _run(input_path, out, spec, fmt, folder, executor, progress, notice)
    except QueryError:
        folder.remove()  # a bad row: the input must change, so nothing here could be resumed
        raise
    except BaseException:
        folder.close()
        if notice is not None:
            notice(f"interrupted: {len(folder.finished())} finished partition(s) kept in {folder.path}; run the "
                   "same command again to resume")
        raise


def _run(input_path: Path, out: Path, spec: RunSpec, fmt: str, folder: RunFolder, executor: Callable[[], Executor],
         progress: Progress | None, notice: Notice | None) -> BatchReport:
    done = folder.finished()
    resumed_rows = sum(rows for rows, _ in done.values())
    matched = sum(m for _, m in done.values())
    if done and notice is not None:
        notice(f"resuming the run in {folder.path}: {len(done)} finished partition(s) ({resumed_rows:,} rows) are "
               "not screened again")
    total = count_rows(input_path) if progress is not None else None
    rows = resumed_rows
    if progress is not None:
        progress(rows, total)
    job = Job(str(input_path), fmt, spec.threshold, spec.limit)
    todo = (p for p in split(read_rows(input_path), spec.partition_size) if p.number not in done)
    started = time.perf_counter()
    with executor() as pool:
        setup = time.perf_counter() - started
        workers = pool.description
        for result in pool.map(job, todo):
            folder.write(result)
            rows += result.rows
            matched += result.matched
            if progress is not None:
                progress(rows, total)
    seconds = time.perf_counter() - started
    parts = folder.parts()
    partial = out.with_name(out.name + ".partial")
    try:
        join_parts(fmt, parts, partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    folder.remove()
    return BatchReport(out, rows, matched, len(parts), len(done), resumed_rows, workers, seconds, setup)
