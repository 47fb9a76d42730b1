"""The named matching cases of the issue, as data: tests/fixtures/matching/cases.csv.

Each row screens a query against a real store holding tests/fixtures/matching/watchlist.csv
(the custom list format) and states whether the named entity must be a match, and what the
explanation must show. An assertion is ``FEATURE.FIELD~TEXT`` (the field contains TEXT),
``FEATURE.FIELD=TEXT`` (equals), or ``!FEATURE`` (the feature must not fire); FIELD is one of
detail, query, candidate.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearance.engine import Engine
from clearance.model.screening import FeatureScore, Hit
from clearance.screening_io import build_query

CASES = Path(__file__).parent / "fixtures" / "matching" / "cases.csv"
WATCHLIST = Path(__file__).parent / "fixtures" / "matching" / "watchlist.csv"
SOURCE = "custom:watchlist"


def _rows() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def watchlist_engine(tmp_path_factory: pytest.TempPathFactory, session_db: Callable[[Path], str]) -> Iterator[Engine]:
    with Engine(session_db(tmp_path_factory.mktemp("matching"))) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
        yield engine


def _feature(hit: Hit, name: str) -> FeatureScore | None:
    return next((f for f in hit.explanation if f.feature == name), None)


def _check(hit: Hit, assertion: str) -> None:
    if assertion.startswith("!"):
        assert _feature(hit, assertion[1:]) is None, f"{assertion[1:]} fired: {hit.explanation}"
        return
    target, op, text = assertion.partition("~") if "~" in assertion.split("=", 1)[0] else assertion.partition("=")
    feature_name, _, field = target.partition(".")
    feature = _feature(hit, feature_name)
    assert feature is not None, f"{feature_name} did not fire: {[f.feature for f in hit.explanation]}"
    if not field:
        return
    value = getattr(feature, field)
    if op == "~":
        assert value is not None and text in value, f"{feature_name}.{field} = {value!r} lacks {text!r}"
    else:
        assert value == text, f"{feature_name}.{field} = {value!r}, expected {text!r}"


@pytest.mark.parametrize("case", _rows(), ids=lambda row: row["case"])
def test_named_case(watchlist_engine: Engine, case: dict[str, str]) -> None:
    query = build_query(
        case["query_name"],
        type=case["query_type"] or None,
        birth_date=case["query_birth_date"] or None,
        country=case["query_country"] or None,
        identifiers=[i for i in case["query_ids"].split(";") if i],
    )
    # No-match cases are screened with a low threshold so that near misses are reported and their
    # explanation can be checked; "no match" is then judged against the default threshold.
    threshold = watchlist_engine.threshold
    result = watchlist_engine.screen(query, limit=20, threshold=None if case["expected"] == "match" else 0.55)
    entity_id = f"{SOURCE}:{case['entity']}"
    hit = next((h for h in result.results if h.entity_id == entity_id), None)
    assertions = [a for a in case["assertions"].split("|") if a]
    if case["expected"] == "match":
        assert hit is not None, f"{entity_id} not found; hits: {[(h.entity_id, h.score) for h in result.results]}"
        assert hit.match, f"{entity_id} scored {hit.score:.3f} < {result.threshold}: {hit.explanation}"
        # A match is the best hit for its query.
        assert result.results[0].entity_id == entity_id
    else:
        assert case["expected"] == "no_match"
        assert hit is None or hit.score < threshold, f"{entity_id} matched with {hit.score:.3f}: {hit.explanation}"
    for assertion in assertions:
        if assertion.startswith("!") and hit is None:
            continue
        assert hit is not None, f"{entity_id} not reported, cannot check {assertion!r}"
        _check(hit, assertion)
