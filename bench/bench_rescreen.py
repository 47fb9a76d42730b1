"""Re-screening cost: after each list change, the monitored counterparties are screened against
the entities that changed — so the time should follow the size of the change, not of the list.

For each list size N (a custom list of N persons, names from the yente benchmark's synthetic
negatives) and each change size C, new versions amending C entities are ingested and the
re-screening that follows each is timed (its own record: ``RescreenRun.seconds``, which covers
reading the changed entities, indexing them, screening every counterparty, storing hits and
alerts). For contrast, the same counterparties screened against the whole list.
``--quick``: one small size, two small changes, 30 counterparties, one version each.

    python -m bench rescreen        (or: python -m bench.bench_rescreen)
"""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Context, Section
from clearance.decisions import Counterparty
from clearance.engine import Engine

NAME = "rescreen"
ORDER = 70
TITLE = "Re-screening monitored counterparties after a list change"


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]  # list sizes N
    changes: tuple[int, ...]  # entities amended per version C
    counterparties: int
    repeat: int  # versions per (N, C); the median is shown


FULL = Plan((5_000, 20_000, 50_000), (10, 100, 1_000), 1_000, 5)
QUICK = Plan((300,), (5, 20), 30, 1)

COLUMNS = ["id", "type", "name", "aliases", "birth_date", "country", "identifiers", "programs", "remarks"]


def _rows(ctx: Context, file: str) -> list[dict[str, str]]:
    with ctx.path(f"opensanctions_yente_screening_bench/{file}").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_list(path: Path, people: list[dict[str, str]], amended: dict[int, str]) -> Path:
    """The list with each entity's remarks naming the version that last amended it."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n, row in enumerate(people):
            remarks = f"amended in {amended[n]}" if n in amended else ""
            writer.writerow([f"e{n}", "person", row["full_name"], "", row["date_of_birth"], row["nationality"],
                             f"passport:P{n:07d}", "TEST", remarks])
    return path


def add_counterparties(engine: Engine, people: list[dict[str, str]], listed: list[dict[str, str]]) -> None:
    """Monitored counterparties, stored without screening (the list is screened by the runs timed).
    One in fifty carries the name of a listed person, so re-screening has hits to store."""
    with engine.audit.transaction() as conn:
        for n, row in enumerate(people):
            name = listed[(n * 37) % len(listed)]["full_name"] if n % 50 == 0 else row["full_name"]
            cp = Counterparty.from_input(f"CP{n:05d}", {"name": name, "type": "person"})
            engine.counterparties.put(conn, cp, actor="bench_rescreen")


def last_run(engine: Engine) -> dict[str, object]:
    return engine.audit.events(limit=1, kind="rescreen")[0].payload


def run_size(ctx: Context, size: int, changes: tuple[int, ...], counterparties: int, repeat: int, workdir: Path,
             people: list[dict[str, str]], customers: list[dict[str, str]]) -> list[tuple[object, ...]]:
    listed = people[:size]
    rows: list[tuple[object, ...]] = []
    with Engine(str(workdir / f"rescreen-{size}.db")) as engine:
        amended: dict[int, str] = {}
        engine.ingest([write_list(workdir / "v0.csv", listed, amended)], source="custom:bench",
                      actor="bench_rescreen")
        add_counterparties(engine, customers[:counterparties], listed)
        # The first analysis in a process loads the name-analysis data (a server does it at start-up,
        # before /readyz): a one-entity list takes that cost out of the runs timed below.
        warmup = workdir / "warmup.csv"
        write_list(warmup, people[-1:], {})
        engine.ingest([warmup], source="custom:warmup", actor="bench_rescreen")
        step = 0
        for change in changes:
            seconds, totals, hits, alerts = [], [], 0, 0
            for rep in range(repeat):
                step += 1
                stride = max(1, size // change)
                changed = {(i + rep) % size for i in range(0, size, stride)}
                changed = set(sorted(changed)[:change])
                amended.update({n: f"v{step}" for n in changed})
                began = time.perf_counter()
                [result] = engine.ingest([write_list(workdir / f"v{step}.csv", listed, amended)],
                                         source="custom:bench", actor="bench_rescreen")
                totals.append(time.perf_counter() - began)
                run = last_run(engine)
                assert run["entities"] == result.changed == len(changed), (result, run)
                seconds.append(float(str(run["seconds"])))
                hits, alerts = int(str(run["hits"])), alerts + int(str(run["alerts"]))
            rows.append((f"{size:,}", f"{change:,}", f"{counterparties:,}", hits, alerts,
                         f"{statistics.median(seconds):.3f}", f"{statistics.median(totals):.2f}"))
            ctx.log(f"rescreen {rows[-1]}")
        began = time.perf_counter()
        engine.warm()
        build = time.perf_counter() - began
        monitored = engine.counterparties.find(monitored_only=True)
        began = time.perf_counter()
        hits = sum(1 for cp in monitored if engine.screen(cp.to_query(), limit=10).matches)
        full = time.perf_counter() - began
        rows.append((f"{size:,}", "whole list", f"{counterparties:,}", hits, "", f"{full:.3f}",
                     f"+ {build:.1f} index build"))
        ctx.log(f"rescreen {rows[-1]}")
    return rows


def run(ctx: Context) -> Section:
    plan = QUICK if ctx.quick else FULL
    sizes, changes, counterparties, repeat = plan.sizes, plan.changes, plan.counterparties, plan.repeat
    people, customers = _rows(ctx, "negatives_global.csv"), _rows(ctx, "negatives_us.csv")
    rows: list[tuple[object, ...]] = []
    with tempfile.TemporaryDirectory(prefix="clearance-rescreen-") as tmp:
        for size in sizes:
            rows += run_size(ctx, size, changes, counterparties, repeat, Path(tmp), people, customers)
    section = Section(TITLE)
    section.figures = {"rows": rows}
    section.add(
        f"SQLite store. A custom list of N persons (names, birth dates and nationalities from the yente "
        f"benchmark's synthetic negatives, a passport number each); each new version amends C of them (their "
        f"records change; {repeat} version(s) per change size, the median shown). After each ingest, the "
        f"{counterparties:,} monitored counterparties (synthetic customers; one in fifty named like a listed "
        "person) are re-screened against the changed entities only. \"re-screen s\" is the run's own record "
        "(read the changed entities, index them, screen every counterparty, store hits and alerts, audit); "
        "\"ingest + re-screen s\" adds parsing and storing the whole new version, which grows with the list. "
        "The \"whole list\" rows screen the same counterparties against every entity instead (the screening "
        "index already built; its build time after the +). Expected: re-screening time follows C and stays "
        "flat across N; the whole-list screening grows with N."
    )
    header = ["list size N", "entities amended C", "counterparties", "counterparties hit (last run)",
              "alerts opened (all runs)", "re-screen s (median)", "ingest + re-screen s (median)"]
    section.add("\n".join(["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
                          + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]))
    return section


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_rescreen [--quick]``: this benchmark alone, through the runner."""
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks([NAME, *(argv or [])])


if __name__ == "__main__":
    raise SystemExit(main())
