"""Load test of the HTTP API: a ``clearance serve`` process on 127.0.0.1, and this process as 20
concurrent clients screening names (POST /screen, each stored and audited) for 60 seconds.

Bounded in time (``--seconds``) and in count (``--max-requests``). Names are a fixed-seed mix of
the yente benchmark's UN positives and synthetic negatives from CLEARANCE_TEST_DATA. The store is
``--db`` if given (lists already loaded), else a fresh one with the OFAC SDN, UN, UK OFSI, BIS DPL
and OFAC consolidated lists from CLEARANCE_TEST_DATA. Exit status 1 if any request failed.

    python -m bench.bench_load [--clients 20] [--seconds 60] [--db FILE_OR_URL] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.report import command, machine, update_section
from clearance.decisions import Role
from clearance.engine import Engine

LISTS = ("ofac_sdn", "un_consolidated", "uk_ofsi_conlist/ConList.xlsx", "bis_dpl/dpl.txt", "ofac_consolidated")


def data_dir() -> Path:
    return Path(os.environ.get("CLEARANCE_TEST_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def load_names(seed: int = 7, count: int = 5000) -> list[str]:
    folder = data_dir() / "opensanctions_yente_screening_bench"
    names: list[str] = []
    for file in ("positives_un_untreated.csv", "negatives_global.csv", "negatives_us.csv"):
        with (folder / file).open(newline="", encoding="utf-8") as fh:
            names += [row["full_name"] for row in csv.DictReader(fh) if row["full_name"].strip()]
    rng = random.Random(seed)
    rng.shuffle(names)
    return names[:count]


def prepare_store(db: str | None, workdir: Path) -> tuple[str, str]:
    """(database, analyst key): the given store, or a fresh one holding the real lists."""
    target = db or str(workdir / "load.db")
    with Engine(target) as engine:
        if db is None:
            engine.ingest([data_dir() / name for name in LISTS], actor="bench_load")
        key = engine.keys.create(Role.ANALYST, label="bench_load", actor="bench_load").secret
        entities = sum(v.entities for v in engine.lists())
    print(f"store {target}: {entities:,} entities", file=sys.stderr)
    return target, key


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
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "clearance", "serve", "--host", "127.0.0.1",
                                    "--port", str(port), "--db", db], stdout=out, stderr=subprocess.STDOUT)
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
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--db", default=None, help="An existing store with lists loaded (default: build one).")
    parser.add_argument("--no-write", action="store_true", help="Do not update BENCHMARKS.md.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clearance-load-") as tmp:
        workdir = Path(tmp)
        db, key = prepare_store(args.db, workdir)
        port = free_port()
        started = time.perf_counter()
        server = start_server(db, port, workdir / "serve.log")
        warm_seconds = time.perf_counter() - started
        try:
            names = load_names()
            began = time.perf_counter()
            tally = asyncio.run(run_load(f"http://127.0.0.1:{port}", key, names, args.clients, args.seconds,
                                         args.max_requests))
            elapsed = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(30)
        with Engine(db) as engine:
            entities = sum(v.entities for v in engine.lists())
            chain_ok = engine.audit.verify().ok
    done = len(tally.latencies)
    ms = sorted(x * 1000 for x in tally.latencies)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [float("nan")] * 99
    rows = [
        ("requests completed", f"{done:,}"), ("errors", f"{len(tally.errors)}"),
        ("throughput", f"{done / elapsed:,.1f} screenings/s"), ("latency p50", f"{cuts[49]:.1f} ms"),
        ("latency p99", f"{cuts[98]:.1f} ms"), ("latency max", f"{ms[-1]:.1f} ms" if ms else "n/a"),
        ("duration", f"{elapsed:.1f} s"), ("server start to ready (index warm)", f"{warm_seconds:.1f} s"),
        ("audit chain after the run", "verifies" if chain_ok else "BROKEN"),
    ]
    table = "\n".join(["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows])
    print(table)
    for error in tally.errors[:10]:
        print("error:", error, file=sys.stderr)
    if not args.no_write:
        update_section("service-load", "HTTP API load test (POST /screen)", f"""
Command: `{command("bench.bench_load", argv)}`

Machine: {machine()}. Server: one `clearance serve` process (uvicorn) on 127.0.0.1; client: this
benchmark's process, {args.clients} concurrent keep-alive connections (httpx, asyncio), each sending
`POST /screen {{"name": ..., "limit": 5}}` back to back for {args.seconds:.0f} s (at most
{args.max_requests:,} requests). Every screening is stored with its audit event. Store: {entities:,}
entities ({"given with --db" if args.db else "OFAC SDN, UN, UK OFSI, BIS DPL, OFAC consolidated"}), SQLite.
Both processes share the machine's cores.

{table}
""")
    return 1 if tally.errors or not chain_ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
