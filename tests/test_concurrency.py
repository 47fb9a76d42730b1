"""Several processes writing one store at once, on the backend under test.

Each test starts real processes (``spawn``: nothing shared but the database), lets them race, and
then reads the store back: every migration applied once, every list version whole, no judgement
lost or recorded twice, and an audit chain that ``clearance audit verify`` accepts, one event per
sequence number.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter
from pathlib import Path
from queue import Empty
from typing import Any

import pytest

from alert_queue import assert_queue_consistent, open_alerts
from clearance.decisions import Role
from clearance.engine import Engine
from clearance.errors import ConflictError
from clearance.store.migrations import MIGRATIONS
from databases import raw_connection
from store_state import verified_chain

pytestmark = pytest.mark.timeout(300)
SPAWN = multiprocessing.get_context("spawn")


def run_all(jobs: list[tuple[Any, tuple[Any, ...]]]) -> list[Any]:
    """Run each ``(target, args)`` as ``target(*args, queue)`` in a process of its own, all at
    once; return what each put on the queue."""
    queue = SPAWN.Queue()
    workers = [SPAWN.Process(target=target, args=(*args, queue)) for target, args in jobs]
    for w in workers:
        w.start()
    results: list[Any] = []
    deadline = time.monotonic() + 240
    while len(results) < len(workers):
        try:
            results.append(queue.get(timeout=1))
        except Empty:
            failed = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not failed, f"a worker failed (exit codes {failed})"
            assert time.monotonic() < deadline, "the workers did not finish in time"
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    return results


# -- migrations -----------------------------------------------------------------------------------
def _open_and_record(db: str, who: str, queue: Any) -> None:
    with Engine(db) as engine:
        engine.audit.record(actor=who, kind="test.opened", payload={"who": who})
    queue.put(who)


def test_processes_opening_a_new_database_at_once_migrate_it_once(new_db: Any) -> None:
    db = new_db("fresh", empty=True)
    opened = run_all([(_open_and_record, (db, f"p{i}")) for i in range(4)])
    assert sorted(opened) == ["p0", "p1", "p2", "p3"]
    with raw_connection(db) as raw:
        applied = [row[0] for row in raw.execute("SELECT name FROM schema_migrations").fetchall()]
    assert sorted(applied) == sorted(m.name for m in MIGRATIONS)
    assert verified_chain(db)["events"] == 4


# -- ingests --------------------------------------------------------------------------------------
def _write_list(path: Path, prefix: str, rows: int) -> Path:
    lines = ["id,type,name,aliases,country,remarks"]
    lines += [f"{prefix}-{i},person,{prefix.title()} Person {i},Alias {i},RU,remark {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ingest(db: str, path: str, source: str, queue: Any) -> None:
    with Engine(db) as engine:
        result = engine.ingest([path], source=source, actor=f"ingest-{source}")[0]
    queue.put((source, result.created, result.version.entities))


def test_concurrent_ingests_each_store_one_whole_version(tmp_path: Path, db_path: str) -> None:
    rows = 3000
    files = {f"custom:{name}": _write_list(tmp_path / f"{name}.csv", name, rows) for name in ("alpha", "beta", "gamma")}
    Engine(db_path).close()
    # Three sources side by side, and the same file of a fourth twice: one of those two creates
    # the version, the other finds it there and stores nothing.
    twice = _write_list(tmp_path / "delta.csv", "delta", rows)
    jobs = [(db_path, str(path), source) for source, path in files.items()]
    jobs += [(db_path, str(twice), "custom:delta")] * 2
    results = run_all([(_ingest, job) for job in jobs])
    created = Counter((source, made) for source, made, _ in results)
    assert created == Counter({("custom:alpha", True): 1, ("custom:beta", True): 1, ("custom:gamma", True): 1,
                               ("custom:delta", True): 1, ("custom:delta", False): 1})
    with Engine(db_path) as engine:
        versions = {v.source: v for v in engine.lists()}
        assert {s: v.entities for s, v in versions.items()} == dict.fromkeys(versions, rows)
        assert all(len(engine.versions(s)) == 1 for s in versions)
        for source, version in versions.items():
            assert sum(1 for _ in engine.store.iter_entities([version.id])) == rows, source
        ingested = engine.audit.events(limit=100, kind="list.ingested")
    assert sorted(e.payload["source"] for e in ingested) == sorted(versions)
    assert verified_chain(db_path)["events"] == len(ingested) + sum(1 for _ in versions)  # + one re-screen each


# -- decisions and other audited writes -------------------------------------------------------------
def _decide(db: str, alert_ids: list[int], who: str, seed: int, queue: Any) -> None:
    """Decide every alert, in this worker's own order, with a judgement of its own choosing."""
    order = list(alert_ids)
    rng = random.Random(seed)
    rng.shuffle(order)
    outcomes: list[tuple[int, str, str]] = []
    with Engine(db) as engine:
        for alert_id in order:
            judgement = rng.choice(["true_match", "false_positive", "escalate"])
            try:
                engine.alerts.decide(alert_id, judgement, f"{judgement} by {who}", actor=who)
                outcomes.append((alert_id, judgement, "ok"))
            except ConflictError:
                outcomes.append((alert_id, judgement, "conflict"))
    queue.put((who, outcomes))


def _other_writes(db: str, who: str, n: int, queue: Any) -> None:
    """Audited writes that are not decisions: plain events, and keys created and revoked."""
    with Engine(db) as engine:
        for i in range(n):
            engine.audit.record(actor=who, kind="test.note", payload={"n": i})
            if i % 5 == 0:
                made = engine.keys.create(Role.VIEWER, label=f"{who} {i}", actor=who)
                engine.keys.revoke(made.key.id, actor=who)
    queue.put((who, []))


def test_parallel_decisions_and_audit_writes_lose_and_duplicate_nothing(engine: Engine, fixtures: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    alert_ids = open_alerts(engine, 16)
    events_before = engine.audit.verify().events
    db = engine.settings.db
    deciders = [(_decide, (db, alert_ids, f"analyst{i}", i)) for i in range(3)]
    results = dict(run_all([*deciders, (_other_writes, (db, "writer", 20))]))

    succeeded = [(who, alert_id, judgement) for who, outcomes in results.items()
                 for alert_id, judgement, what in outcomes if what == "ok"]
    # Every success a worker was told of is stored, once; nothing is stored that no worker was told of.
    assert assert_queue_consistent(engine, alert_ids) == Counter(succeeded)
    assert all(engine.alerts.get(a).status.value != "open" for a in alert_ids)
    keys_made = sum(1 for i in range(20) if i % 5 == 0)
    assert verified_chain(db)["events"] == events_before + len(succeeded) + 20 + 2 * keys_made
