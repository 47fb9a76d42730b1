"""screen-file on a local Dask cluster against a real list: byte for byte the single-process
results, in every output format, and a killed Dask run resumes to the same file."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance.batch import run_folder
from clearance.engine import Engine
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date

pytest.importorskip("distributed")
# The runs use their own SQLite file: the store under test plays no part.
pytestmark = [pytest.mark.realdata, pytest.mark.slow, pytest.mark.store_independent]

ROWS = 3000
BENCH = "opensanctions_yente_screening_bench"


@pytest.fixture(scope="module")
def sdn_db(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = str(tmp_path_factory.mktemp("sdn") / "clearance.db")
    with Engine(db) as engine:
        engine.ingest([data_dir / "ofac_sdn"])
        engine.screener()  # the index cache file the workers load
    yield db


@pytest.fixture(scope="module")
def customers(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic negatives and listed names (UN positives, many of them on the SDN list too)."""
    out = tmp_path_factory.mktemp("customers") / "customers.csv"
    rows = []
    for name, limit in (("negatives_global.csv", ROWS - 400), ("positives_un_untreated.csv", 400)):
        with (data_dir / BENCH / name).open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                if i == limit:
                    break
                born = row["date_of_birth"] if parse_partial_date(row["date_of_birth"]) else ""
                country = row["nationality"] if to_country_code(row["nationality"]) else ""
                rows.append([f"{name[:3]}-{i}", row["full_name"], "person", born, country])
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "type", "birth_date", "country"])
        writer.writerows(rows)
    return out


def screen_file(db: str, source: Path, out: Path, *options: str, timeout: float = 240) -> str:
    done = subprocess.run([sys.executable, "-m", "clearance", "screen-file", str(source), "--out", str(out),
                           "--partition-size", "250", *options], env={**os.environ, "CLEARANCE_DB": db},
                          capture_output=True, text=True, timeout=timeout, check=False)
    err = " ".join(done.stderr.split())
    assert done.returncode == 0, err
    return err


@pytest.mark.timeout(600)
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_dask_results_equal_single_process_results(sdn_db: str, customers: Path, tmp_path: Path,
                                                   suffix: str) -> None:
    single, on_dask = tmp_path / f"single{suffix}", tmp_path / f"dask{suffix}"
    screen_file(sdn_db, customers, single, "--workers", "1")
    err = screen_file(sdn_db, customers, on_dask, "--dask", "local:2")
    assert f"screened {ROWS:,} rows with 2 Dask workers (local cluster; index loaded from the cache file" in err
    assert on_dask.read_bytes() == single.read_bytes()
    if suffix == ".jsonl":
        assert sum('"match": true' in line for line in single.read_text(encoding="utf-8").splitlines()) > 100


@pytest.mark.timeout(600)
def test_killed_dask_run_resumes_to_the_same_results(sdn_db: str, customers: Path, tmp_path: Path) -> None:
    out, single = tmp_path / "out.jsonl", tmp_path / "single.jsonl"
    command = [sys.executable, "-m", "clearance", "screen-file", str(customers), "--out", str(out),
               "--partition-size", "250", "--dask", "local:2"]
    proc = subprocess.Popen(command, env={**os.environ, "CLEARANCE_DB": sdn_db}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = run_folder(out)
    try:
        deadline = time.monotonic() + 300
        while len(list(folder.glob("*.part"))) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its cluster's processes
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    kept = len(list(folder.glob("*.part")))
    assert 2 <= kept < ROWS // 250 and not out.exists()
    err = screen_file(sdn_db, customers, out, "--dask", "local:2")
    assert f"resuming the run in {folder}: {kept} finished partition(s)" in err
    screen_file(sdn_db, customers, single, "--workers", "1")
    assert out.read_bytes() == single.read_bytes()
