"""Transactions are parsed strictly: every fault is reported with its field path and what was expected."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clearance.engine import Engine
from clearance.errors import TransactionError
from clearance.model.transaction import Transaction


def _flight(**extra: Any) -> dict[str, Any]:
    return {"kind": "flight", "date": "2025-10-01", "route": {"from": "MSQ", "to": "IST"}, **extra}


def _error(data: Any) -> str:
    with pytest.raises(TransactionError) as info:
        Transaction.from_dict(data)
    return str(info.value)


def test_a_complete_transaction_parses() -> None:
    tx = Transaction.from_dict({
        "kind": "export",
        "date": "2025-10-01",
        "parties": [{"role": "consignee", "name": "Belavia", "country": "BLR",
                     "identifiers": {"registration": "600390798"}, "us_person": False,
                     "owners": [{"name": "State", "share": "100%"}]}],
        "aircraft": {"registration": "EW-455PA", "eccn": "9a991.B", "us_content_pct": 40},
        "items": [{"eccn": "9A991.d", "reasons_for_control": ["at"], "hs": "8807.30", "origin": "US"}],
        "destination": {"subdivision": "BY-HM"},
        "amount": {"value": 10, "currency": "usd"},
        "licenses": [{"jurisdiction": "US.BIS", "number": "D1", "valid_until": "2026-01-01"}],
    })
    assert tx.date == date(2025, 10, 1)
    assert tx.parties[0].country == "BY" and tx.parties[0].owners[0].share == 1.0
    assert tx.aircraft is not None and tx.aircraft.eccn == "9A991.b"
    assert tx.items[0].reasons_for_control == ("AT",) and tx.items[0].hs == "880730"
    assert tx.destination is not None and tx.destination.country == "BY"
    assert tx.amount is not None and tx.amount.currency == "USD"


def test_unknown_kind_names_the_choices() -> None:
    message = _error({"kind": "flyby"})
    assert "kind: unknown value 'flyby'" in message and "flight, export, service" in message


def test_unknown_field_names_its_path() -> None:
    message = _error(_flight(parties=[{"role": "operator", "name": "X", "colour": "blue"}]))
    assert "parties[0].colour: unknown field" in message and "us_person" in message


def test_bad_nested_share_names_the_full_path() -> None:
    data = _flight(parties=[{"role": "operator", "name": "A"}, {"role": "operator", "name": "B"},
                            {"role": "counterparty", "name": "C", "owners": [{"name": "D", "share": 1.5}]}])
    message = _error(data)
    assert "parties[2].owners[0].share: 1.5 is out of range" in message and "'30%'" in message


def test_bad_date_and_other_errors_are_reported_together() -> None:
    message = _error({"kind": "flight", "date": "2025-13-01", "route": {"from": "MSQ"}, "purpose": "fun"})
    assert "3 errors" in message or "errors" in message
    assert "date: '2025-13-01' is not a date (expected an ISO date YYYY-MM-DD)" in message
    assert "route.to: missing" in message
    assert "purpose: unknown value 'fun'" in message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"kind": "payment", "amount": {"value": 1, "currency": "XXY"}}, "amount.currency: unknown currency"),
        ({"kind": "export", "destination": {"country": "UA", "subdivision": "BY-HM"}},
         "destination.subdivision: 'BY-HM' is not a subdivision of UA"),
        ({"kind": "export", "items": [{"eccn": "ABC"}]}, "items[0].eccn: 'ABC' is not an ECCN"),
        ({"kind": "flight", "route": {"from": "MSQ", "to": "ISTANBUL"}}, "route.to: 'ISTANBUL' is not an airport code"),
        ({"kind": "counterparty", "parties": [{"role": "friend", "name": "X"}]}, "parties[0].role: unknown value"),
        ({"kind": "counterparty", "parties": [{"role": "payer", "name": "X", "identifiers": {"passport_no": "1"}}]},
         "parties[0].identifiers.passport_no: unknown value"),
        ({"kind": "counterparty", "parties": [{"role": "payer", "name": "X", "us_person": "yes"}]},
         "parties[0].us_person: is a string (expected true, false or null)"),
        ({"kind": "counterparty", "parties": [{"role": "payer", "name": "X",
                                               "owners": [{"name": "A", "share": 0.6}, {"name": "B", "share": 0.6}]}]},
         "parties[0].owners: shares add up to 120%"),
        ({"kind": "shipment", "route": {"legs": [{"place": "Klaipeda", "port": "LTKLJ", "country": "LV"}]}},
         "route.legs[0].port: LTKLJ is not in LV"),
        ([], "transaction: is an array (expected a JSON object)"),
    ],
)
def test_field_errors(data: Any, fragment: str) -> None:
    assert fragment in _error(data)


def test_unknown_airport_code_is_a_transaction_error(engine: Engine) -> None:
    with pytest.raises(TransactionError) as info:
        engine.check(_flight(route={"from": "MSQ", "to": "QQQ", "via": ["ZZZZ"]}))
    message = str(info.value)
    assert "route.to: unknown airport code 'QQQ'" in message
    assert "route.via[0]: unknown airport code 'ZZZZ'" in message


def test_at_overrides_the_transaction_date(engine: Engine) -> None:
    tx = _flight(parties=[{"role": "operator", "name": "Belavia", "country": "BY"}])
    assert engine.check(tx).verdicts["US.OFAC"].outcome.value == "AUTHORIZED"
    assert engine.check(tx, at="2025-06-01").verdicts["US.OFAC"].outcome.value == "BLOCKED"
    with pytest.raises(TransactionError):
        engine.check(tx, at="01/06/2025")
