"""Changes recorded at ingest: the same as the store's diff, and what re-screening reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from clearance.decisions import Counterparty
from clearance.engine import Engine
from clearance.settings import Settings


def _edited(fixtures: Path, tmp_path: Path) -> Path:
    text = (fixtures / "custom_list.csv").read_text().replace("A supplier we watch", "A supplier we watch closely")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("p-1,")) + "\n"
    edited = tmp_path / "watch.csv"
    edited.write_text(text + "v-1,vessel,OCEAN STAR,,,PA,imo:9123456,,\n")
    return edited


def test_recorded_changes_equal_the_diff(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    first = engine.changes("custom:watch")
    assert first.previous is None and first.counts == {"added": 3, "changed": 0, "removed": 0}
    assert [c.entity_id for c in first.changes["added"]] == ["custom:watch:ac-1", "custom:watch:c-1",
                                                             "custom:watch:p-1"]
    engine.ingest([_edited(fixtures, tmp_path)], source="custom:watch")
    second = engine.changes("custom:watch", limit=1)
    diff = engine.diff("custom:watch")
    assert second.previous is not None and second.previous.label == first.version.label
    assert second.counts == {"added": len(diff.added), "changed": len(diff.changed), "removed": len(diff.removed)}
    assert [c.entity_id for c in second.changes["removed"]] == ["custom:watch:p-1"]
    assert second.changes["removed"][0].caption.startswith("LUKASHENKA")
    assert second.changes["changed"][0].fields == diff.changed[0].fields == ("record", "remarks")
    # The first version is still readable by label.
    assert engine.changes("custom:watch", first.version.label).counts["added"] == 3


def test_rescreen_reads_only_what_changed_since_the_last_run(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    _rescreen_follows_changes(engine, fixtures, tmp_path)


@pytest.mark.postgres
def test_rescreen_and_alerts_on_postgres(postgres_url: str, fixtures: Path, tmp_path: Path) -> None:
    with Engine(postgres_url, settings=Settings(db=postgres_url, cache_dir=str(tmp_path / "cache"))) as engine:
        _rescreen_follows_changes(engine, fixtures, tmp_path)
        assert engine.changes("custom:watch").counts == {"added": 0, "changed": 1, "removed": 0}
        [alert] = engine.alerts.find(status="open")
        assert alert.entity_id == "custom:watch:v-1" and alert.subject == "counterparty:CUST-1"
        decided = engine.alerts.decide(alert.id, "false_positive", "a different ship", actor="ana")
        assert decided.revision == alert.revision + 1 and engine.audit.verify().ok


def _rescreen_follows_changes(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    def last_run() -> dict[str, object]:
        return engine.audit.events(limit=1, kind="rescreen")[0].payload

    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    assert last_run()["counterparties"] == 0 and last_run()["entities"] == 0  # nobody monitored: nothing read
    cp = Counterparty.from_input("CUST-1", {"name": "Ocean Star", "type": "vessel"})
    engine.save_counterparty(cp, actor="ana")
    engine.ingest([_edited(fixtures, tmp_path)], source="custom:watch")  # v-1 added, c-1 changed, p-1 removed
    assert last_run()["entities"] == 2 and last_run()["counterparties"] == 1
    third = tmp_path / "third.csv"
    third.write_text(_edited(fixtures, tmp_path).read_text().replace("OCEAN STAR", "OCEAN STAR II"))
    engine.ingest([third], source="custom:watch")
    assert last_run()["entities"] == 1 and last_run()["hits"] == 1  # OCEAN STAR II still hits Ocean Star
    assert engine.monitor.pending() == []

    # Two versions not yet re-screened (say the process died before): one run covers both.
    ids = [v.id for v in engine.versions("custom:watch")]
    with engine.store.write() as conn:
        conn.execute(text(f"DELETE FROM rescreen_runs WHERE version_id IN ({ids[1]}, {ids[2]})"))
    [pending] = engine.monitor.pending()
    assert pending.since == ids[0] and pending.covers == (ids[1], ids[2])
    assert sorted(e.id for e in engine.monitor.changed_entities(pending)) == ["custom:watch:c-1", "custom:watch:v-1"]
    [run] = engine.rescreen(actor="recovery")
    assert run.entities == 2 and run.counterparties == 1 and engine.monitor.pending() == []
    assert engine.rescreen() == []


@pytest.mark.realdata
def test_recorded_changes_match_the_diff_on_real_sdn_snapshots(engine: Engine, data_dir: Path) -> None:
    engine.ingest([data_dir / "ofac_sdn_2024-05-03_primary_only"], source="us-ofac-sdn")
    engine.ingest([data_dir / "ofac_sdn" / "sdn.csv"], source="us-ofac-sdn")
    recorded = engine.changes("us-ofac-sdn", limit=100_000)
    diff = engine.diff("us-ofac-sdn")
    for kind, expected in (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)):
        assert recorded.counts[kind] == len(expected) > 0
        assert [(c.entity_id, c.fields) for c in recorded.changes[kind]] == [(c.entity_id, c.fields)
                                                                          for c in expected]
