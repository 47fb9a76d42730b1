"""Policy check latency: ``Engine.check`` on a 10-party transaction with real lists loaded, and the
whole ``clearance check`` command as a user runs it.

    python -m bench.bench_policy [--db FILE] [--runs 50] [--cli-runs 3] [--lists PATH ...]

The store is made warm first (the lists ingested, the screening index built and cached, the pack
subjects stored), so the numbers are those of a running system, not of a first start. Results go
to ``bench/results/bench_policy.json`` and to the ``bench_policy`` section of ``BENCHMARKS.md``.
Exit status 1 when the ``Engine.check`` median is not under the 200 ms budget.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRANSACTION = Path(__file__).resolve().parent / "data" / "policy_10_parties.json"
RESULTS = Path(__file__).resolve().parent / "results" / "bench_policy.json"
BENCHMARKS = ROOT / "BENCHMARKS.md"
BUDGET_MS = 200.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(values_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "p50_ms": round(statistics.median(values_ms), 1),
        "p95_ms": round(_percentile(values_ms, 0.95), 1),
        "p99_ms": round(_percentile(values_ms, 0.99), 1),
        "max_ms": round(max(values_ms), 1),
    }


def _default_lists() -> list[str]:
    data = Path(os.environ.get("CLEARANCE_TEST_DATA") or ROOT.parent / "shared" / "data")
    wanted = [data / "ofac_sdn", data / "un_consolidated" / "consolidated.xml"]
    return [str(p) for p in wanted if p.exists()]


def _machine() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _write_section(body: str) -> None:
    start, end = "<!-- bench_policy:start -->", "<!-- bench_policy:end -->"
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    section = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_policy", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=str(ROOT / "bench" / ".work" / "policy.db"), help="SQLite file to use")
    parser.add_argument("--runs", type=int, default=50, help="timed Engine.check calls")
    parser.add_argument("--cli-runs", type=int, default=3, help="timed clearance check processes (0: skip)")
    parser.add_argument("--lists", nargs="*", default=None, help="list files to ingest (default: OFAC SDN, UN)")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md and results")
    args = parser.parse_args(argv)

    from clearance.engine import Engine  # imported here so that --help stays fast

    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    transaction: dict[str, Any] = json.loads(TRANSACTION.read_text(encoding="utf-8"))
    lists = args.lists if args.lists is not None else _default_lists()
    warm: dict[str, float] = {}
    with Engine(args.db) as engine:
        started = time.perf_counter()
        engine.ingest(lists)
        warm["ingest_s"] = time.perf_counter() - started
        started = time.perf_counter()
        engine.policy()
        engine.screener()
        warm["index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        first = engine.check(transaction)
        warm["first_check_s"] = time.perf_counter() - started
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            engine.check(transaction)
            timings.append((time.perf_counter() - started) * 1000)
        loaded = [f"{v.source} {v.label} ({v.entities:,} entities)" for v in engine.lists()]
    check = _summary(timings)

    cli: dict[str, Any] = {}
    if args.cli_runs:
        command = [sys.executable, "-m", "clearance", "check", str(TRANSACTION), "--json", "--db", args.db]
        walls = []
        for _ in range(args.cli_runs):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            walls.append((time.perf_counter() - started) * 1000)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 2
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import clearance.engine"], check=True)
        import_ms = (time.perf_counter() - started) * 1000
        cli = {**_summary(walls), "python_import_ms": round(import_ms, 1)}

    outcomes = {j: v.outcome.value for j, v in first.verdicts.items()}
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "command": "python -m bench.bench_policy " + " ".join(argv if argv is not None else sys.argv[1:]),
        "transaction": str(TRANSACTION.relative_to(ROOT)),
        "parties": len(transaction["parties"]),
        "lists": loaded,
        "warm_up": {k: round(v, 2) for k, v in warm.items()},
        "engine_check": check,
        "cli_check": cli,
        "outcomes": outcomes,
        "budget_ms": BUDGET_MS,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        lines = [
            "## Policy check latency (`bench/bench_policy.py`)",
            "",
            f"Measured {result['date']} on {result['machine']} (shared with other jobs: expect noise).",
            f"Command: `{result['command']}`. Transaction: `{result['transaction']}` "
            f"({result['parties']} parties, 2 owners, an aircraft, one item).",
            "Lists loaded: " + "; ".join(loaded) + ".",
            "",
            "| measure | n | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|",
            f"| `Engine.check`, warm engine | {check['n']} | {check['p50_ms']} | {check['p95_ms']} | "
            f"{check['p99_ms']} | {check['max_ms']} |",
        ]
        if cli:
            lines.append(f"| whole `clearance check --json` process | {cli['n']} | {cli['p50_ms']} | {cli['p95_ms']} | "
                         f"{cli['p99_ms']} | {cli['max_ms']} |")
            lines += ["", f"A bare `import clearance.engine` takes {cli['python_import_ms']} ms. The process also "
                      "loads the cached screening index and pays the first-use cost of the name analysis."]
        lines += ["", f"Warm-up (not in the figures): ingest {warm['ingest_s']:.1f} s, index and packs "
                  f"{warm['index_s']:.1f} s, first check {warm['first_check_s']:.1f} s. Budget: Engine.check p50 "
                  f"under {BUDGET_MS:.0f} ms."]
        _write_section("\n".join(lines))
    return 0 if check["p50_ms"] < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
