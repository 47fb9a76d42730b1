"""The audit log: every write chained; tampering behind the application's back is caught.

The tampering is done with raw SQL on the database file (sqlite3) or server (psycopg), never
through clearance, as an insider with database access would.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from clearance.audit import event_hash
from clearance.cli import main
from clearance.decisions import Role
from clearance.engine import Engine
from databases import raw_connection


def _append(engine: Engine, n: int, who: str = "tester") -> None:
    for i in range(n):
        engine.audit.record(actor=who, kind="test.event", payload={"n": i, "who": who})


def test_every_write_is_chained_and_verifies(engine: Engine, fixtures: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch", actor="admin@bank")
    created = engine.keys.create(Role.ANALYST, label="Ana", actor="admin@bank")
    engine.keys.revoke(created.key.id, actor="admin@bank")
    events = list(reversed(engine.audit.events()))
    assert [e.kind for e in events] == ["list.ingested", "rescreen", "key.created", "key.revoked"]
    assert all(e.actor == "admin@bank" for e in events)
    assert events[1].payload["counterparties"] == 0  # nobody monitored yet: the run is recorded, nothing read
    assert events[0].payload["source"] == "custom:watch" and events[0].payload["added"] == 3
    assert events[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    # The hash is reproducible from the stored columns alone.
    first = events[0]
    assert first.hash == event_hash(first.seq, first.at, first.actor, first.kind,
                                    json.dumps(first.payload, sort_keys=True, ensure_ascii=False,
                                               separators=(",", ":")), first.prev_hash)
    check = engine.audit.verify()
    assert check.ok and check.events == 4 and check.head_seq == 4 and check.head_hash == events[-1].hash


def test_a_failed_write_leaves_no_event(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text((fixtures / "custom_list.csv").read_text() + "x-1,spaceship,NOSTROMO,,,,,,\n")
    with pytest.raises(Exception, match="column type"):
        engine.ingest([bad], source="custom:watch")
    assert engine.audit.events() == []
    assert engine.audit.verify().ok


def test_verify_catches_an_edited_row(db_path: str) -> None:
    with Engine(db_path) as engine:
        _append(engine, 5)
    with raw_connection(db_path) as raw:
        raw.execute("UPDATE audit_events SET payload = '{\"n\":99,\"who\":\"tester\"}' WHERE seq = 3")
    with Engine(db_path) as engine:
        check = engine.audit.verify()
    assert not check.ok and check.broken_at == 3
    assert "edited" in (check.problem or "")


def test_verify_catches_a_rewritten_row_with_a_fresh_hash(db_path: str) -> None:
    with Engine(db_path) as engine:
        _append(engine, 5)
    with raw_connection(db_path) as raw:
        seq, at, actor, kind, prev = raw.execute(
            "SELECT seq, at, actor, kind, prev_hash FROM audit_events WHERE seq = 2").fetchone()
        forged = '{"n":1,"who":"someone else"}'
        raw.execute("UPDATE audit_events SET payload = ?, hash = ? WHERE seq = 2",
                    (forged, event_hash(seq, at, actor, kind, forged, prev)))
    with Engine(db_path) as engine:
        check = engine.audit.verify()
    assert not check.ok and check.broken_at == 3 and "does not chain to event 2" in (check.problem or "")


def test_verify_catches_a_deleted_row(db_path: str) -> None:
    with Engine(db_path) as engine:
        _append(engine, 5)
    with raw_connection(db_path) as raw:
        raw.execute("DELETE FROM audit_events WHERE seq = 2")
    with Engine(db_path) as engine:
        check = engine.audit.verify()
    assert not check.ok and check.broken_at == 2 and "missing" in (check.problem or "")


def test_verify_catches_rows_cut_from_the_end(db_path: str) -> None:
    with Engine(db_path) as engine:
        _append(engine, 5)
    with raw_connection(db_path) as raw:
        raw.execute("DELETE FROM audit_events WHERE seq >= 4")
    with Engine(db_path) as engine:
        check = engine.audit.verify()
    assert not check.ok and check.broken_at == 4 and "deleted" in (check.problem or "")


def test_verify_catches_a_forged_appended_row(db_path: str) -> None:
    with Engine(db_path) as engine:
        _append(engine, 3)
    with raw_connection(db_path) as raw:
        last_hash = raw.execute("SELECT hash FROM audit_events WHERE seq = 3").fetchone()[0]
        payload = '{"alert_id":1,"judgement":"false_positive"}'
        at, actor, kind = "2025-01-01T00:00:00.000000+00:00", "mallory", "alert.decided"
        raw.execute("INSERT INTO audit_events (seq, at, actor, kind, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
                    (4, at, actor, kind, payload, last_hash, event_hash(4, at, actor, kind, payload, last_hash)))
    with Engine(db_path) as engine:
        check = engine.audit.verify()
    assert not check.ok and check.broken_at == 4 and "behind the log's back" in (check.problem or "")


def test_anchor_catches_a_chain_rewritten_to_the_end(db_path: str) -> None:
    with Engine(db_path) as engine:
        _append(engine, 4)
        anchor = engine.audit.head()
    # An insider rewrites event 2 and re-chains everything after it, head included.
    with raw_connection(db_path) as raw:
        rows = raw.execute("SELECT seq, at, actor, kind, payload, prev_hash FROM audit_events ORDER BY seq").fetchall()
        prev = rows[0][5]
        for seq, at, actor, kind, payload, _ in rows:
            if seq == 2:
                payload = '{"n":1,"who":"rewritten"}'
            digest = event_hash(seq, at, actor, kind, payload, prev)
            raw.execute("UPDATE audit_events SET payload=?, prev_hash=?, hash=? WHERE seq=?",
                        (payload, prev, digest, seq))
            prev = digest
        raw.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    with Engine(db_path) as engine:
        assert engine.audit.verify().ok  # without a copy kept elsewhere, a full rewrite is consistent
        check = engine.audit.verify(anchor)
    assert not check.ok and check.broken_at == 4 and "anchor" in (check.problem or "")


def test_cli_verify_and_log(db_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Engine(db_path) as engine:
        _append(engine, 3, who="cli-test")
    with pytest.raises(SystemExit) as done:
        main(["audit", "verify", "--db", db_path])
    assert done.value.code == 0
    assert "intact: 3 events" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["audit", "log", "--db", db_path, "--limit", "2", "--json"])
    assert done.value.code == 0
    logged = json.loads(capsys.readouterr().out)
    assert [e["seq"] for e in logged] == [3, 2] and logged[0]["actor"] == "cli-test"
    with raw_connection(db_path) as raw:
        raw.execute("UPDATE audit_events SET actor = 'someone' WHERE seq = 2")
    with pytest.raises(SystemExit) as done:
        main(["audit", "verify", "--db", db_path])
    assert done.value.code == 1
    assert "broken at event 2" in capsys.readouterr().err


def _append_in_process(db: str, who: str, n: int) -> None:
    with Engine(db) as engine:
        _append(engine, n, who=who)


def test_chain_stays_linear_under_concurrent_processes(db_path: str) -> None:
    Engine(db_path).close()  # migrate once before the writers start
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_in_process, args=(db_path, f"w{i}", 25)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with Engine(db_path) as engine:
        check = engine.audit.verify()
        events = engine.audit.events(limit=1000)
    assert check.ok and check.events == 100
    assert sorted(e.seq for e in events) == list(range(1, 101))
    assert {e.actor for e in events} == {"w0", "w1", "w2", "w3"}


@pytest.mark.postgres
def test_postgres_chain_linear_under_concurrent_writers_and_tampering_caught(postgres_url: str) -> None:
    Engine(postgres_url).close()
    engines = [Engine(postgres_url) for _ in range(6)]
    errors: list[BaseException] = []

    def write(engine: Engine, who: str) -> None:
        try:
            _append(engine, 20, who=who)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(e, f"t{i}")) for i, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for e in engines:
        e.close()
    assert errors == []
    with Engine(postgres_url) as engine:
        check = engine.audit.verify()
        assert check.ok and check.events == 120 and check.head_seq == 120
        with engine.store.engine.begin() as raw:  # behind the log's back: plain SQL, no clearance code
            raw.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 57"))
        check = engine.audit.verify()
        assert not check.ok and check.broken_at == 57 and "edited" in (check.problem or "")
        with engine.store.engine.begin() as raw:
            raw.execute(text("DELETE FROM audit_events WHERE seq = 57"))
        check = engine.audit.verify()
        assert not check.ok and check.broken_at == 57 and "missing" in (check.problem or "")
