"""What ``clearance update`` did: per list, the new version or why it failed; files skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.model.versions import IngestResult


@dataclass(frozen=True, slots=True)
class UpdatedList:
    """One list fetched (or found in ``CLEARANCE_LISTS_DIR``) and ingested, or the reason it was not."""

    source: str
    origin: str  # the download address(es), or the file or folder it was read from
    result: IngestResult | None = None
    error: str | None = None
    exit_code: int = 0  # of the error's class (clearance.errors); 0 when it worked

    @property
    def status(self) -> str:
        if self.result is None:
            return "failed"
        return "new" if self.result.created else "unchanged"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "origin": self.origin, "status": self.status}
        if self.result is not None:
            out.update({k: v for k, v in self.result.to_dict().items() if k not in ("source", "origin")})
        else:
            out["error"] = self.error
        return out


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class UpdateReport:
    mode: str  # "download", or "folder" when the lists came from CLEARANCE_LISTS_DIR
    lists: tuple[UpdatedList, ...]
    skipped: tuple[SkippedFile, ...] = field(default=())
    folder: str | None = None

    @property
    def failed(self) -> tuple[UpdatedList, ...]:
        return tuple(item for item in self.lists if item.result is None)

    @property
    def exit_code(self) -> int:
        """0 when every list was loaded; else the exit code of the first failure."""
        return next((item.exit_code for item in self.failed), 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "folder": self.folder,
            "lists": [item.to_dict() for item in self.lists],
            "failed": [item.source for item in self.failed],
            "skipped": [s.to_dict() for s in self.skipped],
        }
