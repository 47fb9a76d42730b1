"""Named schema migrations, applied in order, each once, each recorded with its time.

Add a migration by appending a ``Migration`` to ``MIGRATIONS``; never edit one that has shipped.
Both backends run the same migrations: they are written in SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, select

from clearance.store import decision_schema, schema
from clearance.store.backends import serialise


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


def _create(*tables: Table) -> Callable[[Connection], None]:
    def apply(conn: Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)
            for index in table.indexes:
                index.create(conn, checkfirst=True)

    return apply


def _create_audit_log(conn: Connection) -> None:
    _create(decision_schema.audit_events, decision_schema.audit_head)(conn)
    head = decision_schema.audit_head
    conn.execute(head.insert().values(id=1, seq=0, hash=decision_schema.GENESIS_HASH))

MIGRATIONS: list[Migration] = [
    Migration(
        "0001_list_versions_and_entities",
        _create(schema.list_versions, schema.entity_records, schema.version_entities),
    ),
    Migration("0002_audit_log", _create_audit_log),
    Migration(
        "0003_keys_counterparties_decisions_alerts",
        _create(
            decision_schema.api_keys,
            decision_schema.ui_sessions,
            decision_schema.counterparties,
            decision_schema.screenings,
            decision_schema.checks,
            decision_schema.alerts,
            decision_schema.alert_events,
            decision_schema.version_change_sets,
            decision_schema.version_changes,
            decision_schema.rescreen_runs,
        ),
    ),
]


def migrate(conn: Connection) -> list[str]:
    """Apply pending migrations inside the caller's write transaction; return the names applied.

    Processes opening the same new database at once take turns: the second finds the migrations
    the first applied and applies none of them again."""
    serialise(conn, "migrations")
    schema.schema_migrations.create(conn, checkfirst=True)
    done = set(conn.execute(select(schema.schema_migrations.c.name)).scalars())
    applied: list[str] = []
    for migration in MIGRATIONS:
        if migration.name in done:
            continue
        migration.apply(conn)
        conn.execute(
            schema.schema_migrations.insert().values(
                name=migration.name, applied_at=datetime.now(UTC).isoformat(timespec="seconds")
            )
        )
        applied.append(migration.name)
    return applied
