"""The alert queue: hits open alerts, judgements close them, false positives are remembered until
the listed record changes, and concurrent decisions neither lose nor duplicate a judgement.

Screening results are built by hand here (real Hit objects against real stored entities) so the
queue's rules are tested on their own; tests/server drives the same through the real matcher.
"""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from clearance.decisions import AlertStatus, Counterparty
from clearance.engine import Engine
from clearance.errors import ConflictError, NotFoundError, UserInputError
from clearance.model import EntityType
from clearance.model.screening import FeatureScore, Hit, ListRef, Query, ScreenResult

LUKASHENKA = "custom:watch:p-1"
ACME = "custom:watch:c-1"


def hit(entity_id: str, score: float, name: str = "LUKASHENKA, Alyaksandr Ryhorovich") -> Hit:
    return Hit(entity_id=entity_id, source="custom:watch", type=EntityType.PERSON, name=name, matched_name=name,
               score=score, match=score >= 0.7, programs=("BELARUS",),
               explanation=(FeatureScore("name", score, 1.0, "aligned tokens", "Lukashenko", "LUKASHENKA"),))


def result(name: str, *hits: Hit) -> ScreenResult:
    return ScreenResult(Query(name=name), 0.7, (ListRef("custom:watch", "v"),), tuple(hits))


def monitor(engine: Engine, cp_id: str, name: str) -> Counterparty:
    cp = Counterparty.from_input(cp_id, {"name": name, "type": "person", "country": "BY"})
    with engine.audit.transaction() as conn:
        stored, created = engine.counterparties.put(conn, cp, actor="analyst@bank")
    assert created
    return stored


def screen_cp(engine: Engine, cp: Counterparty, *hits: Hit) -> list[dict[str, object]]:
    saved = engine.records.save_screenings([result(cp.name, *hits)], actor="monitor", origin="monitor",
                                           counterparty_ids=[cp.id], subject_names=[cp.name])[0]
    alerts = saved.result["alerts"]
    assert isinstance(alerts, list)
    return alerts


@pytest.fixture
def watched(engine: Engine, fixtures: Path) -> Engine:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    return engine


def test_hit_opens_alert_then_refreshes_it(watched: Engine) -> None:
    cp = monitor(watched, "CUST-1", "Aleksandr Lukashenko")
    first = screen_cp(watched, cp, hit(LUKASHENKA, 0.93), hit(ACME, 0.4, "Acme Avionics LLC"))
    assert [(o["entity_id"], o["action"]) for o in first] == [(LUKASHENKA, "opened")]  # below threshold: none
    again = screen_cp(watched, cp, hit(LUKASHENKA, 0.95))
    assert again == [{"entity_id": LUKASHENKA, "alert_id": first[0]["alert_id"], "action": "refreshed",
                      "status": "open"}]
    [alert] = watched.alerts.find(status="open")
    assert alert.subject == "counterparty:CUST-1" and alert.entity_name.startswith("LUKASHENKA")
    assert alert.score == pytest.approx(0.95) and len(alert.record_hash) == 64
    # Ad-hoc screenings (no counterparty) are stored but open nothing.
    watched.records.save_screenings([result("Lukashenko", hit(LUKASHENKA, 0.93))], actor="ana", origin="api")
    assert len(watched.alerts.find()) == 1


def test_false_positive_suppresses_until_the_record_changes(watched: Engine, fixtures: Path, tmp_path: Path) -> None:
    cp = monitor(watched, "CUST-2", "Alexander Lukashenko Jr")
    [opened] = screen_cp(watched, cp, hit(LUKASHENKA, 0.81))
    alert_id = int(str(opened["alert_id"]))
    decided = watched.alerts.decide(alert_id, "false_positive", "Born 1990 in Vitebsk, not the listed person",
                                    actor="ana@bank")
    assert decided.status is AlertStatus.FALSE_POSITIVE
    assert [(e.action, e.judgement, e.actor) for e in decided.events] == [
        ("opened", None, "monitor"), ("decided", "false_positive", "ana@bank")]

    # Same record, screened again (e.g. the nightly run): suppressed, nothing to review.
    [again] = screen_cp(watched, cp, hit(LUKASHENKA, 0.82))
    assert again["action"] == "suppressed" and again["alert_id"] == alert_id
    assert watched.alerts.find(status="open") == []

    # A new list version changes the listed record: the judgement no longer covers it. The ingest
    # re-screens the monitored counterparties against the changed entity (with the real matcher)
    # and that reopens the alert.
    changed = tmp_path / "watch.csv"
    changed.write_text((fixtures / "custom_list.csv").read_text().replace(
        "Aleksandr Lukashenko;Александр Лукашенко", "Aleksandr Lukashenko;Александр Лукашенко;Alexander Lukashenko"))
    assert watched.ingest([changed], source="custom:watch", actor="nightly-update")[0].changed == 1
    alert = watched.alerts.get(alert_id)
    assert alert.status is AlertStatus.OPEN and alert.record_hash != decided.record_hash
    assert alert.events[-1].action == "reopened" and alert.events[-1].actor == "nightly-update"
    assert "changed since it was judged false_positive" in (alert.events[-1].reason or "")
    rescreen = watched.records.screening(alert.screening_id or 0)
    assert rescreen.origin == "rescreen" and rescreen.result["alerts"][0]["action"] == "reopened"
    # Screened again: the reopened alert is only refreshed, not duplicated.
    [again] = screen_cp(watched, cp, hit(LUKASHENKA, 0.9))
    assert again == {"entity_id": LUKASHENKA, "alert_id": alert_id, "action": "refreshed", "status": "open"}
    # The audit log holds the whole story, and it verifies.
    kinds = [e.kind for e in reversed(watched.audit.events(limit=100))]
    assert kinds.count("alert.decided") == 1 and kinds.count("screening") == 4 and "rescreen" in kinds
    assert watched.audit.verify().ok


def test_true_match_is_remembered_too(watched: Engine) -> None:
    cp = monitor(watched, "CUST-3", "Lukashenko")
    [opened] = screen_cp(watched, cp, hit(LUKASHENKA, 0.97))
    watched.alerts.decide(int(str(opened["alert_id"])), "true_match", "Same person: DOB and passport match",
                          actor="ana@bank")
    [again] = screen_cp(watched, cp, hit(LUKASHENKA, 0.97))
    assert again["action"] == "suppressed" and again["status"] == "true_match"


def test_decision_rules(watched: Engine) -> None:
    cp = monitor(watched, "CUST-4", "Lukashenko")
    [opened] = screen_cp(watched, cp, hit(LUKASHENKA, 0.9))
    alert_id = int(str(opened["alert_id"]))
    with pytest.raises(UserInputError, match="reason"):
        watched.alerts.decide(alert_id, "false_positive", "  ", actor="ana")
    with pytest.raises(UserInputError, match="judgement"):
        watched.alerts.decide(alert_id, "maybe", "unsure", actor="ana")
    with pytest.raises(NotFoundError):
        watched.alerts.decide(99999, "escalate", "why", actor="ana")
    escalated = watched.alerts.decide(alert_id, "escalate", "Needs the senior officer", actor="ana")
    assert escalated.status is AlertStatus.ESCALATED
    with pytest.raises(ConflictError, match="already escalated"):
        watched.alerts.decide(alert_id, "escalate", "again", actor="bob")
    with pytest.raises(ConflictError, match="changed since it was read"):
        watched.alerts.decide(alert_id, "true_match", "stale view", actor="bob", expected_revision=1)
    closed = watched.alerts.decide(alert_id, "true_match", "Confirmed", actor="chief",
                                   expected_revision=escalated.revision)
    assert closed.status is AlertStatus.TRUE_MATCH
    with pytest.raises(ConflictError, match="already closed as true_match by chief"):
        watched.alerts.decide(alert_id, "false_positive", "late", actor="bob")
    assert [e.judgement for e in watched.alerts.judgements(alert_id)] == ["escalate", "true_match"]


def _open_alerts(engine: Engine, n: int) -> list[int]:
    ids = []
    for i in range(n):
        cp = monitor(engine, f"CUST-C{i}", f"Lukashenko {i}")
        [opened] = screen_cp(engine, cp, hit(LUKASHENKA, 0.9))
        ids.append(int(str(opened["alert_id"])))
    return ids


def _decide_all(db: str, alert_ids: list[int], who: str, results: list[tuple[str, int, str]]) -> None:
    with Engine(db) as engine:
        for alert_id in alert_ids:
            try:
                engine.alerts.decide(alert_id, "false_positive", f"cleared by {who}", actor=who)
                results.append((who, alert_id, "ok"))
            except ConflictError:
                results.append((who, alert_id, "conflict"))


def _assert_one_judgement_each(engine: Engine, alert_ids: list[int], successes: list[tuple[str, int]]) -> None:
    assert len(engine.alerts.judgements()) == len(alert_ids)
    by_alert: dict[int, list[str]] = {}
    for alert_id in alert_ids:
        by_alert[alert_id] = [e.actor for e in engine.alerts.judgements(alert_id)]
    assert all(len(actors) == 1 for actors in by_alert.values()), by_alert
    assert sorted((a, i) for a, i in successes) == sorted((actors[0], i) for i, actors in by_alert.items())
    decided_events = [e for e in engine.audit.events(limit=10000, kind="alert.decided")]
    assert sorted(int(e.payload["alert_id"]) for e in decided_events) == sorted(alert_ids)
    assert engine.audit.verify().ok


def test_concurrent_decisions_threads(watched: Engine) -> None:
    alert_ids = _open_alerts(watched, 15)
    db = watched.settings.db
    results: list[tuple[str, int, str]] = []
    threads = [threading.Thread(target=_decide_all, args=(db, alert_ids[::step], f"analyst{step}", results))
               for step in (1, 1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    successes = [(who, alert_id) for who, alert_id, what in results if what == "ok"]
    assert len(successes) == 15 and len(results) == 15 + 15 + 8 + 5
    _assert_one_judgement_each(watched, alert_ids, successes)


def _decide_in_process(db: str, alert_ids: list[int], who: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results: list[tuple[str, int, str]] = []
    _decide_all(db, alert_ids, who, results)
    queue.put(results)


def test_concurrent_decisions_processes(watched: Engine) -> None:
    alert_ids = _open_alerts(watched, 12)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_decide_in_process, args=(watched.settings.db, list(reversed(alert_ids))
                                                             if i % 2 else alert_ids, f"p{i}", queue))
               for i in range(3)]
    for w in workers:
        w.start()
    results = [r for _ in workers for r in queue.get(timeout=120)]
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    successes = [(who, alert_id) for who, alert_id, what in results if what == "ok"]
    assert len(successes) == 12 and len(results) == 36
    _assert_one_judgement_each(watched, alert_ids, successes)


@pytest.mark.postgres
def test_concurrent_decisions_postgres(postgres_url: str, fixtures: Path) -> None:
    with Engine(postgres_url) as engine:
        engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
        alert_ids = _open_alerts(engine, 10)
        results: list[tuple[str, int, str]] = []
        threads = [threading.Thread(target=_decide_all, args=(postgres_url, alert_ids, f"pg{i}", results))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        successes = [(who, alert_id) for who, alert_id, what in results if what == "ok"]
        assert len(successes) == 10 and len(results) == 40
        _assert_one_judgement_each(engine, alert_ids, successes)
