"""clearance update: downloads from a real HTTP server on 127.0.0.1, and loading a lists folder.

Every failure mode of a download (404, a stalled server, an oversize file, an HTML page, a dropped
connection, a truncated list) must leave the store exactly as it was and name the source.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance.engine import Engine
from clearance.errors import ConfigurationError, NotFoundError
from clearance.settings import Settings
from clearance.sources.catalog import SOURCES
from local_http import LocalServer, Route, local_server
from store_state import store_snapshot


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as srv:
        yield srv


def make_engine(db: str, urls: dict[str, object] | str, **settings: object) -> Engine:
    raw = urls if isinstance(urls, str) else json.dumps(urls)
    values: dict[str, object] = {"download_retries": 0, "download_timeout": 5.0, **settings}
    return Engine(settings=Settings.from_env({}, db=db, source_urls=raw, **values))


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "clearance", *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def edited_list(fixtures: Path, tmp_path: Path) -> Path:
    """The fixture list with one entity removed and one added: a second, different version."""
    lines = (fixtures / "custom_list.csv").read_text().splitlines()
    edited = tmp_path / "watch-v2.csv"
    edited.write_text("\n".join(line for line in lines if not line.startswith("p-1,")) +
                      "\nv-1,vessel,OCEAN STAR,,,PA,imo:9123456,,\n")
    return edited


def test_update_downloads_and_ingests(server: LocalServer, fixtures: Path, db_path: str) -> None:
    url = server.add_file("/lists/watch.csv", fixtures / "custom_list.csv")
    with make_engine(db_path, {"custom:watch": url}) as engine:
        report = engine.update(["custom:watch"])
        assert report.exit_code == 0 and report.mode == "download"
        (item,) = report.lists
        assert item.status == "new" and item.result is not None
        assert item.result.version.entities == 3
        assert item.result.version.origin == url  # the address, not the temporary file
        again = engine.update(["custom:watch"]).lists[0]
        assert again.status == "unchanged"
        assert [v.label for v in engine.versions("custom:watch")] == [item.result.version.label]
    assert server.hits == ["/lists/watch.csv", "/lists/watch.csv"]


def test_without_source_every_configured_source_updates(server: LocalServer, fixtures: Path, db_path: str) -> None:
    # An empty list switches a catalogue source off, so nothing here can reach a publisher.
    urls: dict[str, object] = {sid: [] for sid, info in SOURCES.items() if info.urls}
    urls["custom:a"] = server.add_file("/a.csv", fixtures / "custom_list.csv")
    urls["custom:b"] = server.add_file("/b.csv", fixtures / "custom_list.csv")
    with make_engine(db_path, urls) as engine:
        report = engine.update()
    assert sorted(i.source for i in report.lists) == ["custom:a", "custom:b"]
    assert sorted(server.hits) == ["/a.csv", "/b.csv"]


@pytest.mark.parametrize(
    ("route", "settings", "problem"),
    [
        (Route(b"gone", status=404), {}, "HTTP 404"),
        (Route(b"id,type,name\n", stall=3.0), {"download_timeout": 0.5}, "no answer within 0.5 s"),
        (Route(b"x" * 5000), {"download_max_bytes": 1000}, "file is 5,000 bytes, over the limit of 1,000"),
        (Route(b"x" * 5000, chunked=True), {"download_max_bytes": 1000}, "file exceeds the limit of 1,000 bytes"),
        (Route(b"<!DOCTYPE html><html><body>Service unavailable</body></html>", content_type="text/html"), {},
         "the server sent an HTML page"),
        (Route(b"id,type,name\nx,person,Someone\n" * 50, send_only=100), {},
         "connection closed|peer closed connection"),
        (Route(b""), {}, "the server sent an empty file"),
        (Route(b"%PDF-1.7 binary"), {}, "not a list format clearance recognises"),
    ],
    ids=["404", "stalled", "oversize", "oversize-chunked", "html", "dropped", "empty", "not-a-list"],
)
def test_failed_download_leaves_store_as_it_was(
    server: LocalServer, fixtures: Path, tmp_path: Path, db_path: str, route: Route, settings: dict[str, object],
    problem: str,
) -> None:
    good = server.add_file("/good.csv", fixtures / "custom_list.csv")
    with make_engine(db_path, {"custom:watch": good, "custom:other": good}) as engine:
        engine.update(["custom:watch"])
    before = store_snapshot(db_path)

    bad = server.add("/bad.csv", route)
    other_v2 = server.add_file("/other-v2.csv", edited_list(fixtures, tmp_path))
    started = time.monotonic()
    with make_engine(db_path, {"custom:watch": bad, "custom:other": other_v2}, **settings) as engine:
        report = engine.update(["custom:watch", "custom:other"])
    elapsed = time.monotonic() - started

    failed, other = report.lists
    assert failed.source == "custom:watch" and failed.status == "failed"
    assert failed.error is not None and bad in failed.error
    assert any(p in failed.error for p in problem.split("|")), failed.error
    assert failed.exit_code == 4 and report.exit_code == 4
    assert other.status == "new"  # the other source still updated
    after = store_snapshot(db_path)
    assert after["versions"][: len(before["versions"])] == before["versions"]
    assert [v[1] for v in after["versions"][len(before["versions"]):]] == ["custom:other"]
    assert elapsed < 10


def test_truncated_list_is_refused_and_store_kept(
    server: LocalServer, fixtures: Path, tmp_path: Path, db_path: str
) -> None:
    good = server.add_file("/watch.csv", fixtures / "custom_list.csv")
    with make_engine(db_path, {"custom:watch": good}) as engine:
        engine.update(["custom:watch"])
    before = store_snapshot(db_path)
    whole = edited_list(fixtures, tmp_path).read_bytes()
    cut = whole[: whole.rindex(b"OCEAN")]  # served as a complete response, but the last row is cut
    url = server.add("/watch-cut.csv", Route(cut))
    with make_engine(db_path, {"custom:watch": url}) as engine:
        report = engine.update(["custom:watch"])
        (item,) = report.lists
        assert item.status == "failed" and item.exit_code == 2
        assert item.error is not None and "line 4" in item.error and "row has" in item.error
        assert engine.lists()[0].entities == 3
    assert store_snapshot(db_path) == before


def test_busy_server_is_retried(server: LocalServer, fixtures: Path, db_path: str) -> None:
    url = server.add("/watch.csv", Route((fixtures / "custom_list.csv").read_bytes(), fail_first=1))
    with make_engine(db_path, {"custom:watch": url}, download_retries=1) as engine:
        report = engine.update(["custom:watch"])
    assert report.lists[0].status == "new"
    assert server.hits == ["/watch.csv", "/watch.csv"]


def test_busy_server_gives_up_after_retries(server: LocalServer, db_path: str) -> None:
    url = server.add("/watch.csv", Route(b"x", fail_first=10))
    with make_engine(db_path, {"custom:watch": url}, download_retries=1) as engine:
        item = engine.update(["custom:watch"]).lists[0]
    assert item.error is not None and "HTTP 503" in item.error and "tried 2 times" in item.error
    assert len(server.hits) == 2


def test_content_of_another_source_is_refused(server: LocalServer, fixtures: Path, db_path: str) -> None:
    url = server.add_file("/un.xml", fixtures / "custom_list.csv")
    with make_engine(db_path, {"un-sc": url}) as engine:
        item = engine.update(["un-sc"]).lists[0]
    assert item.error is not None and "format custom-csv" in item.error and "not un-sc" in item.error
    assert store_snapshot(db_path)["versions"] == []


def test_source_urls_setting_is_checked(tmp_path: Path, db_path: str) -> None:
    for raw, problem in [
        ('{"custom:x": 3}', "must be a URL or a list of URLs"),
        ('{"custom:x": "ftp://example.org/x.csv"}', r"is not an http\(s\) URL"),
        ("{not json", "invalid JSON at line 1"),
        (str(tmp_path / "missing.json"), "cannot read it"),
    ]:
        with make_engine(db_path, raw) as engine, pytest.raises(ConfigurationError, match=problem):
            engine.update(["custom:x"])
    with make_engine(db_path, {"no-such-source": "http://127.0.0.1:9/x"}) as engine, pytest.raises(NotFoundError):
        engine.update()


def test_source_urls_from_a_json_file(server: LocalServer, fixtures: Path, tmp_path: Path, db_path: str) -> None:
    config = tmp_path / "urls.json"
    config.write_text(json.dumps({"custom:watch": server.add_file("/w.csv", fixtures / "custom_list.csv")}))
    with make_engine(db_path, str(config)) as engine:
        assert engine.update(["custom:watch"]).lists[0].status == "new"


def test_cli_update_reports_failures_and_exit_code(
    server: LocalServer, fixtures: Path, tmp_path: Path, db_path: str
) -> None:
    urls = {"custom:good": server.add_file("/good.csv", fixtures / "custom_list.csv"),
            "custom:bad": server.add("/bad.csv", Route(b"nope", status=404))}
    env = {"CLEARANCE_DB": db_path, "CLEARANCE_SOURCE_URLS": json.dumps(urls), "CLEARANCE_DOWNLOAD_RETRIES": "0"}
    done = run_cli("update", "--source", "custom:good", "--source", "custom:bad", env=env)
    assert done.returncode == 4, done.stderr
    assert "custom:bad: download from" in done.stderr and "HTTP 404" in done.stderr
    assert "1 of 2 list(s) failed: custom:bad" in done.stderr
    assert re.search(r"custom:good\s*│\s*new\s*│", done.stdout), done.stdout

    done = run_cli("update", "--source", "custom:good", "--source", "custom:bad", "--json", env=env)
    assert done.returncode == 4
    report = json.loads(done.stdout)
    assert report["failed"] == ["custom:bad"]
    assert [i["status"] for i in report["lists"]] == ["unchanged", "failed"]


def test_lists_dir_loads_lists_and_skips_other_files(fixtures: Path, tmp_path: Path, db_path: str) -> None:
    folder = tmp_path / "lists"
    (folder / "mine").mkdir(parents=True)
    (folder / "mine" / "watch.csv").write_bytes((fixtures / "custom_list.csv").read_bytes())
    (folder / "notes.md").write_text("# where the files came from\n")
    (folder / "bench.csv").write_text("query,expected\nJohn,match\n")
    with Engine(settings=Settings.from_env({}, db=db_path, lists_dir=str(folder))) as engine:
        report = engine.update()
    assert report.mode == "folder" and report.exit_code == 0
    assert [(i.source, i.status) for i in report.lists] == [("custom:watch", "new")]
    assert sorted(Path(s.path).name for s in report.skipped) == ["bench.csv", "notes.md"]
    assert all("not a list format" in s.reason for s in report.skipped)


def test_lists_dir_without_lists_is_an_error(tmp_path: Path, db_path: str) -> None:
    (tmp_path / "readme.txt").write_text("nothing here")
    with Engine(settings=Settings.from_env({}, db=db_path, lists_dir=str(tmp_path))) as engine, \
            pytest.raises(NotFoundError, match="no official list file found"):
        engine.update()


# -- the real lists -------------------------------------------------------------------------------
# Every official list file under ../shared/data, by path: (source, entities). SOURCES.md there
# gives the counts; the acceptance criteria assert them.
REAL_LISTS = {
    "bis_dpl/dpl.txt": ("us-bis-dpl", 665),
    "ofac_consolidated": ("us-ofac-cons", 442),
    "ofac_consolidated/consolidated.xml": ("us-ofac-cons", 442),
    "ofac_consolidated_advanced_2020/cons_advanced.xml": ("us-ofac-cons", 375),
    "ofac_consolidated_enhanced_2025-01-10/CONS_ENHANCED.XML": ("us-ofac-cons", 443),
    "ofac_enhanced_xml_irgc/IRGC_sanctions.xml": ("us-ofac-enhanced", 293),
    "ofac_sdn": ("us-ofac-sdn", 13_821),
    "ofac_sdn_2024-05-03_primary_only": ("us-ofac-sdn", 14_965),
    "trade_gov_csl_2022-05-06/consolidated.csv": ("us-trade-csl", 14_160),
    "uk_ofsi_conlist/ConList.xlsx": ("gb-ofsi", 4_688),
    "uk_ofsi_conlist/sanctionsconlist_2018-04-13.csv": ("gb-ofsi", 2_106),
    "un_consolidated/consolidated.xml": ("un-sc", 1_003),
}
# Folders (and files) of benchmark sets, notes and reference data: never lists.
NOT_LISTS = ("SOURCES.md", "airports/", "eu_journal_sanctions_belarus/", "google_ar2en_translit/",
             "opensanctions_nomenklatura_name_bench/", "opensanctions_nomenklatura_ofac_parity/",
             "opensanctions_yente_screening_bench/", "senzing_truthset/")


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_lists_dir_loads_every_list_of_shared_data(data_dir: Path, db_path: str) -> None:
    with Engine(settings=Settings.from_env({}, db=db_path, lists_dir=str(data_dir))) as engine:
        report = engine.update()
        assert report.failed == (), [(i.source, i.error) for i in report.failed]
        loaded = {str(Path(i.origin).relative_to(data_dir)): (i.source, i.result.version.entities)
                  for i in report.lists if i.result is not None}
        assert loaded == REAL_LISTS
        skipped = sorted(str(Path(s.path).relative_to(data_dir)) for s in report.skipped)
        assert all(path.startswith(NOT_LISTS) for path in skipped), skipped
        every_other_file = sorted(
            str(p.relative_to(data_dir)) for p in data_dir.rglob("*")
            if p.is_file() and str(p.relative_to(data_dir)).startswith(NOT_LISTS))
        assert skipped == every_other_file

        latest = {v.source: v for v in engine.lists()}
        assert latest["us-ofac-sdn"].entities == 14_965  # the 2024-05-03 snapshot, ingested last
        assert latest["us-ofac-cons"].published == "2025-12-18"
        assert latest["gb-ofsi"].published == "2025-04-14"
        versions = {sid: len(engine.versions(sid)) for sid in latest}

        again = engine.update()  # the same folder again: nothing new, nothing reordered
        assert {i.status for i in again.lists} == {"unchanged"}
        assert {sid: len(engine.versions(sid)) for sid in latest} == versions
        assert {v.source: v.id for v in engine.lists()} == {sid: v.id for sid, v in latest.items()}


@pytest.mark.realdata
@pytest.mark.slow
def test_update_downloads_real_lists_from_a_local_server(
    server: LocalServer, data_dir: Path, db_path: str
) -> None:
    server.add_tree("/ofac", data_dir / "ofac_sdn")
    server.add_file("/un/consolidated.xml", data_dir / "un_consolidated" / "consolidated.xml")
    server.add_file("/bis/dpl.txt", data_dir / "bis_dpl" / "dpl.txt")
    urls = {"us-ofac-sdn": [server.url(f"/ofac/{n}") for n in ("sdn.csv", "add.csv", "alt.csv")],
            "un-sc": server.url("/un/consolidated.xml"), "us-bis-dpl": server.url("/bis/dpl.txt")}
    with make_engine(db_path, urls) as engine:
        report = engine.update(["us-ofac-sdn", "un-sc", "us-bis-dpl"])
        assert report.exit_code == 0, [i.error for i in report.failed]
        counts = {i.source: i.result.version.entities for i in report.lists if i.result is not None}
        assert counts == {"us-ofac-sdn": 13_821, "un-sc": 1_003, "us-bis-dpl": 665}
        aircraft = engine.entity("us-ofac-sdn:41416").entity
        assert "EW-001PA" in [i.value for i in aircraft.identifiers]
        sdn = engine.versions("us-ofac-sdn")[-1]
        assert sdn.origin == " ".join(urls["us-ofac-sdn"])
