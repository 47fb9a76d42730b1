"""Load test of the HTTP API: a ``clearance serve`` process on 127.0.0.1, and this process as 20
concurrent clients screening names (``POST /screen``, each stored and audited) for 60 seconds.

Bounded in time (60 s) and in count (200,000 requests). Names are a fixed-seed mix of the yente
benchmark's UN positives and synthetic negatives. The store is a copy of the benchmarks' store of
every list in the data folder (``--quick``: the UN list only, 3 clients for 3 seconds). The
runner (``python -m bench``) adds the command, the machine and its load, and writes BENCHMARKS.md.

    python -m bench load            (or: python -m bench.bench_load)
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import WORK, Context, Section
from clearance.decisions import Role
from clearance.engine import Engine

NAME = "load"
ORDER = 80
TITLE = "HTTP API load test: 20 concurrent clients screening names for 60 s"
FULL = {"clients": 20, "seconds": 60.0, "max_requests": 200_000}
QUICK = {"clients": 3, "seconds": 3.0, "max_requests": 2_000}


def load_names(ctx: Context, seed: int = 7, count: int = 5000) -> list[str]:
    folder = ctx.path("opensanctions_yente_screening_bench")
    names: list[str] = []
    for file in ("positives_un_untreated.csv", "negatives_global.csv", "negatives_us.csv"):
        with (folder / file).open(newline="", encoding="utf-8") as fh:
            names += [row["full_name"] for row in csv.DictReader(fh) if row["full_name"].strip()]
    rng = random.Random(seed)
    rng.shuffle(names)
    return names[:count]


def prepare_store(ctx: Context, workdir: Path) -> tuple[str, list[str], str]:
    """(database, lists loaded, analyst key): a copy of a benchmark store, so the screenings and
    audit events this test writes stay out of the store other benchmarks reuse."""
    if ctx.quick:
        source, loaded = ctx.store("un-only", [ctx.path("un_consolidated/consolidated.xml")])
    else:
        source, loaded = ctx.all_lists()
    target = workdir / "load.db"
    shutil.copyfile(source, target)
    with Engine(str(target)) as engine:
        key = engine.keys.create(Role.ANALYST, label="bench_load", actor="bench_load").secret
    return str(target), loaded, key


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _client(http: httpx.AsyncClient, names: list[str], start: int, step: int, deadline: float,
                  budget: list[int], tally: Tally) -> None:
    i = start
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        name = names[i % len(names)]
        i += step
        began = time.perf_counter()
        try:
            response = await http.post("/screen", json={"name": name, "limit": 5})
            ok = response.status_code == 200 and "results" in response.json()
            if not ok:
                tally.errors.append(f"{response.status_code} {response.text[:200]}")
        except httpx.HTTPError as exc:
            tally.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        tally.latencies.append(time.perf_counter() - began)


async def run_load(url: str, key: str, names: list[str], clients: int, seconds: float, max_requests: int) -> Tally:
    tally = Tally()
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as http:
        deadline = time.perf_counter() + seconds
        budget = [max_requests]
        await asyncio.gather(*(_client(http, names, n, clients, deadline, budget, tally) for n in range(clients)))
    return tally


def start_server(db: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    # The screening index is cached by list versions, which the copy shares with the original.
    env = {**os.environ, "CLEARANCE_CACHE_DIR": str(WORK / "cache")}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "clearance", "serve", "--host", "127.0.0.1",
                                    "--port", str(port), "--db", db], stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"clearance serve exited: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("clearance serve did not become ready in 600 s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(ctx: Context) -> Section:
    load = QUICK if ctx.quick else FULL
    section = Section(TITLE)
    with tempfile.TemporaryDirectory(prefix="clearance-load-") as tmp:
        workdir = Path(tmp)
        db, loaded, key = prepare_store(ctx, workdir)
        port = free_port()
        started = time.perf_counter()
        server = start_server(db, port, workdir / "serve.log")
        ready = time.perf_counter() - started
        ctx.log(f"server ready in {ready:.1f} s; {load['clients']} clients for {load['seconds']:.0f} s")
        try:
            began = time.perf_counter()
            tally = asyncio.run(run_load(f"http://127.0.0.1:{port}", key, load_names(ctx), int(load["clients"]),
                                         float(load["seconds"]), int(load["max_requests"])))
            elapsed = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(30)
        with Engine(db) as engine:
            entities = sum(v.entities for v in engine.lists())
            stored = engine.records.counts()["screenings"]
            chain = engine.audit.verify()
    done = len(tally.latencies)
    ms = sorted(x * 1000 for x in tally.latencies)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [float("nan")] * 99
    section.figures = {"requests": done, "errors": len(tally.errors), "stored": stored, "chain_ok": chain.ok,
                       "throughput": done / elapsed, "p50_ms": cuts[49], "p99_ms": cuts[98]}
    for error in tally.errors[:10]:
        ctx.log(f"error: {error}")
    section.add(
        f"Server: one `clearance serve` process (uvicorn) on 127.0.0.1 over a SQLite store of {entities:,} "
        f"entities ({', '.join(loaded)}). Client: the benchmark's own process, a second one, with "
        f"{load['clients']} concurrent keep-alive connections (httpx, asyncio), each sending "
        f"`POST /screen {{\"name\": ..., \"limit\": 5}}` back to back for {load['seconds']:.0f} s (at most "
        f"{load['max_requests']:,} requests); names are the yente benchmark's UN positives and synthetic "
        "negatives, shuffled. Every screening is stored with its audit event, so this measures screening, "
        "storing and auditing together. Both processes share the machine's cores."
    )
    section.add("\n".join([
        "| measure | value |", "|---|---|",
        f"| requests completed | {done:,} |",
        f"| errors | {len(tally.errors)} |",
        f"| throughput | {done / elapsed:,.1f} screenings/s |",
        f"| latency p50 | {cuts[49]:.1f} ms |",
        f"| latency p99 | {cuts[98]:.1f} ms |",
        f"| latency max | {ms[-1]:.1f} ms |" if ms else "| latency max | n/a |",
        f"| screenings stored | {stored:,} |",
        f"| audit chain after the run | {'verifies' if chain.ok else 'BROKEN: ' + str(chain.problem)} |",
        f"| server start to ready (index loaded, packs loaded) | {ready:.1f} s |",
    ]))
    return section


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_load [--quick]``: this benchmark alone, through the runner."""
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks([NAME, *(argv or [])])


if __name__ == "__main__":
    raise SystemExit(main())
