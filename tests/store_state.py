"""Read a store directly (not through clearance) to prove it did not change."""

from __future__ import annotations

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
