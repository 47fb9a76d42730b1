"""The service benchmarks' machinery, run small: they must work before their figures can mean anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import bench_load, bench_rescreen

from clearance.engine import Engine

pytestmark = pytest.mark.realdata


def test_load_bench_runs_against_a_real_server(tmp_path: Path, fixtures: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "small.db")
    with Engine(db) as engine:
        engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    assert bench_load.main(["--db", db, "--clients", "3", "--seconds", "3", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "| errors | 0 |" in out and "| audit chain after the run | verifies |" in out
    completed = int(out.split("| requests completed | ")[1].split(" |")[0].replace(",", ""))
    with Engine(db) as engine:
        assert completed > 0
        assert len(engine.records.screenings(limit=100_000)) == completed  # every request was stored


def test_rescreen_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_rescreen.main(["--sizes", "300", "--changes", "5,20", "--counterparties", "30", "--no-write"]) == 0
    table = capsys.readouterr().out
    assert "| 300 | 5 | 30 |" in table and "| 300 | 20 | 30 |" in table and "whole list" in table
