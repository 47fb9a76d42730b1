"""Read a SQLite store directly (not through clearance) to prove it did not change."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def store_snapshot(db: str | Path) -> dict[str, Any]:
    """Every list version (id, source, label, sha256, entity count) and the row counts of the
    entity tables; an absent file is an empty store."""
    if not Path(db).exists():
        return {"versions": [], "members": 0, "records": 0}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        versions = conn.execute(
            "SELECT id, source, label, sha256, entities FROM list_versions ORDER BY id"
        ).fetchall()
        members = conn.execute("SELECT count(*) FROM version_entities").fetchone()[0]
        records = conn.execute("SELECT count(*) FROM entity_records").fetchone()[0]
        per_version = conn.execute(
            "SELECT version_id, count(*) FROM version_entities GROUP BY version_id ORDER BY version_id"
        ).fetchall()
    finally:
        conn.close()
    return {"versions": versions, "members": members, "records": records, "per_version": per_version}
