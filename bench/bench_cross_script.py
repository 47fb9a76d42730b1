"""Benchmark 4: cross-script recall.

Three sets, each reported per script of the query:

- **Arabic → Latin names** (``google_ar2en_translit``, train and eval files): a list is made of the
  distinct Latin forms, one person each; every Arabic form is screened (as a person) against it.
  A query is found when an entity carrying one of the Latin forms paired with it is a match.
  These are single words, mostly foreign names written in Arabic, the hardest case: no other
  word, date or country helps.
- **Listed names in their own script**: every entity of the real lists (OFSI and the UN list
  publish original-script names) that has both Latin and non-Latin names. A list is made of
  every entity with its Latin names only; each non-Latin name is screened (typed, name only)
  against it. Found: that entity is a match.
- **Putin**: the 81 forms of Vladimir Putin's name in ``putin_names.txt`` screened against all
  loaded lists; found: the OFAC SDN entry ``PUTIN, Vladimir Vladimirovich`` is a match.

logic-v2 scores the same (query, true entity) pairs (perfect retrieval) at 0.7.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import PEER_THRESHOLD, WORK, Context, Section, ftm_entity, ftm_query, table
from clearance.engine import Engine
from clearance.matching.screener import prepare, report_floor
from clearance.matching.text import scripts_of
from clearance.model import Entity, EntityType
from clearance.model.screening import Query

NAME = "cross-script"
ORDER = 4
GROUP = "matching"
TITLE = "4. Cross-script recall"
PUTIN = "us-ofac-sdn:35096"
_LATIN = frozenset({"Latin", "Common", "Inherited"})


@dataclass(frozen=True)
class Case:
    script: str
    query: Query
    truths: frozenset[str]  # entity ids, any of which counts


def _script(text: str) -> str:
    scripts = sorted(scripts_of(text) - _LATIN)
    return "+".join(scripts) or "Latin"


def evaluate(ctx: Context, engine: Engine, cases: list[Case], label: str,
             entity_of: Callable[[str], Entity]) -> list[tuple[Any, ...]]:
    """Recall, index recall and the peer's recall per script."""
    screener = engine.screener()
    threshold = engine.threshold
    per_script: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    groups: list[dict[str, Any]] = []
    for case in cases:
        retrieved = screener.retrieve(prepare(case.query), report_floor(threshold))
        in_index = any(screener.index.candidates[r.position].entity_id in case.truths for r in retrieved)
        result = screener.screen(case.query, limit=10)
        matched = any(h.match and h.entity_id in case.truths for h in result.results)
        per_script[case.script].append((matched, in_index))
        groups.append({"query": ftm_query(case.query),
                       "candidates": [ftm_entity(entity_of(t)) for t in sorted(case.truths)]})
    answer = ctx.peer(groups, ("logic-v2",))
    peer = [any(s >= PEER_THRESHOLD for s in scores) for scores in answer["results"]["logic-v2"]["scores"]]
    peer_by_script: dict[str, list[bool]] = defaultdict(list)
    for case, found in zip(cases, peer, strict=True):
        peer_by_script[case.script].append(found)
    rows = []
    for script, outcomes in sorted(per_script.items(), key=lambda item: -len(item[1])):
        n = len(outcomes)
        rows.append((label, script, n, sum(m for m, _ in outcomes) / n, sum(i for _, i in outcomes) / n,
                     sum(peer_by_script[script]) / n))
    return rows


def arabic_cases(ctx: Context) -> tuple[list[Case], str]:
    pairs: dict[str, set[str]] = defaultdict(set)
    for name in ("ar2en-train.txt", "ar2en-eval.txt"):
        with ctx.path(f"google_ar2en_translit/{name}").open(encoding="utf-8") as fh:
            for line in fh:
                arabic, _, latin = line.rstrip("\n").partition("\t")
                if arabic and latin:
                    pairs[arabic.strip()].add(latin.strip().lower())
    latins = sorted({latin for forms in pairs.values() for latin in forms})
    ids = {latin: f"ar-{i}" for i, latin in enumerate(latins)}
    listing = WORK / "ar2en-latin.csv"
    with listing.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "type", "name"])
        writer.writerows((ids[latin], "person", latin) for latin in latins)
    cases = [Case("Arabic", Query(arabic, type=EntityType.PERSON),
                  frozenset(f"custom:ar2en-latin:{ids[latin]}" for latin in forms))
             for arabic, forms in sorted(pairs.items())]
    return (cases[::20] if ctx.quick else cases), str(listing)


def own_script_cases(ctx: Context, entities: list[Entity]) -> tuple[list[Case], str]:
    listing = WORK / "latin-only.csv"
    cases: list[Case] = []
    with listing.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "type", "name", "aliases", "birth_date"])
        for i, entity in enumerate(entities):
            latin = [n.value for n in entity.names if scripts_of(n.value) <= _LATIN]
            other = [n.value for n in entity.names if not scripts_of(n.value) <= _LATIN]
            if not latin:
                continue
            local = f"e{i}"
            aliases = ";".join(re.sub(r"\s*;\s*", " ", n) for n in latin[1:])
            writer.writerow([local, entity.type.value, latin[0], aliases, entity.birth_dates[0] if entity.birth_dates
                             else ""])
            for name in other:
                # "Akrin Saleh Akrin (أقرين صالح أقرين)": only the part in the other script.
                own = " ".join(w for w in name.split() if not scripts_of(w) <= _LATIN).strip("() ")
                if own:
                    cases.append(Case(_script(own), Query(own, type=entity.type),
                                      frozenset({f"custom:latin-only:{local}"})))
    return (cases[::10] if ctx.quick else cases), str(listing)


def putin_cases(ctx: Context) -> list[Case]:
    with ctx.path("opensanctions_nomenklatura_ofac_parity/putin_names.txt").open(encoding="utf-8") as fh:
        forms = [line.strip() for line in fh if line.strip()]
    return [Case(_script(f), Query(f, type=EntityType.PERSON), frozenset({PUTIN})) for f in forms]


def run(ctx: Context) -> Section:
    section = Section(TITLE)
    rows: list[tuple[Any, ...]] = []
    arabic, listing = arabic_cases(ctx)
    db, _ = ctx.store("ar2en-latin", [WORK / "ar2en-latin.csv"])
    with Engine(db) as engine:
        ctx.log(f"cross-script: {len(arabic):,} Arabic names against {listing}")
        rows += evaluate(ctx, engine, arabic, "ar2en (single words)", lambda i: engine.entity(i).entity)
    all_db, _ = ctx.all_lists()
    with Engine(all_db) as full:
        threshold = full.threshold
        entities = full.entities()
        own, listing = own_script_cases(ctx, entities)
        putin = putin_cases(ctx)
        ctx.log(f"cross-script: {len(putin)} forms of Putin's name against all lists")
        rows += evaluate(ctx, full, putin, "putin_names.txt", lambda i: full.entity(i).entity)
    db, _ = ctx.store("latin-only", [WORK / "latin-only.csv"])
    with Engine(db) as engine:
        ctx.log(f"cross-script: {len(own):,} original-script names of listed entities against their Latin names")
        rows += evaluate(ctx, engine, own, "listed names (OFSI, UN)", lambda i: engine.entity(i).entity)
    table(section, ctx.console, f"Recall per script (threshold {threshold})",
          ["set", "script", "queries", "recall", "index recall", "logic-v2 recall (same pairs)"], rows)
    for row in rows:
        section.figures[f"{row[0]} {row[1]}"] = row[3]
    return section
