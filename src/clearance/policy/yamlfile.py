"""YAML read with the line of every mapping key and sequence item, for errors that say where.

PyYAML's composer gives each node a ``start_mark``; this module turns the node tree into plain
dicts and lists that remember those lines (:class:`LineDict`, :class:`LineList`). Duplicate keys,
which PyYAML would silently let the last one win, are reported as errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it (several times faster); the same nodes and marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def read_yaml(path: Path, errors: list[str]) -> Any:
    """The document in ``path`` with lines attached; syntax errors are appended to ``errors``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(f"{path}: cannot read: {exc}")
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _convert(loader, node, path, errors)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        errors.append(f"{path}{line}: YAML syntax error: {exc.problem or exc}")
        return None
    except yaml.YAMLError as exc:
        errors.append(f"{path}: YAML error: {exc}")
        return None
    finally:
        loader.dispose()


def _convert(loader: Any, node: yaml.Node, path: Path, errors: list[str]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                errors.append(f"{path}:{line}: YAML merge keys (<<) are not supported in packs")
                continue
            key = str(key)
            if key in out:
                errors.append(f"{path}:{line}: duplicate key {key!r} (first at line {out.key_lines[key]})")
                continue
            out[key] = _convert(loader, value_node, path, errors)
            out.key_lines[key] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LineList(_convert(loader, item, path, errors) for item in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:  # e.g. a timestamp like 2024-02-30: keep the text, the pack reader reports it
        return node.value
