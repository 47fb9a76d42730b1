"""Benchmark 3: false positives on yente's 100,000 synthetic negatives against every list.

The negatives (``negatives_global.csv`` and ``negatives_us.csv``, generated persons that should
match no sanctions list) are screened as persons with their birth date, nationality and gender
against a store holding every list file of the data folder that clearance reads. A query is a
false positive when any hit is a match (score at or above the threshold).

For comparison, logic-v2 scores a sample of the same queries against the candidates clearance
retrieved for them (it has no index of its own here): a query is its false positive when any of
those candidates scores 0.7 or more. That sample under-counts the peer's false positives (it
never sees candidates clearance did not retrieve).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from bench.common import PEER_THRESHOLD, Context, Section, ftm_entity, ftm_query, person_query, read_csv, table, timed
from clearance.batch import default_workers
from clearance.engine import Engine
from clearance.matching.screener import prepare, report_floor
from clearance.model import Entity
from clearance.model.screening import Query

SWEEP = (0.70, 0.75, 0.80, 0.85)  # thresholds at which the rate is also reported (all >= the report floor)
NAME = "false-positives"
ORDER = 3
GROUP = "matching"
TITLE = "3. False positives: 100,000 synthetic negatives against all loaded lists"
TARGET = 0.005
PEER_SAMPLE = 2000


def run(ctx: Context) -> Section:
    section = Section(TITLE)
    db, loaded = ctx.all_lists()
    folder = "opensanctions_yente_screening_bench/"
    limit = 300 if ctx.quick else None
    sets = {label: read_csv(ctx.path(folder + f"negatives_{label}.csv"), limit) for label in ("global", "us")}
    section.add(f"Lists loaded: {', '.join(loaded)}.")
    rows = []
    with Engine(db) as engine:
        threshold = engine.threshold
        workers = default_workers()
        examples: list[str] = []
        by_source: Counter[str] = Counter()
        best_scores: list[float] = []  # each query's best reported score (0: none reported)
        for label, data in sets.items():
            queries = [person_query(r, f"{label}:{i + 2}") for i, r in enumerate(data)]
            ctx.log(f"false positives: screening {len(queries):,} {label} negatives on {workers} worker(s)")
            results, seconds = timed(lambda q=queries: list(engine.screen_many(q, workers=workers)))  # type: ignore[misc]
            positives = [r for r in results if r.matches]
            best_scores += [r.results[0].score if r.results else 0.0 for r in results]
            for result in positives:
                by_source.update({h.source for h in result.matches})
                if len(examples) < 15:
                    hit = result.matches[0]
                    examples.append(f"{result.query.name} ({result.query.birth_date}, {result.query.country}) → "
                                    f"{hit.entity_id} {hit.matched_name!r} {hit.score:.2f}")
            rows.append((label, len(queries), len(positives), len(positives) / len(queries), len(queries) / seconds))
            section.figures[label] = len(positives) / len(queries)
        total = sum(r[1] for r in rows)
        wrong = sum(r[2] for r in rows)
        rows.append(("all", total, wrong, wrong / total, None))
        section.figures["all"] = wrong / total
        peer_rate, sample = _peer_rate(ctx, engine, [q for data in sets.values() for q in data], threshold)
    table(section, ctx.console, f"Synthetic negatives with any match (threshold {threshold})",
          ["set", "queries", "with a match", "false-positive rate", "queries/s"],
          [(r[0], r[1], r[2], f"{r[3]:.4%}", f"{r[4]:,.0f}" if r[4] else "") for r in rows],
          note=f"Target ≤ {TARGET:.1%}. logic-v2 on a sample of {sample:,} of these queries, scored against the "
               f"candidates clearance retrieved for them: {peer_rate:.2%} with a candidate ≥ {PEER_THRESHOLD}.")
    table(section, ctx.console, "False-positive rate by threshold (all 100,000 queries)",
          ["threshold", *(f"{t:.2f}" for t in SWEEP)],
          [("queries with a hit at or above it", *(f"{sum(1 for b in best_scores if b >= t) / len(best_scores):.3%}"
                                                   for t in SWEEP))])
    section.add("Matches by source: " + ", ".join(f"{s} {n}" for s, n in by_source.most_common()))
    if examples:
        section.add("First false positives: " + "; ".join(examples))
    return section


def _peer_rate(ctx: Context, engine: Engine, rows: list[dict[str, str]], threshold: float) -> tuple[float, int]:
    sample = random.Random(7).sample(rows, min(PEER_SAMPLE if not ctx.quick else 100, len(rows)))
    groups = retrieved_groups(engine, [person_query(r, str(i)) for i, r in enumerate(sample)], threshold)
    answer = ctx.peer(groups, ("logic-v2",))
    scores = answer["results"]["logic-v2"]["scores"]
    positives = sum(1 for group in scores if any(s >= PEER_THRESHOLD for s in group))
    return positives / len(sample), len(sample)


def retrieved_groups(engine: Engine, queries: list[Query], threshold: float, floor: float | None = None,
                     entities: dict[str, Entity] | None = None) -> list[dict[str, Any]]:
    """Each query with the entities clearance retrieves for it, as FollowTheMoney data: the ones it
    aligns (``floor`` None: those that could reach the reporting floor), or, with ``floor`` 0,
    its whole candidate pool (up to 25 entities sharing a name word with the query)."""
    screener = engine.screener()
    known = entities if entities is not None else {}
    groups = []
    for query in queries:
        found = screener.retrieve(prepare(query), report_floor(threshold) if floor is None else floor)
        ids = [screener.index.candidates[r.position].entity_id for r in found]
        candidates = [known[i] if i in known else engine.entity(i).entity for i in ids]
        groups.append({"query": ftm_query(query), "candidates": [ftm_entity(e) for e in candidates]})
    return groups
