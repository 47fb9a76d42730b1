"""The installed policy packs, loaded together, and a check of one transaction against them.

Packs come from ``clearance/policy/packs/`` (shipped), from the ``CLEARANCE_PACKS_DIR`` folder
(user packs: each subfolder with a ``pack.yml``, or the folder itself) and from paths given
explicitly. A user adds a regime by adding a folder; no code changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from importlib import resources
from pathlib import Path

from clearance.errors import NotFoundError, PackError
from clearance.model.entity import Entity, EntityType, Identifier, Link, Name, NameKind, canonical_json
from clearance.model.screening import ListRef
from clearance.model.transaction import Transaction
from clearance.model.verdict import PackRef, ResolvedParty, Verdict
from clearance.model.versions import ListMeta, VersionInfo
from clearance.policy.evaluate import Evaluator, operational
from clearance.policy.facts import FactBuilder
from clearance.policy.loader import load_pack
from clearance.policy.reference.airports import AirportIndex
from clearance.policy.resolve import EntityFn, Resolver, ScreenFn
from clearance.policy.schema import Pack


def builtin_pack_dirs() -> list[Path]:
    root = Path(str(resources.files("clearance.policy").joinpath("packs")))
    return sorted(p for p in root.iterdir() if (p / "pack.yml").is_file()) if root.is_dir() else []


def user_pack_dirs(folder: str | Path | None) -> list[Path]:
    if not folder:
        return []
    root = Path(folder)
    if not root.is_dir():
        raise PackError([f"{root}: the packs folder (CLEARANCE_PACKS_DIR) does not exist"])
    if (root / "pack.yml").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if (p / "pack.yml").is_file())


class PolicySet:
    """Packs that evaluate together. Jurisdictions one pack only references must be defined by another."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        errors: list[str] = []
        names: dict[str, str] = {}
        for pack in packs:
            if pack.name in names:
                errors.append(f"{pack.path}: pack name {pack.name!r} is already used by {names[pack.name]}")
            names[pack.name] = pack.path
        defined = {j.id for p in packs for j in p.jurisdictions if j.defined}
        for pack in packs:
            for j in pack.jurisdictions:
                if not j.defined and j.id not in defined:
                    errors.append(f"{pack.path}/{j.where}: jurisdiction {j.id!r} is referenced but no loaded pack "
                                  "defines it (give name and nexus, or load the pack that defines it)")
        zone_owner: dict[str, str] = {}
        for pack in packs:
            for zone in pack.zones:
                if zone.id in zone_owner and zone_owner[zone.id] != pack.name:
                    errors.append(f"{pack.path}: zone id {zone.id!r} is also defined by pack {zone_owner[zone.id]!r}")
                zone_owner[zone.id] = pack.name
        if errors:
            raise PackError(errors)
        self.packs = list(packs)
        self.evaluator = Evaluator(self.packs)

    @classmethod
    def load(cls, folders: Iterable[str | Path], airport_exists: Callable[[str], bool] | None = None) -> PolicySet:
        return cls(load_packs(folders, airport_exists))

    def select(self, wanted: Sequence[str] | None) -> PolicySet:
        if not wanted:
            return self
        by_name = {p.name: p for p in self.packs}
        unknown = [w for w in wanted if w not in by_name]
        if unknown:
            raise NotFoundError(f"unknown pack(s) {', '.join(unknown)}; installed: {', '.join(by_name) or 'none'}")
        return PolicySet([by_name[w] for w in wanted])

    def check(self, tx: Transaction, day: date, airports: AirportIndex, *, screen: ScreenFn | None = None,
              entity: EntityFn | None = None, versions: Mapping[str, VersionInfo] | None = None) -> Verdict:
        versions = dict(versions or {})
        resolver = Resolver(self.packs, screen=screen, entity=entity)
        facts = FactBuilder(self.packs, airports, resolver).build(tx, day)
        nexuses, verdicts = self.evaluator.evaluate(facts, versions)
        findings = operational(self.packs, self.evaluator.context(facts))
        parties = tuple(
            ResolvedParty(node.role or "owner", node.name, tuple((m.entity_id, m.score) for m in node.matches))
            for node in facts.nodes.values()
        )
        if facts.aircraft is not None:
            parties += (ResolvedParty("aircraft", facts.aircraft.label,
                                      tuple((m.entity_id, m.score) for m in facts.aircraft.matches)),)
        return Verdict(
            date=day.isoformat(),
            packs=tuple(PackRef(p.name, p.version) for p in self.packs),
            lists=tuple(ListRef(v.source, v.label) for v in versions.values()),
            nexus=nexuses,
            parties=parties,
            verdicts=verdicts,
            operational=tuple(findings),
        )


def load_packs(folders: Iterable[str | Path], airport_exists: Callable[[str], bool] | None = None) -> list[Pack]:
    """Load every folder; the errors of all packs are reported together."""
    packs: list[Pack] = []
    errors: list[str] = []
    for folder in folders:
        try:
            packs.append(load_pack(folder, airport_exists))
        except PackError as exc:
            errors.extend(exc.errors)
    if errors:
        raise PackError(errors)
    return packs


def pack_entities(pack: Pack) -> tuple[ListMeta, list[Entity]]:
    """The pack's subjects as screenable entities of source ``pack:NAME``, with a content hash."""
    source = pack.source_id
    listings: dict[str, list[dict[str, str | None]]] = {}
    for listing in pack.listings:
        listings.setdefault(listing.subject, []).append({
            "id": listing.id,
            "jurisdiction": listing.jurisdiction,
            "program": listing.program,
            "measure": listing.measure,
            "validity": listing.validity.describe(),
            "certainty": listing.provenance.certainty.value,
        })
    entities = []
    for subject in pack.subjects:
        names = [Name(subject.names[0], NameKind.PRIMARY)] + [Name(n, NameKind.ALIAS) for n in subject.names[1:]]
        starts = sorted(x.validity.start.text for x in pack.listings
                        if x.subject == subject.id and x.validity.start is not None)
        links = [Link(kind, f"{source}:{target}", f"{source}:{target}")
                 for kind, target in (("operated_by", subject.operator), ("owned_by", subject.owner)) if target]
        entities.append(Entity(
            id=f"{source}:{subject.id}",
            source=source,
            type=subject.type if isinstance(subject.type, EntityType) else EntityType(subject.type),
            names=names,
            identifiers=[Identifier(scheme, value) for scheme, value in subject.identifiers],
            countries=[subject.country] if subject.country else [],
            programs=sorted({x.program for x in pack.listings if x.subject == subject.id and x.program}),
            listed_on=starts[0][:10] if starts else None,
            links=links,
            properties={"aircraft_model": [subject.model]} if subject.model else {},
            remarks=subject.notes,
            record={"pack": pack.name, "pack_version": pack.version, "subject": subject.id,
                    "listings": listings.get(subject.id, [])},
        ))
    digest = hashlib.sha256(canonical_json([e.to_dict() for e in entities]).encode("utf-8")).hexdigest()
    meta = ListMeta(source=source, format="policy-pack", files=[pack.path], sha256=digest,
                    publisher_version=pack.version)
    return meta, entities
