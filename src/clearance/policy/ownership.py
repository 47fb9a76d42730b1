"""Who is blocked in a jurisdiction at a date: listings first, then the ownership rule.

Listing status of a node at date D comes from the packs' dated listing facts where a pack has
facts for that subject in that jurisdiction, otherwise from the loaded list versions. Ownership
is then closed over the owners given in the transaction, per jurisdiction: US and EU block an
entity 50% or more owned by blocked persons taken together; the UK blocks only above 50% held by
one of them. Percentages are not multiplied down a chain: an owner counts when it is itself
blocked (OFAC guidance, domain.md §1.4).

The same closure, with an authorization's own subjects and threshold, gives the entities a
general licence reaches ("entities owned 50% or more by Belavia").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from clearance.model.verdict import Certainty
from clearance.model.versions import VersionInfo
from clearance.policy.facts import AIRCRAFT, Facts, Node
from clearance.policy.resolve import Match
from clearance.policy.schema import Jurisdiction, Listing, OwnedBy, OwnershipRule, Pack
from clearance.policy.validity import Status

_RANK = {Certainty.UNVERIFIED: 0, Certainty.REPORTED: 1, Certainty.VERIFIED: 2}


def weakest(values: Iterable[Certainty]) -> Certainty:
    return min(values, key=lambda c: _RANK[c], default=Certainty.VERIFIED)


@dataclass(frozen=True, slots=True)
class Block:
    """Why a node (or the aircraft) is blocked in one jurisdiction."""

    subject: str  # node key, or "aircraft"
    rule: str  # listing id, list entity id, or "<J>.OWNERSHIP"
    program: str | None
    text: str
    certainty: Certainty
    sources: tuple[str, ...] = ()
    legal_basis: str | None = None
    doubts: tuple[str, ...] = ()

    @property
    def sure(self) -> bool:
        return not self.doubts and self.certainty is not Certainty.UNVERIFIED


@dataclass
class BlockState:
    blocks: dict[str, list[Block]] = field(default_factory=dict)  # node key -> blocks
    notes: list[tuple[str, str, Certainty, tuple[str, ...]]] = field(default_factory=list)  # rule, text, ...

    def of(self, key: str) -> list[Block]:
        return self.blocks.get(key, [])


class ListingIndex:
    """Pack listing facts and loaded list bindings for one jurisdiction."""

    def __init__(self, jurisdiction: Jurisdiction, packs: Sequence[Pack], versions: Mapping[str, VersionInfo]):
        self.jurisdiction = jurisdiction
        self.versions = versions
        self.bindings = {b.source: b for p in packs for j in p.jurisdictions if j.id == jurisdiction.id
                         for b in j.lists}
        self.by_subject: dict[str, list[Listing]] = {}
        for pack in packs:
            for listing in pack.listings:
                if listing.jurisdiction == jurisdiction.id:
                    self.by_subject.setdefault(listing.subject, []).append(listing)

    def direct(self, subject_key: str, label: str, matches: Sequence[Match], day: date, state: BlockState) -> None:
        blocks: list[Block] = []
        with_facts = {m.subject for m in matches if m.subject in self.by_subject}
        for match in matches:
            if match.subject in with_facts:
                for listing in self.by_subject[match.subject or ""]:
                    self._listing(subject_key, label, match, listing, day, blocks, state)
            elif match.entity is not None and match.entity.source in self.bindings and not with_facts:
                self._list_entity(subject_key, label, match, day, blocks, state)
        if blocks:
            state.blocks[subject_key] = blocks

    def _identity_doubt(self, label: str, match: Match) -> tuple[str, ...]:
        if match.exact:
            return ()
        return (f"{label} matched {match.entity_id} by {match.how} only: confirm the identity",)

    def _listing(self, key: str, label: str, match: Match, listing: Listing, day: date, out: list[Block],
                 state: BlockState) -> None:
        status = listing.validity.status(day)
        what = listing.text or f"{listing.measure.replace('_', ' ')} ({listing.reference or listing.program})"
        if status is Status.OUT:
            state.notes.append((listing.id, f"{label}: {what}, {listing.validity.describe()}; not in force on "
                                f"{day.isoformat()}", listing.provenance.certainty, listing.provenance.sources))
            return
        doubts = self._identity_doubt(label, match)
        if status is Status.UNCERTAIN:
            doubts += (f"{listing.id}: {listing.validity.doubt(day)}",)
        if listing.provenance.certainty is Certainty.UNVERIFIED:
            doubts += (f"{listing.id} is unverified: {what}",)
        out.append(Block(key, listing.id, listing.program, f"{label} is blocked: {what}, "
                         f"{listing.validity.describe()}", listing.provenance.certainty,
                         listing.provenance.sources, listing.provenance.legal_basis, doubts))

    def _list_entity(self, key: str, label: str, match: Match, day: date, out: list[Block],
                     state: BlockState) -> None:
        entity = match.entity
        assert entity is not None
        binding = self.bindings[entity.source]
        version = self.versions.get(entity.source)
        version_text = f"version {version.label}" if version else "loaded version"
        if entity.listed_on and entity.listed_on > day.isoformat():
            state.notes.append((entity.id, f"{label}: listed on {entity.source} on {entity.listed_on}, after "
                                f"{day.isoformat()}", Certainty.VERIFIED, ()))
            return
        doubts = self._identity_doubt(label, match)
        published = (version.published or version.ingested_at)[:10] if version else None
        if not entity.listed_on and published and published > day.isoformat():
            doubts += (f"{entity.id}: the listing date is unknown and {entity.source} {version_text} is from "
                       f"{published}, after the event date",)
        programs = [binding.programs[p] for p in entity.programs if p in binding.programs]
        program = programs[0] if programs and len(set(programs)) == 1 and len(programs) == len(entity.programs) \
            else None
        tags = ", ".join(entity.programs) or "no program given"
        out.append(Block(key, entity.id, program, f"{label} is listed on {entity.source} ({tags}), {version_text}",
                         Certainty.VERIFIED, (f"{entity.source} {version_text}",), None, doubts))


def blocked_state(facts: Facts, index: ListingIndex, day: date) -> BlockState:
    """Direct listings of every node and of the aircraft, then the jurisdiction's ownership rule."""
    state = BlockState()
    for node in facts.nodes.values():
        index.direct(node.key, node.label, node.matches, day, state)
    if facts.aircraft is not None:
        index.direct(AIRCRAFT, f"aircraft {facts.aircraft.label}", facts.aircraft.matches, day, state)
    rule = index.jurisdiction.ownership
    if rule is not None:
        closer = _Closure(facts.nodes, state, rule, index.jurisdiction.id)
        for key in list(facts.nodes):
            closer.resolve(key)
    return state


class _Closure:
    def __init__(self, nodes: Mapping[str, Node], state: BlockState, rule: OwnershipRule, jurisdiction: str):
        self.nodes, self.state, self.rule, self.jurisdiction = nodes, state, rule, jurisdiction
        self.done: set[str] = set()
        self.active: set[str] = set()

    def resolve(self, key: str) -> list[Block]:
        if key in self.done or key in self.active:
            return self.state.of(key)
        self.active.add(key)
        node = self.nodes[key]
        if not self.state.of(key):
            contributions = []
            for holding in node.holdings:
                if holding.held:
                    blocks = self.resolve(holding.owner)
                    if blocks:
                        contributions.append((self.nodes[holding.owner], holding.share, blocks))
            block = self._ownership_block(node, contributions)
            if block is not None:
                self.state.blocks[key] = [block]
        self.active.discard(key)
        self.done.add(key)
        return self.state.of(key)

    def _total(self, contributions: list[tuple[Node, float, list[Block]]], sure_only: bool) -> float:
        shares = [share for _, share, blocks in contributions if not sure_only or any(b.sure for b in blocks)]
        if not shares:
            return 0.0
        return sum(shares) if self.rule.aggregate else max(shares)

    def _ownership_block(self, node: Node, contributions: list[tuple[Node, float, list[Block]]]) -> Block | None:
        possible = self._total(contributions, sure_only=False)
        if not self.rule.meets(possible):
            return None
        sure = self._total(contributions, sure_only=True)
        owners = ", ".join(f"{owner.name} {share:.0%} ({blocks[0].rule})" for owner, share, blocks in contributions)
        doubts: tuple[str, ...] = ()
        if not self.rule.meets(sure):
            doubts = tuple(d for _, _, blocks in contributions for b in blocks for d in b.doubts)
        certainty = weakest([self.rule.provenance.certainty] + [b.certainty for _, _, bs in contributions for b in bs])
        programs = {b.program for _, _, bs in contributions for b in bs}
        held = "in aggregate " if self.rule.aggregate and len(contributions) > 1 else ""
        text = (f"{node.label} is {possible:.0%} owned {held}by blocked persons: {owners}; {self.jurisdiction} "
                f"ownership rule {self.rule.describe()}")
        return Block(node.key, f"{self.jurisdiction}.OWNERSHIP", programs.pop() if len(programs) == 1 else None,
                     text, certainty, self.rule.provenance.sources, self.rule.provenance.legal_basis, doubts)


def owned_closure(facts: Facts, scope: OwnedBy) -> dict[str, str]:
    """Node key -> why it is within ``scope`` (the subjects themselves, or owned enough by them)."""
    inside: dict[str, str] = {}
    for node in facts.nodes.values():
        for subject, exact in node.subjects().items():
            if subject in scope.subjects and exact:
                inside[node.key] = f"{node.label} is {subject}"
    changed = True
    while changed:  # a fixed point: owners in scope bring in what they own, level by level
        changed = False
        for node in facts.nodes.values():
            if node.key in inside:
                continue
            shares = [(h.share, h.owner) for h in node.holdings if h.held and h.owner in inside]
            if not shares:
                continue
            total = sum(s for s, _ in shares) if scope.aggregate else max(s for s, _ in shares)
            meets = total >= scope.threshold - 1e-9 if scope.inclusive else total > scope.threshold + 1e-9
            if meets:
                names = ", ".join(f"{facts.nodes[o].name} {s:.0%}" for s, o in shares)
                inside[node.key] = f"{node.label} is {total:.0%} owned by {names}"
                changed = True
    return inside
