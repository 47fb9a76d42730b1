"""List formats: one module per publisher format, each a parser from files to entities.

A module joins the registry by defining ``FORMATS`` (a list of :class:`ListFormat`); the
registry finds them by walking this package, so adding a format touches no other file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from clearance.errors import ListFormatError, UnknownFormatError
from clearance.sources.base import ListFormat, ParsedList, read_head
from clearance.sources.catalog import SOURCES, SourceInfo, source_info

__all__ = [
    "SOURCES",
    "ListFormat",
    "ParsedList",
    "SourceInfo",
    "detect",
    "formats",
    "open_list",
    "source_info",
]

_NOT_FORMATS = {"base", "catalog", "xml"}


@lru_cache(maxsize=1)
def formats() -> dict[str, ListFormat]:
    """Every known format by id."""
    found: dict[str, ListFormat] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in _NOT_FORMATS or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for fmt in getattr(module, "FORMATS", ()):
            found[fmt.name] = fmt
    return dict(sorted(found.items()))


def detect(path: Path) -> ListFormat:
    """The format whose ``sniff`` is most confident about ``path``'s content."""
    if not path.exists():
        raise ListFormatError(path, None, "no such file or folder")
    head = read_head(path)
    if path.is_file() and not head:
        raise ListFormatError(path, None, "file is empty", "a sanctions list file")
    scored = sorted(((fmt.sniff(path, head), fmt.name) for fmt in formats().values()), reverse=True)
    if not scored or scored[0][0] < 0.5:
        names = ", ".join(formats())
        raise UnknownFormatError(
            f"{path}: not a list format clearance recognises (known: {names}); use --format to name one"
        )
    return formats()[scored[0][1]]


def open_list(path: Path, source: str | None = None, fmt: str | None = None) -> ParsedList:
    """Parse ``path`` in format ``fmt`` (detected from content when None) as list ``source``."""
    if fmt is not None:
        try:
            chosen = formats()[fmt]
        except KeyError:
            raise UnknownFormatError(f"unknown format {fmt!r}; known: {', '.join(formats())}") from None
    else:
        chosen = detect(path)
    if source is not None:
        source_info(source)  # unknown source ids fail here, before parsing
        if not source.startswith("custom:") and source not in chosen.sources:
            raise UnknownFormatError(
                f"{path}: format {chosen.name} carries {', '.join(chosen.sources)}, not {source}"
            )
    return chosen.parse(path, source)
