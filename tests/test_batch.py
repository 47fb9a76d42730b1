"""screen-file as a partitioned, resumable batch: formats in and out, resuming after an
interruption (in process, and after SIGKILL of a running command), refusing to resume another
run, bad rows named by line and column. The Dask cluster runs are in test_batch_dask.py."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clearance.batch import run_folder
from clearance.cli import main
from clearance.engine import Engine
from clearance.errors import ConflictError, QueryError
from clearance.matching import DEFAULT_THRESHOLD

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

WATCHLIST = Path(__file__).parent / "fixtures" / "matching" / "watchlist.csv"
SOURCE = "custom:watchlist"
NAMES = ["Aleksandr Lukashenko", "Nobody Here", "Mahan Air", "Владимир Путин", "Maria Garcia Lopez",
         "Kim Jong Un", "Jon Smith", "Rosneft Oil Company"]


@pytest.fixture
def db(db_path: str) -> str:
    with Engine(db_path) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
    return db_path


def queries(count: int) -> list[dict[str, str]]:
    rows = []
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        rows.append({"id": f"q{i}", "name": f"{name} {i // len(NAMES)}" if i % 3 == 2 else name,
                     "type": "person" if i % 8 in (0, 3) else "", "birth_date": "1954" if i % 8 == 0 else "",
                     "country": "BY" if i % 16 == 0 else "",
                     "identifiers": "tail_number:EW-001PA" if i % 50 == 7 else ""})
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            record: dict[str, object] = dict(row)
            record["identifiers"] = [i for i in row["identifiers"].split(";") if i]  # lists are accepted too
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_parquet(path: Path, rows: list[dict[str, str]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    code = exited.value.code
    return (code if isinstance(code, int) else 1), " ".join(capsys.readouterr().err.split())


def test_every_input_format_gives_the_same_results(db: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    rows = queries(120)
    outputs = []
    for writer, suffix in ((write_csv, ".csv"), (write_jsonl, ".jsonl"), (write_parquet, ".parquet")):
        source = writer(tmp_path / f"in{suffix}", rows)
        out = tmp_path / f"out-from-{suffix[1:]}.jsonl"
        code, err = run(capsys, "screen-file", str(source), "--out", str(out), "--workers", "1",
                        "--partition-size", "50", "--db", db)
        assert code == 0, err
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    lines = [json.loads(line) for line in outputs[0].decode().splitlines()]
    assert [line["id"] for line in lines] == [r["id"] for r in rows]
    assert lines[0]["results"][0]["entity_id"] == f"{SOURCE}:p-lukashenka"
    assert lines[7]["query"]["identifiers"] == [{"scheme": "tail_number", "value": "EW-001PA"}]


def test_csv_and_parquet_results_hold_the_same_rows(db: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "in.csv", queries(40))
    out_csv, out_parquet = tmp_path / "out.csv", tmp_path / "out.parquet"
    for out in (out_csv, out_parquet):
        code, err = run(capsys, "screen-file", str(source), "--out", str(out), "--workers", "1",
                        "--partition-size", "16", "--db", db)
        assert code == 0, err
    with out_csv.open(encoding="utf-8", newline="") as fh:
        from_csv = list(csv.DictReader(fh))
    table = pq.read_table(out_parquet)
    assert table.schema.field("score").type == pa.float64() and table.schema.field("rank").type == pa.int32()
    from_parquet = table.to_pylist()
    assert len(from_parquet) == len(from_csv) > 40  # one row per hit, one for each query without
    for text, typed in zip(from_csv, from_parquet, strict=True):
        assert text["id"] == typed["id"] and text["entity_id"] == (typed["entity_id"] or "")
        assert text["score"] == ("" if typed["score"] is None else f"{typed['score']:.4f}")
        assert text["programs"] == ";".join(typed["programs"] or [])
    assert from_parquet[0]["match"] is True and from_parquet[0]["programs"] == ["BELARUS"]


class Interrupt(KeyboardInterrupt):
    """Ctrl-C, raised by the progress callback after some partitions are finished."""


def test_interrupted_run_resumes_without_screening_finished_partitions(db: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", queries(230))
    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    notices: list[str] = []
    with Engine(db) as engine:
        engine.screen_file(source, clean, partition_size=20)

        def stop_after_three(done: int, total: int | None) -> None:
            if done >= 60:
                raise Interrupt

        with pytest.raises(Interrupt):
            engine.screen_file(source, out, partition_size=20, progress=stop_after_three, notice=notices.append)
        folder = run_folder(out)
        parts = sorted(p.name.split("-")[:2] for p in folder.glob("*.part"))
        assert parts == [["0000000", "20"], ["0000001", "20"], ["0000002", "20"]]
        assert not out.exists() and "3 finished partition(s) kept" in notices[-1]

        screened: list[int] = []
        report = engine.screen_file(source, out, partition_size=20, notice=notices.append,
                                    progress=lambda done, total: screened.append(done))
    assert "3 finished partition(s) (60 rows) are not screened again" in notices[-1]
    # The progress starts at the resumed rows, then moves once per partition screened: 3 to 11.
    assert screened == [60, *range(80, 230, 20), 230]
    assert (report.rows, report.resumed_rows, report.resumed_partitions, report.partitions) == (230, 60, 3, 12)
    assert out.read_bytes() == clean.read_bytes()
    assert not folder.exists()  # removed once the results file is whole


def test_another_run_is_not_resumed(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "in.csv", queries(100))
    out = tmp_path / "out.jsonl"
    with Engine(db) as engine:
        with pytest.raises(Interrupt):
            engine.screen_file(source, out, partition_size=20, progress=_stop_at(40))
        with pytest.raises(ConflictError, match=rf"threshold \({DEFAULT_THRESHOLD} then, 0\.5 now\).*--restart"):
            engine.screen_file(source, out, partition_size=20, threshold=0.5)
        write_csv(source, queries(101))
        with pytest.raises(ConflictError, match="the input file's content"):
            engine.screen_file(source, out, partition_size=20)
    code, err = run(capsys, "screen-file", str(source), "--out", str(out), "--partition-size", "25", "--db", db)
    assert code == 7 and "partition_size (20 then, 25 now)" in err and "--restart" in err
    code, err = run(capsys, "screen-file", str(source), "--out", str(out), "--partition-size", "25", "--restart",
                    "--db", db)
    assert code == 0, err
    assert "resuming" not in err and len(out.read_text(encoding="utf-8").splitlines()) == 101


def _stop_at(rows: int):  # type: ignore[no-untyped-def]
    def progress(done: int, total: int | None) -> None:
        if done >= rows:
            raise Interrupt

    return progress


@pytest.mark.parametrize(
    ("suffix", "content", "message"),
    [
        (".jsonl", '{"name": "Mahan Air"}\n{"name": "Vladimir Putin", "birth_date": "1952-02-30"}\n',
         "line 2, column birth_date: bad date '1952-02-30'"),
        (".jsonl", '{"name": "Mahan Air"}\n\n{"name": "X", "birthdate": "1952"}\n',
         "line 3: unknown columns ['birthdate']"),
        (".jsonl", '{"name": "Mahan Air"}\n{"name": "X", "identifiers": "imo9187629"}\n',
         "line 2, column identifiers"),
        (".jsonl", '{"name": "Mahan Air"}\n{"name": "X", "type": "ship"}\n', "line 2, column type: unknown type"),
        (".jsonl", '{"name": "Mahan Air"}\n["X"]\n', "line 2: a JSON list (expected one JSON object per line)"),
        (".jsonl", '{"name": "Mahan Air"}\n{"name": "X",\n', "line 2: not JSON"),
        (".jsonl", '{"name": "Mahan Air"}\n{"name": "X", "country": true}\n', "line 2, column country: a boolean"),
        (".parquet", [{"name": "Mahan Air", "country": ""}, {"name": "Kim", "country": "Narnia"}],
         "row 2, column country: unknown country 'Narnia'"),
        (".parquet", [{"name": "Mahan Air", "birth": "1"}], "schema: unknown columns ['birth']"),
    ],
)
def test_bad_rows_name_line_and_column(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str,
                                       content: str | list[dict[str, str]], message: str) -> None:
    source = tmp_path / f"in{suffix}"
    if isinstance(content, str):
        source.write_text(content, encoding="utf-8")
    else:
        write_parquet(source, content)
    out = tmp_path / "out.jsonl"
    code, err = run(capsys, "screen-file", str(source), "--out", str(out), "--db", db)
    assert code == 2, err
    assert str(source) in err and message in err
    assert not out.exists() and not run_folder(out).exists() and not list(tmp_path.glob("*.partial"))


def test_bad_row_in_a_later_partition_leaves_nothing_behind(db: str, tmp_path: Path) -> None:
    rows = queries(90)
    rows[75]["birth_date"] = "someday"
    source = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    with Engine(db) as engine, pytest.raises(QueryError, match=r"line 77, column birth_date: bad date 'someday'"):
        engine.screen_file(source, out, partition_size=10, workers=2)
    assert not out.exists() and not run_folder(out).exists()


def test_dask_without_the_extra_names_it(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails, as when not installed
    source = write_csv(tmp_path / "in.csv", queries(3))
    code, err = run(capsys, "screen-file", str(source), "--out", str(tmp_path / "out.jsonl"), "--dask", "local:1",
                    "--db", db)
    assert code == 6 and "pip install 'clearance[dask]'" in err and "distributed" in err


@pytest.mark.parametrize(("address", "message"), [("local:0", "'0' is not a number of workers"),
                                                  ("somewhere", "expected tcp://HOST:PORT")])
def test_bad_dask_address(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str,
                          message: str) -> None:
    pytest.importorskip("distributed")
    source = write_csv(tmp_path / "in.csv", queries(3))
    code, err = run(capsys, "screen-file", str(source), "--out", str(tmp_path / "out.jsonl"), "--dask", address,
                    "--db", db)
    assert code == 2 and message in err


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigkill_during_a_batch_then_resume(db: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", queries(12_000))
    out, clean = tmp_path / "out.jsonl", tmp_path / "clean.jsonl"
    env = {**os.environ, "CLEARANCE_DB": db}
    command = [sys.executable, "-m", "clearance", "screen-file", str(source), "--partition-size", "200"]
    # Its own session, so that the worker processes are killed with it.
    proc = subprocess.Popen([*command, "--out", str(out), "--workers", "2"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    folder = run_folder(out)
    try:
        deadline = time.monotonic() + 120
        while len(list(folder.glob("*.part"))) < 3:
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "no partition finished in time"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    finished = sorted(folder.glob("*.part"))
    assert 3 <= len(finished) < 60 and not out.exists()
    kept = sum(int(p.stem.split("-")[1]) for p in finished)

    resumed = subprocess.run([*command, "--out", str(out), "--workers", "2"], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    err = " ".join(resumed.stderr.split())
    assert resumed.returncode == 0, err
    assert f"{len(finished)} finished partition(s) ({kept:,} rows) are not screened again" in err
    assert re.search(rf"screened 12,000 rows \({kept:,} of them from {len(finished)} partition\(s\)", err), err
    done = subprocess.run([*command, "--out", str(clean), "--workers", "1"], env=env, capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0
    assert out.read_bytes() == clean.read_bytes()
    assert not folder.exists()


def test_two_runs_do_not_write_the_same_results(db: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", queries(10))
    out = tmp_path / "out.jsonl"
    folder = run_folder(out)
    folder.mkdir()
    with (folder / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running screen-file holds it
        with Engine(db) as engine, pytest.raises(ConflictError, match="another screen-file run is writing"):
            engine.screen_file(source, out)
    with Engine(db) as engine:
        assert engine.screen_file(source, out).rows == 10


def test_workers_and_dask_exclude_each_other(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "in.csv", queries(3))
    code, err = run(capsys, "screen-file", str(source), "--out", str(tmp_path / "out.jsonl"), "--workers", "2",
                    "--dask", "local:2", "--db", db)
    assert code == 2 and "--workers and --dask: give one of them" in err
