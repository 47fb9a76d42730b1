"""A smoke run of the benchmark code (the benchmarks themselves run with ``make bench``).

No peer here: creating its virtual environment would need the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import __main__ as runner  # noqa: E402
from bench import bench_pairs  # noqa: E402
from bench.common import Context, best_f1, confusion, person_query  # noqa: E402


def test_benchmarks_are_discovered() -> None:
    modules = runner.discover()
    assert list(modules)[:5] == ["pairs", "recall", "false-positives", "cross-script", "speed"]
    assert all(callable(m.run) and m.ORDER > 0 for m in modules.values())


def test_the_matching_group_names_the_five_benchmarks_of_the_matcher() -> None:
    assert runner.groups(runner.discover()) == {
        "matching": ["pairs", "recall", "false-positives", "cross-script", "speed"]}


def test_an_unknown_benchmark_or_group_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        runner.main(["matchng"])
    assert stopped.value.code == 2
    assert "unknown benchmark(s) matchng" in capsys.readouterr().err


def test_metrics() -> None:
    scores, labels = [0.9, 0.8, 0.3, 0.76], [True, False, False, True]
    at = confusion(scores, labels, 0.75)
    assert (at.tp, at.fp, at.fn, at.tn) == (2, 1, 0, 1)
    assert at.precision == pytest.approx(2 / 3) and at.recall == 1.0
    assert best_f1(scores, labels) == (pytest.approx(0.8), 0.31)  # 0.8 sits between the two matches


def test_invalid_birth_dates_are_cut_to_their_valid_part() -> None:
    row = {"full_name": "X Y", "date_of_birth": "1974-01-32", "nationality": "af", "gender": "male"}
    query = person_query(row, "1")
    assert query.birth_date == "1974-01" and query.country == "AF" and query.gender == "male"


@pytest.mark.realdata
def test_pair_accuracy_on_a_sample(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_TEST_DATA", str(data_dir))
    pairs = bench_pairs.load_pairs(Context(quick=True))
    scores = bench_pairs.clearance_scores(pairs)
    f1 = confusion(scores, [p.match for p in pairs], 0.75).f1
    assert len(pairs) == 100 and f1 > 0.8
