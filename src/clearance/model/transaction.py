"""A transaction to check against policy packs: a flight, an export, a service, a payment, a
shipment, or a counterparty alone.

Parsed from JSON with strict validation: an unknown field, kind, role, activity or scheme, a
bad date, country, currency or code is a :class:`TransactionError` naming every faulty field by
its path (``parties[2].owners[0].share``) and what was expected. Airport codes are checked here
for shape only; whether they exist is reference data, checked by the policy layer (with the same
error and path).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pycountry

from clearance.errors import TransactionError
from clearance.model.entity import IdScheme

KINDS = ("flight", "export", "service", "payment", "shipment", "counterparty")
ROLES = (
    "operator", "operating_carrier", "marketing_carrier", "exporter", "consignee", "end_user",
    "ultimate_end_user", "service_provider", "payer", "payee", "bank", "correspondent_bank", "buyer",
    "seller", "producer", "carrier", "insurer", "counterparty",
)
# Closed vocabularies: a typo in a free-text activity would silently escape every rule.
ACTIVITIES = (
    "flight", "overflight", "landing", "maintenance", "repair", "overhaul", "modification", "inspection",
    "technical_assistance", "parts_supply", "ground_handling", "fuel", "catering", "insurance",
    "financing", "brokering", "leasing", "charter", "transport", "transit", "import", "export", "reexport",
    "purchase", "sale", "transfer", "payment", "investment", "consulting", "software", "training",
)
PURPOSES = (
    "commercial", "safety_of_flight", "humanitarian", "medical", "emergency", "diplomatic", "government",
    "personal", "wind_down",
)
MODES = ("air", "road", "rail", "sea", "river", "pipeline")
PERSON_FLAGS = ("us_person", "eu_person", "uk_person")
# Reasons for control on the Commerce Control List (15 CFR 742).
REASONS_FOR_CONTROL = (
    "AT", "CB", "CC", "CW", "EI", "FC", "MT", "NP", "NS", "RS", "SI", "SL", "SS", "UN", "XP",
)
_ECCN = re.compile(r"^(EAR99|\d[A-E]\d{3}(\.[a-z0-9]+)*)$")
_IATA = re.compile(r"^[A-Z0-9]{3}$")
_ICAO = re.compile(r"^[A-Z0-9]{4}$")
_HS = re.compile(r"^\d{2,10}$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")

T = TypeVar("T")


def subdivision_country(code: str) -> str | None:
    """The country of an ISO 3166-2 subdivision code (``UA-43`` -> ``UA``), None when the code is unknown."""
    found = pycountry.subdivisions.get(code=code.upper())  # type: ignore[no-untyped-call]
    return None if found is None else str(found.country_code)


@dataclass(frozen=True, slots=True)
class Owner:
    name: str
    share: float  # 0..1
    path: str  # where it was given, e.g. "parties[2].owners[0]"
    country: str | None = None
    identifiers: tuple[tuple[IdScheme, str], ...] = ()
    owners: tuple[Owner, ...] = ()
    valid_from: date | None = None  # the holding exists from this date (inclusive)
    valid_until: date | None = None  # ... until this date (exclusive)

    def held_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day < self.valid_until
        )


@dataclass(frozen=True, slots=True)
class Party:
    role: str
    name: str
    path: str
    country: str | None = None
    identifiers: tuple[tuple[IdScheme, str], ...] = ()
    us_person: bool | None = None
    eu_person: bool | None = None
    uk_person: bool | None = None
    owners: tuple[Owner, ...] = ()

    def flag(self, name: str) -> bool | None:
        value: bool | None = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class Aircraft:
    registration: str | None = None
    msn: str | None = None
    model: str | None = None
    operator: str | None = None
    owner: str | None = None
    subject_to_ear: bool | None = None
    eccn: str | None = None
    us_content_pct: float | None = None


@dataclass(frozen=True, slots=True)
class Leg:
    path: str
    place: str | None = None
    country: str | None = None
    subdivision: str | None = None
    port: str | None = None  # UN/LOCODE
    mode: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    origin: str | None = None  # "from": an IATA or ICAO airport code
    to: str | None = None
    via: tuple[str, ...] = ()
    # None: not given (overflight unknown); (): given as empty (no overflight beyond the airports).
    firs: tuple[str, ...] | None = None
    legs: tuple[Leg, ...] = ()
    mode: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    path: str
    description: str | None = None
    eccn: str | None = None
    reasons_for_control: tuple[str, ...] = ()
    hs: str | None = None
    origin: str | None = None
    us_content_pct: float | None = None
    for_aircraft: str | None = None
    subject_to_ear: bool | None = None


@dataclass(frozen=True, slots=True)
class Destination:
    country: str | None = None
    subdivision: str | None = None


@dataclass(frozen=True, slots=True)
class Amount:
    value: float
    currency: str


@dataclass(frozen=True, slots=True)
class License:
    """A specific licence (or derogation) the user holds: a case-level fact the engine cannot infer."""

    jurisdiction: str  # e.g. "US.BIS", "EU"
    number: str
    path: str
    holder: str | None = None
    covers: tuple[str, ...] = ()  # rule ids it covers; empty = every prohibition of its jurisdiction
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    kind: str
    date: date | None = None
    parties: tuple[Party, ...] = ()
    aircraft: Aircraft | None = None
    route: Route | None = None
    items: tuple[Item, ...] = ()
    destination: Destination | None = None
    amount: Amount | None = None
    activity: str | None = None
    purpose: str | None = None
    licenses: tuple[License, ...] = ()
    reference: str | None = None  # the caller's own id, echoed nowhere in the legal logic

    @classmethod
    def from_dict(cls, data: Any) -> Transaction:
        """Parse and validate; every problem is reported at once in one :class:`TransactionError`."""
        reader = _Reader()
        tx = reader.transaction(data)
        if reader.errors or tx is None:
            raise TransactionError(_message(reader.errors))
        return tx


def _message(errors: Sequence[str]) -> str:
    if len(errors) == 1:
        return f"invalid transaction: {errors[0]}"
    return f"invalid transaction, {len(errors)} errors:\n" + "\n".join(f"  - {e}" for e in errors)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Reader:
    """Reads JSON-shaped data into the dataclasses above, collecting errors by field path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, problem: str, expected: str | None = None) -> None:
        self.errors.append(f"{path}: {problem}" + (f" (expected {expected})" if expected else ""))

    # -- shapes ---------------------------------------------------------------------------
    def obj(self, value: Any, path: str, fields: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path or "transaction", f"is {_kind(value)}", "a JSON object")
            return None
        for key in value:
            if key not in fields:
                self.fail(_join(path, str(key)), "unknown field", "one of: " + ", ".join(fields))
        for key in required:
            if value.get(key) in (None, ""):
                self.fail(_join(path, key), "missing", "a value")
        return {str(k): v for k, v in value.items() if k in fields}

    def array(self, value: Any, path: str, read: Callable[[Any, str], T | None]) -> tuple[T, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(path, f"is {_kind(value)}", "a JSON array")
            return ()
        out = [read(v, _join(path, i)) for i, v in enumerate(value)]
        return tuple(x for x in out if x is not None)

    def text(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"is {_kind(value)}", "a non-empty string")
            return None
        return value.strip()

    def choice(self, value: Any, path: str, allowed: Sequence[str]) -> str | None:
        text = self.text(value, path)
        if text is not None and text not in allowed:
            self.fail(path, f"unknown value {text!r}", "one of: " + ", ".join(allowed))
            return None
        return text

    def boolean(self, value: Any, path: str) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        self.fail(path, f"is {_kind(value)}", "true, false or null")
        return None

    def number(self, value: Any, path: str, low: float, high: float | None, expected: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"is {_kind(value)}", expected)
            return None
        if value < low or (high is not None and value > high):
            self.fail(path, f"{value} is out of range", expected)
            return None
        return float(value)

    def day(self, value: Any, path: str) -> date | None:
        text = self.text(value, path)
        if text is None:
            return None
        try:
            return date.fromisoformat(text) if len(text) == 10 else _raise_value()
        except ValueError:
            self.fail(path, f"{text!r} is not a date", "an ISO date YYYY-MM-DD")
            return None

    def country(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is None:
            return None
        found = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else None
        if found is None and len(text) == 3:
            found = pycountry.countries.get(alpha_3=text.upper())
        if found is None:
            self.fail(path, f"unknown country {text!r}", "an ISO 3166-1 code such as BY or BLR")
            return None
        return str(found.alpha_2)

    def subdivision(self, value: Any, path: str, country: str | None) -> str | None:
        text = self.text(value, path)
        if text is None:
            return None
        found = subdivision_country(text)
        if found is None:
            self.fail(path, f"unknown subdivision {text!r}", "an ISO 3166-2 code such as UA-43")
            return None
        if country is not None and found != country:
            self.fail(path, f"{text!r} is not a subdivision of {country}", f"a code starting {country}-")
            return None
        return text.upper()

    def airport(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is None:
            return None
        code = text.upper()
        if not (_IATA.match(code) or _ICAO.match(code)):
            self.fail(path, f"{text!r} is not an airport code", "a 3-letter IATA or 4-letter ICAO code")
            return None
        return code

    def identifiers(self, value: Any, path: str) -> tuple[tuple[IdScheme, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, Mapping):
            self.fail(path, f"is {_kind(value)}", "an object {SCHEME: VALUE}")
            return ()
        out: list[tuple[IdScheme, str]] = []
        schemes = [s.value for s in IdScheme]
        for key, raw in value.items():
            scheme = self.choice(str(key).lower(), _join(path, str(key)), schemes)
            text = self.text(raw, _join(path, str(key)))
            if scheme is not None and text is not None:
                out.append((IdScheme(scheme), text))
        return tuple(out)

    def share(self, value: Any, path: str) -> float | None:
        expected = "a fraction between 0 and 1 such as 0.3, or a percentage string such as '30%'"
        if isinstance(value, str):
            match = _PERCENT.match(value)
            if match is None:
                self.fail(path, f"{value!r} is not a share", expected)
                return None
            value = float(match.group(1)) / 100
        if value is None:
            self.fail(path, "missing", expected)
            return None
        return self.number(value, path, 0.0, 1.0, expected)

    # -- parts ----------------------------------------------------------------------------
    def owner(self, value: Any, path: str) -> Owner | None:
        fields = ("name", "share", "country", "identifiers", "owners", "valid_from", "valid_until")
        data = self.obj(value, path, fields, required=("name",))
        if data is None:
            return None
        name = self.text(data.get("name"), _join(path, "name"))
        share = self.share(data.get("share"), _join(path, "share"))
        owner = Owner(
            name=name or "",
            share=share or 0.0,
            path=path,
            country=self.country(data.get("country"), _join(path, "country")),
            identifiers=self.identifiers(data.get("identifiers"), _join(path, "identifiers")),
            owners=self.array(data.get("owners"), _join(path, "owners"), self.owner),
            valid_from=self.day(data.get("valid_from"), _join(path, "valid_from")),
            valid_until=self.day(data.get("valid_until"), _join(path, "valid_until")),
        )
        self.check_owner_total(owner.owners, _join(path, "owners"))
        return owner if name and share is not None else None

    def check_owner_total(self, owners: Sequence[Owner], path: str) -> None:
        # Holdings valid at different dates may each be large; only same-period totals must fit.
        if all(o.valid_from is None and o.valid_until is None for o in owners):
            total = sum(o.share for o in owners)
            if total > 1.0 + 1e-9:
                self.fail(path, f"shares add up to {total:.0%}", "at most 100%")

    def party(self, value: Any, path: str) -> Party | None:
        fields = ("role", "name", "country", "identifiers", *PERSON_FLAGS, "owners")
        data = self.obj(value, path, fields, required=("role", "name"))
        if data is None:
            return None
        role = self.choice(data.get("role"), _join(path, "role"), ROLES)
        name = self.text(data.get("name"), _join(path, "name"))
        owners = self.array(data.get("owners"), _join(path, "owners"), self.owner)
        self.check_owner_total(owners, _join(path, "owners"))
        flags = {f: self.boolean(data.get(f), _join(path, f)) for f in PERSON_FLAGS}
        if role is None or name is None:
            return None
        return Party(
            role=role,
            name=name,
            path=path,
            country=self.country(data.get("country"), _join(path, "country")),
            identifiers=self.identifiers(data.get("identifiers"), _join(path, "identifiers")),
            owners=owners,
            **flags,
        )

    def eccn(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is None:
            return None
        normal = "EAR99" if text.upper() == "EAR99" else text[:5].upper() + text[5:].lower()
        if not _ECCN.match(normal):
            self.fail(path, f"{text!r} is not an ECCN", "EAR99 or an ECCN such as 9A991.b")
            return None
        return normal

    def aircraft(self, value: Any, path: str) -> Aircraft | None:
        fields = ("registration", "msn", "model", "operator", "owner", "subject_to_ear", "eccn", "us_content_pct")
        data = self.obj(value, path, fields)
        if data is None:
            return None
        if not data.get("registration") and not data.get("msn"):
            self.fail(path, "neither registration nor msn given", "at least one of them")
        return Aircraft(
            registration=self.text(data.get("registration"), _join(path, "registration")),
            msn=self.text(data.get("msn"), _join(path, "msn")),
            model=self.text(data.get("model"), _join(path, "model")),
            operator=self.text(data.get("operator"), _join(path, "operator")),
            owner=self.text(data.get("owner"), _join(path, "owner")),
            subject_to_ear=self.boolean(data.get("subject_to_ear"), _join(path, "subject_to_ear")),
            eccn=self.eccn(data.get("eccn"), _join(path, "eccn")),
            us_content_pct=self.number(data.get("us_content_pct"), _join(path, "us_content_pct"), 0, 100,
                                       "a percentage between 0 and 100"),
        )

    def leg(self, value: Any, path: str) -> Leg | None:
        data = self.obj(value, path, ("place", "country", "subdivision", "port", "mode"))
        if data is None:
            return None
        country = self.country(data.get("country"), _join(path, "country"))
        port = self.text(data.get("port"), _join(path, "port"))
        if port is not None:
            port = port.replace(" ", "").upper()
            if not _LOCODE.match(port) or pycountry.countries.get(alpha_2=port[:2]) is None:
                self.fail(_join(path, "port"), f"{port!r} is not a UN/LOCODE", "e.g. LTKLJ")
                port = None
            elif country is None:
                country = port[:2]
            elif country != port[:2]:
                self.fail(_join(path, "port"), f"{port} is not in {country}", f"a UN/LOCODE starting {country}")
        if country is None and data.get("country") is None and port is None:
            self.fail(path, "the leg has no country", "country (or a port UN/LOCODE)")
        return Leg(
            path=path,
            place=self.text(data.get("place"), _join(path, "place")),
            country=country,
            subdivision=self.subdivision(data.get("subdivision"), _join(path, "subdivision"), country),
            port=port,
            mode=self.choice(data.get("mode"), _join(path, "mode"), MODES),
        )

    def route(self, value: Any, path: str, kind: str | None) -> Route | None:
        data = self.obj(value, path, ("from", "to", "via", "firs", "legs", "mode"))
        if data is None:
            return None
        if kind == "flight":
            for key in ("from", "to"):
                if not data.get(key):
                    self.fail(_join(path, key), "missing", "an IATA or ICAO airport code (a flight needs both)")
        firs_raw = data.get("firs")
        firs = None if firs_raw is None else self.array(firs_raw, _join(path, "firs"), self.fir)
        return Route(
            origin=self.airport(data.get("from"), _join(path, "from")),
            to=self.airport(data.get("to"), _join(path, "to")),
            via=self.array(data.get("via"), _join(path, "via"), self.airport),
            firs=firs,
            legs=self.array(data.get("legs"), _join(path, "legs"), self.leg),
            mode=self.choice(data.get("mode"), _join(path, "mode"), MODES),
        )

    def fir(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is not None and not _ICAO.match(text.upper()):
            self.fail(path, f"{text!r} is not a FIR code", "a 4-letter ICAO FIR code such as EPWW")
            return None
        return text.upper() if text else None

    def item(self, value: Any, path: str) -> Item | None:
        fields = ("description", "eccn", "reasons_for_control", "hs", "origin", "us_content_pct", "for_aircraft",
                  "subject_to_ear")
        data = self.obj(value, path, fields)
        if data is None:
            return None
        hs = self.text(data.get("hs"), _join(path, "hs"))
        if hs is not None:
            hs = re.sub(r"[\s.]", "", hs)
            if not _HS.match(hs):
                self.fail(_join(path, "hs"), f"{hs!r} is not an HS/CN code", "2 to 10 digits, e.g. 8803 or 310420")
                hs = None
        reasons = self.array(data.get("reasons_for_control"), _join(path, "reasons_for_control"),
                             lambda v, p: self.choice(v.upper() if isinstance(v, str) else v, p, REASONS_FOR_CONTROL))
        return Item(
            path=path,
            description=self.text(data.get("description"), _join(path, "description")),
            eccn=self.eccn(data.get("eccn"), _join(path, "eccn")),
            reasons_for_control=reasons,
            hs=hs,
            origin=self.country(data.get("origin"), _join(path, "origin")),
            us_content_pct=self.number(data.get("us_content_pct"), _join(path, "us_content_pct"), 0, 100,
                                       "a percentage between 0 and 100"),
            for_aircraft=self.text(data.get("for_aircraft"), _join(path, "for_aircraft")),
            subject_to_ear=self.boolean(data.get("subject_to_ear"), _join(path, "subject_to_ear")),
        )

    def destination(self, value: Any, path: str) -> Destination | None:
        data = self.obj(value, path, ("country", "subdivision"))
        if data is None:
            return None
        country = self.country(data.get("country"), _join(path, "country"))
        subdivision = self.subdivision(data.get("subdivision"), _join(path, "subdivision"), country)
        if country is None and subdivision is not None:
            country = subdivision.split("-", 1)[0]
        return Destination(country=country, subdivision=subdivision)

    def amount(self, value: Any, path: str) -> Amount | None:
        data = self.obj(value, path, ("value", "currency"), required=("value", "currency"))
        if data is None:
            return None
        number = self.number(data.get("value"), _join(path, "value"), 0, None, "a non-negative number")
        code = self.text(data.get("currency"), _join(path, "currency"))
        if code is not None and pycountry.currencies.get(alpha_3=code.upper()) is None:
            self.fail(_join(path, "currency"), f"unknown currency {code!r}", "an ISO 4217 code such as USD")
            code = None
        if number is None or code is None:
            return None
        return Amount(number, code.upper())

    def license(self, value: Any, path: str) -> License | None:
        fields = ("jurisdiction", "number", "holder", "covers", "valid_from", "valid_until")
        data = self.obj(value, path, fields, required=("jurisdiction", "number"))
        if data is None:
            return None
        jurisdiction = self.text(data.get("jurisdiction"), _join(path, "jurisdiction"))
        number = self.text(data.get("number"), _join(path, "number"))
        covers = self.array(data.get("covers"), _join(path, "covers"), self.text)
        if jurisdiction is None or number is None:
            return None
        return License(
            jurisdiction=jurisdiction,
            number=number,
            path=path,
            holder=self.text(data.get("holder"), _join(path, "holder")),
            covers=covers,
            valid_from=self.day(data.get("valid_from"), _join(path, "valid_from")),
            valid_until=self.day(data.get("valid_until"), _join(path, "valid_until")),
        )

    def transaction(self, value: Any) -> Transaction | None:
        fields = ("kind", "date", "parties", "aircraft", "route", "items", "destination", "amount", "activity",
                  "purpose", "licenses", "reference")
        data = self.obj(value, "", fields, required=("kind",))
        if data is None:
            return None
        kind = self.choice(data.get("kind"), "kind", KINDS)

        def maybe(key: str, read: Callable[[Any, str], T | None]) -> T | None:
            return None if data.get(key) is None else read(data[key], key)

        tx = Transaction(
            kind=kind or "",
            date=self.day(data.get("date"), "date"),
            parties=self.array(data.get("parties"), "parties", self.party),
            aircraft=maybe("aircraft", self.aircraft),
            route=maybe("route", lambda v, p: self.route(v, p, kind)),
            items=self.array(data.get("items"), "items", self.item),
            destination=maybe("destination", self.destination),
            amount=maybe("amount", self.amount),
            activity=self.choice(data.get("activity"), "activity", ACTIVITIES),
            purpose=self.choice(data.get("purpose"), "purpose", PURPOSES),
            licenses=self.array(data.get("licenses"), "licenses", self.license),
            reference=self.text(data.get("reference"), "reference"),
        )
        if kind == "flight" and data.get("route") is None:
            self.fail("route", "missing", "from and to airport codes (a flight needs a route)")
        if kind is None:
            return None
        return tx


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)


def _raise_value() -> date:
    raise ValueError("not YYYY-MM-DD")
