"""Runs inside the peer's virtual environment (bench/.peer-venv): OpenSanctions' nomenklatura.

Reads one JSON task from stdin and writes one JSON answer to stdout; clearance is not importable
here, and nothing here imports clearance. The task holds entity pairs as FollowTheMoney
properties, grouped by query so that "queries per second" means the same thing on both sides:

    {"algorithms": ["logic-v2", ...],
     "groups": [{"query": {"schema": "Person", "properties": {"name": ["..."]}},
                 "candidates": [{"schema": ..., "properties": {...}}, ...]}, ...]}

The answer gives, per algorithm, the score of every candidate of every group, the seconds spent
comparing (entity construction excluded), and the nomenklatura version.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from typing import Any
from uuid import uuid4

from followthemoney import ValueEntity, model
from nomenklatura.matching import get_algorithm

_NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "motherName", "lastName")


def _entity(data: dict[str, Any]) -> ValueEntity:
    schema = model.get(data["schema"])
    if schema is None:
        raise SystemExit(f"unknown FtM schema {data['schema']!r}")
    entity = ValueEntity(schema, {"id": uuid4().hex})
    for prop, values in data["properties"].items():
        for value in values if isinstance(values, list) else [values]:
            entity.add(prop, value, cleaned=False, quiet=True)
    if not entity.names:
        # As nomenklatura's own entity_bench does for checks given as name parts.
        parts = [entity.first(p) for p in _NAME_PARTS if schema.get(p) is not None]
        entity.add("name", " ".join(p for p in parts if p), quiet=True)
    return entity


def main() -> None:
    task = json.load(sys.stdin)
    groups = [(_entity(g["query"]), [_entity(c) for c in g["candidates"]]) for g in task["groups"]]
    answer: dict[str, Any] = {"nomenklatura": version("nomenklatura"), "results": {}}
    for name in task["algorithms"]:
        algorithm = get_algorithm(name)
        if algorithm is None:
            raise SystemExit(f"unknown nomenklatura algorithm {name!r}")
        config = algorithm.default_config()
        warm = _entity({"schema": "Person", "properties": {"name": ["Warm Up"]}})
        algorithm.compare(warm, _entity({"schema": "Person", "properties": {"name": ["Warm Upp"]}}), config)
        scores: list[list[float]] = []
        started = time.perf_counter()
        for query, candidates in groups:
            scores.append([float(algorithm.compare(query, c, config).score) for c in candidates])
        seconds = time.perf_counter() - started
        answer["results"][name] = {"scores": scores, "seconds": seconds}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
