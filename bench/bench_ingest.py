"""Ingest benchmark: the full OFAC SDN CSV set and the UN XML, each into a fresh SQLite file.

Each run is the real command line (``python -m clearance ingest``) in its own process, so the
wall time includes start-up and the peak RSS is that process's own (``os.wait4``'s rusage).
Several repetitions; the median is reported, with the machine and its load at the time, and the
table is written into BENCHMARKS.md between this benchmark's markers.

    python -m bench.bench_ingest [--repeat 5] [--data ../shared/data] [--no-write]

Target (issue 2): the SDN set in under 10 s and under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (label, path under the data folder, source id); the SDN set is a folder of sdn/add/alt.csv.
CASES = (
    ("OFAC SDN CSV set (2023-12)", "ofac_sdn", "us-ofac-sdn"),
    ("UN SC consolidated XML", "un_consolidated/consolidated.xml", "un-sc"),
)
TARGET = {"us-ofac-sdn": (10.0, 500.0)}  # seconds, MB
START = "<!-- bench_ingest:start -->"
END = "<!-- bench_ingest:end -->"


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


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = next(int(line.split()[1]) for line in meminfo.read_text().splitlines() if line.startswith("MemTotal"))
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": ram,
            "python": platform.python_version(), "system": f"{platform.system()} {platform.release()}"}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def report(results: dict[str, list[Run]], floors: list[tuple[float, float]], repeat: int, info: dict[str, str],
           loads: tuple[str, str], command: str) -> str:
    lines = [
        START,
        "## Ingest (`bench/bench_ingest.py`)",
        "",
        f"Command: `{command}`. Each run is `python -m clearance ingest PATH --source ID --db FRESH.db --json` "
        "in its own process; wall time from process start to exit (Python start-up and imports included), "
        "CPU time (user + system) and peak RSS of that process (`os.wait4` rusage), "
        "ingest time as the command reports it. "
        f"Median of {repeat} runs (min–max in brackets).",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, Python {info['python']}, "
        f"{info['system']}. Load average (1/5/15 min) before: {loads[0]}; after: {loads[1]}. "
        "The machine is shared, so the figures are noisy.",
        "",
        "| list | entities | wall s | CPU s | ingest s | peak RSS MB | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for label, _path, source in CASES:
        runs = results.get(source)
        if not runs:
            continue
        wall = [r.wall for r in runs]
        cpu = [r.cpu for r in runs]
        ingest = [r.ingest for r in runs]
        rss = [r.peak_mb for r in runs]
        target = TARGET.get(source)
        goal, met = "", ""
        if target:
            goal = f"< {target[0]:g} s, < {target[1]:g} MB"
            met = "yes" if statistics.median(wall) < target[0] and max(rss) < target[1] else "**no**"
            if met != "yes" and statistics.median(cpu) < target[0] and max(rss) < target[1]:
                met = "**no** (wall); yes in CPU time"
        lines.append(
            f"| {label} | {runs[0].entities:,} | {statistics.median(wall):.2f} ({min(wall):.2f}–{max(wall):.2f}) "
            f"| {statistics.median(cpu):.2f} ({min(cpu):.2f}–{max(cpu):.2f}) "
            f"| {statistics.median(ingest):.2f} ({min(ingest):.2f}–{max(ingest):.2f}) "
            f"| {statistics.median(rss):.0f} ({min(rss):.0f}–{max(rss):.0f}) | {goal} | {met} |"
        )
    if floors:
        walls, cpus = [f[0] for f in floors], [f[1] for f in floors]
        lines += ["", f"Fixed cost in every run (start-up, imports, first country lookup, which builds rigour's "
                  f"territory-name index): median {statistics.median(walls):.2f} s wall, "
                  f"{statistics.median(cpus):.2f} s CPU (`python -c \"{FLOOR}\"`)."]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(benchmarks: Path, section: str) -> None:
    """Replace this benchmark's section of BENCHMARKS.md (or add it), leaving the others alone."""
    text = benchmarks.read_text(encoding="utf-8") if benchmarks.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    benchmarks.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ingest", description=__doc__.split("\n")[0])
    default_data = os.environ.get("CLEARANCE_TEST_DATA") or str(ROOT.parent / "shared" / "data")
    parser.add_argument("--data", default=default_data, help="folder of the real list files (../shared/data)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per list (median reported)")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"), help="file to write the table into")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    data = Path(args.data)
    missing = [str(data / rel) for _label, rel, _source in CASES if not (data / rel).exists()]
    if missing:
        print(f"bench_ingest: missing list files: {', '.join(missing)}", file=sys.stderr)
        return 2
    before = load()
    results: dict[str, list[Run]] = {}
    floors = [floor_once() for _ in range(args.repeat)]
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
        for label, rel, source in CASES:
            for i in range(args.repeat):
                run = run_once(data / rel, source, Path(tmp))
                results.setdefault(source, []).append(run)
                print(f"{label} run {i + 1}/{args.repeat}: {run.wall:.2f} s wall, {run.cpu:.2f} s CPU, "
                      f"{run.ingest:.2f} s ingest, "
                      f"{run.peak_mb:.0f} MB peak, {run.entities:,} entities", file=sys.stderr)
    command = "python -m bench.bench_ingest" + (f" --repeat {args.repeat}" if args.repeat != 5 else "")
    section = report(results, floors, args.repeat, machine(), (before, load()), command)
    print(section)
    if not args.no_write:
        write_section(Path(args.output), section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
