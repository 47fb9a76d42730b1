"""Every setting of clearance, declared once: name, environment variable, default and help.

The CLI options and the README are checked against this table by ``tests/test_docs.py``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from clearance.errors import ConfigurationError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str
    kind: type = str


def _default_db() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "clearance" / "clearance.db")


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "CLEARANCE_DB", None, "Database: a SQLite file path or a postgresql:// URL "
            "(default: $XDG_DATA_HOME/clearance/clearance.db)."),
    Setting("lists_dir", "CLEARANCE_LISTS_DIR", None,
            "A folder of official list files to ingest instead of downloading them (make run)."),
    Setting("cache_dir", "CLEARANCE_CACHE_DIR", None,
            "Where built screening indexes are cached (default: next to the SQLite file, or "
            "$XDG_CACHE_HOME/clearance)."),
    Setting("download_timeout", "CLEARANCE_DOWNLOAD_TIMEOUT", 120.0,
            "Seconds a download may wait to connect, or between two pieces of data, before it is "
            "abandoned.", float),
    Setting("download_retries", "CLEARANCE_DOWNLOAD_RETRIES", 3,
            "How many times a failed download is retried (with backoff).", int),
    Setting("download_max_bytes", "CLEARANCE_DOWNLOAD_MAX_BYTES", 512 * 1024 * 1024,
            "Largest file accepted from a publisher, in bytes.", int),
    Setting("source_urls", "CLEARANCE_SOURCE_URLS", None,
            "Override download addresses: a JSON object {source: url} or a path to a JSON file."),
    Setting("threshold", "CLEARANCE_THRESHOLD", None,
            "Screening match threshold (default: the benchmarked value in clearance.matching)."
            , float),
    Setting("packs_dir", "CLEARANCE_PACKS_DIR", None,
            "Extra folder of user policy packs, loaded beside the packs that ship with clearance."),
    Setting("actor", "CLEARANCE_ACTOR", None,
            "Name recorded as the actor of CLI writes (default: the OS user)."),
)


def _convert(setting: Setting, raw: str) -> Any:
    if setting.kind is str:
        return raw
    try:
        return setting.kind(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"{setting.env}={raw!r} is not a valid {setting.kind.__name__}: {setting.help}"
        ) from exc


@dataclass(frozen=True)
class Settings:
    db: str = field(default_factory=_default_db)
    lists_dir: str | None = None
    cache_dir: str | None = None
    download_timeout: float = 120.0
    download_retries: int = 3
    download_max_bytes: int = 512 * 1024 * 1024
    source_urls: str | None = None
    threshold: float | None = None
    packs_dir: str | None = None
    actor: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``CLEARANCE_*`` variables; explicit ``overrides`` that are not None win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw not in (None, ""):
                values[setting.name] = _convert(setting, str(raw))
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigurationError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    @property
    def actor_name(self) -> str:
        if self.actor:
            return self.actor
        try:
            import getpass

            return f"cli:{getpass.getuser()}"
        except (OSError, KeyError):
            return "cli:unknown"
