"""Policy check latency: ``Engine.check`` on a 10-party transaction with real lists loaded, and the
whole ``clearance check`` command as a user runs it (``python -m bench policy``).

The store is warm first (lists ingested, screening index built and cached, pack subjects
stored), so the ``Engine.check`` figures are those of a running system; the CLI figures are a
fresh process each time, start-up included. Budget: ``Engine.check`` p50 under 200 ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Context, Section, table
from clearance.engine import Engine

NAME = "policy"
ORDER = 20
TITLE = "Policy check latency: a 10-party transaction"
TRANSACTION = Path(__file__).resolve().parent / "data" / "policy_10_parties.json"
LISTS = ("ofac_sdn", "un_consolidated/consolidated.xml")
BUDGET_MS = 200.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _row(label: str, values_ms: list[float]) -> list[Any]:
    return [label, len(values_ms), f"{statistics.median(values_ms):.1f}", f"{_percentile(values_ms, 0.95):.1f}",
            f"{_percentile(values_ms, 0.99):.1f}", f"{max(values_ms):.1f}"]


def run(ctx: Context) -> Section:
    runs, cli_runs = (10, 1) if ctx.quick else (100, 3)
    section = Section(TITLE)
    db, loaded = ctx.store("policy", [ctx.path(p) for p in LISTS])
    transaction: dict[str, Any] = json.loads(TRANSACTION.read_text(encoding="utf-8"))
    with Engine(db) as engine:
        started = time.perf_counter()
        engine.policy()
        engine.screener()
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        first = engine.check(transaction)
        first_s = time.perf_counter() - started
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            engine.check(transaction)
            timings.append((time.perf_counter() - started) * 1000)
        versions = [f"{v.source} {v.label} ({v.entities:,})" for v in engine.lists()]
    ctx.log(f"Engine.check p50 {statistics.median(timings):.1f} ms over {runs} runs")

    command = [sys.executable, "-m", "clearance", "check", str(TRANSACTION), "--json", "--db", db]
    walls = []
    for _ in range(cli_runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        walls.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"clearance check failed: {done.stderr}")

    section.add(f"Transaction `bench/data/{TRANSACTION.name}`: {len(transaction['parties'])} parties, owners, an "
                f"aircraft, an item. Lists: {', '.join(loaded)}; store versions: {'; '.join(versions)}. "
                f"Warm-up before timing (not in the figures): packs and index {warm_s:.1f} s, first check "
                f"{first_s:.1f} s.")
    table(section, ctx.console, "Latency (ms)", ["measure", "n", "p50", "p95", "p99", "max"],
          [_row("`Engine.check`, warm engine", timings), _row("whole `clearance check --json` process", walls)])
    p50 = statistics.median(timings)
    met = "yes" if p50 < BUDGET_MS else "**no**"
    section.add(f"Outcomes: {', '.join(f'{j} {v.outcome.value}' for j, v in first.verdicts.items())}. "
                f"Budget `Engine.check` p50 < {BUDGET_MS:.0f} ms: {met}.")
    section.figures.update({"engine_check_p50_ms": p50, "cli_p50_ms": statistics.median(walls),
                            "met": p50 < BUDGET_MS})
    return section


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_policy [--quick]``: this benchmark alone, through the runner."""
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks([NAME, *(argv or [])])


if __name__ == "__main__":
    sys.exit(main())
