"""Run the benchmarks: ``python -m bench [NAME|GROUP...] [--quick]`` (``make bench``).

Every module ``bench/bench_*.py`` is a benchmark: it defines ``NAME`` (what to type to run it
alone), ``ORDER`` (its place in BENCHMARKS.md) and ``run(ctx) -> Section``, and may name a
``GROUP`` it belongs to (``python -m bench matching`` runs the five benchmarks of the matcher:
pair accuracy, recall, false positives, cross-script recall and speed). Adding one touches no
other file. Each run writes ``bench/results/<NAME>.md`` (with the command, the machine and its
load) and rebuilds ``BENCHMARKS.md`` from all result files.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import subprocess
import sys
import time
from types import ModuleType

from bench.common import BENCH, RESULTS, ROOT, Context, load_average, machine

HEADER = """# Benchmarks

Produced by `python -m bench` (`make bench`); every figure below was measured by the run named
under its section, none is typed in. Each section says the command, the machine, its load when
the run began and ended (the machine is shared: timings are noisy), and the git commit.

"""


def discover() -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules([str(BENCH)]):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            modules[module.NAME] = module
    return dict(sorted(modules.items(), key=lambda item: item[1].ORDER))


def groups(modules: dict[str, ModuleType]) -> dict[str, list[str]]:
    """Each group's benchmarks, in their order."""
    found: dict[str, list[str]] = {}
    for name, module in modules.items():
        group = getattr(module, "GROUP", None)
        if group:
            found.setdefault(group, []).append(name)
    return found


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    # The result files a run writes are not "uncommitted changes" of the code that was measured.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results",
                            ":!BENCHMARKS.md"], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def rebuild_document() -> None:
    order = {name: module.ORDER for name, module in discover().items()}
    parts = [HEADER]
    for path in sorted(RESULTS.glob("*.md"), key=lambda p: (order.get(p.stem, 999), p.stem)):
        parts.append(path.read_text().strip() + "\n\n")
    (ROOT / "BENCHMARKS.md").write_text("".join(parts).rstrip() + "\n")


def main(argv: list[str] | None = None) -> int:
    modules = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    grouped = groups(modules)
    described = ", ".join(f"{group} ({' '.join(names)})" for group, names in grouped.items())
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all): {', '.join(modules)}; or groups of them: {described}")
    parser.add_argument("--quick", action="store_true", help="a small sample of each benchmark (smoke test)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in modules and n not in grouped]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join([*modules, *grouped])}")
    chosen = [name for n in args.names for name in grouped.get(n, [n])]
    ctx = Context(quick=args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(chosen) or list(modules):
        command = "python -m bench " + name + (" --quick" if args.quick else "")
        load_before = load_average()
        started = time.time()
        section = modules[name].run(ctx)
        minutes = (time.time() - started) / 60
        header = (
            f"## {section.title}\n\n"
            f"Command: `{command}` · run {time.strftime('%Y-%m-%d %H:%M %Z')} in {minutes:.1f} min · "
            f"commit {_commit()}  \nMachine: {machine()} · load average (1/5/15 min) {load_before} at start, "
            f"{load_average()} at end\n\n"
        )
        text = header + "\n\n".join(section.markdown) + "\n"
        if args.quick:
            ctx.log(f"{name}: quick run, results not written")
            continue
        (RESULTS / f"{name}.md").write_text(text)
    if not args.quick:
        rebuild_document()
    return 0


if __name__ == "__main__":
    sys.exit(main())
