"""Benchmark 2: screening recall of yente's UN positives against the UN list.

Queries: ``positives_un_untreated.csv`` (persons as OpenSanctions publishes them from the UN list)
and ``positives_un_treated.csv`` (the same rows with typos, reordered names, and shifted or
invalid birth dates), screened as persons with their birth date, nationality and gender, against
a store holding only the UN Security Council consolidated list.

The true entity of a row is decided from the untreated file alone: the UN entity one of whose
names has exactly the same words as the row's name (case, accents and punctuation folded, order
ignored); when several entities qualify, the one whose birth dates agree with the row's. Rows
with no such entity, or several, are left out and counted. Row *i* of the treated file has the
true entity of row *i* of the untreated file (the files are aligned row by row).

A birth date the treatment made invalid ("1974-01-32") is cut to its valid part (year and month,
or year), as a caller would have to; it still counts against the entity if it disagrees.

Figures: recall (the true entity scores at or above the threshold), index recall (the true
entity is among the candidates retrieved for alignment), and the peer's recall on the same
(query, true entity) pairs, i.e. with a perfect retrieval.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Any

from bench.common import PEER_THRESHOLD, Context, Section, ftm_entity, ftm_query, person_query, table
from clearance.engine import Engine
from clearance.matching.screener import prepare, report_floor
from clearance.matching.text import latin
from clearance.model import Entity
from clearance.model.screening import Query

NAME = "recall"
ORDER = 2
GROUP = "matching"
TITLE = "2. Screening recall: yente's UN positives against the UN list"
TARGET_RECALL = 0.98
TARGET_INDEX_RECALL = 0.995
SWEEP = (0.70, 0.75, 0.80, 0.85)  # thresholds at which recall is also reported


@dataclass(frozen=True)
class Row:
    query: Query
    truth: str | None  # entity id, None when unresolved


def _words(name: str) -> frozenset[str]:
    return frozenset(w for w in (latin(part) for part in re.split(r"[\s,\-'’./()]+", name)) if w)


def _truth(untreated: list[dict[str, str]], entities: list[Entity]) -> list[str | None]:
    by_words: dict[frozenset[str], list[Entity]] = {}
    for entity in entities:
        for name in entity.names:
            by_words.setdefault(_words(name.value), [])
            if entity not in by_words[_words(name.value)]:
                by_words[_words(name.value)].append(entity)
    truths: list[str | None] = []
    for row in untreated:
        found = by_words.get(_words(row["full_name"]), [])
        if len(found) > 1:
            year = (row.get("date_of_birth") or "")[:4]
            found = [e for e in found if any(d.startswith(year) for d in e.birth_dates)] if year else found
        truths.append(found[0].id if len(found) == 1 else None)
    return truths


def load(ctx: Context, engine: Engine) -> dict[str, list[Row]]:
    folder = "opensanctions_yente_screening_bench/"
    sets: dict[str, list[dict[str, str]]] = {}
    for label in ("untreated", "treated"):
        with ctx.path(folder + f"positives_un_{label}.csv").open(encoding="utf-8", newline="") as fh:
            sets[label] = list(csv.DictReader(fh))
    truths = _truth(sets["untreated"], engine.entities())
    limit = 80 if ctx.quick else None
    return {
        label: [Row(person_query(r, str(i + 2)), truths[i]) for i, r in enumerate(rows)][:limit]
        for label, rows in sets.items()
    }


def run(ctx: Context) -> Section:
    section = Section(TITLE)
    db, _ = ctx.store("un", [ctx.path("un_consolidated/consolidated.xml")])
    with Engine(db) as engine:
        screener = engine.screener()
        threshold = engine.threshold
        sets = load(ctx, engine)
        entities = {e.id: e for e in engine.entities()}
        rows_out = []
        sweeps: list[tuple[str, ...]] = []
        for label, rows in sets.items():
            resolved = [r for r in rows if r.truth is not None]
            ctx.log(f"recall: screening {len(resolved)} {label} positives")
            found = matched = top = 0
            misses: list[str] = []
            truth_scores: list[float] = []
            for row in resolved:
                prepared = prepare(row.query)
                retrieved = screener.retrieve(prepared, report_floor(threshold))
                found += any(screener.index.candidates[r.position].entity_id == row.truth for r in retrieved)
                result = screener.screen(row.query, threshold=threshold, limit=10)
                hit = next((h for h in result.results if h.entity_id == row.truth), None)
                truth_scores.append(hit.score if hit else 0.0)
                if hit is not None and hit.match:
                    matched += 1
                    top += result.results[0].entity_id == row.truth
                elif len(misses) < 12:
                    score = f"{hit.score:.2f}" if hit else "not reported"
                    misses.append(f"{row.query.name} ({row.query.birth_date}) → {row.truth}: {score}")
            peer = _peer_recall(ctx, resolved, entities)
            n = len(resolved)
            rows_out.append((label, len(rows), n, matched / n, top / n, found / n, peer))
            sweeps.append((label, *(f"{sum(1 for s in truth_scores if s >= t) / n:.3f}" for t in SWEEP)))
            section.figures[label] = {"recall": matched / n, "index_recall": found / n, "peer": peer}
            if misses:
                section.add(f"Missed {label} positives (first {len(misses)}): " + "; ".join(misses))
        table(section, ctx.console, f"UN positives screened against un-sc (threshold {threshold})",
              ["set", "rows", "resolved", "recall", "best hit", "index recall", "logic-v2 recall (same pairs)"],
              rows_out,
              note=f"Targets: recall ≥ {TARGET_RECALL}, index recall ≥ {TARGET_INDEX_RECALL}. logic-v2 scores each "
                   f"query against its true entity only (perfect retrieval), at {PEER_THRESHOLD}.")
        table(section, ctx.console, "Recall by threshold", ["set", *(f"{t:.2f}" for t in SWEEP)], sweeps)
    return section


def _peer_recall(ctx: Context, rows: list[Row], entities: dict[str, Entity]) -> float:
    groups: list[dict[str, Any]] = []
    for row in rows:
        assert row.truth is not None
        groups.append({"query": ftm_query(row.query), "candidates": [ftm_entity(entities[row.truth])]})
    answer = ctx.peer(groups, ("logic-v2",))
    scores = [s[0] for s in answer["results"]["logic-v2"]["scores"]]
    return sum(1 for s in scores if s >= PEER_THRESHOLD) / len(scores) if scores else 0.0



