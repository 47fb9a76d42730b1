"""Read a store directly (not through clearance) to prove it did not change or is whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from databases import is_url, raw_connection


def store_snapshot(db: str | Path) -> dict[str, Any]:
    """Every list version (id, source, label, sha256, entity count) and the row counts of the
    entity tables; an absent SQLite file is an empty store."""
    db = str(db)
    if not is_url(db) and not Path(db).exists():
        return {"versions": [], "members": 0, "records": 0}
    with raw_connection(db) as conn:
        versions = [tuple(row) for row in conn.execute(
            "SELECT id, source, label, sha256, entities FROM list_versions ORDER BY id"
        ).fetchall()]
        members = conn.execute("SELECT count(*) FROM version_entities").fetchone()[0]
        records = conn.execute("SELECT count(*) FROM entity_records").fetchone()[0]
        per_version = [tuple(row) for row in conn.execute(
            "SELECT version_id, count(*) FROM version_entities GROUP BY version_id ORDER BY version_id"
        ).fetchall()]
    if not versions and not members and not records:
        return {"versions": [], "members": 0, "records": 0}
    return {"versions": versions, "members": members, "records": records, "per_version": per_version}


def cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``clearance ARGS --db DB`` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "clearance", *args, "--db", db], capture_output=True, text=True,
                          timeout=240, check=False)


def verified_chain(db: str) -> dict[str, Any]:
    """``clearance audit verify --json`` must pass and the events be numbered 1..n with no gap;
    returns what it printed."""
    done = cli(db, "audit", "verify", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    check = json.loads(done.stdout)
    with raw_connection(db) as raw:
        seqs = [row[0] for row in raw.execute("SELECT seq FROM audit_events ORDER BY seq").fetchall()]
    assert seqs == list(range(1, check["events"] + 1)) and check["head"]["seq"] == check["events"]
    return dict(check)
