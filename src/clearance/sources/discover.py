"""Finding the official list files in a folder tree (``CLEARANCE_LISTS_DIR``), by content.

Every folder is first offered whole to the formats, so a folder of OFAC CSV files is found as one
multi-file set; the files it reads are then taken, and every other file is looked at on its own.
Files no format recognises (benchmark CSVs, notes, airport tables) are skipped with the reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ClearanceError, ListFormatError, UnknownFormatError
from clearance.sources import detect

_DATE_IN_PATH = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class FoundList:
    """A list file or multi-file set found in the folder, ready to ingest (or why it is not)."""

    path: Path
    format: str
    source: str | None  # None when the file could not even be opened (see ``error``)
    published: str | None
    files: tuple[Path, ...]
    sha256: str | None = None
    error: str | None = None

    @property
    def order_key(self) -> tuple[str, str, str]:
        """Versions of one source are ingested oldest first, so the newest ends up the latest:
        by the publisher's date, else a YYYY-MM-DD date in the path, else the path."""
        return (self.source or "", self.published or _path_date(self.path) or "", str(self.path))


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def find_lists(root: Path) -> tuple[list[FoundList], list[Skipped]]:
    """Every list file or set under ``root`` (in ingest order) and every file skipped, with why."""
    if not root.is_dir():
        raise ListFormatError(root, None, "not a folder", "a folder holding official list files")
    found: list[FoundList] = []
    skipped: list[Skipped] = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(folder)
        taken: set[Path] = set()
        if here != root:
            as_set = _open(here, allow_unknown=True)
            if as_set is not None:
                found.append(as_set)
                taken = {f.resolve() for f in as_set.files}
                if not taken:  # the set does not say which files it read: it owns the folder
                    continue
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or path.resolve() in taken:
                continue
            try:
                item = _open(path, allow_unknown=False)
            except UnknownFormatError as exc:
                skipped.append(Skipped(path, _short(str(exc), path)))
                continue
            assert item is not None
            found.append(item)
    found.sort(key=lambda item: item.order_key)
    return found, skipped


def _open(path: Path, *, allow_unknown: bool) -> FoundList | None:
    """Detect and open ``path`` (reading its metadata, not yet its entities)."""
    try:
        fmt = detect(path)
    except UnknownFormatError:
        if allow_unknown:
            return None
        raise
    except ListFormatError as exc:  # e.g. an empty file: nothing a format could claim
        if allow_unknown:
            return None
        raise UnknownFormatError(str(exc)) from exc
    try:
        parsed = fmt.parse(path, None)
    except ClearanceError as exc:
        return FoundList(path, fmt.name, None, None, (), error=str(exc))
    files = tuple(Path(f) for f in parsed.meta.files if Path(f).is_file())
    close = getattr(parsed.entities, "close", None)
    if close is not None:
        close()  # a generator not yet started: closing it releases nothing but says we are done
    return FoundList(path, fmt.name, parsed.meta.source, parsed.meta.published, files, parsed.meta.sha256)


def _path_date(path: Path) -> str | None:
    match = _DATE_IN_PATH.search(str(path))
    return "-".join(match.groups()) if match else None


def _short(message: str, path: Path) -> str:
    prefix = f"{path}: "
    message = message[len(prefix):] if message.startswith(prefix) else message
    return message.split(" (known:", 1)[0]
