"""Screening one query: retrieve candidates from the index, score them, explain the hits."""

from __future__ import annotations

import gc
import re
import time
from dataclasses import dataclass

from clearance.errors import QueryError
from clearance.matching.features import MAX_BONUS, Candidate, IdentifierKey, PreparedQuery, compare, score
from clearance.matching.identifiers import identifier_key
from clearance.matching.index import ScreeningIndex, entity_names, make_candidate
from clearance.matching.names import FAMILY_OF_TYPE, Family, Lexicon, NameForm, analyze
from clearance.model import Entity, IdScheme
from clearance.model.countries import to_country_code
from clearance.model.screening import FeatureScore, Hit, ListRef, Query, ScreenResult

# Hits scoring up to this much below the threshold are reported as near misses (match: false);
# lower scores are not reported, and candidates that cannot reach them are not even aligned.
REPORT_MARGIN = 0.1
REPORT_FLOOR = 0.5  # never report below this, whatever the threshold
# At most this many candidate entities per query are aligned in full, best retrieved first.
MAX_ALIGNED = 25
_DIGIT = re.compile(r"\d")
HOLD_EVERY = 1000  # queries between two freezes of the heap in a process that holds it


class _HeapHold:
    """Whether this process holds its heap out of the garbage collector (see :func:`hold_heap`)."""

    every = 0  # 0: not held
    count = 0


def hold_heap(every: int = HOLD_EVERY) -> None:
    """For a process that exists to screen for a while and end (a batch worker): move every
    object alive now out of the cyclic garbage collector's reach (:func:`gc.freeze`), and again
    after every ``every`` queries screened.

    The index, rigour's name data and the caches that fill as queries are screened (listed names
    unpickled, words looked up with the sets of names they hit) are long-lived and hold no
    reference cycles, yet each full collection walks all of them, every name id of every set: a
    sixth of the time of a screening (10,000 queries of the speed benchmark on one core: 0.54 ms
    per query with collections, 0.46 with the heap held, 0.45 with the collector off). Frozen
    objects are still freed when their last reference goes; only a reference cycle alive at a
    freeze that dies later stays until the process ends, so this is for processes whose objects
    are all ours and that end (not the server, whose requests come and go for months, nor a
    library call in someone's program).
    """
    _HeapHold.every = every
    _HeapHold.count = 0
    gc.collect()
    gc.freeze()


def heap_held() -> bool:
    return _HeapHold.every > 0


def _count_screened() -> None:
    _HeapHold.count += 1
    if _HeapHold.count >= _HeapHold.every:
        _HeapHold.count = 0
        gc.freeze()


@dataclass(frozen=True, slots=True)
class Retrieved:
    """A candidate entity the index returned, with the names of it that were hit."""

    position: int
    name_ids: tuple[int, ...]  # empty: found by identifier, align all its names


def prepare(query: Query, lexicon: Lexicon | None = None) -> PreparedQuery:
    """Analyse a query once: identifier keys now, names per family on first use (person names
    tagged from ``lexicon`` when it knows their words)."""
    idents = [IdentifierKey(identifier_key(i.value, i.scheme), i.scheme, i.value) for i in query.identifiers]
    name = " ".join(query.name.split())
    # A name with digits and few words may be a code (a tail number, an IMO number): it is
    # also looked up, exactly, among the identifiers.
    if name and _DIGIT.search(name) and len(name.split()) <= 3:
        key = identifier_key(name)
        if len(key) >= 4:
            idents.append(IdentifierKey(key, IdScheme.OTHER, name))
    return PreparedQuery(
        name=name,
        type=query.type,
        birth_date=query.birth_date,
        country=query.country.upper() if query.country else None,
        gender=query.gender,
        identifiers=tuple(i for i in idents if i.key),
        analyse=lambda family: analyze([name], family, query=True, lexicon=lexicon) if name else [],
    )


def score_entity(query: Query, entity: Entity) -> tuple[float, tuple[FeatureScore, ...]]:
    """Score one entity for a query without an index: the same features, no retrieval (for pair
    benchmarks and tests)."""
    family = FAMILY_OF_TYPE[entity.type]
    candidate = make_candidate(entity, family, range(0))
    return score(compare(prepare(query), candidate, analyze(entity_names(entity), family)))


def report_floor(threshold: float) -> float:
    """The lowest score reported for a threshold: near misses within REPORT_MARGIN below it."""
    return min(threshold, max(REPORT_FLOOR, threshold - REPORT_MARGIN))


class Screener:
    """Screens queries against one :class:`ScreeningIndex`."""

    def __init__(self, index: ScreeningIndex, threshold: float) -> None:
        self.index = index
        self.threshold = threshold
        self.startup: tuple[str, float] = ("given", 0.0)  # how the index was obtained, seconds taken
        self.warmed: float | None = None  # seconds warm_up took in this process (None: not run)
        self._sources = set(index.sources) | {ref.source for ref in index.lists}

    def warm_up(self) -> None:
        """Load rigour's name data, and its territory names that read a query's country, now
        (seconds, once per process), e.g. before forking workers that then share them."""
        if self.warmed is not None:
            return
        started = time.perf_counter()
        for family in (Family.PERSON, Family.ORGANIZATION, Family.OBJECT):
            analyze(["Warm Up"], family, query=True)
        to_country_code("Warm Up")
        self.warmed = time.perf_counter() - started

    def lists(self, sources: tuple[str, ...] = ()) -> tuple[ListRef, ...]:
        return tuple(ref for ref in self.index.lists if not sources or ref.source in sources)

    def retrieve(self, query: PreparedQuery, floor: float, sources: tuple[str, ...] = (),
                 limit: int = MAX_ALIGNED) -> list[Retrieved]:
        """The candidates worth aligning, best first (exposed for the index-recall benchmark)."""
        wanted = set(sources)
        unknown = wanted - self._sources
        if unknown:
            known = ", ".join(sorted(self._sources)) or "none"
            raise QueryError(f"query: field 'sources': {', '.join(sorted(unknown))} not loaded (loaded: {known})")
        families = [query.family] if query.family is not None else [Family.PERSON, Family.ORGANIZATION, Family.OBJECT]
        groups = [group for family in families for group in self.index.hits(query, family, floor - MAX_BONUS)]
        groups.sort(key=lambda group: group[0], reverse=True)
        source_of = self.index.source_of
        owner = self.index.owner
        # The best-ranked candidates first, up to the limit; then only more names of those.
        chosen: dict[int, list[int]] = {}  # candidate position -> its names hit
        chosen_names: set[int] | None = None
        for _, names in groups:
            if chosen_names is not None:
                names = names & chosen_names  # only names of the chosen candidates
            for name_id in names:
                position = owner[name_id]
                entry = chosen.get(position)
                if entry is not None:
                    entry.append(name_id)
                elif chosen_names is None and not (wanted and source_of[position] not in wanted):
                    chosen[position] = [name_id]
                    if len(chosen) == limit:
                        chosen_names = {n for p in chosen for n in self.index.names_of(p)}
        # A name hit through several of the query's forms is aligned once.
        found = [Retrieved(p, tuple(dict.fromkeys(ids))) for p, ids in chosen.items()]
        seen = {r.position for r in found}
        for position in sorted(self.index.identifier_hits(query.identifiers)):
            if position not in seen and (not wanted or source_of[position] in wanted):
                found.append(Retrieved(position, ()))
        return found

    def screen(self, query: Query, *, threshold: float | None = None, limit: int = 10) -> ScreenResult:
        if limit < 1:
            raise QueryError(f"query: field 'limit' is {limit} (expected 1 or more)")
        threshold = self.threshold if threshold is None else threshold
        if not 0.0 <= threshold <= 1.0:
            raise QueryError(f"query: field 'threshold' is {threshold} (expected a number from 0 to 1)")
        prepared = prepare(query, self.index.lexicon)
        floor = report_floor(threshold)
        hits = self.align(prepared, self.retrieve(prepared, floor, query.sources), threshold)
        if _HeapHold.every:
            _count_screened()
        return ScreenResult(query, threshold, self.lists(query.sources), tuple(hits[:limit]))

    def align(self, query: PreparedQuery, retrieved: list[Retrieved], threshold: float) -> list[Hit]:
        """The retrieved candidates that score at least the reporting floor, best first, each
        with its explanation (exposed for the speed benchmark, which times each step)."""
        floor = report_floor(threshold)
        hits: list[Hit] = []
        for found in retrieved:
            candidate = self.index.candidates[found.position]
            if found.name_ids:
                forms = [form for name_id in found.name_ids for form in self.index.forms(name_id)]
            else:
                forms = self.index.candidate_forms(candidate)
            hit = self._hit(query, candidate, forms, threshold, floor)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.entity_id))
        return hits

    @staticmethod
    def _hit(prepared: PreparedQuery, candidate: Candidate, forms: list[NameForm], threshold: float,
             floor: float) -> Hit | None:
        cmp = compare(prepared, candidate, forms)
        value, explanation = score(cmp)
        if value < floor:
            return None
        matched = cmp.alignment.candidate.original if cmp.alignment and cmp.alignment.score > 0 else candidate.caption
        return Hit(
            entity_id=candidate.entity_id,
            source=candidate.source,
            type=candidate.type,
            name=candidate.caption,
            matched_name=matched,
            score=value,
            match=value >= threshold,
            programs=candidate.programs,
            explanation=explanation,
        )
