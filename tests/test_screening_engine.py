"""Engine.screen / screen_many on a real SQLite store: retrieval, the cached index, settings."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance import index_cache
from clearance.engine import Engine
from clearance.errors import QueryError
from clearance.matching import DEFAULT_THRESHOLD
from clearance.matching import index as index_module
from clearance.matching import screener as screener_module
from clearance.model import EntityType
from clearance.model.screening import Query
from clearance.settings import Settings

WATCHLIST = Path(__file__).parent / "fixtures" / "matching" / "watchlist.csv"
SOURCE = "custom:watchlist"


@pytest.fixture
def screening_engine(db_path: str) -> Iterator[Engine]:
    with Engine(db_path) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
        yield engine


def test_result_has_the_documented_shape(screening_engine: Engine) -> None:
    result = screening_engine.screen(Query("Aleksandr Lukashenko", type=EntityType.PERSON, birth_date="1954",
                                           country="BY"))
    data = result.to_dict()
    assert list(data) == ["query", "threshold", "lists", "results"]
    assert data["query"] == {"name": "Aleksandr Lukashenko", "type": "person", "birth_date": "1954",
                             "country": "BY", "identifiers": []}
    assert data["threshold"] == DEFAULT_THRESHOLD
    assert data["lists"] == [{"source": SOURCE, "version": screening_engine.lists()[0].label}]
    top = data["results"][0]
    assert list(top) == ["entity_id", "source", "type", "name", "matched_name", "score", "match", "programs",
                         "explanation"]
    assert top["entity_id"] == f"{SOURCE}:p-lukashenka" and top["match"] is True
    assert top["programs"] == ["BELARUS"]
    assert [f["feature"] for f in top["explanation"]] == ["name", "birth_date"]
    assert set(top["explanation"][0]) == {"feature", "score", "weight", "detail", "query", "candidate"}


def test_results_are_sorted_and_limited(screening_engine: Engine) -> None:
    result = screening_engine.screen(Query("Lukashenka", type=EntityType.PERSON), threshold=0.55, limit=1)
    assert len(result.results) == 1
    full = screening_engine.screen(Query("Lukashenka", type=EntityType.PERSON), threshold=0.55)
    scores = [h.score for h in full.results]
    assert scores == sorted(scores, reverse=True) and len(scores) == 2  # father and son
    assert [h.match for h in full.results] == [s >= 0.55 for s in scores]


def test_typo_is_retrieved_through_a_one_edit_neighbour(screening_engine: Engine) -> None:
    result = screening_engine.screen(Query("Aleksandr Lukashennko", type=EntityType.PERSON))
    assert result.results[0].entity_id == f"{SOURCE}:p-lukashenka"
    assert "lukashennko≈lukashenko (fuzzy" in result.results[0].explanation[0].detail


def test_sources_restrict_and_unknown_sources_are_refused(screening_engine: Engine) -> None:
    assert screening_engine.screen(Query("Mahan Airlines", sources=(SOURCE,))).results
    with pytest.raises(QueryError, match="custom:other"):
        screening_engine.screen(Query("Mahan Airlines", sources=("custom:other",)))


def test_threshold_comes_from_settings_and_is_checked(db_path: str) -> None:
    with Engine(settings=Settings(db=db_path, threshold=0.9)) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
        assert engine.threshold == 0.9
        result = engine.screen(Query("Alexander Lukashenko", type=EntityType.PERSON))
        assert result.threshold == 0.9 and not result.matches
        assert result.results  # reported as a near miss
        with pytest.raises(QueryError, match="threshold"):
            engine.screen(Query("x"), threshold=1.5)


def test_index_is_built_once_then_loaded_from_the_cache(db_path: str, tmp_path: Path) -> None:
    with Engine(db_path) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
        assert engine.screener().startup[0] == "built"
        assert engine.screener() is engine.screener()  # reused within the process
        cache = index_cache.cache_dir(engine.settings)
    assert len(list(cache.glob("screening-index-*.pickle"))) == 1
    with Engine(db_path) as engine:
        assert engine.screener().startup[0] == "cache"
        first = engine.screen(Query("Mahan Air")).results[0]
        other = tmp_path / "other.csv"
        other.write_text("id,type,name\nx-1,company,Mahan Air Cargo\n", encoding="utf-8")
        engine.ingest([other], source="custom:other")  # a new list version: a new index
        assert engine.screener().startup[0] == "built"
        found = {h.entity_id for h in engine.screen(Query("Mahan Air")).results}
        assert {first.entity_id, "custom:other:x-1"} <= found


def test_cache_dir_setting(db_path: str, tmp_path: Path) -> None:
    where = tmp_path / "elsewhere"
    with Engine(settings=Settings(db=db_path, cache_dir=str(where))) as engine:
        engine.ingest([WATCHLIST], source=SOURCE)
        engine.screener()
    assert list(where.glob("screening-index-*.pickle"))


def test_screen_many_keeps_input_order_with_workers(screening_engine: Engine) -> None:
    names = ["Mahan Air", "Nobody At All", "Vladimir Putin", "JSC ARGUMENT", "EW001PA"] * 120
    queries = [Query(n, id=str(i)) for i, n in enumerate(names)]
    single = list(screening_engine.screen_many(queries, workers=1))
    parallel = list(screening_engine.screen_many(queries, workers=2))
    assert [r.query.id for r in parallel] == [str(i) for i in range(len(names))]
    assert [r.to_dict() for r in parallel] == [r.to_dict() for r in single]


def test_lists_ingested_by_another_process_are_picked_up(db_path: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import clearance.engine

    monkeypatch.setattr(clearance.engine, "SCREENER_RECHECK", 0.2)
    other = tmp_path / "other.csv"
    other.write_text("id,type,name\nx-1,company,Quantum Widgets Trading\n", encoding="utf-8")
    with Engine(db_path) as screening, Engine(db_path) as ingesting:
        ingesting.ingest([WATCHLIST], source=SOURCE)
        assert not screening.screen(Query("Quantum Widgets")).results
        ingesting.ingest([other], source="custom:other")
        time.sleep(0.3)
        assert screening.screen(Query("Quantum Widgets")).results[0].entity_id == "custom:other:x-1"


def test_belarusian_spelling_alone_is_retrieved(db_path: str, tmp_path: Path) -> None:
    listed = tmp_path / "primary_only.csv"
    listed.write_text("id,type,name,aliases,birth_date,country,identifiers,programs,remarks\n"
                      'p1,person,"LUKASHENKA, Alyaksandr Ryhorovich",,1954-08-30,BY,,BELARUS,\n', encoding="utf-8")
    with Engine(db_path) as engine:
        engine.ingest([listed], source="custom:primary")
        result = engine.screen(Query("Aleksandr Lukashenko"))
    assert [hit.entity_id for hit in result.matches] == ["custom:primary:p1"]


def test_a_process_holding_its_heap_freezes_it_again_every_so_many_queries(
    screening_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gc.freeze is swapped for a counter: this test process keeps its garbage collector.
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(len(frozen)))
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    monkeypatch.setattr(screener_module._HeapHold, "every", 0)  # and restored after the test
    monkeypatch.setattr(screener_module._HeapHold, "count", 0)
    screening_engine.screen(Query("Lukashenka"))
    assert frozen == [] and not screener_module.heap_held()
    screener_module.hold_heap(every=3)
    assert frozen == [0] and screener_module.heap_held()
    for _ in range(7):
        screening_engine.screen(Query("Lukashenka"))
    assert frozen == [0, 1, 2]  # when held, then after the 3rd and the 6th query


def test_the_word_cache_holds_at_most_so_many_name_ids(screening_engine: Engine,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # A common word hits thousands of names: the cache is bounded by the ids its sets hold, not
    # only by its count of words.
    index = screening_engine.screener().index
    screening_engine.screen(Query("Lukashenka"))
    held = index._word_cache_ids
    assert held >= 2 and len(index._word_cache) >= 1  # both Lukashenkas, father and son
    monkeypatch.setattr(index_module, "_WORD_CACHE_IDS", held + 1)
    screening_engine.screen(Query("Vladimir Putin"))  # more ids than the cap leaves room for
    assert index._word_cache_ids <= held + 1
    assert "lukashenka" not in {key[1] for key in index._word_cache}  # the cache was emptied first
    again = screening_engine.screen(Query("Lukashenka")).results  # looked up again: the same answer
    assert {h.entity_id for h in again} >= {f"{SOURCE}:p-lukashenka", f"{SOURCE}:p-viktar"}
