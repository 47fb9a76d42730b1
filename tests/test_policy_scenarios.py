"""The scenario suite: transactions in data files with the verdict expected per jurisdiction.

Besides each scenario, the suite itself is checked: every transaction kind, every jurisdiction and
every outcome occur, and every dated fact of the Belarus pack is exercised on both sides of each
of its dates (in force: it shows in the verdict; out of force: it decides nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearance.engine import Engine
from clearance.model.transaction import KINDS
from clearance.model.verdict import Outcome, Verdict
from clearance.policy import PolicySet, builtin_pack_dirs
from clearance.policy.validity import Bound, Status, Validity

SCENARIOS = Path(__file__).parent / "fixtures" / "policy" / "scenarios"


def _plain(value: Any) -> Any:
    """YAML dates to ISO strings, as they would be in a JSON transaction."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _scenarios() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(SCENARIOS.glob("*.yml")):
        for scenario in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]:
            out.append({**_plain(scenario), "file": path.name})
    return out


ALL = _scenarios()


def _day(scenario: dict[str, Any]) -> date:
    return date.fromisoformat(scenario.get("at") or scenario["transaction"]["date"])


@pytest.fixture(scope="module")
def policy_engine(tmp_path_factory: pytest.TempPathFactory, session_db: Callable[[Path], str]) -> Iterator[Engine]:
    with Engine(session_db(tmp_path_factory.mktemp("policy"))) as engine:
        yield engine


@pytest.fixture(scope="module")
def verdicts(policy_engine: Engine) -> dict[str, Verdict]:
    return {s["id"]: policy_engine.check(s["transaction"], at=s.get("at")) for s in ALL}


def test_scenario_ids_are_unique() -> None:
    ids = [s["id"] for s in ALL]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("scenario", ALL, ids=[f"{s['id']}-{s['file']}" for s in ALL])
def test_scenario(scenario: dict[str, Any], verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts[scenario["id"]]
    for jurisdiction, expected in scenario.get("expect", {}).items():
        got = verdict.verdicts[jurisdiction]
        context = f"{scenario['id']} {jurisdiction}: {got.to_dict()}"
        assert got.outcome.value == expected["outcome"], context
        if "rule" in expected:
            assert got.deciding_rule == expected["rule"], context
        if "review" in expected:
            assert got.review == expected["review"], context
        if got.outcome is Outcome.REVIEW:
            assert got.review, f"{context}: a REVIEW must say why"
        cited = {r.rule for r in got.reasons}
        for rule in expected.get("reasons", []):
            assert rule in cited, context
        assert all(r.sources or r.rule.endswith((".NEXUS", ".PERIOD")) for r in got.reasons), context
    if "operational" in scenario:
        found = [{"rule": o.rule, "outcome": o.outcome} for o in verdict.operational]
        assert found == scenario["operational"], scenario["id"]
    operational_rules = {o.rule for o in verdict.operational}
    for got in verdict.verdicts.values():
        assert not operational_rules & {r.rule for r in got.reasons}, "an operational constraint leaked into law"


def test_suite_covers_every_kind_jurisdiction_and_outcome() -> None:
    assert {s["transaction"]["kind"] for s in ALL} == set(KINDS)
    seen = {(j, e["outcome"]) for s in ALL for j, e in s.get("expect", {}).items()}
    assert {j for j, _ in seen} == {"US.OFAC", "US.BIS", "EU", "UK"}
    assert {o for _, o in seen} == {o.value for o in Outcome}
    assert any(s.get("operational") for s in ALL)


def _dated_facts() -> dict[str, tuple[Validity, Validity, str]]:
    """Fact id -> (its validity, the pack period, how a verdict names it) for every pack fact with a
    date inside the period: listings, rules, authorizations, operational constraints and zones."""
    out: dict[str, tuple[Validity, Validity, str]] = {}
    for pack in PolicySet.load(builtin_pack_dirs()).packs:
        facts = [*pack.listings, *pack.rules, *pack.authorizations, *pack.operational]
        named = [(f.id, f.validity, f.id) for f in facts] + [(z.id, z.validity, z.name) for z in pack.zones]
        for fact_id, validity, name in named:
            bounds = [b for b in (validity.start, validity.end) if b is not None]
            if any(pack.period.status(b.earliest) is Status.IN for b in bounds):
                out[fact_id] = (validity, pack.period, name)
    return out


def _sides(bound: Bound) -> tuple[str, str]:
    return f"before {bound.text}", f"on or after {bound.text}"


def test_every_dated_fact_is_exercised_on_both_sides(verdicts: dict[str, Verdict]) -> None:
    missing: list[str] = []
    for fact_id, (validity, period, _) in sorted(_dated_facts().items()):
        days = [_day(s) for s in ALL if fact_id in s.get("exercises", [])]
        for bound in (validity.start, validity.end):
            if bound is None or period.status(bound.earliest) is not Status.IN:
                continue
            before, after = _sides(bound)
            if not any(d < bound.earliest for d in days):
                missing.append(f"{fact_id}: no scenario {before}")
            if not any(d >= bound.latest for d in days):
                missing.append(f"{fact_id}: no scenario {after}")
    assert not missing, "\n".join(missing)


def test_exercised_facts_show_when_in_force_and_decide_nothing_when_not(verdicts: dict[str, Verdict]) -> None:
    dated = _dated_facts()
    problems: list[str] = []
    for scenario in ALL:
        verdict = verdicts[scenario["id"]]
        day = _day(scenario)
        for fact_id in scenario.get("exercises", []):
            assert fact_id in dated, f"{scenario['id']}: {fact_id} is not a dated fact of the pack"
            validity, _, name = dated[fact_id]
            status = validity.status(day)
            reasons = [r for v in verdict.verdicts.values() for r in v.reasons]
            reasons += [r for o in verdict.operational for r in o.reasons]
            text = " ".join(f"{r.rule} {r.text}" for r in reasons)
            deciding = {v.deciding_rule for v in verdict.verdicts.values()}
            deciding |= {a for v in verdict.verdicts.values() for a in v.authorized_by}
            deciding |= {o.rule for o in verdict.operational}
            if status is Status.IN and name not in text:
                problems.append(f"{scenario['id']} ({day}): {fact_id} in force but absent from the verdict")
            if status is Status.OUT and fact_id in deciding:
                problems.append(f"{scenario['id']} ({day}): {fact_id} out of force but decided")
    assert not problems, "\n".join(problems)
