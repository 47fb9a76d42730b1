"""Benchmark: ingest the full OFAC SDN CSV set and the UN XML, each into a fresh SQLite file.

Each run is the real command line (``python -m clearance ingest``) in its own process, so the
wall time includes start-up and the CPU time and peak RSS are that process's own (``os.wait4``'s
rusage, not ``RUSAGE_CHILDREN``'s maximum over all children). Five repetitions (one with
``--quick``); the median is reported with the range. The runner (``python -m bench``) adds the
command, the machine and its load, and writes BENCHMARKS.md.

    python -m bench ingest          (or: python -m bench.bench_ingest)

Target (issue 2): the SDN set in under 10 s and under 500 MB.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Context, Section

NAME = "ingest"
ORDER = 10
TITLE = "Ingest: the OFAC SDN CSV set and the UN XML into a fresh SQLite file"
REPEAT = 5
# (label, path under the data folder, source id); the SDN set is a folder of sdn/add/alt.csv.
CASES = (
    ("OFAC SDN CSV set (2023-12)", "ofac_sdn", "us-ofac-sdn"),
    ("UN SC consolidated XML", "un_consolidated/consolidated.xml", "un-sc"),
)
TARGET = {"us-ofac-sdn": (10.0, 500.0)}  # seconds, MB


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, process start to exit
    cpu: float  # user + system CPU seconds of the process: less sensitive to a busy machine
    ingest: float  # seconds inside the ingest, as the command reports it
    peak_mb: float  # the process's peak resident set size
    entities: int


def run_once(path: Path, source: str, folder: Path) -> Run:
    db = folder / f"{source}-{time.monotonic_ns()}.db"
    cmd = [sys.executable, "-m", "clearance", "ingest", str(path), "--source", source, "--db", str(db), "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, "COLUMNS": "200"})
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, unlike RUSAGE_CHILDREN
        wall = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err.read().decode(errors='replace')}")
        out.seek(0)
        [result] = json.loads(out.read())
    for leftover in folder.glob(db.name + "*"):
        leftover.unlink()
    # ru_maxrss is in kibibytes on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, float(result["seconds"]), usage.ru_maxrss / 1024, int(result["entities"]))


# The fixed cost every ingest process pays before its first entity: interpreter, imports, and the
# first country-name lookup (rigour builds its territory-name index then).
FLOOR = ("from clearance.cli import cli; from clearance.model.countries import to_country_code; "
         "to_country_code('Burma')")


def floor_once() -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", FLOOR])
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def _range(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def run(ctx: Context) -> Section:
    repeat = 1 if ctx.quick else REPEAT
    paths = {source: ctx.path(rel) for _label, rel, source in CASES}
    section = Section(TITLE)
    floors = [floor_once() for _ in range(repeat)]
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
        for label, _rel, source in CASES:
            for i in range(repeat):
                one = run_once(paths[source], source, Path(tmp))
                results.setdefault(source, []).append(one)
                ctx.log(f"{label} run {i + 1}/{repeat}: {one.wall:.2f} s wall, {one.cpu:.2f} s CPU, "
                        f"{one.ingest:.2f} s ingest, {one.peak_mb:.0f} MB peak, {one.entities:,} entities")
    section.add(
        "Each run is `python -m clearance ingest PATH --source ID --db FRESH.db --json` in its own process: "
        "wall time from process start to exit (Python start-up and imports included), CPU time (user + "
        "system) and peak RSS of that process (`os.wait4` rusage), ingest time as the command reports it. "
        f"Median of {repeat} run(s), min–max in brackets. The machine is shared: wall times are noisy, "
        "CPU times less so."
    )
    rows = ["| list | entities | wall s | CPU s | ingest s | peak RSS MB | target | met |",
            "|---|---:|---:|---:|---:|---:|---|---|"]
    for label, _rel, source in CASES:
        runs = results[source]
        wall, cpu = [r.wall for r in runs], [r.cpu for r in runs]
        rss = [r.peak_mb for r in runs]
        goal = met = ""
        if source in TARGET:
            seconds, megabytes = TARGET[source]
            goal = f"< {seconds:g} s, < {megabytes:g} MB"
            met = "yes" if statistics.median(wall) < seconds and max(rss) < megabytes else "**no**"
            if met != "yes" and statistics.median(cpu) < seconds and max(rss) < megabytes:
                met = "**no** in wall time; yes in CPU time"
            section.figures[source] = {"wall_s": statistics.median(wall), "cpu_s": statistics.median(cpu),
                                       "peak_mb": max(rss), "met": met == "yes"}
        rows.append(f"| {label} | {runs[0].entities:,} | {_range(wall, 2)} | {_range(cpu, 2)} "
                    f"| {_range([r.ingest for r in runs], 2)} | {_range(rss, 0)} | {goal} | {met} |")
    section.add("\n".join(rows))
    walls, cpus = [f[0] for f in floors], [f[1] for f in floors]
    section.add(f"Fixed cost in every run — start-up, imports and the first country lookup, which builds "
                f"rigour's territory-name index: median {statistics.median(walls):.2f} s wall, "
                f"{statistics.median(cpus):.2f} s CPU (`python -c \"{FLOOR}\"`).")
    return section


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_ingest [--quick]``: this benchmark alone, through the runner."""
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks([NAME, *(argv or [])])


if __name__ == "__main__":
    sys.exit(main())
