"""One evaluator per jurisdiction over the shared fact graph, and the non-legal operational layer.

For each jurisdiction: decide the nexus; collect prohibitions (blocked parties and property,
then the jurisdiction's rules in force); apply the authorizations of *that* jurisdiction in scope
minus their exclusions (GL 11 never cures an EAR licence requirement); decide by the most severe
prohibition left. A deciding prohibition that rests on an unverified fact, a missing fact, an
uncertain date or an unconfirmed identity gives REVIEW, saying which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from clearance.model.transaction import License
from clearance.model.verdict import Certainty, JurisdictionVerdict, OperationalFinding, Outcome, Reason
from clearance.model.versions import VersionInfo
from clearance.policy.conditions import Context, all_of, item_test, matching_items, test
from clearance.policy.facts import AIRCRAFT, Facts, Tri
from clearance.policy.nexus import NONE, nexus
from clearance.policy.ownership import Block, BlockState, ListingIndex, blocked_state, owned_closure, weakest
from clearance.policy.schema import Authorization, Conditions, Jurisdiction, Pack, Rule, Scope, Zone
from clearance.policy.validity import Status, Validity

_SEVERITY = {
    (Outcome.BLOCKED, None): 6,
    (Outcome.PROHIBITED, None): 5,
    (Outcome.LICENSE_REQUIRED, "denial"): 4,
    (Outcome.LICENSE_REQUIRED, "unknown"): 3,
    (Outcome.LICENSE_REQUIRED, "case_by_case"): 2,
}


@dataclass
class Prohibition:
    rule: str
    effect: Outcome
    review: str | None
    text: str
    certainty: Certainty
    sources: tuple[str, ...] = ()
    legal_basis: str | None = None
    doubts: list[str] = field(default_factory=list)
    subject: str | None = None  # blocks: the node key or "aircraft"
    program: str | None = None
    items: tuple[int, ...] = ()
    concerns_aircraft: bool = False
    covered_by: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def effective_certainty(self) -> Certainty:
        return Certainty.UNVERIFIED if self.doubts else self.certainty

    @property
    def severity(self) -> int:
        return _SEVERITY.get((self.effect, self.review), 1)

    def reason(self) -> Reason:
        text = self.text
        if self.notes:
            text += " " + " ".join(self.notes)
        if self.doubts:
            text += " Unverified: " + "; ".join(dict.fromkeys(self.doubts)) + "."
        return Reason(self.rule, text, self.legal_basis, self.effective_certainty, self.sources)


@dataclass(frozen=True)
class _Cover:
    kind: str  # covered | excluded | residual | uncertain | none
    text: str = ""
    effect: Outcome | None = None
    review: str | None = None


class Evaluator:
    """The loaded packs, indexed for evaluation; one instance serves many checks."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = list(packs)
        self.jurisdictions: list[Jurisdiction] = []
        for pack in self.packs:
            for j in pack.jurisdictions:
                if j.defined and all(j.id != known.id for known in self.jurisdictions):
                    self.jurisdictions.append(j)
        self.zones: dict[str, Zone] = {z.id: z for p in self.packs for z in p.zones}
        self.country_sets: dict[str, tuple[str, ...]] = {}
        for pack in self.packs:
            self.country_sets.update(pack.country_sets)
        self.rules: dict[str, list[Rule]] = {}
        self.authorizations: dict[str, list[Authorization]] = {}
        for pack in self.packs:
            for rule in pack.rules:
                self.rules.setdefault(rule.jurisdiction, []).append(rule)
            for auth in pack.authorizations:
                self.authorizations.setdefault(auth.jurisdiction, []).append(auth)

    def context(self, facts: Facts) -> Context:
        return Context(facts, self.zones, self.country_sets)

    # -- per jurisdiction ------------------------------------------------------------------
    def evaluate(self, facts: Facts, versions: Mapping[str, VersionInfo]) -> tuple[dict[str, str],
                                                                                   dict[str, JurisdictionVerdict]]:
        ctx = self.context(facts)
        nexuses: dict[str, str] = {}
        verdicts: dict[str, JurisdictionVerdict] = {}
        for j in self.jurisdictions:
            nexuses[j.id] = nexus(j, facts, ctx.countries)
            verdicts[j.id] = self._jurisdiction(j, facts, ctx, nexuses[j.id], versions)
        return nexuses, verdicts

    def _jurisdiction(self, j: Jurisdiction, facts: Facts, ctx: Context, found_nexus: str,
                      versions: Mapping[str, VersionInfo]) -> JurisdictionVerdict:
        nexus_reason = Reason(f"{j.id}.NEXUS", f"Nexus {found_nexus}.", None, Certainty.VERIFIED, ())
        if found_nexus.startswith(NONE):
            return JurisdictionVerdict(Outcome.NOT_APPLICABLE, deciding_rule=f"{j.id}.NEXUS",
                                       reasons=(nexus_reason,))
        # Only a pack that defines the jurisdiction vouches for its period; packs that add to it do not.
        covering = [p for p in self.packs if any(pj.id == j.id and pj.defined for pj in p.jurisdictions)
                    and p.period.status(facts.day) is not Status.OUT]
        if not covering:
            why = f"no loaded pack covers {j.id} on {facts.day.isoformat()}"
            return JurisdictionVerdict(Outcome.REVIEW, review=why, deciding_rule=f"{j.id}.PERIOD",
                                       reasons=(nexus_reason, Reason(f"{j.id}.PERIOD", why.capitalize() + ".",
                                                                     certainty=Certainty.UNVERIFIED)))
        state = blocked_state(facts, ListingIndex(j, self.packs, versions), facts.day)
        prohibitions = self._blocks(facts, state) + self._rules(j, ctx)
        notes = [Reason(rule, text + ".", None, certainty, sources) for rule, text, certainty, sources in state.notes]
        for node in facts.nodes.values():  # owners are not parties, but their listings explain the blocks
            if not node.participant:
                notes += [Reason(b.rule, f"Owner {b.text}.", b.legal_basis, b.certainty, b.sources)
                          for b in state.of(node.key)]
        authorized: list[tuple[Authorization | License, str]] = []
        for p in prohibitions:
            self._authorize(j, p, facts, ctx, state, authorized)
        return self._decide(prohibitions, authorized, [nexus_reason, *notes])

    def _blocks(self, facts: Facts, state: BlockState) -> list[Prohibition]:
        out = []
        keys = ([AIRCRAFT] if facts.aircraft is not None else []) + [n.key for n in facts.participants()]
        for key in keys:
            for block in state.of(key):
                out.append(Prohibition(block.rule, Outcome.BLOCKED, None, block.text + ".", block.certainty,
                                       block.sources, block.legal_basis, list(block.doubts), subject=key,
                                       program=block.program, concerns_aircraft=key == AIRCRAFT))
        return out

    def _rules(self, j: Jurisdiction, ctx: Context) -> list[Prohibition]:
        out = []
        for rule in self.rules.get(j.id, []):
            met = _in_force_and_met(rule.validity, rule.when, ctx)
            if met is None:
                continue
            status, found = met
            effect, review, text = rule.effect, rule.review, rule.title
            certainty, sources, basis = rule.provenance.certainty, rule.provenance.sources, \
                rule.provenance.legal_basis
            for variant in rule.variants:
                if test(variant.when, ctx).value is True:
                    effect, review, text = variant.effect, variant.review, f"{rule.title}; {variant.text}"
                    certainty = weakest([certainty, variant.provenance.certainty])
                    sources = sources + variant.provenance.sources
                    break
            doubts = []
            if found.value is None:
                doubts.append(found.why)
            if status is Status.UNCERTAIN:
                doubts.append(f"{rule.id}: {rule.validity.doubt(ctx.day)}")
            if certainty is Certainty.UNVERIFIED:
                doubts.append(f"{rule.id} is itself unverified")
            why = f" ({found.why})" if found.value and found.why else ""
            items = matching_items(rule.when.items, ctx)
            out.append(Prohibition(rule.id, effect, review, f"{text}{why}.", certainty, sources, basis, doubts,
                                   items=items, concerns_aircraft=rule.when.aircraft_subject_to_ear is not None
                                   or rule.when.aircraft_nationality is not None or rule.when.aircraft_ids is not None))
        return out

    # -- authorizations ----------------------------------------------------------------
    def _authorize(self, j: Jurisdiction, p: Prohibition, facts: Facts, ctx: Context, state: BlockState,
                   authorized: list[tuple[Authorization | License, str]]) -> None:
        maybe: list[str] = []
        for auth in self.authorizations.get(j.id, []):
            cover = self._cover(auth, p, facts, ctx, state)
            if cover.kind == "covered":
                p.covered_by = auth.id
                p.notes.append(f"Authorized by {auth.id} ({auth.title}): {cover.text}.")
                authorized.append((auth, cover.text))
                return
            if cover.kind in ("excluded", "residual"):
                p.notes.append(cover.text)
                if cover.effect is not None:
                    p.effect, p.review = cover.effect, cover.review
            elif cover.kind == "uncertain":
                maybe.append(cover.text)
        for lic in facts.tx.licenses:
            if lic.jurisdiction == j.id and (not lic.covers or p.rule in lic.covers) and _licence_valid(lic, facts):
                p.covered_by = f"licence:{lic.number}"
                p.notes.append(f"Authorized by specific licence {lic.number} supplied by the user "
                               f"({lic.path}); clearance cannot verify it.")
                authorized.append((lic, ""))
                return
        p.doubts.extend(maybe)

    def _cover(self, auth: Authorization, p: Prohibition, facts: Facts, ctx: Context, state: BlockState) -> _Cover:
        if p.rule not in auth.covers_rules and (p.program is None or p.program not in auth.covers_programs):
            return _Cover("none")
        status = auth.validity.status(facts.day)
        if status is Status.OUT:
            return _Cover("none")
        core = self._core_scope(auth.scope, p, facts, ctx)
        if core.value is False:
            return _Cover("none")
        ctx.other_blocked = self._other_blocked(auth, facts, state)
        try:
            for exclusion in auth.exclusions:
                hit = test(exclusion.when, ctx)
                if hit.value is True and exclusion.provenance.certainty is Certainty.UNVERIFIED:
                    hit = Tri(None, f"{hit.why} (the exclusion itself is unverified)")
                if hit.value is True:
                    then = f" {exclusion.then_effect.value}" + (f" ({exclusion.then_review})" if
                                                                exclusion.then_review else "") \
                        if exclusion.then_effect else ""
                    return _Cover("excluded", f"Not authorized by {auth.id}: {exclusion.text} ({hit.why}).{then}"
                                  .replace(").  ", "). "), exclusion.then_effect, exclusion.then_review)
                if hit.value is None:
                    return _Cover("uncertain", f"{auth.id} applies only if its exclusion "
                                  f"'{exclusion.text}' does not: {hit.why}")
        finally:
            ctx.other_blocked = None
        items = self._item_scope(auth.scope, p, ctx)
        if items.value is False:
            if auth.residual is not None:
                return _Cover("residual", f"Outside {auth.id} ({items.why}): {auth.residual.text}",
                              auth.residual.effect, auth.residual.review)
            return _Cover("none")
        doubts = [t.why for t in (core, items) if t.value is None]
        if status is Status.UNCERTAIN:
            doubts.append(f"{auth.id}: {auth.validity.doubt(facts.day)}")
        if auth.provenance.certainty is Certainty.UNVERIFIED:
            doubts.append(f"{auth.id} ({auth.title}) is unverified")
        if doubts:
            return _Cover("uncertain", f"authorized by {auth.id} only if: " + "; ".join(doubts))
        why = "; ".join(t.why for t in (core, items) if t.why)
        return _Cover("covered", why or "in scope")

    def _in_party_scope(self, scope: Scope, key: str, facts: Facts) -> Tri:
        if key == AIRCRAFT:
            aircraft = facts.aircraft
            hit = aircraft is not None and bool(aircraft.subjects() & set(scope.property or ()))
            return Tri(hit, f"aircraft {aircraft.label if aircraft else ''} is named in its scope")
        node = facts.nodes[key]
        for subject, exact in node.subjects().items():
            if subject in (scope.parties or ()):
                return Tri(True, f"{node.label} is {subject}") if exact else \
                    Tri(None, f"{node.label} matched {subject} by screening only: confirm the identity")
        if scope.owned_by is not None:
            inside = owned_closure(facts, scope.owned_by)
            if key in inside:
                return Tri(True, inside[key])
        return Tri(False, "")

    def _core_scope(self, scope: Scope, p: Prohibition, facts: Facts, ctx: Context) -> Tri:
        checks: list[Tri] = []
        if scope.parties is not None or scope.owned_by is not None or scope.property is not None:
            if p.subject is not None:
                checks.append(self._in_party_scope(scope, p.subject, facts))
            else:
                found = [self._in_party_scope(scope, n.key, facts) for n in facts.participants()]
                checks.append(next((t for t in found if t.value), next((t for t in found if t.value is None),
                                                                       Tri(False, ""))))
        if scope.aircraft is not None and (p.concerns_aircraft or p.items):
            checks.append(self._aircraft_scope(scope, facts))
        if scope.activities is not None:
            act = facts.activity
            checks.append(Tri(None, "the activity is not given") if act is None else
                          Tri(act in scope.activities, f"activity {act}"))
        if scope.purposes is not None:
            checks.append(Tri(facts.tx.purpose in scope.purposes, f"purpose {facts.tx.purpose}"))
        return all_of(checks)

    def _aircraft_scope(self, scope: Scope, facts: Facts) -> Tri:
        spec = scope.aircraft
        aircraft = facts.aircraft
        assert spec is not None
        if aircraft is None:
            return Tri(None, "the aircraft is not described")
        checks: list[Tri] = []
        if spec.operated_by is not None:
            node = facts.nodes.get(aircraft.operator or "")
            if node is None:
                checks.append(Tri(None, f"the operator of {aircraft.label} is not given"))
            else:
                subjects = node.subjects()
                hit = [s for s in spec.operated_by if s in subjects]
                checks.append(Tri(bool(hit) if not hit or subjects[hit[0]] else None,
                                  f"{aircraft.label} is operated by {node.name}"))
        if spec.subject_to_ear is not None:
            s = aircraft.subject_to_ear
            checks.append(s if s.value is None else Tri(s.value == spec.subject_to_ear, s.why))
        if spec.eccns is not None:
            checks.append(Tri(None, f"the ECCN of {aircraft.label} is not given") if aircraft.eccn is None else
                          Tri(aircraft.eccn in {e[:5].upper() + e[5:].lower() for e in spec.eccns},
                              f"{aircraft.label} is {aircraft.eccn}"))
        return all_of(checks)

    def _item_scope(self, scope: Scope, p: Prohibition, ctx: Context) -> Tri:
        if scope.items is None or not p.items:
            return Tri(True, "")
        return all_of(item_test(scope.items, ctx.facts.items[i]) for i in p.items)

    def _other_blocked(self, auth: Authorization, facts: Facts, state: BlockState) -> Tri:
        keys = ([AIRCRAFT] if facts.aircraft is not None else []) + [n.key for n in facts.participants()]
        found: list[Tri] = []
        for key in keys:
            blocks: list[Block] = state.of(key)
            if not blocks or self._in_party_scope(auth.scope, key, facts).value is not False:
                continue
            label = f"aircraft {facts.aircraft.label}" if key == AIRCRAFT and facts.aircraft else \
                facts.nodes[key].label
            sure = any(b.sure for b in blocks)
            found.append(Tri(True if sure else None, f"{label} is blocked ({blocks[0].rule})"))
        return next((t for t in found if t.value), next((t for t in found if t.value is None), Tri(False, "")))

    # -- decision ----------------------------------------------------------------------
    def _decide(self, prohibitions: list[Prohibition], authorized: list[tuple[Authorization | License, str]],
                notes: list[Reason]) -> JurisdictionVerdict:
        open_ = [p for p in prohibitions if p.covered_by is None]
        covered = [p for p in prohibitions if p.covered_by is not None]
        auth_reasons = []
        seen: set[str] = set()
        for auth, _ in authorized:
            if isinstance(auth, Authorization) and auth.id not in seen:
                seen.add(auth.id)
                auth_reasons.append(Reason(auth.id, f"{auth.title}, {auth.validity.describe()}.",
                                           auth.provenance.legal_basis, auth.provenance.certainty,
                                           auth.provenance.sources))
        if not open_:
            if covered:
                by = tuple(dict.fromkeys(p.covered_by for p in covered if p.covered_by))
                reasons = [p.reason() for p in covered] + auth_reasons + notes
                return JurisdictionVerdict(Outcome.AUTHORIZED, authorized_by=by, deciding_rule=by[0],
                                           reasons=tuple(reasons))
            return JurisdictionVerdict(Outcome.PERMITTED, deciding_rule=None, reasons=tuple(notes))
        # The most severe prohibition left decides; among equals a certain one before an uncertain one.
        ranked = sorted(open_, key=lambda p: (-p.severity, p.effective_certainty is Certainty.UNVERIFIED))
        top = ranked[0]
        reasons = [p.reason() for p in ranked] + [p.reason() for p in covered] + auth_reasons + notes
        by = tuple(dict.fromkeys(p.covered_by for p in covered if p.covered_by))
        if top.effective_certainty is Certainty.UNVERIFIED:
            outcome = top.effect.value + (f" ({top.review})" if top.review else "")
            sure = [p for p in ranked if p.effective_certainty is not Certainty.UNVERIFIED]
            fallback = f"; otherwise {sure[0].effect.value} by {sure[0].rule}" if sure else ""
            why = "; ".join(dict.fromkeys(top.doubts)) or f"{top.rule} is unverified"
            return JurisdictionVerdict(Outcome.REVIEW, review=f"{why} (if confirmed: {outcome} by {top.rule}"
                                       f"{fallback})", authorized_by=by, deciding_rule=top.rule,
                                       reasons=tuple(reasons))
        return JurisdictionVerdict(top.effect, review=top.review, authorized_by=by, deciding_rule=top.rule,
                                   reasons=tuple(reasons))


def _in_force_and_met(validity: Validity, when: Conditions, ctx: Context) -> tuple[Status, Tri] | None:
    """The fact's status on the day and whether its condition holds; None when either is plainly no."""
    status = validity.status(ctx.day)
    if status is Status.OUT:
        return None
    found = test(when, ctx)
    return None if found.value is False else (status, found)


def _licence_valid(lic: License, facts: Facts) -> bool:
    day = facts.day
    return (lic.valid_from is None or lic.valid_from <= day) and (lic.valid_until is None or day < lic.valid_until)


def operational(packs: Sequence[Pack], ctx: Context) -> list[OperationalFinding]:
    """Non-legal constraints in force (or possibly in force) that the transaction meets."""
    out = []
    for pack in packs:
        for constraint in pack.operational:
            met = _in_force_and_met(constraint.validity, constraint.when, ctx)
            if met is None:
                continue
            status, found = met
            doubts = [found.why] if found.value is None else []
            if status is Status.UNCERTAIN:
                doubts.append(str(constraint.validity.doubt(ctx.day)))
            sure = not doubts and constraint.provenance.certainty is not Certainty.UNVERIFIED
            text = f"{constraint.title}, {constraint.validity.describe()}"
            text += f" ({found.why})." if found.value and found.why else "."
            if doubts:
                text += " Unverified: " + "; ".join(doubts) + "."
            reason = Reason(constraint.id, text, constraint.provenance.legal_basis,
                            constraint.provenance.certainty if sure else Certainty.UNVERIFIED,
                            constraint.provenance.sources)
            out.append(OperationalFinding("OPERATIONALLY_BLOCKED" if sure else "REVIEW", constraint.id, (reason,)))
    return out
