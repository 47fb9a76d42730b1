"""The screen and screen-file commands, run through the CLI's entry point."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from clearance.cli import main
from clearance.engine import Engine

WATCHLIST = Path(__file__).parent / "fixtures" / "matching" / "watchlist.csv"
SOURCE = "custom:watchlist"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


@pytest.fixture
def db(db_path: str) -> str:
    with Engine(db_path) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
    return db_path


def test_screen_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "screen", "Лукашенко Александр", "--type", "person", "--birth-date", "1954-08",
                       "--country", "Belarus", "--json", "--db", db)
    assert code == 0
    data = json.loads(out)
    assert data["query"] == {"name": "Лукашенко Александр", "type": "person", "birth_date": "1954-08",
                             "country": "BY", "identifiers": []}
    hit = data["results"][0]
    assert hit["entity_id"] == f"{SOURCE}:p-lukashenka" and hit["match"] is True
    name = hit["explanation"][0]
    assert name["feature"] == "name" and name["query"] == "Лукашенко Александр"
    assert "read as 'lukashenko aleksandr'" in name["detail"]


def test_screen_identifier_option(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "screen", "presidential aircraft", "--type", "aircraft", "--id",
                       "tail_number:EW 001 PA", "--json", "--db", db)
    assert code == 0
    hit = json.loads(out)["results"][0]
    assert hit["entity_id"] == f"{SOURCE}:a-ew001pa"
    assert hit["explanation"][0]["feature"] == "identifier"


def test_screen_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "screen", "Mahan Air", "--db", db)
    assert code == 0
    assert "MATCH" in out and "c-mahan" in out and "1 match at threshold" in out
    assert f"lists: {SOURCE}" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--birth-date", "1954-13-01"), "column birth_date: bad date '1954-13-01'"),
        (("--country", "Atlantis"), "column country: unknown country 'Atlantis'"),
        (("--id", "EW001PA"), "expected SCHEME:VALUE"),
        (("--source", "custom:nowhere"), "custom:nowhere not loaded"),
    ],
)
def test_screen_bad_input_exits_2(db: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                  message: str) -> None:
    code, _, err = run(capsys, "screen", "Mahan Air", *args, "--db", db)
    assert code == 2
    assert message in " ".join(err.split())


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_screen_file_jsonl_in_input_order(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [["id", "name", "type", "birth_date", "country", "identifiers"]]
    names = ["Aleksandr Lukashenko", "Nobody Here", "Mahan Air", "Presidential jet", "Владимир Путин"]
    for i in range(300):
        ids = "tail_number:EW-001PA" if names[i % 5] == "Presidential jet" else ""
        rows.append([f"r{i}", names[i % 5], "", "1954" if i % 5 == 0 else "", "", ids])
    source = _write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "screen-file", str(source), "--out", str(out), "--workers", "2", "--db", db)
    assert code == 0, err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [f"r{i}" for i in range(300)]
    assert lines[0]["results"][0]["entity_id"] == f"{SOURCE}:p-lukashenka"
    assert lines[1]["results"] == []
    assert lines[3]["results"][0]["entity_id"] == f"{SOURCE}:a-ew001pa"
    assert lines[4]["results"][0]["entity_id"] == f"{SOURCE}:p-putin"
    summary = " ".join(err.split())
    assert "screened 300 rows with 2 local processes: 240 with a match" in summary
    # Start-up, paid once before the workers fork: the index, then rigour's name data.
    assert re.search(r"\(index (built|cache) in \d+\.\ds; rigour's name data loaded in \d+\.\ds\)", summary), summary


def test_screen_file_csv(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "in.csv", [["name"], ["Mahan Air"], ["Nobody Here"]])
    out = tmp_path / "out.csv"
    code, _, _ = run(capsys, "screen-file", str(source), "--out", str(out), "--workers", "1", "--db", db)
    assert code == 0
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["id"] == "2" and rows[0]["entity_id"] == f"{SOURCE}:c-mahan" and rows[0]["match"] == "true"
    assert "name 1.00" in rows[0]["explanation"] or "name 0." in rows[0]["explanation"]
    assert rows[1]["id"] == "3" and rows[1]["entity_id"] == "" and rows[1]["rank"] == "0"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["name", "birth_date"], ["Mahan Air", ""], ["Vladimir Putin", "1952-02-30"]],
         "line 3, column birth_date: bad date '1952-02-30'"),
        ([["name", "birthdate"], ["Mahan Air", ""]], "line 1: unknown columns ['birthdate']"),
        ([["id", "type"], ["1", "person"]], "no 'name' column"),
        ([["name", "type"], ["Mahan Air", "ship"]], "line 2, column type: unknown type 'ship'"),
        ([["name", "identifiers"], ["Mahan Air", "imo9187629"]], "line 2, column identifiers"),
        ([["name", "type"], ["Mahan Air"]], "line 2: 1 cells (expected 2"),
    ],
)
def test_screen_file_bad_rows_exit_2_and_leave_no_output(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         rows: list[list[str]], message: str) -> None:
    source = _write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "screen-file", str(source), "--out", str(out), "--db", db)
    assert code == 2
    assert str(source) in err.replace("\n", "") and message in " ".join(err.split())
    assert not out.exists() and not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.parts"))


def test_screen_file_refuses_unknown_output_format(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "in.csv", [["name"], ["Mahan Air"]])
    code, _, err = run(capsys, "screen-file", str(source), "--out", str(tmp_path / "out.xlsx"), "--db", db)
    assert code == 2 and "unknown format '.xlsx' (expected .csv, .jsonl or .parquet)" in " ".join(err.split())


def test_json_output_matches_docs(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_cli_json import check_against_docs  # the documentation checker of the other commands

    samples = []
    for args in (("Лукашенко Александр", "--birth-date", "1954"), ("x", "--id", "tail_number:EW-001PA"),
                 ("Nobody Here",)):
        code, out, _ = run(capsys, "screen", *args, "--json", "--db", db)
        assert code == 0
        samples.append(json.loads(out))
    source = _write(tmp_path / "in.csv", [["id", "name"], ["a", "Mahan Air"]])
    out_file = tmp_path / "out.jsonl"
    assert run(capsys, "screen-file", str(source), "--out", str(out_file), "--db", db)[0] == 0
    samples += [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    check_against_docs("screen", samples)


def test_screen_is_stored_with_its_audit_event_unless_no_record(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "screen", "Mahan Air", "--json", "--db", db)
    assert code == 0
    answered = json.loads(out)
    assert "stored as screening" in err
    with Engine(db) as engine:
        (stored,) = engine.records.screenings()
        assert stored.origin == "cli" and stored.actor == engine.settings.actor_name
        assert stored.result["results"] == answered["results"] and stored.result["lists"] == answered["lists"]
        (event,) = engine.audit.events(kind="screening")
        assert event.payload["screening_id"] == stored.id and event.payload["sha256"] == stored.sha256
        assert engine.audit.verify().ok

    code, _, err = run(capsys, "screen", "Mahan Air", "--no-record", "--db", db)
    assert code == 0 and "stored as" not in err
    with Engine(db) as engine:
        assert len(engine.records.screenings()) == 1
