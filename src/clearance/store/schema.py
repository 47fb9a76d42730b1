"""Tables of the store, in SQLAlchemy Core. Changed only through named migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Bookkeeping of applied migrations (name, time, actor).
schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("applied_at", String(40), nullable=False),
)

# One row per ingest that created a version of a source's list.
list_versions = Table(
    "list_versions",
    metadata,
    Column("id", Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("label", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("published", String(40)),
    Column("ingested_at", String(40), nullable=False),
    Column("format", String(50), nullable=False),
    Column("origin", Text, nullable=False),
    Column("entities", Integer, nullable=False, default=0),
    Column("actor", String(200), nullable=False),
    Column("meta", Text, nullable=False, default="{}"),  # JSON: publisher version, file names, counts
    UniqueConstraint("source", "label", name="uq_list_versions_source_label"),
)
Index("ix_list_versions_source", list_versions.c.source, list_versions.c.id)

# Entity records, content-addressed: a record unchanged across versions is stored once.
entity_records = Table(
    "entity_records",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("entity_id", String(300), nullable=False),
    Column("data", Text, nullable=False),  # canonical JSON of Entity.to_dict()
)

# Membership: which record each entity has in each version.
version_entities = Table(
    "version_entities",
    metadata,
    Column("version_id", ForeignKey("list_versions.id", ondelete="CASCADE"), nullable=False),
    Column("entity_id", String(300), nullable=False),
    Column("record_hash", ForeignKey("entity_records.hash"), nullable=False),
    PrimaryKeyConstraint("version_id", "entity_id", name="pk_version_entities"),
)
Index("ix_version_entities_entity", version_entities.c.entity_id)
