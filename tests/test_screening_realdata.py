"""Screening against the real OFAC SDN list (CSV set) in a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearance.cli import main
from clearance.engine import Engine
from clearance.model import EntityType
from clearance.model.screening import Query

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def sdn_db(data_dir: Path, tmp_path_factory: pytest.TempPathFactory,
           session_db: Callable[[Path], str]) -> Iterator[str]:
    db = session_db(tmp_path_factory.mktemp("sdn"))
    with Engine(db) as engine:
        engine.ingest([data_dir / "ofac_sdn"])
    yield db


def test_cli_finds_lukashenka_with_transliteration_and_alignment(sdn_db: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["screen", "Aleksandr Lukashenko", "--json", "--db", sdn_db])
    assert exited.value.code == 0
    result = json.loads(capsys.readouterr().out)
    hit = next(h for h in result["results"] if h["entity_id"] == "us-ofac-sdn:9760")
    assert hit["match"] is True and hit["name"] == "LUKASHENKA, Alyaksandr Ryhorovich"
    assert hit["programs"] == ["BELARUS"]
    name = hit["explanation"][0]
    assert name["feature"] == "name" and name["query"] == "Aleksandr Lukashenko"
    # How each name was read (case, punctuation, order folded), then the word-by-word alignment.
    assert "'Aleksandr Lukashenko' as 'aleksandr lukashenko'" in name["detail"]
    assert f"{name['candidate']!r} as " in name["detail"]
    assert "aleksandr=aleksandr" in name["detail"] and "lukashenko=lukashenko" in name["detail"]


def test_cyrillic_and_belarusian_spellings_find_the_sdn_entry(sdn_db: str) -> None:
    with Engine(sdn_db) as engine:
        for query, reading in (("Лукашэнка Аляксандр Рыгоравіч", "lukashenka alyaksandr ryhoravich"),
                               ("Александр Лукашенко", "aleksandr lukashenko")):
            result = engine.screen(Query(query, type=EntityType.PERSON, birth_date="1954"))
            hit = result.results[0]
            assert hit.entity_id == "us-ofac-sdn:9760" and hit.match
            assert f"{query!r} read as {reading!r}" in hit.explanation[0].detail
            assert hit.explanation[1].feature == "birth_date"


def test_son_is_not_his_father(sdn_db: str) -> None:
    with Engine(sdn_db) as engine:
        result = engine.screen(Query("Viktar Lukashenka", type=EntityType.PERSON, birth_date="1976"))
        assert result.results[0].entity_id == "us-ofac-sdn:9797" and result.results[0].match
        assert all(h.entity_id != "us-ofac-sdn:9760" or not h.match for h in result.results)


def test_belavia_aircraft_by_tail_number_in_cyrillic_look_alikes(sdn_db: str) -> None:
    with Engine(sdn_db) as engine:
        result = engine.screen(Query("ЕW-301РЈ"))  # Cyrillic Е, Р and Ј
        hit = result.results[0]
        assert hit.entity_id == "us-ofac-sdn:44580" and hit.match
        identifier = next(f for f in hit.explanation if f.feature == "identifier")
        assert identifier.candidate == "EW-301PJ" and "key EW301PJ" in identifier.detail
        assert not any(h.match for h in engine.screen(Query("EW-301PK")).results if h.entity_id.endswith(":44580"))
