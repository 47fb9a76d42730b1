"""PostgreSQL restarted under a serving ``clearance serve``: requests meanwhile fail cleanly with a
503 and a JSON error (never a 500, never a hang), and once the database is back requests succeed
again, from the same server process.

The cluster is a private one (tests/private_postgres.py): the shared server is never restarted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving import free_port, make_keys, start_server, stop_server

from clearance.engine import Engine
from private_postgres import private_cluster

psycopg = pytest.importorskip("psycopg")
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]
CLIENTS = 3
REQUEST_TIMEOUT = 20.0  # a request taking this long counts as hung


@dataclass(frozen=True)
class Answer:
    phase: str  # what the database was doing when the request was sent: up, down, back
    status: int | str  # the HTTP status, or the client's exception when there was no answer
    body: Any


class Traffic:
    """Clients screening (a write) and reading the alert queue in a loop until stopped."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url = url
        self.headers = headers
        self.phase = "up"
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,)) for n in range(CLIENTS)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 10)

    def _client(self, n: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=REQUEST_TIMEOUT) as client:
            i = n
            while not self._stop.is_set():
                i += 1
                phase = self.phase
                try:
                    if i % 2:
                        response = client.post("/screen", json={"name": f"Aleksandr Lukashenko {i}"})
                    else:
                        response = client.get("/alerts")
                except httpx.HTTPError as exc:
                    self.answers.append(Answer(phase, type(exc).__name__, str(exc)))
                    continue
                is_json = response.headers.get("content-type", "").startswith("application/json")
                self.answers.append(Answer(phase, response.status_code, response.json() if is_json else response.text))

    def wait_for(self, phase: str, count: int, status: int | None = None, timeout: float = 60) -> None:
        """Until ``count`` answers to requests sent in ``phase`` (with ``status``) have come in."""
        deadline = time.monotonic() + timeout
        while sum(1 for a in list(self.answers) if a.phase == phase and status in (None, a.status)) < count:
            assert time.monotonic() < deadline, f"fewer than {count} answers in phase {phase}: {self.answers[-5:]}"
            time.sleep(0.05)


def test_requests_get_503_while_postgres_restarts_then_succeed(tmp_path: Path, fixtures: Path) -> None:
    with private_cluster(free_port()) as cluster:
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE clearance")
        db = cluster.database_url("clearance")
        with Engine(db) as engine:
            engine.ingest([fixtures / "custom_list.csv"], source="custom:watch", actor="test-setup")
            keys = make_keys(engine)
        server = start_server(db, tmp_path / "serve.log")
        try:
            with Traffic(server.url, keys.header("analyst")) as traffic:
                traffic.wait_for("up", 10, status=200)
                traffic.phase = "down"
                cluster.stop("fast")  # cuts every connection, rolls back what was in flight
                traffic.wait_for("down", 6)
                cluster.start()
                traffic.phase = "back"
                traffic.wait_for("back", 10, status=200)
                tail = len(traffic.answers)
                traffic.wait_for("back", 20, status=200)
            still_serving = server.process.poll() is None
        finally:
            stop_server(server)
        server_log = server.log.read_text(errors="replace")

    answers = traffic.answers
    unexpected = [a for a in answers if a.status not in (200, 503)]
    assert not unexpected, f"{len(unexpected)} answers neither 200 nor 503, e.g. {unexpected[:3]}\n{server_log[-3000:]}"
    unavailable = [a for a in answers if a.status == 503]
    assert [a for a in unavailable if a.phase == "down"], "no request failed while the database was down"
    for answer in unavailable:
        assert isinstance(answer.body, dict) and answer.body["error"] == "StoreError", answer
        assert "database" in answer.body["detail"], answer
    assert still_serving, "clearance serve exited"
    # Once back, it stays back: every request after the first ten successes succeeded too.
    assert all(a.status == 200 for a in answers[tail:]), [a for a in answers[tail:] if a.status != 200][:3]
