"""An ingest killed halfway (SIGKILL) leaves the previous version intact and usable, on either backend."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from clearance.engine import Engine
from clearance.errors import NotFoundError
from databases import is_url, raw_connection
from store_state import store_snapshot

ROWS = 40_000
COLUMNS = ["id", "type", "name", "aliases", "birth_date", "country", "identifiers", "programs", "remarks"]


def write_list(path: Path, rows: int, marker: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(rows):
            out.writerow([f"row-{i}", "person", f"Person {i} Testov", f"Alias {i};Другой {i}", "1970-01-02", "RU",
                          f"passport:P{i:08d}", "RUSSIA-EO14024", f"{marker} remark {i} " + "x" * 60])


def written_bytes(db: str) -> Callable[[], int]:
    """How much an ingest in progress has written, uncommitted: the SQLite write-ahead log's size,
    or how much the PostgreSQL database grew since this was called."""
    if not is_url(db):
        wal = Path(db + "-wal")
        return lambda: wal.stat().st_size if wal.exists() else 0

    def size() -> int:
        with raw_connection(db) as raw:
            return int(raw.execute("SELECT pg_database_size(current_database())").fetchone()[0])

    start = size()
    return lambda: size() - start


def wait_until_writing(written: Callable[[], int], proc: subprocess.Popen[bytes], min_bytes: int,
                       timeout: float) -> int:
    """Block until the ingest's uncommitted rows reach the disk (it is really writing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        size = written()
        if size >= min_bytes:
            return size
        assert proc.poll() is None, "the ingest ended before it could be killed"
        time.sleep(0.01)
    raise AssertionError(f"the ingest wrote less than {min_bytes} bytes in {timeout} s")


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigkill_during_ingest_keeps_previous_version(tmp_path: Path, db_path: str) -> None:
    old_list, big_list = tmp_path / "old.csv", tmp_path / "big.csv"
    write_list(old_list, 500, "old")
    write_list(big_list, ROWS, "new")
    with Engine(db_path) as engine:
        previous = engine.ingest([old_list], source="custom:big")[0].version
    before = store_snapshot(db_path)
    written = written_bytes(db_path)

    proc = subprocess.Popen([sys.executable, "-m", "clearance", "ingest", str(big_list), "--source", "custom:big",
                             "--db", db_path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        written_bytes_at_kill = wait_until_writing(written, proc, 4 << 20, timeout=90)
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    assert written_bytes_at_kill >= 4 << 20

    if not is_url(db_path):
        with raw_connection(db_path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert store_snapshot(db_path) == before
    with Engine(db_path) as engine:
        (latest,) = engine.lists()
        assert latest == previous and latest.entities == 500
        diff = engine.diff("custom:big")
        assert len(diff.added) == 500 and diff.from_version is None
        view = engine.entity("custom:big:row-7")
        assert view.in_latest and view.entity.remarks is not None and view.entity.remarks.startswith("old remark 7")
        with pytest.raises(NotFoundError, match="row-499999"):
            engine.entity("custom:big:row-499999")

        again = engine.ingest([big_list], source="custom:big")[0]
        assert again.created and again.version.entities == ROWS
        assert (again.added, again.removed, again.changed) == (ROWS - 500, 0, 500)
        assert engine.entity("custom:big:row-7").entity.remarks == "new remark 7 " + "x" * 60
