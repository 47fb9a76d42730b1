"""Who is who: a transaction's parties and aircraft, resolved to pack subjects and list entities.

Order of evidence: an identifier that matches exactly (after canonical keys: ``EW-001PA`` ==
``EW001PA`` == Cyrillic look-alikes), then a name equal to one of a subject's names once case,
punctuation and legal forms are set aside, then name screening through the engine's matcher
(``Engine.screen``), which also finds the pack subjects stored under ``pack:NAME``. Aircraft are
resolved by registration and serial number only, never by a fuzzy score.

A screening match that is neither an identifier nor an exact name is kept, but it is not proof
of identity: verdicts that rest on it become REVIEW ("confirm that X is Y").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import normalize_name, remove_org_types

from clearance.errors import ClearanceError
from clearance.matching.identifiers import identifier_key
from clearance.model.entity import Entity, EntityType, Identifier, IdScheme
from clearance.model.screening import Query, ScreenResult
from clearance.policy.schema import Pack, Subject

ScreenFn = Callable[[Query], ScreenResult]
EntityFn = Callable[[str], Entity]
_AIRCRAFT_SCHEMES = (IdScheme.TAIL_NUMBER, IdScheme.PREVIOUS_TAIL_NUMBER, IdScheme.MSN)


@dataclass(frozen=True, slots=True)
class Match:
    entity_id: str  # "pack:belarus:ENT.BELAVIA" or "us-ofac-sdn:44541"
    score: float
    exact: bool  # identifier or exact name: proof of identity; else a screening match to confirm
    how: str  # "tail_number EW455PA", "name 'belavia'", "screening 0.91"
    pack: str | None = None
    subject: str | None = None
    entity: Entity | None = None  # for list entities: programs, listed_on, source

    @property
    def source(self) -> str:
        return f"pack:{self.pack}" if self.pack else (self.entity.source if self.entity else "")


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """A name with case, punctuation and legal forms (OJSC, OAO, LLC...) set aside."""
    normal = normalize_name(name) or ""
    stripped = remove_org_types(normal) or normal
    return " ".join(stripped.split())


def subject_entity_id(pack: Pack, subject: Subject) -> str:
    return f"{pack.source_id}:{subject.id}"


class Resolver:
    """Resolve parties and aircraft against the packs' subjects and, if given, the loaded lists."""

    def __init__(self, packs: Sequence[Pack], screen: ScreenFn | None = None, entity: EntityFn | None = None) -> None:
        self.screen = screen
        self.entity = entity
        self._by_id: dict[str, tuple[Pack, Subject]] = {}
        self._by_identifier: dict[tuple[str, str], list[tuple[Pack, Subject]]] = {}
        self._by_name: dict[str, list[tuple[Pack, Subject]]] = {}
        for pack in packs:
            for subject in pack.subjects:
                self._by_id[subject_entity_id(pack, subject)] = (pack, subject)
                for scheme, value in subject.identifiers:
                    family = "aircraft" if scheme in _AIRCRAFT_SCHEMES else scheme.value
                    key = (family, identifier_key(value, scheme))
                    self._by_identifier.setdefault(key, []).append((pack, subject))
                if subject.type is not EntityType.AIRCRAFT:
                    for name in subject.names:
                        self._by_name.setdefault(name_key(name), []).append((pack, subject))

    def _pack_match(self, pack: Pack, subject: Subject, how: str) -> Match:
        return Match(subject_entity_id(pack, subject), 1.0, True, how, pack.name, subject.id)

    def party(self, name: str, identifiers: Iterable[tuple[IdScheme, str]] = (), country: str | None = None,
              ) -> list[Match]:
        found: dict[str, Match] = {}
        for scheme, value in identifiers:
            key = identifier_key(value, scheme)
            for pack, subject in self._by_identifier.get((scheme.value, key), []):
                found.setdefault(subject_entity_id(pack, subject), self._pack_match(pack, subject,
                                                                                   f"{scheme.value} {key}"))
        wanted = name_key(name)
        for pack, subject in self._by_name.get(wanted, []):
            found.setdefault(subject_entity_id(pack, subject), self._pack_match(pack, subject, f"name {name!r}"))
        if self.screen is not None:
            query = Query(name=name, country=country,
                          identifiers=tuple(Identifier(s, v) for s, v in identifiers))
            for hit in self.screen(query).matches:
                if hit.entity_id in found or hit.type is EntityType.AIRCRAFT:
                    continue
                exact = name_key(hit.matched_name) == wanted
                how = f"name {name!r}" if exact else f"screening {hit.score:.2f} on {hit.matched_name!r}"
                found[hit.entity_id] = self._screen_match(hit.entity_id, hit.score, exact, how)
        return sorted(found.values(), key=lambda m: (-m.score, m.entity_id))

    def _screen_match(self, entity_id: str, score: float, exact: bool, how: str) -> Match:
        if entity_id in self._by_id:
            pack, subject = self._by_id[entity_id]
            return Match(entity_id, score, exact, how, pack.name, subject.id)
        entity = None
        if self.entity is not None:
            try:
                entity = self.entity(entity_id)
            except ClearanceError:
                entity = None
        return Match(entity_id, score, exact, how, entity=entity)

    def aircraft(self, registration: str | None, msn: str | None) -> list[Match]:
        """Exact identifier matches only: a tail number or serial number that differs is another aircraft."""
        keys = []
        if registration:
            keys.append(("registration", identifier_key(registration, IdScheme.TAIL_NUMBER)))
        if msn:
            keys.append(("msn", identifier_key(msn, IdScheme.MSN)))
        found: dict[str, Match] = {}
        for label, key in keys:
            for pack, subject in self._by_identifier.get(("aircraft", key), []):
                if self._aircraft_has(subject.identifiers, label, key):
                    found.setdefault(subject_entity_id(pack, subject), self._pack_match(pack, subject,
                                                                                       f"{label} {key}"))
        if self.screen is not None and registration:
            query = Query(name=registration, type=EntityType.AIRCRAFT,
                          identifiers=(Identifier(IdScheme.TAIL_NUMBER, registration),))
            for hit in self.screen(query).results:
                if hit.entity_id in found or hit.type is not EntityType.AIRCRAFT:
                    continue
                match = self._screen_match(hit.entity_id, 1.0, True, "")
                entity_ids = match.entity.identifiers if match.entity is not None else []
                pairs = tuple((i.scheme, i.value) for i in entity_ids)
                for label, key in keys:
                    if self._aircraft_has(pairs, label, key):
                        found[hit.entity_id] = Match(hit.entity_id, 1.0, True, f"{label} {key}",
                                                     match.pack, match.subject, match.entity)
        return sorted(found.values(), key=lambda m: m.entity_id)

    @staticmethod
    def _aircraft_has(identifiers: Iterable[tuple[IdScheme, str]], label: str, key: str) -> bool:
        schemes = (IdScheme.MSN,) if label == "msn" else (IdScheme.TAIL_NUMBER, IdScheme.PREVIOUS_TAIL_NUMBER)
        return any(s in schemes and identifier_key(v, s) == key for s, v in identifiers)
