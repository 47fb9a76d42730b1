"""HTML form fields to the library's inputs (a screening query, a transaction to check)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from clearance.errors import QueryError, TransactionError
from clearance.model.screening import Query
from clearance.server.schemas import QueryIn

PARTY_ROWS = 4  # party rows on the check form


def screening_query(form: Mapping[str, str]) -> Query:
    """The screen form's fields as a query; identifiers are ``SCHEME:VALUE`` separated by ; or lines."""
    identifiers = [i.strip() for i in form.get("identifiers", "").replace("\n", ";").split(";") if i.strip()]
    data: dict[str, Any] = {"name": form.get("name", ""), "identifiers": identifiers}
    for field in ("type", "birth_date", "country"):
        if form.get(field, "").strip():
            data[field] = form[field].strip()
    try:
        return QueryIn.model_validate(data).to_query(where="screen form")
    except ValueError as exc:  # pydantic's ValidationError names the field
        raise QueryError(f"screen form: {_first_error(exc)}") from None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        return f"field {field!r}: {first.get('msg', 'invalid')}"
    return str(exc)


def transaction_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The check form as a transaction: the JSON box if filled in, else the structured fields."""
    raw = form.get("json", "").strip()
    if raw:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TransactionError(f"transaction JSON, line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        if not isinstance(data, dict):
            raise TransactionError("transaction JSON: expected an object {\"kind\": ..., ...}")
        return data
    value = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    transaction: dict[str, Any] = {"kind": value.get("kind") or "flight"}
    if value.get("date"):
        transaction["date"] = value["date"]
    parties = []
    for n in range(PARTY_ROWS):
        name = value.get(f"party_name_{n}", "")
        if name:
            party = {"role": value.get(f"party_role_{n}") or "counterparty", "name": name}
            if value.get(f"party_country_{n}"):
                party["country"] = value[f"party_country_{n}"]
            parties.append(party)
    if parties:
        transaction["parties"] = parties
    aircraft: dict[str, Any] = _section(value, "aircraft_", ("registration", "msn", "model", "operator", "eccn"))
    if value.get("aircraft_subject_to_ear"):  # a checkbox: present only when ticked
        aircraft["subject_to_ear"] = True
    if aircraft:
        transaction["aircraft"] = aircraft
    route = _section(value, "route_", ("from", "to"))
    if value.get("route_via"):
        route["via"] = [v.strip() for v in value["route_via"].split(",") if v.strip()]
    if route:
        transaction["route"] = route
    item = _section(value, "item_", ("description", "eccn", "hs"))
    if item:
        transaction["items"] = [item]
    if value.get("destination_country"):
        transaction["destination"] = {"country": value["destination_country"]}
    if value.get("amount_value"):
        try:
            amount = float(value["amount_value"])
        except ValueError:
            raise TransactionError(f"check form: field 'amount_value' {value['amount_value']!r}: expected a "
                                   "number") from None
        transaction["amount"] = {"value": amount, "currency": value.get("amount_currency") or "USD"}
    for field in ("activity", "purpose"):
        if value.get(field):
            transaction[field] = value[field]
    return transaction


def _section(value: Mapping[str, str], prefix: str, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: value[prefix + f] for f in fields if value.get(prefix + f)}
