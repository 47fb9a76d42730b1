"""Benchmark 6: batch screening of synthetic customers on a local Dask cluster.

- Records: 1,000,000 synthetic customers (``--quick``: 20,000), made with Faker from a fixed
  seed in many locales (persons in their own script, some romanised; companies), about half with
  a birth date and half with a country. No name is taken from a list.
- Lists: every list of the data folder, as in the speed benchmark.
- ``Engine.screen_file`` (what ``clearance screen-file --dask local:N`` runs) with 2 Dask workers
  on all the records, and 1 worker on the first tenth of them, this process being the driver:
  records per second, peak resident memory of each worker process (sampled with psutil every
  half second), the driver's CPU time, the time to start the cluster and give the workers the
  index.
- Shipping the index: a worker loading the cache file itself, against the file's bytes scattered
  to it.
- A paper estimate of the cluster for 50 million records in one hour, from these figures.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
import threading
import time
from pathlib import Path

import psutil

from bench.common import WORK, Context, Section, table
from clearance import index_cache
from clearance.batch.cluster import DaskExecutor
from clearance.engine import Engine

NAME = "dask"
ORDER = 6
TITLE = "6. Batch screening on a Dask cluster (1,000,000 synthetic customers)"
RECORDS = 1_000_000
QUICK_RECORDS = 20_000
# One worker screens the first tenth of the same records: the whole million on one core would
# take over an hour on this shared machine. The 2-worker run's rate over that same tenth is
# taken from its progress, so the 1 -> 2 comparison is on identical input.
ONE_WORKER_SHARE = 10
SEED = 20240601
TARGET_RECORDS = 50_000_000
TARGET_SECONDS = 3600
CORES_PER_NODE = 16  # a common cloud machine, for the paper estimate
# Locales whose names Faker writes (region code = the customer's country when one is given).
LOCALES = ("en_US", "en_GB", "en_IN", "en_NG", "de_DE", "fr_FR", "es_ES", "es_MX", "pt_BR", "it_IT", "nl_NL",
           "pl_PL", "cs_CZ", "hu_HU", "ro_RO", "sv_SE", "fi_FI", "tr_TR", "el_GR", "ru_RU", "uk_UA", "bg_BG",
           "ka_GE", "hy_AM", "az_AZ", "ar_EG", "ar_SA", "fa_IR", "he_IL", "hi_IN", "bn_BD", "th_TH", "vi_VN",
           "id_ID", "fil_PH", "zh_CN", "zh_TW", "ja_JP", "ko_KR", "yo_NG", "zu_ZA", "sw")


def customers(records: int) -> Path:
    """The synthetic customer file (made once, then reused)."""
    from faker import Faker

    path = WORK / f"dask-customers-{records}-{SEED}.csv"
    if path.exists():
        return path
    rng = random.Random(SEED)
    fakers = []
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(SEED + i)
        fakers.append((locale, fake))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "type", "birth_date", "country"])
        for n in range(records):
            locale, fake = rng.choice(fakers)
            region = locale.partition("_")[2]
            if rng.random() < 0.15:
                name, kind, born = fake.company(), "company", ""
            else:
                romanised = locale in ("ja_JP", "zh_CN", "zh_TW") and rng.random() < 0.5
                name = fake.romanized_name() if romanised and hasattr(fake, "romanized_name") else fake.name()
                kind = "person" if rng.random() < 0.7 else ""
                born = ""
                if rng.random() < 0.5:
                    day = fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat()
                    born = day[:4] if rng.random() < 0.2 else day
            country = region if region and rng.random() < 0.5 else ""
            writer.writerow([f"c{n:07d}", name, kind, born, country])
    tmp.replace(path)
    return path


class MemorySampler:
    """Peak resident memory of this process and of each of its child processes."""

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}
        self.driver = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self.driver = max(self.driver, me.memory_info().rss)
            for child in me.children(recursive=True):
                try:
                    self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), child.memory_info().rss)
                except psutil.Error:
                    continue
            self._stop.wait(0.5)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def workers(self, count: int) -> list[int]:
        """The peaks of the ``count`` largest child processes (the workers; the others are helpers)."""
        return sorted(self.peaks.values(), reverse=True)[:count]


def _prefix(path: Path, records: int) -> Path:
    """A file of the first ``records`` records of ``path``."""
    out = path.with_name(f"{path.stem}-first-{records}.csv")
    with path.open(encoding="utf-8", newline="") as src, out.open("w", encoding="utf-8", newline="") as dst:
        for line in itertools.islice(src, records + 1):
            dst.write(line)
    return out


def run(ctx: Context) -> Section:
    section = Section(TITLE)
    db, loaded = ctx.all_lists()
    records = QUICK_RECORDS if ctx.quick else RECORDS
    started = time.perf_counter()
    source = customers(records)
    ctx.log(f"dask: {records:,} customers in {source.name} ({time.perf_counter() - started:.0f}s)")
    section.add(f"Lists loaded: {', '.join(loaded)}. Input: {records:,} synthetic customers (Faker, seed {SEED}, "
                f"{len(LOCALES)} locales; {source.stat().st_size / 1e6:,.0f} MB of CSV). Results: JSON lines, "
                "partitions of 2,000 rows.")
    with Engine(db) as engine:
        screener = engine.screener()
        key = index_cache.index_key(engine.lists())
        index_file = index_cache.index_path(engine.settings, key)
        size_mb = index_file.stat().st_size / 1e6

        ship_rows = []
        for ship in ("file", "bytes"):
            begun = time.perf_counter()
            with DaskExecutor("local:1", screener, key, index_file, ship=ship) as executor:
                total = time.perf_counter() - begun
                ship_rows.append((f"{'each worker loads the cache file' if ship == 'file' else 'bytes scattered'}",
                                  f"{total - executor.ship_seconds:.1f}", f"{executor.ship_seconds:.1f}",
                                  f"{executor.index_seconds:.1f}", f"{executor.warm_seconds:.1f}"))
        table(section, ctx.console, f"Giving a local worker the index ({size_mb:,.0f} MB cache file)",
              ["how", "cluster start s", "until the worker is ready s", "of which reading the index s",
               "of which rigour's name data s"], ship_rows,
              note="`--dask` loads the file when every worker sees it at the same path, else scatters its bytes.")

        rows = []
        figures: dict[int, dict[str, float]] = {}
        prefix = _prefix(source, records // ONE_WORKER_SHARE)
        first_tenth: list[float] = []
        for workers, file in ((1, prefix), (2, source)):
            out = WORK / f"dask-results-{workers}.jsonl"
            ctx.log(f"dask: {file.name} on {workers} worker(s)")
            cpu = psutil.Process().cpu_times()
            marks: list[tuple[float, int]] = []
            with MemorySampler() as memory:
                begun = time.perf_counter()
                report = engine.screen_file(
                    file, out, dask=f"local:{workers}", restart=True,
                    progress=lambda done, total, marks=marks: marks.append((time.perf_counter(), done)))
                wall = time.perf_counter() - begun
            used = psutil.Process().cpu_times()
            driver_cpu = (used.user - cpu.user) + (used.system - cpu.system)
            rate = report.rows / (report.seconds - report.setup_seconds)
            tenth = records // ONE_WORKER_SHARE
            start = begun + report.setup_seconds
            reached = next(t for t, done in marks if done >= tenth)
            first_tenth.append(tenth / (reached - start))  # screened in file order, a few partitions ahead
            peaks = memory.workers(workers)
            out_bytes = out.stat().st_size
            out.unlink()
            figures[workers] = {"rate": rate, "peak": max(peaks), "driver_cpu": driver_cpu, "wall": wall,
                                "bytes": out_bytes, "records": report.rows}
            rows.append((workers, f"{report.rows:,}", f"{report.matched:,}", f"{wall:,.0f}",
                         f"{report.setup_seconds:.1f}", f"{rate:,.0f}", f"{first_tenth[-1]:,.0f}",
                         ", ".join(f"{p / 2**20:,.0f}" for p in peaks), f"{memory.driver / 2**20:,.0f}",
                         f"{driver_cpu:,.0f} ({driver_cpu / wall:.0%} of a core)"))
        prefix.unlink()
        ratio = first_tenth[1] / first_tenth[0]
        table(section, ctx.console, "Local Dask cluster on this machine (2 cores, shared with other work)",
              ["workers", "records", "with a match", "wall s", "cluster + index s", "records/s",
               f"records/s over the first {records // ONE_WORKER_SHARE:,}", "peak RSS per worker MiB",
               "driver peak RSS MiB", "driver CPU s"], rows,
              note=f"Throughput 1 → 2 workers on the same first {records // ONE_WORKER_SHARE:,} records: "
                   f"×{ratio:.2f}. records/s counts from the first partition sent to the last part written (the "
                   "results file is joined after; cluster start and index loading are the column before). The "
                   "driver (this process) reads the input, writes the parts and joins them; on 2 cores it "
                   "competes with the workers.")
        section.figures.update({"ratio": ratio, "rate_1": figures[1]["rate"], "rate_2": figures[2]["rate"]})
        section.add(_estimate(figures, ratio))
    return section


def _estimate(figures: dict[int, dict[str, float]], ratio: float) -> str:
    """The cluster for TARGET_RECORDS in TARGET_SECONDS, with its arithmetic."""
    need = TARGET_RECORDS / TARGET_SECONDS
    per_worker = figures[1]["rate"]
    efficiency = min(1.0, ratio / 2)  # what a second worker added, as a share of the first
    effective = per_worker * efficiency
    workers = math.ceil(need / effective)
    with_margin = math.ceil(workers * 1.25)
    nodes = math.ceil(with_margin / CORES_PER_NODE)
    memory = figures[2]["peak"] / 2**30
    cpu_per_record = figures[2]["driver_cpu"] / figures[2]["records"]
    bytes_per_record = figures[2]["bytes"] / figures[2]["records"]
    return "\n".join([
        "**Paper estimate: 50 million records in one hour**",
        "",
        f"- Needed: {TARGET_RECORDS:,} / {TARGET_SECONDS:,} s = **{need:,.0f} records/s**.",
        f"- One worker (one core) screened {per_worker:,.0f} records/s here. Two workers on this 2-core machine gave "
        f"×{ratio:.2f}, i.e. {efficiency:.0%} of linear (the driver and other work share the 2 cores); take that "
        f"as the efficiency per worker: {per_worker:,.0f} × {efficiency:.2f} = {effective:,.0f} records/s.",
        f"- Workers: {need:,.0f} / {effective:,.0f} = {need / effective:,.1f} → **{workers} worker processes** "
        f"(one core each); with 25% headroom for stragglers and retries, {with_margin}, i.e. {nodes} machines of "
        f"{CORES_PER_NODE} cores.",
        f"- Memory: each worker peaked at {memory:,.2f} GiB here (the index of every list and the work in flight), so "
        f"a {CORES_PER_NODE}-core machine needs about {memory * CORES_PER_NODE:,.0f} GiB for {CORES_PER_NODE} "
        "workers.",
        f"- Driver: it used {figures[2]['driver_cpu']:,.0f} CPU s for {figures[2]['records']:,.0f} records "
        f"= {cpu_per_record * 1e6:,.0f} µs per record; × {need:,.0f} records/s = "
        f"{need * cpu_per_record:,.2f} core(s). Results: {bytes_per_record:,.0f} bytes per record × {need:,.0f} "
        f"= {need * bytes_per_record / 1e6:,.1f} MB/s of JSON lines to write: one ordinary machine.",
        "- Not counted: the scheduler (one small process), moving the input to the driver, and the cluster's "
        "start-up (seconds, once per run).",
    ])
