"""How stored hits are shaped for the pages: the name alignment, word by word, from the real matcher."""

from __future__ import annotations

from pathlib import Path

from clearance.engine import Engine
from clearance.model.screening import Query
from clearance.server.views import alignment, by_jurisdiction, explain_hit


def test_the_real_name_detail_reads_as_an_alignment(engine: Engine, fixtures: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    hit = engine.screen(Query(name="Aleksandr Grigoryevich Lukashenko")).results[0].to_dict()
    shaped = explain_hit(hit)
    [name] = shaped["groups"]["names"]
    rows = name["alignment"]
    assert rows, name["detail"]  # the matcher's detail parsed: a change of its wording shows here
    assert "as 'aleksandr grigoryevich lukashenko'" in name["reading"]
    assert {"q": "lukashenko", "op": "=", "c": "lukashenko", "note": ""} in rows
    assert [r for r in rows if r["op"] == "+" and r["q"] == "grigoryevich"], rows  # only in the query


def test_alignment_rows_and_fallback() -> None:
    assert alignment("'Putin' as 'putin' | putin≠pulin (contradiction, cost 0.50); +jr (only in query)") == (
        "'Putin' as 'putin'",
        [{"q": "putin", "op": "≠", "c": "pulin", "note": "contradiction, cost 0.50"},
         {"q": "jr", "op": "+", "c": "", "note": "only in query"}],
    )
    assert alignment("3 of 4 tokens") == ("", [])


def test_verdicts_in_reading_order() -> None:
    verdicts = {"UK": 1, "EU": 2, "US.BIS": 3, "US.OFAC": 4, "CH": 5}
    assert [j for j, _ in by_jurisdiction(verdicts)] == ["US.OFAC", "US.BIS", "EU", "UK", "CH"]
