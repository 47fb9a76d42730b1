"""Tables of the audit log, API keys, monitored counterparties, stored screenings and checks, and
the alert queue. Same metadata as the list tables; changed only through named migrations.

Every row that records a write carries who did it (``actor``) and when (``at``, ISO UTC).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from clearance.store.schema import metadata

_ID = Integer().with_variant(BigInteger(), "postgresql")

# The audit log: append-only, each event chained to the previous one by its hash.
audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=False),  # 1, 2, 3, ... without gaps
    Column("at", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_events_kind", audit_events.c.kind, audit_events.c.seq)

# The head of the chain, one row (id 1). Appenders update it first: that row lock (PostgreSQL) or
# the write lock (SQLite) serialises them, so the chain stays linear; verify compares the last
# event with it, so rows cut from or added to the end behind the log's back are found.
GENESIS_HASH = "0" * 64  # what the first event chains to

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", _ID, nullable=False),
    Column("hash", String(64), nullable=False),
)

# API keys: the secret is stored only as its SHA-256 (keys are 256-bit random, so a fast hash
# cannot be brute-forced; a slow password hash would only cost time on every request).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("revoked_at", String(40)),
    Column("revoked_by", String(300)),
)

# Browser sessions of the web UI: a random token in an HttpOnly cookie, stored hashed, bound to
# the API key that logged in (revoking the key ends its sessions).
ui_sessions = Table(
    "ui_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("key_id", ForeignKey("api_keys.id"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

# Customers and suppliers the team monitors: screened when saved and after every list change.
counterparties = Table(
    "counterparties",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", String(20)),
    Column("country", String(2)),
    Column("birth_date", String(10)),
    Column("identifiers", Text, nullable=False, default="[]"),  # JSON [{scheme, value}]
    Column("notes", Text),
    Column("monitored", Boolean, nullable=False, default=True),
    Column("revision", Integer, nullable=False, default=1),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(300), nullable=False),
)

# Every screening: input, output and the list versions it ran against.
screenings = Table(
    "screenings",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("origin", String(20), nullable=False),  # api | ui | match | monitor | rescreen
    Column("counterparty_id", String(200)),
    Column("query", Text, nullable=False),  # JSON
    Column("result", Text, nullable=False),  # JSON: ScreenResult.to_dict() plus the alerts it touched
    Column("lists", Text, nullable=False),  # JSON [{source, version}]
    Column("threshold", Float, nullable=False),
    Column("matches", Integer, nullable=False),
    Column("top_score", Float),
    Column("sha256", String(64), nullable=False),  # of the canonical record, also in the audit event
)
Index("ix_screenings_counterparty", screenings.c.counterparty_id, screenings.c.id)

# Every policy check: the transaction, the verdict, the list and pack versions.
checks = Table(
    "checks",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("origin", String(20), nullable=False),
    Column("on_date", String(10), nullable=False),  # the date the transaction was judged at
    Column("transaction", Text, nullable=False),  # JSON
    Column("verdict", Text, nullable=False),  # JSON: Verdict.to_dict() plus the alerts it touched
    Column("lists", Text, nullable=False),
    Column("packs", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
)

# The review queue: one alert per (subject, listed entity), reopened rather than duplicated.
# subject: "counterparty:<id>" for monitored counterparties, "party:<name>" for check parties.
alerts = Table(
    "alerts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("subject", String(400), nullable=False),
    Column("subject_name", Text, nullable=False),
    Column("counterparty_id", String(200)),
    Column("entity_id", String(300), nullable=False),
    Column("entity_name", Text, nullable=False),
    Column("source", String(100), nullable=False),
    Column("record_hash", String(64), nullable=False),  # the entity's record when last raised
    Column("score", Float, nullable=False),
    Column("screening_id", _ID),
    Column("check_id", _ID),
    Column("status", String(20), nullable=False),  # open | escalated | true_match | false_positive
    Column("revision", Integer, nullable=False),  # bumped by every change: compare-and-set
    Column("opened_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    UniqueConstraint("subject", "entity_id", name="uq_alerts_subject_entity"),
)
Index("ix_alerts_status", alerts.c.status, alerts.c.id)

# What happened to each alert: opened, refreshed by a changed record, decided (the judgements), reopened.
alert_events = Table(
    "alert_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("alert_id", ForeignKey("alerts.id"), nullable=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", String(20), nullable=False),  # opened | refreshed | decided | reopened
    Column("judgement", String(20)),  # for decided: true_match | false_positive | escalate
    Column("reason", Text),
    Column("record_hash", String(64)),
    Column("score", Float),
    Column("screening_id", _ID),
    Column("check_id", _ID),
)
Index("ix_alert_events_alert", alert_events.c.alert_id, alert_events.c.id)

# What each list version changed against the one before it, recorded by the ingest that made it
# (inside its transaction), so re-screening and the UI read a change in time proportional to its
# size, not to the list's.
version_change_sets = Table(
    "version_change_sets",
    metadata,
    Column("version_id", ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("previous_id", _ID),  # None: the source's first version (everything added)
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
)
version_changes = Table(
    "version_changes",
    metadata,
    Column("version_id", ForeignKey("list_versions.id", ondelete="CASCADE"), nullable=False),
    Column("entity_id", String(300), nullable=False),
    Column("change", String(10), nullable=False),  # added | changed | removed
    Column("record_hash", String(64), nullable=False),  # the new record (removed: the last one)
    Column("fields", Text, nullable=False, default=""),  # changed: the top-level fields that differ, comma-separated
    PrimaryKeyConstraint("version_id", "entity_id", name="pk_version_changes"),
)
Index("ix_version_changes_change", version_changes.c.version_id, version_changes.c.change, version_changes.c.entity_id)

# One row per list version re-screened against the monitored counterparties (its changed
# entities only); a version without a finished row is re-screened on the next occasion.
rescreen_runs = Table(
    "rescreen_runs",
    metadata,
    Column("version_id", ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("entities", Integer, nullable=False),  # added + changed entities screened against
    Column("counterparties", Integer, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("alerts", Integer, nullable=False),  # alerts opened or reopened
    Column("seconds", Float, nullable=False),
)
