"""What every list-format test needs: the real command line run on a real SQLite file.

``cli`` runs ``python -m clearance`` in a subprocess (so the exit code and the printed error
are what a user sees); ``ingest_twice`` proves a file ingests by auto-detection and that a
second ingest is a no-op; ``rejected`` proves a bad file gets one clear error, exit code 2, and
leaves the store exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.cli import main
from clearance.engine import Engine
from clearance.model import Entity
from clearance.sources import open_list

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(db_path: str) -> CliRunner:
    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "1000", "CLEARANCE_DB": db_path}
        return subprocess.run([sys.executable, "-m", "clearance", *map(str, args)], capture_output=True,
                              text=True, env=env, timeout=300, check=False)

    return run


@pytest.fixture
def ingest_twice(cli: CliRunner, db_path: str, capsys: pytest.CaptureFixture[str]) -> Callable[[Path], dict[str, Any]]:
    """Ingest ``path`` with auto-detection through the CLI in a subprocess, then again through
    the same entry point in this process (a fresh process costs seconds); return the first result."""

    def check(path: Path) -> dict[str, Any]:
        first = cli("ingest", path, "--db", db_path, "--json")
        assert first.returncode == 0, first.stderr
        [created] = json.loads(first.stdout)
        assert created["created"] is True
        assert created["added"] == created["entities"]
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["ingest", str(path), "--db", db_path, "--json"])
        out, err = capsys.readouterr()
        assert exited.value.code == 0, err
        [noop] = json.loads(out)
        assert noop["created"] is False
        assert noop["version"] == created["version"]
        with Engine(db_path) as engine:
            assert len(engine.versions(created["source"])) == 1
        return dict(created)

    return check


def _store_state(db_path: str) -> list[tuple[str, str, int, list[str]]]:
    with Engine(db_path) as engine:
        return [(v.source, v.label, v.entities, sorted(e.id for e in engine.entities([v.source])))
                for v in engine.lists()]


@pytest.fixture
def rejected(db_path: str, fixtures: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Run ``clearance ingest PATH [args] --json`` (the CLI entry point, in this process to keep
    the suite fast) on a store already holding a custom list; assert exit code 2, that the one
    error message names the file and each fragment, that nothing went to stdout, and that the
    store is unchanged. Returns the message."""
    monkeypatch.setenv("COLUMNS", "1000")  # no wrapping of the message by the terminal width

    def check(path: Path, *fragments: str, args: tuple[str, ...] = ()) -> str:
        with Engine(db_path) as engine:
            engine.ingest([fixtures / "custom_list.csv"], source="custom:seed")
        before = _store_state(db_path)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["ingest", str(path), *args, "--db", db_path, "--json"])
        out, err = capsys.readouterr()
        message = " ".join(err.split())
        assert exited.value.code == 2, (exited.value.code, out, err)
        assert message.startswith("error: ") and message.count("error: ") == 1
        assert str(path) in message
        for fragment in fragments:
            assert fragment in message, (fragment, message)
        assert out == ""
        assert _store_state(db_path) == before
        return message

    return check


def _parse_all(path: Path, fmt: str | None = None, source: str | None = None) -> dict[str, Entity]:
    parsed = open_list(path, source=source, fmt=fmt)
    entities: dict[str, Entity] = {}
    for entity in parsed.entities:
        assert entity.local_id not in entities, f"duplicate id {entity.id}"
        entities[entity.local_id] = entity
    return entities


@pytest.fixture
def parse_all() -> Callable[..., dict[str, Entity]]:
    """``parse_all(path, fmt=None, source=None)``: every entity of a file by local id, no duplicates."""
    return _parse_all
