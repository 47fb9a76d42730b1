"""A process deciding alerts in a loop is killed (SIGKILL) mid-burst, three times over: every
judgement stored is whole (with its alert's new state and its audit event), none is stored twice,
the audit chain verifies, and the alerts it did not reach can still be decided."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pytest

from alert_queue import assert_queue_consistent, open_alerts
from clearance.engine import Engine
from clearance.errors import ConflictError
from databases import raw_connection
from store_state import verified_chain

SPAWN = multiprocessing.get_context("spawn")
ALERTS = 120
ROUNDS = 3


def _decide_forever(db: str, alert_ids: list[int], who: str) -> None:
    """Decide every open alert, true match and false positive in turn, as fast as the store allows."""
    with Engine(db) as engine:
        for n, alert_id in enumerate(alert_ids):
            with suppress(ConflictError):  # decided before an earlier kill
                engine.alerts.decide(alert_id, ("true_match", "false_positive")[n % 2], f"burst by {who}", actor=who)


def _decided(db: str) -> Callable[[], int]:
    def count() -> int:
        with raw_connection(db) as raw:
            return int(raw.execute("SELECT count(*) FROM alert_events WHERE action = 'decided'").fetchone()[0])

    return count


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_during_a_burst_of_decisions_loses_nothing_whole(engine: Engine, fixtures: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    alert_ids = open_alerts(engine, ALERTS)
    db = engine.settings.db
    decided = _decided(db)
    for round_ in range(ROUNDS):
        target = decided() + 10  # let it decide a few, then kill it wherever it is
        worker = SPAWN.Process(target=_decide_forever, args=(db, alert_ids, f"burst{round_}"))
        worker.start()
        try:
            deadline = time.monotonic() + 120
            while decided() < target:
                assert worker.exitcode is None, "the decider ended before it could be killed"
                assert time.monotonic() < deadline, "the decider did not decide in time"
                time.sleep(0.005)
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGKILL)
            worker.join(30)
            assert worker.exitcode == -signal.SIGKILL
        finally:
            if worker.exitcode is None:
                worker.kill()
        stored = assert_queue_consistent(engine, alert_ids)
        assert len(stored) == decided() and max(stored.values()) == 1
        verified_chain(db)
    assert decided() < ALERTS, "the last decider finished before it was killed"

    # Nothing the killed deciders held is still locked: the rest is decided by someone else.
    _decide_forever(db, alert_ids, "after")
    stored = assert_queue_consistent(engine, alert_ids)
    assert len(stored) == ALERTS and {alert_id for _, alert_id, _ in stored} == set(alert_ids)
    assert verified_chain(db)["events"] == engine.audit.verify().events
