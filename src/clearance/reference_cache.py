"""The airport index on disk: built once per airportsdata release and override table, reused by
every process (reading airportsdata's CSV costs about half a second; the pickle a few hundredths).

Same place and same rules as the screening index cache (:mod:`clearance.index_cache`): a folder
only the user can write, atomic writes, a rebuild whenever the file cannot be read.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from importlib import resources
from importlib.metadata import version as package_version
from pathlib import Path

from clearance.index_cache import cache_dir
from clearance.policy import AirportIndex
from clearance.settings import Settings

AIRPORT_FORMAT = 1  # bump when AirportIndex's layout changes


def _key() -> str:
    overrides = resources.files("clearance.policy.reference").joinpath("airport_overrides.yml").read_bytes()
    parts = [f"format={AIRPORT_FORMAT}", f"clearance={package_version('clearance')}",
             f"airportsdata={package_version('airportsdata')}", hashlib.sha256(overrides).hexdigest()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def airports(settings: Settings) -> AirportIndex:
    path = cache_dir(settings) / f"airports-{_key()}.pickle"
    try:
        with path.open("rb") as fh:
            index = pickle.load(fh)  # noqa: S301 - our own cache file, in the user's own folder
        if isinstance(index, AirportIndex):
            return index
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    index = AirportIndex.default()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".airports-", delete=False) as tmp:
            pickle.dump(index, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp.name).replace(path)
    except OSError:  # a read-only cache folder: every process reads airportsdata itself
        pass
    return index
