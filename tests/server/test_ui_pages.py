"""The web UI over HTTP (in-process): sessions, roles, form errors, cross-site posts, and the
pages on a store of 50,000 entities (timed)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serving import Keys, make_keys

from clearance.engine import Engine
from clearance.server import create_app
from clearance.server.auth import SESSION_COOKIE


def login(client: TestClient, key: str) -> None:
    response = client.post("/ui/login", data={"key": key, "next": "/ui/"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie


def test_pages_need_a_session(client: TestClient, keys: Keys) -> None:
    response = client.get("/ui/alerts?status=open", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/login?next=/ui/alerts%3Fstatus%3Dopen"
    wrong = client.post("/ui/login", data={"key": "clr_nope_nope"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    revoked = client.post("/ui/login", data={"key": keys.revoked})
    assert revoked.status_code == 401
    # No open redirect: "next" stays on this site.
    response = client.post("/ui/login", data={"key": keys.viewer, "next": "https://evil.example/"},
                           follow_redirects=False)
    assert response.headers["location"] == "/ui/"


def test_session_ends_at_logout_and_when_the_key_is_revoked(client: TestClient, served_engine: Engine) -> None:
    created = served_engine.keys.create(served_engine.keys.all()[0].role, label="temp", actor="t")
    login(client, created.secret)
    assert client.get("/ui/lists").status_code == 200
    served_engine.keys.revoke(created.key.id, actor="t")
    assert client.get("/ui/lists", follow_redirects=False).status_code == 303
    login(client, make_keys(served_engine).viewer)
    token = client.cookies.get(SESSION_COOKIE)
    assert token and served_engine.keys.session(token) is not None
    assert client.post("/ui/logout", follow_redirects=False).status_code == 303
    assert served_engine.keys.session(token) is None
    assert [e.kind for e in served_engine.audit.events(limit=2)] == ["session.closed", "session.opened"]


def test_viewer_reads_but_cannot_write(client: TestClient, keys: Keys) -> None:
    login(client, keys.viewer)
    assert client.get("/ui/screen").status_code == 200
    response = client.post("/ui/screen", data={"name": "Lukashenko"})
    assert response.status_code == 403 and "needs the analyst role" in response.text
    assert client.post("/ui/check", data={"kind": "flight"}).status_code == 403
    assert client.post("/ui/alerts/1/decision", data={"judgement": "escalate", "reason": "x"}).status_code == 403
    page = client.get("/ui/counterparties")
    assert page.status_code == 200 and "counterparty-form" not in page.text


def test_forms_report_bad_input_in_the_page(client: TestClient, keys: Keys) -> None:
    login(client, keys.analyst)
    bad = client.post("/ui/screen", data={"name": "Lukashenko", "birth_date": "yesterday"})
    assert bad.status_code == 422 and "birth_date" in bad.text and 'value="Lukashenko"' in bad.text
    empty = client.post("/ui/screen", data={"name": "  "})
    assert empty.status_code == 422 and "name" in empty.text
    bad_json = client.post("/ui/check", data={"json": "{not json"})
    assert bad_json.status_code == 422 and "line 1 column 2" in bad_json.text
    unknown = client.post("/ui/check", data={"json": '{"kind": "teleport", "date": "2025-10-01"}'})
    assert unknown.status_code == 422 and "teleport" in unknown.text
    bad_cp = client.post("/ui/counterparties", data={"id": "bad id", "name": "X"})
    assert bad_cp.status_code == 422 and "id" in bad_cp.text


def test_cross_site_posts_are_refused(client: TestClient, keys: Keys) -> None:
    login(client, keys.analyst)
    response = client.post("/ui/screen", data={"name": "Lukashenko"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "cross-site" in response.text
    ok = client.post("/ui/screen", data={"name": "Lukashenko"}, headers={"Origin": "http://testserver"},
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/ui/screenings/")


def test_screen_check_and_decide_through_forms(client: TestClient, keys: Keys, served_engine: Engine) -> None:
    login(client, keys.analyst)
    screened = client.post("/ui/screen", data={"name": "", "identifiers": "tail_number:EW-001PA"})
    assert screened.status_code == 200 and 'data-entity="custom:watch:ac-1"' in screened.text
    saved = client.post("/ui/counterparties", data={"id": "C-7", "name": "Aleksandr Lukashenko", "type": "person"})
    assert saved.status_code == 200 and "Aleksandr Lukashenko" in saved.text
    [alert] = served_engine.alerts.find(status="open")
    page = client.get(f"/ui/alerts/{alert.id}")
    assert 'id="decision-form"' in page.text and f'name="revision" value="{alert.revision}"' in page.text
    stale = client.post(f"/ui/alerts/{alert.id}/decision",
                        data={"judgement": "escalate", "reason": "look", "revision": alert.revision + 5})
    assert stale.status_code == 409 and "changed since it was read" in stale.text
    done = client.post(f"/ui/alerts/{alert.id}/decision",
                       data={"judgement": "escalate", "reason": "Senior review", "revision": alert.revision})
    assert done.status_code == 200 and "escalated" in done.text and "Senior review" in done.text


def _big_list(path: Path, data_dir: Path, size: int, marker: str) -> Path:
    names = data_dir / "opensanctions_yente_screening_bench" / "negatives_global.csv"
    with names.open(encoding="utf-8") as fh, path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "type", "name", "aliases", "birth_date", "country", "identifiers", "programs",
                         "remarks"])
        for n, row in enumerate(csv.DictReader(fh)):
            if n == size:
                break
            remarks = marker if n % 100 == 0 else ""  # one entity in a hundred changes between versions
            writer.writerow([f"e{n}", "person", row["full_name"], "", row["date_of_birth"], row["nationality"],
                             f"passport:P{n:07d}", "TEST", remarks])
    return path


@pytest.mark.realdata
@pytest.mark.slow
def test_pages_are_fast_on_50000_entities(tmp_path: Path, data_dir: Path, db_path: str) -> None:
    with Engine(db_path) as engine:
        engine.ingest([_big_list(tmp_path / "v1.csv", data_dir, 50_000, "")], source="custom:big")
        engine.ingest([_big_list(tmp_path / "v2.csv", data_dir, 50_000, "changed")], source="custom:big")
        keys = make_keys(engine)
        engine.warm()
        with TestClient(create_app(engine, warm=False)) as client:
            login(client, keys.analyst)
            screened = client.post("/ui/screen", data={"name": "Patricia Lucas Wheeler"}, follow_redirects=False)
            screening_page = screened.headers["location"]
            pages = ["/ui/", "/ui/lists", "/ui/lists/custom:big", "/ui/lists/custom:big/diff",
                     "/ui/lists/custom:big/diff?to=" + engine.versions("custom:big")[0].label,
                     "/ui/entities/custom:big:e4242", screening_page, "/ui/screen", "/ui/alerts", "/ui/audit",
                     "/ui/counterparties", "/ui/check"]
            timings = {}
            for page in pages:
                began = time.perf_counter()
                response = client.get(page)
                timings[page] = time.perf_counter() - began
                assert response.status_code == 200, (page, response.text[:300])
            began = time.perf_counter()
            assert client.post("/ui/screen", data={"name": "Ingeborg Abrahamsen"}).status_code == 200
            timings["POST /ui/screen (screen, store, render)"] = time.perf_counter() - began
    print("\n".join(f"{t * 1000:8.1f} ms  {p}" for p, t in timings.items()))
    # A page that reads a list version's changes shows 200 of 50,000 "added" in the first version.
    slow = {p: round(t, 3) for p, t in timings.items() if t > 1.0}
    assert slow == {}, slow
