"""Plain data: entities, list versions, diffs. No database, network or printing here."""

from clearance.model.entity import (
    Address,
    Entity,
    EntityType,
    Identifier,
    IdScheme,
    Link,
    Name,
    NameKind,
    canonical_json,
)
from clearance.model.versions import Diff, EntityChange, IngestResult, ListMeta, VersionInfo

__all__ = [
    "Address",
    "Diff",
    "Entity",
    "EntityChange",
    "EntityType",
    "IdScheme",
    "Identifier",
    "IngestResult",
    "Link",
    "ListMeta",
    "Name",
    "NameKind",
    "VersionInfo",
    "canonical_json",
]
