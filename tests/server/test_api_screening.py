"""Screening through the API with the real matcher: POST /screen, monitored counterparties,
stored screenings, and the yente-compatible /match endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from serving import Keys

from clearance.engine import Engine


def _feature(hit: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in hit["explanation"] if f["feature"] == name)


def test_screen_one_query_is_stored_and_audited(client: TestClient, keys: Keys, served_engine: Engine) -> None:
    response = client.post("/screen", headers=keys.header("analyst"),
                           json={"name": "Aleksandr Lukashenko", "type": "person", "country": "Belarus"})
    assert response.status_code == 200, response.text
    body = response.json()
    top = body["results"][0]
    assert top["entity_id"] == "custom:watch:p-1" and top["match"] is True
    name = _feature(top, "name")
    assert name["query"] and name["candidate"] and "lukashenko" in name["detail"].lower()
    assert body["query"]["country"] == "BY" and body["lists"][0]["source"] == "custom:watch"
    assert body["actor"].startswith("analyst tester") and body["origin"] == "api"
    stored = client.get(f"/screenings/{body['screening_id']}", headers=keys.header("viewer")).json()
    assert stored["results"] == body["results"] and stored["sha256"] == body["sha256"]
    [event] = served_engine.audit.events(limit=1, kind="screening")
    assert event.payload["screening_id"] == body["screening_id"] and event.payload["sha256"] == body["sha256"]
    assert event.payload["matches"] == ["custom:watch:p-1"]
    # An ad-hoc screening opens no alert: only monitored counterparties and checks do.
    assert client.get("/alerts", headers=keys.header("viewer")).json() == []


def test_screen_a_list_and_identifiers(client: TestClient, keys: Keys) -> None:
    response = client.post("/screen", headers=keys.header("analyst"), json=[
        {"name": "Acme Avionics", "id": "row-1"},
        {"name": "", "identifiers": ["tail_number:EW 001 PA"], "id": "row-2"},
        {"name": "Jane Q. Nobody", "id": "row-3"},
    ])
    assert response.status_code == 200, response.text
    first, second, third = response.json()
    assert first["id"] == "row-1" and first["results"][0]["entity_id"] == "custom:watch:c-1"
    assert second["results"][0]["entity_id"] == "custom:watch:ac-1"
    assert any(f["feature"].startswith("identifier") and f["score"] == 1.0
               for f in second["results"][0]["explanation"])
    assert not any(h["match"] for h in third["results"])
    assert len({r["screening_id"] for r in response.json()}) == 3


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"name": ""}, 422, "name"),
    ({"name": "x", "type": "spaceship"}, 422, "type"),
    ({"name": "x", "birth_date": "1954-13-45"}, 422, "birth_date"),
    ({"name": "x", "birth_date": "yesterday"}, 422, "birth_date"),
    ({"name": "x", "country": "Atlantis"}, 422, "country"),
    ({"name": "x", "identifiers": ["no-scheme"]}, 400, "identifiers"),
    ({"name": "x", "sources": ["nope"]}, 422, "sources"),
    ({"name": "x", "limit": 0}, 422, "limit"),
    ({"name": "x", "threshold": 2}, 422, "threshold"),
    ({"name": "x", "colour": "red"}, 422, "colour"),
    ([], 400, "empty"),
    ([{"name": "x"}] * 1001, 400, "at most 1000"),
    ("just a string", 422, "body"),
])
def test_bad_screening_requests(client: TestClient, keys: Keys, body: Any, status: int, field: str) -> None:
    response = client.post("/screen", headers=keys.header("analyst"), json=body)
    assert response.status_code == status, response.text
    error = response.json()
    assert field in error["detail"] or any(field in f["field"] for f in error["fields"]), error


def test_monitored_counterparty_opens_alert(client: TestClient, keys: Keys) -> None:
    analyst, viewer = keys.header("analyst"), keys.header("viewer")
    body = {"name": "Aleksandr Lukashenko", "type": "person", "country": "BY", "birth_date": "1954",
            "identifiers": [{"scheme": "passport", "value": "MP0000000"}], "notes": "test customer"}
    created = client.put("/counterparties/CUST-1", headers=analyst, json=body)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["counterparty"]["revision"] == 1 and saved["counterparty"]["identifiers"][0]["scheme"] == "passport"
    [outcome] = saved["screening"]["alerts"]
    assert outcome["entity_id"] == "custom:watch:p-1" and outcome["action"] == "opened"
    again = client.put("/counterparties/CUST-1", headers=analyst, json={**body, "notes": "updated"})
    assert again.status_code == 200 and again.json()["counterparty"]["revision"] == 2
    assert again.json()["screening"]["alerts"][0]["action"] == "refreshed"
    [alert] = client.get("/alerts?status=open", headers=viewer).json()
    assert alert["id"] == outcome["alert_id"] and alert["subject_name"] == "Aleksandr Lukashenko"
    got = client.get("/counterparties/CUST-1", headers=viewer).json()
    assert got["notes"] == "updated" and got["alerts"][0]["id"] == alert["id"]
    listed = client.get("/counterparties", headers=viewer).json()
    assert [c["id"] for c in listed] == ["CUST-1"]
    unmonitored = client.put("/counterparties/CUST-2", headers=analyst, json={"name": "Acme Avionics",
                                                                               "monitored": False})
    assert unmonitored.status_code == 201 and unmonitored.json()["screening"] is None
    assert client.get("/counterparties/nobody", headers=viewer).status_code == 404
    bad = client.put("/counterparties/CUST-3", headers=analyst, json={"name": "X", "birth_date": "1954-02-30"})
    assert bad.status_code == 400 and "birth_date" in bad.json()["detail"]


def test_yente_match(client: TestClient, keys: Keys) -> None:
    request = {"queries": {
        "lukashenko": {"schema": "Person", "properties": {"name": ["Aleksandr Lukashenko"],
                                                          "birthDate": ["1954-08-30"], "nationality": ["by"]}},
        "plane": {"schema": "Airplane", "properties": {"registrationNumber": ["EW-001PA"]}},
        "nobody": {"schema": "Company", "properties": {"name": "Nonexistent Trading House"}},
    }, "weights": {}}
    response = client.post("/match/default?limit=3", headers=keys.header("analyst"), json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["limit"] == 3 and set(body["responses"]) == {"lukashenko", "plane", "nobody"}
    person = body["responses"]["lukashenko"]
    assert person["status"] == 200 and person["query"]["schema"] == "Person"
    top = person["results"][0]
    assert top["id"] == "custom:watch:p-1" and top["schema"] == "Person" and top["match"] is True
    assert top["caption"] == "LUKASHENKA, Alyaksandr Ryhorovich" and top["datasets"] == ["custom:watch"]
    assert "Aleksandr Lukashenko" in top["properties"]["alias"] and top["properties"]["birthDate"] == ["1954-08-30"]
    assert set(top["explanations"]["name"]) == {"score", "detail", "query", "candidate"}
    assert top["features"]["name"] == top["explanations"]["name"]["score"]
    assert person["total"]["relation"] == "eq" and person["total"]["value"] >= 1
    plane = body["responses"]["plane"]["results"][0]
    assert plane["id"] == "custom:watch:ac-1" and plane["schema"] == "Airplane"
    assert "EW-001PA" in plane["properties"]["registrationNumber"]
    assert not any(r["match"] for r in body["responses"]["nobody"]["results"])

    scoped = client.post("/match/custom:watch", headers=keys.header("analyst"), json=request)
    assert scoped.status_code == 200
    assert client.post("/match/us_ofac_sdn", headers=keys.header("analyst"), json=request).status_code == 404
    bad_schema = client.post("/match/default", headers=keys.header("analyst"),
                             json={"queries": {"q": {"schema": "Spaceship", "properties": {"name": ["x"]}}}})
    assert bad_schema.status_code == 422 and "queries.q.schema" in bad_schema.json()["detail"]
    no_name = client.post("/match/default", headers=keys.header("analyst"),
                          json={"queries": {"q": {"schema": "Person", "properties": {"nationality": ["by"]}}}})
    assert no_name.status_code == 422 and "queries.q.properties" in no_name.json()["detail"]
    empty = client.post("/match/default", headers=keys.header("analyst"), json={"queries": {}})
    assert empty.status_code == 422


BELAVIA_FLIGHT = {
    "kind": "flight", "date": "2025-10-01",
    "parties": [{"role": "operator", "name": "Belavia", "country": "BY"}],
    "aircraft": {"registration": "EW-455PA", "model": "Boeing 737-800", "operator": "Belavia",
                 "subject_to_ear": True, "eccn": "9A991.b"},
    "route": {"from": "MSQ", "to": "SVO"},
}


def test_check_is_stored_and_its_parties_raise_alerts(client: TestClient, keys: Keys,
                                                     served_engine: Engine) -> None:
    response = client.post("/check", headers=keys.header("analyst"), json=BELAVIA_FLIGHT)
    assert response.status_code == 200, response.text
    body = response.json()
    bis = body["verdicts"]["US.BIS"]
    assert bis["outcome"] == "LICENSE_REQUIRED" and bis["review"] == "denial"
    assert body["verdicts"]["US.OFAC"]["outcome"] == "AUTHORIZED" and body["date"] == "2025-10-01"
    assert body["packs"][0]["name"] == "belarus" and body["transaction"] == BELAVIA_FLIGHT
    stored = client.get(f"/checks/{body['check_id']}", headers=keys.header("viewer")).json()
    assert stored["verdicts"] == body["verdicts"] and stored["sha256"] == body["sha256"]
    [alert] = client.get("/alerts?status=open", headers=keys.header("viewer")).json()
    assert alert["subject"] == "party:belavia" and alert["check_id"] == body["check_id"]
    assert alert["entity_id"].startswith("pack:belarus:")
    [event] = served_engine.audit.events(limit=1, kind="check")
    assert event.payload["outcomes"]["US.BIS"] == "LICENSE_REQUIRED" and event.payload["sha256"] == body["sha256"]
    # The same party checked again: the open alert is refreshed, not duplicated.
    again = client.post("/check?at=2025-06-01", headers=keys.header("analyst"), json=BELAVIA_FLIGHT).json()
    assert again["date"] == "2025-06-01" and again["verdicts"]["US.OFAC"]["outcome"] == "BLOCKED"
    assert [a["action"] for a in again["alerts"]] == ["refreshed"]


@pytest.mark.parametrize(("change", "words"), [
    ({"kind": "teleport"}, "teleport"),
    ({"colour": "red"}, "colour"),
    ({"date": "2025-13-40"}, "date"),
    ({"route": {"from": "MSQ", "to": "XXQ"}}, "XXQ"),
])
def test_bad_transactions_are_422(client: TestClient, keys: Keys, change: dict[str, Any], words: str) -> None:
    response = client.post("/check", headers=keys.header("analyst"), json={**BELAVIA_FLIGHT, **change})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "TransactionError" and words in response.json()["detail"]
    assert client.get("/alerts", headers=keys.header("viewer")).json() == []  # nothing half-written
