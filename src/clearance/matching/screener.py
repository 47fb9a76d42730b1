"""Screening one query: retrieve candidates from the index, score them, explain the hits."""

from __future__ import annotations

from dataclasses import dataclass

from clearance.errors import QueryError
from clearance.matching.align import DEFAULT_PARAMS
from clearance.matching.features import MAX_BONUS, Candidate, IdentifierKey, PreparedQuery, compare, score
from clearance.matching.identifiers import identifier_key
from clearance.matching.index import ScreeningIndex
from clearance.matching.names import Family, NameForm, analyze
from clearance.model import IdScheme
from clearance.model.screening import Hit, ListRef, Query, ScreenResult

# Candidates scoring below this are not reported at all (a match needs score >= threshold).
REPORT_FLOOR = 0.5
# At most this many candidate entities per query are aligned in full, best retrieved first.
MAX_ALIGNED = 25


@dataclass(frozen=True, slots=True)
class Retrieved:
    """A candidate entity the index returned, with the names of it that were hit."""

    position: int
    names: tuple[NameForm, ...]  # empty: found by identifier, align all its names
    share: float
    rarity: float


def prepare(query: Query) -> PreparedQuery:
    """Analyse a query once: identifier keys now, names per family on first use."""
    idents = [IdentifierKey(identifier_key(i.value, i.scheme), i.scheme, i.value) for i in query.identifiers]
    name = " ".join(query.name.split())
    # A name with digits and few words may be a code (a tail number, an IMO number): it is
    # also looked up, exactly, among the identifiers.
    if name and any(ch.isdigit() for ch in name) and len(name.split()) <= 3:
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
        analyse=lambda family: analyze([name], family, query=True) if name else [],
    )


def _optimistic(share: float) -> float:
    """The best name score a name can reach when only ``share`` of the query's weight hit it."""
    return share / (share + DEFAULT_PARAMS.extra_query * (1.0 - share)) if share > 0 else 0.0


class Screener:
    """Screens queries against one :class:`ScreeningIndex`."""

    def __init__(self, index: ScreeningIndex, threshold: float) -> None:
        self.index = index
        self.threshold = threshold
        self.startup: tuple[str, float] = ("given", 0.0)  # how the index was obtained, seconds taken
        self._sources = {c.source for c in index.candidates} | {ref.source for ref in index.lists}

    def warm_up(self) -> None:
        """Load rigour's name data now (seconds, once per process), e.g. before forking workers
        that then share it."""
        for family in (Family.PERSON, Family.ORGANIZATION, Family.OBJECT):
            analyze(["Warm Up"], family, query=True)

    def lists(self, sources: tuple[str, ...] = ()) -> tuple[ListRef, ...]:
        return tuple(ref for ref in self.index.lists if not sources or ref.source in sources)

    def retrieve(self, query: PreparedQuery, sources: tuple[str, ...] = (),
                 limit: int = MAX_ALIGNED) -> list[Retrieved]:
        """The candidates worth aligning, best first (exposed for the index-recall benchmark)."""
        wanted = set(sources)
        unknown = wanted - self._sources
        if unknown:
            known = ", ".join(sorted(self._sources)) or "none"
            raise QueryError(f"query: field 'sources': {', '.join(sorted(unknown))} not loaded (loaded: {known})")
        families = [query.family] if query.family is not None else list(Family)[:3]
        floor = REPORT_FLOOR - MAX_BONUS
        by_candidate: dict[int, tuple[float, float, list[NameForm]]] = {}
        for family in families:
            for name_id, (share, rarity) in self.index.hits(query, family).items():
                if _optimistic(share) < floor:
                    continue
                position, form = self.index.names[name_id]
                if wanted and self.index.candidates[position].source not in wanted:
                    continue
                entry = by_candidate.get(position)
                if entry is None:
                    by_candidate[position] = (share, rarity, [form])
                else:
                    entry[2].append(form)
                    if (share, rarity) > entry[:2]:
                        by_candidate[position] = (share, rarity, entry[2])
        ranked = sorted(by_candidate.items(), key=lambda item: item[1][:2], reverse=True)[:limit]
        found = [Retrieved(p, tuple(forms), share, rarity) for p, (share, rarity, forms) in ranked]
        seen = {r.position for r in found}
        for position in sorted(self.index.identifier_hits(query.identifiers)):
            candidate = self.index.candidates[position]
            if position not in seen and (not wanted or candidate.source in wanted):
                found.append(Retrieved(position, (), 1.0, 0.0))
        return found

    def screen(self, query: Query, *, threshold: float | None = None, limit: int = 10) -> ScreenResult:
        if limit < 1:
            raise QueryError(f"query: field 'limit' is {limit} (expected 1 or more)")
        threshold = self.threshold if threshold is None else threshold
        if not 0.0 <= threshold <= 1.0:
            raise QueryError(f"query: field 'threshold' is {threshold} (expected a number from 0 to 1)")
        prepared = prepare(query)
        hits: list[Hit] = []
        for found in self.retrieve(prepared, query.sources):
            candidate = self.index.candidates[found.position]
            hit = self._hit(prepared, candidate, found.names or None, threshold)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.entity_id))
        return ScreenResult(query, threshold, self.lists(query.sources), tuple(hits[:limit]))

    @staticmethod
    def _hit(prepared: PreparedQuery, candidate: Candidate, names: tuple[NameForm, ...] | None,
             threshold: float) -> Hit | None:
        cmp = compare(prepared, candidate, list(names) if names is not None else None)
        value, explanation = score(cmp)
        if value < REPORT_FLOOR:
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
