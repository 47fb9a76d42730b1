"""The service benchmarks' machinery, run small (``--quick``): they must work before their figures
can mean anything."""

from __future__ import annotations

import pytest
from bench import bench_load, bench_rescreen
from bench.common import Context

pytestmark = pytest.mark.realdata


def test_load_bench_runs_against_a_real_server() -> None:
    section = bench_load.run(Context(quick=True))
    figures = section.figures
    assert figures["requests"] > 0 and figures["errors"] == 0 and figures["chain_ok"] is True
    assert figures["stored"] == figures["requests"]  # every screening answered was stored
    assert "| errors | 0 |" in "\n".join(section.markdown)


def test_rescreen_bench_runs() -> None:
    section = bench_rescreen.run(Context(quick=True))
    rows = section.figures["rows"]
    assert [row[:3] for row in rows] == [("300", "5", "30"), ("300", "20", "30"), ("300", "whole list", "30")]
    assert "| 300 | 5 | 30 |" in "\n".join(section.markdown)
