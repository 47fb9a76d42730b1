"""List versions, ingest results and diffs between versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ListMeta:
    """What a parser learns about a list file besides its entities."""

    source: str  # source id, e.g. "us-ofac-sdn"
    format: str  # format id, e.g. "ofac-csv"
    files: list[str]  # the files read, as given
    sha256: str  # of the content (several files: of their names and contents, sorted)
    published: str | None = None  # publisher's date (ISO date or datetime) where the file has one
    publisher_version: str | None = None  # publisher's own version/record count label if any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    id: int  # store row id, increasing with ingest order
    source: str
    label: str  # human version label: "<published or ingest date>-<sha256[:8]>"
    sha256: str
    published: str | None
    ingested_at: str  # ISO datetime, UTC
    format: str
    origin: str  # file path(s) or URL it came from
    entities: int
    actor: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version": self.label,
            "published": self.published,
            "entities": self.entities,
            "sha256": self.sha256,
            "ingested_at": self.ingested_at,
            "format": self.format,
            "origin": self.origin,
            "actor": self.actor,
        }


@dataclass(frozen=True, slots=True)
class IngestResult:
    version: VersionInfo
    created: bool  # False: identical content was already the latest version (a no-op)
    added: int = 0
    removed: int = 0
    changed: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.version.to_dict(),
            "created": self.created,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class EntityChange:
    entity_id: str
    caption: str
    fields: tuple[str, ...] = ()  # for changed entities: the top-level fields that differ

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"entity_id": self.entity_id, "caption": self.caption}
        if self.fields:
            out["fields"] = list(self.fields)
        return out


@dataclass(frozen=True, slots=True)
class Diff:
    source: str
    from_version: VersionInfo | None
    to_version: VersionInfo
    added: tuple[EntityChange, ...]
    removed: tuple[EntityChange, ...]
    changed: tuple[EntityChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "from": self.from_version.label if self.from_version else None,
            "to": self.to_version.label,
            "counts": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "added": [c.to_dict() for c in self.added],
            "removed": [c.to_dict() for c in self.removed],
            "changed": [c.to_dict() for c in self.changed],
        }
