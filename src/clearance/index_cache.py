"""The screening index on disk: built once per set of list versions, reused by every process.

The file is named by a digest of the list versions it holds, of the matching code and of the
versions of clearance and rigour (whose name data the analysis uses), so a new list version or
other matching code never reads a stale index. Files are written to a temporary name and renamed,
so a reader never sees half a file. The cache holds pickles: it must live in a folder only
the user can write (the default does).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

from clearance import matching
from clearance.matching.index import ScreeningIndex
from clearance.model import VersionInfo
from clearance.settings import Settings

# Bump when the analysis or the index layout changes in a way the package version does not show.
INDEX_FORMAT = 4
KEEP_FILES = 4  # index files kept per cache folder (several databases may share one folder)


def cache_dir(settings: Settings) -> Path:
    """``CLEARANCE_CACHE_DIR``, else a ``cache`` folder next to the SQLite file, else the user cache."""
    if settings.cache_dir:
        return Path(settings.cache_dir).expanduser()
    db = settings.db
    if "://" not in db:
        return Path(db).expanduser().resolve().parent / "cache"
    if db.startswith("sqlite:///"):
        return Path(db[len("sqlite:///") :]).expanduser().resolve().parent / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clearance"


@lru_cache(maxsize=1)
def _matcher_digest() -> str:
    """A digest of the matching code itself, so that an index built by other analysis code is
    never read (a development checkout changes it without changing the package version)."""
    digest = hashlib.sha256()
    for path in sorted(Path(matching.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def index_key(versions: list[VersionInfo]) -> str:
    parts = [f"format={INDEX_FORMAT}", f"clearance={package_version('clearance')}",
             f"rigour={package_version('rigour')}", f"matcher={_matcher_digest()}"]
    parts += [f"{v.source}:{v.id}:{v.sha256}" for v in sorted(versions, key=lambda v: v.source)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def index_path(settings: Settings, key: str) -> Path:
    return cache_dir(settings) / f"screening-index-{key}.pickle"


def load(path: Path) -> ScreeningIndex | None:
    """The cached index, or None when there is none (or it cannot be read: it is rebuilt)."""
    try:
        with path.open("rb") as fh:
            index = pickle.load(fh)  # noqa: S301 - our own cache file, in the user's own folder
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return index if isinstance(index, ScreeningIndex) else None


def save(path: Path, index: ScreeningIndex) -> None:
    """Write atomically, keeping the few most recently written index files of the folder. A
    read-only cache folder is not an error: the index is then rebuilt by every process."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", delete=False) as tmp:
            pickle.dump(index, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp.name).replace(path)
        older = sorted(path.parent.glob("screening-index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in older[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        return
