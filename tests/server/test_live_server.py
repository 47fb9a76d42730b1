"""A real ``clearance serve`` process on 127.0.0.1, and the key and audit commands that go with it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from serving import Keys, LiveServer, make_keys, start_server, stop_server

from clearance.engine import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           session_db: Callable[[Path], str]) -> Iterator[tuple[LiveServer, Keys]]:
    """One ``clearance serve`` process for the tests of this module (starting one takes seconds)."""
    folder = tmp_path_factory.mktemp("live")
    db = session_db(folder)
    with Engine(db) as engine:
        engine.ingest([FIXTURES / "custom_list.csv"], source="custom:watch", actor="test-setup")
        keys = make_keys(engine)
    server = start_server(db, folder / "serve.log")
    try:
        yield server, keys
    finally:
        stop_server(server)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clearance", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_keys_and_audit_commands(db_path: str) -> None:
    created = _cli("keys", "create", "--role", "analyst", "--label", "Ana at the desk", "--db", db_path)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("clr_") and "cannot be shown again" in created.stderr
    listed = json.loads(_cli("keys", "list", "--json", "--db", db_path).stdout)
    assert [(k["role"], k["label"], k["revoked_at"]) for k in listed] == [("analyst", "Ana at the desk", None)]
    assert key not in json.dumps(listed)
    with Engine(db_path) as engine:
        assert engine.keys.authenticate(key) is not None
    assert _cli("keys", "create", "--role", "root", "--db", db_path).returncode == 2
    revoked = _cli("keys", "revoke", listed[0]["id"], "--db", db_path)
    assert revoked.returncode == 0 and "revoked key" in revoked.stderr
    again = _cli("keys", "revoke", listed[0]["id"], "--db", db_path)
    assert again.returncode == 7 and "already revoked" in again.stderr
    assert _cli("keys", "revoke", "nope", "--db", db_path).returncode == 3
    log = json.loads(_cli("audit", "log", "--json", "--db", db_path).stdout)
    assert [e["kind"] for e in log] == ["key.revoked", "key.created"]
    assert _cli("audit", "verify", "--db", db_path).returncode == 0
    bad_anchor = _cli("audit", "verify", "--anchor", "2:" + "0" * 64, "--db", db_path)
    assert bad_anchor.returncode == 1 and "anchor" in bad_anchor.stderr


def test_served_over_http(served: tuple[LiveServer, Keys]) -> None:
    server, keys = served
    url = server.url
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{url}/readyz").json() == {"status": "ready"}
    assert httpx.get(f"{url}/lists").status_code == 401
    spec = httpx.get(f"{url}/openapi.json").json()
    assert {"/screen", "/check", "/match/{dataset}", "/alerts/{alert_id}/decision"} <= set(spec["paths"])
    screened = httpx.post(f"{url}/screen", headers=keys.header("analyst"), json={"name": "Aleksandr Lukashenko"},
                          timeout=30)
    assert screened.status_code == 200 and screened.json()["results"][0]["entity_id"] == "custom:watch:p-1"
    login = httpx.get(f"{url}/ui/", follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"].startswith("/ui/login")
    assert "text/css" in httpx.get(f"{url}/ui/static/app.css").headers["content-type"]


def test_simultaneous_decisions_over_http_one_wins(served: tuple[LiveServer, Keys]) -> None:
    server, keys = served
    url = server.url
    saved = httpx.put(f"{url}/counterparties/HTTP-1", headers=keys.header("analyst"), timeout=30,
                      json={"name": "Aleksandr Lukashenko", "type": "person"})
    alert_id = saved.json()["screening"]["alerts"][0]["alert_id"]

    def decide(n: int) -> int:
        response = httpx.post(f"{url}/alerts/{alert_id}/decision", headers=keys.header("analyst"), timeout=30,
                              json={"judgement": "false_positive" if n % 2 else "true_match", "reason": f"analyst {n}"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(decide, range(16)))
    assert sorted(statuses) == [200] + [409] * 15
    alert = httpx.get(f"{url}/alerts/{alert_id}", headers=keys.header("viewer")).json()
    assert [e["action"] for e in alert["events"]] == ["opened", "decided"]
    assert httpx.get(f"{url}/audit/verify", headers=keys.header("viewer")).json()["ok"] is True
