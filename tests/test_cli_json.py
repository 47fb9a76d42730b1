"""--json output matches its documentation (docs/cli.md); progress bars only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.cli import main
from local_http import local_server

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"
OPAQUE = {"record", "properties"}  # free-form objects: documented as a whole


def documented_fields(command: str) -> dict[str, bool]:
    """Field path -> optional, from the table after ``<!-- json-fields: COMMAND -->``."""
    text = DOC.read_text(encoding="utf-8")
    marker = f"<!-- json-fields: {command} -->"
    assert marker in text, f"{DOC} does not document {command} --json"
    fields: dict[str, bool] = {}
    for line in text.split(marker, 1)[1].lstrip().splitlines():
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        match = re.fullmatch(r"`([^`]+)`", cells[0])
        if match:
            fields[match.group(1)] = "optional" in cells[1]
    assert fields, f"no fields documented for {command}"
    return fields


def json_paths(data: Any, prefix: str = "") -> tuple[set[str], set[str]]:
    """(leaf paths, paths of non-empty arrays of objects); an empty array gives ``path[]``."""
    leaves: set[str] = set()
    arrays: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            if key in OPAQUE or not isinstance(value, dict | list):
                leaves.add(path)
            else:
                sub_leaves, sub_arrays = json_paths(value, path)
                leaves |= sub_leaves
                arrays |= sub_arrays
    elif isinstance(data, list):
        path = f"{prefix}[]"
        if not data:
            leaves.add(path)
        elif all(not isinstance(item, dict | list) for item in data):
            leaves.add(prefix)  # an array of scalars is one field
        else:
            arrays.add(path)
            for item in data:
                sub_leaves, sub_arrays = json_paths(item, path)
                leaves |= sub_leaves
                arrays |= sub_arrays
    else:
        leaves.add(prefix)
    return leaves, arrays


def check_against_docs(command: str, samples: list[Any]) -> None:
    documented = documented_fields(command)
    emitted: set[str] = set()
    arrays: set[str] = set()
    for sample in samples:
        leaves, found_arrays = json_paths(sample)
        emitted |= leaves
        arrays |= found_arrays
    for path in sorted(emitted):
        if path.endswith("[]"):  # an empty array: documented as an array of scalars, or by its items
            assert path[:-2] in documented or any(d.startswith(path + ".") for d in documented), (
                f"{command} --json emits the array {path[:-2]!r}, which {DOC.name} does not document")
            emitted.add(path[:-2])
        else:
            assert path in documented, f"{command} --json emits {path!r}, which {DOC.name} does not document"
    for path, optional in documented.items():
        if optional:
            continue
        parent = path[: path.rindex("[]") + 2] if "[]" in path else None
        if parent is None or parent in arrays:
            assert path in emitted, f"{DOC.name} documents {command} field {path!r}, which is not emitted"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clearance", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def cli_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``clearance ... --json`` through the CLI entry point, in this process (the suite stays fast;
    test_progress_bar_on_a_terminal_only and the other CLI tests run real processes)."""

    def run(*args: str, env: dict[str, str] | None = None, code: int = 0) -> Any:
        with monkeypatch.context() as patched:
            for key, value in (env or {}).items():
                patched.setenv(key, value)
            capsys.readouterr()
            with pytest.raises(SystemExit) as exited:
                main([*args, "--json"])
            out, err = capsys.readouterr()
        assert exited.value.code == code, err
        return json.loads(out)

    return run


@pytest.fixture
def two_versions(fixtures: Path, tmp_path: Path, db_path: str) -> tuple[Path, Path]:
    first = fixtures / "custom_list.csv"
    text = first.read_text().replace("A supplier we watch", "A supplier we watch closely")
    second = tmp_path / "custom_list.csv"
    second.write_text("\n".join(line for line in text.splitlines() if not line.startswith("p-1,"))
                      + "\nv-1,vessel,OCEAN STAR,,,PA,imo:9123456,,\n")
    return first, second


def test_json_output_matches_docs(two_versions: tuple[Path, Path], tmp_path: Path, db_path: str,
                                  cli_json: Callable[..., Any]) -> None:
    first, second = two_versions
    db = ["--db", db_path]
    ingested = cli_json("ingest", str(first), "--source", "custom:watch", *db)
    ingested += cli_json("ingest", str(second), "--source", "custom:watch", *db)
    check_against_docs("ingest", [ingested])
    check_against_docs("lists", [cli_json("lists", *db)])
    diff = cli_json("diff", "custom:watch", *db)
    assert diff["counts"] == {"added": 1, "removed": 1, "changed": 1}
    check_against_docs("diff", [diff])
    entities = [cli_json("entity", f"custom:watch:{local}", *db) for local in ("ac-1", "c-1", "v-1")]
    entities.append(cli_json("entity", "custom:watch:p-1", *db))
    check_against_docs("entity", entities)

    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "watch.csv").write_bytes(first.read_bytes())
    (folder / "SOURCES.md").write_text("# not a list\n")
    from_folder = cli_json("update", *db, env={"CLEARANCE_LISTS_DIR": str(folder)})
    with local_server() as server:
        urls = {"custom:watch": server.url("/missing.csv"), "custom:other": server.add_file("/o.csv", first)}
        env = {"CLEARANCE_SOURCE_URLS": json.dumps(urls), "CLEARANCE_DOWNLOAD_RETRIES": "0"}
        downloaded = cli_json("update", "--source", "custom:watch", "--source", "custom:other", *db, env=env,
                              code=4)
    assert [i["status"] for i in downloaded["lists"]] == ["failed", "new"]
    assert from_folder["skipped"][0]["path"].endswith("SOURCES.md")
    check_against_docs("update", [from_folder, downloaded])


def test_docs_check_would_notice_an_undocumented_field() -> None:
    with pytest.raises(AssertionError, match="does not document"):
        check_against_docs("diff", [{"source": "x", "from": None, "to": "v", "counts": {}, "surprise": 1}])


def _run_in_terminal(args: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return (exit code, everything shown)."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "clearance", *args], stdin=terminal, stdout=terminal,
                            stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    os.close(controller)
    return proc.wait(timeout=10), output.decode("utf-8", "replace")


def _big_list(path: Path, rows: int) -> Path:
    lines = ["id,type,name,aliases,country,remarks"]
    lines += [f"r-{i},person,Person {i} Example,Alias {i},RU,remark {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_progress_bar_on_a_terminal_only(tmp_path: Path, new_db: Callable[[str], str]) -> None:
    big = _big_list(tmp_path / "big.csv", 5000)
    piped = cli("ingest", str(big), "--source", "custom:big", "--db", new_db("piped"))
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""  # no bar, no spinner, no control codes in a pipe
    assert "\x1b[" not in piped.stdout and "ingest custom:big" not in piped.stdout

    code, shown = _run_in_terminal(["ingest", str(big), "--source", "custom:big", "--db", new_db("tty")])
    assert code == 0, shown
    assert "ingest custom:big" in shown and "5000" in shown
    assert "━" in shown  # the bar itself
