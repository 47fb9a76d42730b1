"""The policy commands as a user runs them: exit codes, JSON shape, human table, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clearance.cli import main
from clearance.engine import Engine

BELAVIA_IST = {
    "kind": "flight",
    "date": "2025-10-01",
    "parties": [{"role": "operator", "name": "Belavia", "country": "BY"}],
    "aircraft": {"registration": "EW-455PA", "operator": "Belavia", "subject_to_ear": True, "eccn": "9A991.b"},
    "route": {"from": "MSQ", "to": "IST"},
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def _file(tmp_path: Path, data: Any, name: str = "tx.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_check_json_has_the_documented_shape(tmp_path: Path, db_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", _file(tmp_path, BELAVIA_IST), "--json", "--db", db_path)
    assert code == 0
    verdict = json.loads(out)
    assert set(verdict) == {"date", "packs", "lists", "nexus", "parties", "verdicts", "operational"}
    assert verdict["packs"][0]["name"] == "belarus"
    assert verdict["nexus"]["US.OFAC"].startswith("assumed")
    ofac = verdict["verdicts"]["US.OFAC"]
    assert ofac["outcome"] == "AUTHORIZED" and ofac["authorized_by"] == ["US.OFAC.BELARUS.GL11"]
    assert set(ofac["reasons"][0]) == {"rule", "text", "legal_basis", "certainty", "sources"}
    assert verdict["verdicts"]["US.BIS"]["outcome"] == "AUTHORIZED"
    assert verdict["verdicts"]["EU"]["outcome"] == "BLOCKED"
    operator = next(p for p in verdict["parties"] if p["role"] == "operator")
    assert operator["resolved"] == [{"entity_id": "pack:belarus:ENT.BELAVIA", "score": 1.0}]


def test_check_at_and_human_table(tmp_path: Path, db_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, {**BELAVIA_IST, "route": {"from": "MSQ", "to": "SVO"}})
    code, out, _ = run(capsys, "check", path, "--at", "2025-06-01", "--db", db_path)
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 4}
    assert "BLOCKED" in rows["US.OFAC"] and "US.OFAC.SDN.BELAVIA" in rows["US.OFAC"]
    assert "LICENSE_REQUIRED (denial)" in rows["US.BIS"]
    assert "[reported] US.OFAC.SDN.BELAVIA:" in out  # then the reasons, with their certainty


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**BELAVIA_IST, "kind": "flyby"}, "kind: unknown value 'flyby'"),
        ({**BELAVIA_IST, "colour": "red"}, "colour: unknown field"),
        ({**BELAVIA_IST, "date": "2025-02-30"}, "date: '2025-02-30' is not a date"),
        ({**BELAVIA_IST, "route": {"from": "MSQ", "to": "QQQ"}}, "route.to: unknown airport code 'QQQ'"),
        ('{"kind": "flight",\n "date": }', "line 2 column 10: not valid JSON"),
    ],
)
def test_bad_transactions_exit_2_with_a_clear_message(tmp_path: Path, db_path: str, capsys: pytest.CaptureFixture[str],
                                                      data: Any, message: str) -> None:
    code, out, err = run(capsys, "check", _file(tmp_path, data), "--db", db_path)
    assert code == 2
    assert out == ""
    assert message in " ".join(err.split())


def test_bad_pack_exits_2_listing_every_error(tmp_path: Path, db_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "broken"
    pack.mkdir()
    (pack / "pack.yml").write_text('pack: {name: broken, title: B}\nrules: [{id: X}]\n', encoding="utf-8")
    code, _, err = run(capsys, "check", _file(tmp_path, BELAVIA_IST), "--pack", str(pack), "--db", db_path)
    assert code == 2
    text = " ".join(err.split())
    assert "policy pack refused" in text and "pack.version: missing" in text and "rules[0].title: missing" in text


def test_packs_and_airport(db_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "packs", "--json", "--db", db_path)
    assert code == 0
    packs = json.loads(out)
    assert packs[0]["name"] == "belarus" and packs[0]["counts"]["authorizations"] >= 6

    code, out, _ = run(capsys, "airport", "URFF", "--at", "2025-10-01", "--json", "--db", db_path)
    assert code == 0
    airport = json.loads(out)
    assert (airport["icao"], airport["country"], airport["subdivision"], airport["claimed_by"]) == (
        "UKFF", "UA", "UA-43", "RU")
    zones = {z["zone"]: z["status"] for z in airport["zones"]}
    assert zones["ZONE.US.CRIMEA"] == "inside" and zones["ZONE.UK.CRIMEA"] == "review"

    code, out, _ = run(capsys, "airport", "OZH", "--at", "2025-10-01", "--json", "--db", db_path)
    zones = {z["zone"]: z["status"] for z in json.loads(out)["zones"]}
    assert zones.get("ZONE.EU.NGCA_ZAPORIZHZHIA_KHERSON") == "review"
    assert "inside" not in zones.values()

    code, _, err = run(capsys, "airport", "QQQ", "--db", db_path)
    assert code == 3 and "unknown airport code 'QQQ'" in err


def test_check_is_stored_with_its_audit_event_unless_no_record(tmp_path: Path, db_path: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, BELAVIA_IST)
    code, out, err = run(capsys, "check", path, "--at", "2025-06-01", "--json", "--db", db_path)
    assert code == 0 and "stored as check" in err
    answered = json.loads(out)
    with Engine(db_path) as engine:
        (stored,) = engine.records.checks()
        assert stored.origin == "cli" and stored.on_date == "2025-06-01" and stored.transaction == BELAVIA_IST
        assert stored.verdict["verdicts"] == answered["verdicts"] and stored.verdict["packs"] == answered["packs"]
        (event,) = engine.audit.events(kind="check")
        assert event.payload["check_id"] == stored.id
        assert event.payload["outcomes"]["US.OFAC"] == "BLOCKED"  # Belavia was listed on 2025-06-01
        assert engine.audit.verify().ok

    code, _, err = run(capsys, "check", path, "--no-record", "--db", db_path)
    assert code == 0 and "stored as" not in err
    with Engine(db_path) as engine:
        assert len(engine.records.checks()) == 1
