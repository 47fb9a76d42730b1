"""The JSON API without screening: authentication and roles, lists, entities, keys, audit, the
alert queue, and bad input — each answered with a JSON error naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serving import Keys

from clearance.decisions import Counterparty
from clearance.engine import Engine
from clearance.model import EntityType
from clearance.model.screening import FeatureScore, Hit, ListRef, Query, ScreenResult

READ_ROUTES = [
    ("GET", "/lists"), ("GET", "/lists/custom:watch/versions"), ("GET", "/lists/custom:watch/diff"),
    ("GET", "/entities/custom:watch:p-1"), ("GET", "/alerts?status=open"), ("GET", "/audit"),
    ("GET", "/audit/verify"), ("GET", "/counterparties"),
]
ANALYST_ROUTES = [("POST", "/alerts/1/decision"), ("PUT", "/counterparties/C-1"), ("POST", "/screen"),
                  ("POST", "/check"), ("POST", "/match/default")]
ADMIN_ROUTES = [("GET", "/keys"), ("POST", "/keys"), ("DELETE", "/keys/abc"), ("POST", "/lists")]


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


@pytest.mark.parametrize(("method", "path"), READ_ROUTES + ANALYST_ROUTES + ADMIN_ROUTES)
def test_missing_wrong_or_revoked_key_is_401(client: TestClient, keys: Keys, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer clr_nope_nope"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    keys.header("revoked")):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "http"


@pytest.mark.parametrize(("method", "path"), ANALYST_ROUTES)
def test_viewer_cannot_write(client: TestClient, keys: Keys, method: str, path: str) -> None:
    response = client.request(method, path, headers=keys.header("viewer"), json={})
    assert response.status_code == 403
    assert "needs the analyst role" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_analyst_cannot_administer(client: TestClient, keys: Keys, method: str, path: str) -> None:
    response = client.request(method, path, headers=keys.header("analyst"))
    assert response.status_code == 403
    assert "needs the admin role" in response.json()["detail"]


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_every_role_reads(client: TestClient, keys: Keys, role: str) -> None:
    for method, path in READ_ROUTES:
        response = client.request(method, path, headers=keys.header(role))
        assert response.status_code == 200, (path, response.text)


def test_lists_versions_diff_entity(client: TestClient, keys: Keys) -> None:
    h = keys.header("viewer")
    [listed] = client.get("/lists", headers=h).json()
    assert listed["source"] == "custom:watch" and listed["entities"] == 3
    assert [v["version"] for v in client.get("/lists/custom:watch/versions", headers=h).json()] == [listed["version"]]
    diff = client.get("/lists/custom:watch/diff", headers=h).json()
    assert diff["counts"] == {"added": 3, "removed": 0, "changed": 0} and diff["from"] is None
    entity = client.get("/entities/custom:watch:ac-1", headers=h).json()
    assert entity["type"] == "aircraft" and entity["identifiers"][0]["value"] == "EW-001PA"
    assert entity["history"][0]["status"] == "added"
    missing = client.get("/entities/custom:watch:nobody", headers=h)
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    assert "custom:watch:nobody" in missing.json()["detail"]
    assert client.get("/lists/no-such-source/diff", headers=h).status_code == 404
    bad = client.get("/lists/custom:watch/diff?from=19990101-deadbeef", headers=h)
    assert bad.status_code == 404 and "does not exist" in bad.json()["detail"]


def test_keys_lifecycle_through_the_api(client: TestClient, keys: Keys, served_engine: Engine) -> None:
    admin = keys.header("admin")
    created = client.post("/keys", headers=admin, json={"role": "viewer", "label": "auditor"})
    assert created.status_code == 201
    new_key = created.json()["key"]
    assert new_key.startswith("clr_") and created.json()["role"] == "viewer"
    listed = client.get("/keys", headers=admin).json()
    assert "auditor" in [k["label"] for k in listed] and all("key" not in k for k in listed)
    # The secret is not stored, only its hash.
    with served_engine.store.read() as conn:
        stored = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM api_keys") for v in row)
    assert new_key.split("_", 2)[2] not in stored
    me = {"Authorization": f"Bearer {new_key}"}
    assert client.get("/lists", headers=me).status_code == 200
    revoked = client.delete(f"/keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"].startswith("admin tester")
    assert client.get("/lists", headers=me).status_code == 401
    again = client.delete(f"/keys/{created.json()['id']}", headers=admin)
    assert again.status_code == 409 and again.json()["error"] == "ConflictError"
    assert client.delete("/keys/unknown", headers=admin).status_code == 404
    bad = client.post("/keys", headers=admin, json={"role": "root", "label": "x"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "role"
    kinds = [e["kind"] for e in client.get("/audit?limit=3", headers=admin).json()]
    assert kinds == ["key.revoked", "key.created", "key.revoked"]


def _open_alert(engine: Engine) -> int:
    cp = Counterparty.from_input("CUST-9", {"name": "Aleksandr Lukashenko", "type": "person"})
    with engine.audit.transaction() as conn:
        engine.counterparties.put(conn, cp, actor="test-setup")
    name = "LUKASHENKA, Alyaksandr Ryhorovich"
    hit = Hit("custom:watch:p-1", "custom:watch", EntityType.PERSON, name, name, 0.91, True, ("BELARUS",),
              (FeatureScore("name", 0.91, 1.0, "tokens aligned", "Lukashenko", "LUKASHENKA"),))
    result = ScreenResult(Query(name=cp.name), 0.7, (ListRef("custom:watch", "v1"),), (hit,))
    saved = engine.records.save_screenings([result], actor="monitor", origin="monitor", counterparty_ids=[cp.id],
                                           subject_names=[cp.name])
    return int(saved[0].result["alerts"][0]["alert_id"])


def test_alert_queue_and_decisions(client: TestClient, keys: Keys, served_engine: Engine) -> None:
    alert_id = _open_alert(served_engine)
    viewer, analyst = keys.header("viewer"), keys.header("analyst")
    [queued] = client.get("/alerts?status=open", headers=viewer).json()
    assert queued["id"] == alert_id and queued["subject"] == "counterparty:CUST-9"
    assert client.get("/alerts?status=closed", headers=viewer).status_code == 422
    detail = client.get(f"/alerts/{alert_id}", headers=viewer).json()
    assert detail["events"][0]["action"] == "opened"
    cp = client.get("/counterparties/CUST-9", headers=viewer).json()
    assert cp["name"] == "Aleksandr Lukashenko" and cp["alerts"][0]["id"] == alert_id

    missing_reason = client.post(f"/alerts/{alert_id}/decision", headers=analyst, json={"judgement": "false_positive"})
    assert missing_reason.status_code == 422 and missing_reason.json()["fields"][0]["field"] == "reason"
    bad_judgement = client.post(f"/alerts/{alert_id}/decision", headers=analyst,
                                json={"judgement": "maybe", "reason": "x"})
    assert bad_judgement.status_code == 422 and "judgement" in bad_judgement.json()["detail"]
    stale = client.post(f"/alerts/{alert_id}/decision", headers=analyst,
                        json={"judgement": "false_positive", "reason": "x", "revision": 99})
    assert stale.status_code == 409
    decided = client.post(f"/alerts/{alert_id}/decision", headers=analyst,
                          json={"judgement": "false_positive", "reason": "Different person: born 1990"})
    assert decided.status_code == 200 and decided.json()["status"] == "false_positive"
    assert decided.json()["events"][-1]["actor"].startswith("analyst tester")
    twice = client.post(f"/alerts/{alert_id}/decision", headers=analyst,
                        json={"judgement": "true_match", "reason": "late"})
    assert twice.status_code == 409 and "already closed as false_positive" in twice.json()["detail"]
    assert client.post("/alerts/999/decision", headers=analyst,
                       json={"judgement": "escalate", "reason": "x"}).status_code == 404
    [event] = client.get("/audit?kind=alert.decided", headers=viewer).json()
    assert event["payload"]["alert_id"] == alert_id and event["payload"]["reason"] == "Different person: born 1990"
    assert client.get("/audit/verify", headers=viewer).json()["ok"] is True


def test_upload_ingest_as_admin(client: TestClient, keys: Keys, fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "custom_list.csv").read_text() + "v-1,vessel,OCEAN STAR,,,PA,imo:9123456,,\n"
    response = client.post("/lists", headers=keys.header("admin"), data={"source": "custom:watch"},
                           files={"files": ("watch.csv", text.encode(), "text/csv")})
    assert response.status_code == 200, response.text
    [result] = response.json()
    assert result["created"] and result["added"] == 1 and result["actor"].startswith("admin tester")
    bad = client.post("/lists", headers=keys.header("admin"), data={"source": "custom:watch"},
                      files={"files": ("bad.csv", b"id,type,name\nx,spaceship,NOSTROMO\n", "text/csv")})
    assert bad.status_code == 422 and "line 2" in bad.json()["detail"]
    versions = client.get("/lists/custom:watch/versions", headers=keys.header("viewer")).json()
    assert len(versions) == 2
    assert client.post("/lists", headers=keys.header("admin")).status_code == 422


def test_bad_requests_are_json_4xx(client: TestClient, keys: Keys) -> None:
    analyst = keys.header("analyst")
    not_json = client.post("/alerts/1/decision", headers={**analyst, "Content-Type": "application/json"},
                           content=b"{not json")
    assert not_json.status_code == 422 and not_json.json()["error"] == "validation"
    wrong_type = client.get("/alerts/abc", headers=analyst)
    assert wrong_type.status_code == 422 and wrong_type.json()["fields"][0]["field"] == "alert_id"
    bad_limit = client.get("/audit?limit=0", headers=analyst)
    assert bad_limit.status_code == 422 and bad_limit.json()["fields"][0]["field"] == "limit"
    unknown_field = client.put("/counterparties/C-1", headers=analyst, json={"name": "X", "colour": "red"})
    assert unknown_field.status_code == 422 and unknown_field.json()["fields"][0]["field"] == "colour"
    bad_cp_id = client.put("/counterparties/%20bad", headers=analyst, json={"name": "X"})
    assert bad_cp_id.status_code == 400 and "id" in bad_cp_id.json()["detail"]
    assert client.get("/no/such/route", headers=analyst).status_code == 404
    huge = client.post("/screen", headers={**analyst, "Content-Type": "application/json"},
                       content=b"[" + b'{"name":"x"},' * 800_000 + b'{"name":"x"}]')
    assert huge.status_code == 413 and huge.json()["error"] == "too_large"
