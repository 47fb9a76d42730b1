"""Alerts opened by hand, and the checks every test of concurrent or killed deciders makes.

Screening results are built by hand (real Hit objects against a real stored entity), so an alert
costs two small transactions and a test can open hundreds."""

from __future__ import annotations

from collections import Counter

from clearance.decisions import Counterparty
from clearance.engine import Engine
from clearance.model import EntityType
from clearance.model.screening import FeatureScore, Hit, ListRef, Query, ScreenResult

LUKASHENKA = "custom:watch:p-1"  # in tests/fixtures/custom_list.csv, ingested as custom:watch
VALID_HISTORIES = (["true_match"], ["false_positive"], ["escalate"],
                   ["escalate", "true_match"], ["escalate", "false_positive"])


def _hit(entity_id: str, score: float) -> Hit:
    name = "LUKASHENKA, Alyaksandr Ryhorovich"
    return Hit(entity_id=entity_id, source="custom:watch", type=EntityType.PERSON, name=name, matched_name=name,
               score=score, match=True, programs=("BELARUS",),
               explanation=(FeatureScore("name", score, 1.0, "aligned tokens", "Lukashenko", name),))


def open_alerts(engine: Engine, n: int) -> list[int]:
    """``n`` monitored counterparties, each with one open alert on the same listed person."""
    ids = []
    for i in range(n):
        cp = Counterparty.from_input(f"CUST-{i}", {"name": f"Lukashenko {i}", "type": "person"})
        with engine.audit.transaction() as conn:
            engine.counterparties.put(conn, cp, actor="setup")
        screening = ScreenResult(Query(name=cp.name), 0.7, (ListRef("custom:watch", "v"),), (_hit(LUKASHENKA, 0.9),))
        saved = engine.records.save_screenings([screening], actor="setup", origin="monitor",
                                               counterparty_ids=[cp.id], subject_names=[cp.name])[0]
        [alert] = saved.result["alerts"]
        ids.append(int(alert["alert_id"]))
    return ids


def assert_queue_consistent(engine: Engine, alert_ids: list[int]) -> Counter[tuple[str, int, str]]:
    """Each alert's judgements are a valid history (an escalation at most, then one final judgement
    at most), its state and revision follow from them, and the audit log holds exactly one
    ``alert.decided`` event per stored judgement. Returns the judgements as (actor, alert, judgement)."""
    stored: Counter[tuple[str, int, str]] = Counter()
    for alert_id in alert_ids:
        alert = engine.alerts.get(alert_id)
        decided = [(e.actor, e.judgement or "") for e in alert.events if e.action == "decided"]
        history = [j for _, j in decided]
        assert not decided or history in VALID_HISTORIES, (alert_id, decided)
        expected_status = {"escalate": "escalated"}.get(history[-1], history[-1]) if history else "open"
        assert alert.status.value == expected_status, (alert_id, alert.status, decided)
        assert alert.revision == 1 + len(decided), (alert_id, alert.revision, decided)
        stored.update((who, alert_id, judgement) for who, judgement in decided)
    events = engine.audit.events(limit=100_000, kind="alert.decided")
    assert Counter((e.actor, int(e.payload["alert_id"]), str(e.payload["judgement"])) for e in events) == stored
    return stored
