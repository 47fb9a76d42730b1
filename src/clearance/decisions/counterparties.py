"""Monitored counterparties: the customers and suppliers a team screens now and after every list change."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from clearance.audit import AuditLog, utc_now
from clearance.errors import NotFoundError, UserInputError
from clearance.model import EntityType, Identifier, IdScheme
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.model.screening import Query
from clearance.store import Store
from clearance.store.decision_schema import counterparties

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}")
MAX_NAME = 500
FIELDS = ("name", "type", "country", "birth_date", "identifiers", "notes", "monitored")


@dataclass(frozen=True, slots=True)
class Counterparty:
    id: str
    name: str
    type: EntityType | None = None
    country: str | None = None
    birth_date: str | None = None
    identifiers: tuple[Identifier, ...] = ()
    notes: str | None = None
    monitored: bool = True
    revision: int = 0
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None

    @property
    def subject(self) -> str:
        """The alert subject for this counterparty."""
        return f"counterparty:{self.id}"

    def to_query(self) -> Query:
        return Query(name=self.name, type=self.type, birth_date=self.birth_date, country=self.country,
                     identifiers=self.identifiers, id=self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.value if self.type else None,
            "country": self.country,
            "birth_date": self.birth_date,
            "identifiers": [{"scheme": _scheme_label(i), "value": i.value} for i in self.identifiers],
            "notes": self.notes,
            "monitored": self.monitored,
            "revision": self.revision,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }

    @classmethod
    def from_input(cls, counterparty_id: str, data: dict[str, Any]) -> Counterparty:
        """Validate a counterparty as a caller sends it; errors name the field at fault."""
        if not isinstance(counterparty_id, str) or not _ID.fullmatch(counterparty_id):
            raise UserInputError(f"counterparty: id {counterparty_id!r} must be 1-200 letters, digits or ._:@- "
                                 "and start with a letter or digit")
        unknown = sorted(set(data) - set(FIELDS) - {"id"})
        if unknown:
            raise UserInputError(f"counterparty {counterparty_id}: unknown field(s) {', '.join(unknown)} "
                                 f"(expected {', '.join(FIELDS)})")
        if data.get("id") not in (None, counterparty_id):
            raise UserInputError(f"counterparty {counterparty_id}: field 'id' ({data['id']!r}) differs from the URL")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise UserInputError(f"counterparty {counterparty_id}: field 'name' must be 1 to {MAX_NAME} characters")
        return cls(
            id=counterparty_id,
            name=" ".join(name.split()),
            type=_entity_type(counterparty_id, data.get("type")),
            country=_country(counterparty_id, data.get("country")),
            birth_date=_birth_date(counterparty_id, data.get("birth_date")),
            identifiers=parse_identifiers(data.get("identifiers"), where=f"counterparty {counterparty_id}"),
            notes=_optional_text(counterparty_id, "notes", data.get("notes")),
            monitored=_bool(counterparty_id, data.get("monitored", True)),
        )


def parse_identifiers(raw: Any, *, where: str) -> tuple[Identifier, ...]:
    """Identifiers as ``[{"scheme": S, "value": V}]``, ``["S:V"]`` or ``{"S": "V"}``."""
    if raw in (None, "", [], {}):
        return ()
    items: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        items = [(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        for n, item in enumerate(raw):
            if isinstance(item, str):
                scheme, sep, value = item.partition(":")
                if not sep:
                    raise UserInputError(f"{where}: field 'identifiers[{n}]' {item!r}: expected SCHEME:VALUE")
                items.append((scheme, value))
            elif isinstance(item, dict) and set(item) <= {"scheme", "value"}:
                items.append((str(item.get("scheme", "")), item.get("value")))
            else:
                raise UserInputError(f"{where}: field 'identifiers[{n}]': expected \"SCHEME:VALUE\" or "
                                     "{\"scheme\": ..., \"value\": ...}")
    else:
        raise UserInputError(f"{where}: field 'identifiers': expected a list or an object")
    out: list[Identifier] = []
    for n, (scheme, value) in enumerate(items):
        if not isinstance(value, str) or not value.strip() or not scheme.strip() or len(value) > 200:
            raise UserInputError(f"{where}: field 'identifiers[{n}]': scheme and value must be non-empty text")
        key = scheme.strip().lower()
        try:
            out.append(Identifier(IdScheme(key), value.strip()))
        except ValueError:
            out.append(Identifier(IdScheme.OTHER, value.strip(), label=scheme.strip()))
    return tuple(out)


def _scheme_label(identifier: Identifier) -> str:
    if identifier.scheme is IdScheme.OTHER and identifier.label:
        return identifier.label
    return identifier.scheme.value


def _entity_type(cid: str, raw: Any) -> EntityType | None:
    if raw in (None, ""):
        return None
    try:
        return EntityType(str(raw).strip().lower())
    except ValueError:
        raise UserInputError(f"counterparty {cid}: field 'type' {raw!r}: expected one of "
                             f"{', '.join(t.value for t in EntityType)}") from None


def _country(cid: str, raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    code = to_country_code(str(raw)) if isinstance(raw, str) else None
    if code is None:
        raise UserInputError(f"counterparty {cid}: field 'country' {raw!r}: expected an ISO 3166 code or a "
                             "country name")
    return code


def _birth_date(cid: str, raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    parsed = parse_partial_date(str(raw)) if isinstance(raw, str) else None
    if parsed is None:
        raise UserInputError(f"counterparty {cid}: field 'birth_date' {raw!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed


def _optional_text(cid: str, name: str, raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or len(raw) > 5000:
        raise UserInputError(f"counterparty {cid}: field {name!r}: expected text of at most 5000 characters")
    return raw


def _bool(cid: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise UserInputError(f"counterparty {cid}: field 'monitored': expected true or false")
    return raw


class Counterparties:
    def __init__(self, store: Store, audit: AuditLog) -> None:
        self.store = store
        self.audit = audit

    def put(self, conn: Connection, cp: Counterparty, *, actor: str) -> tuple[Counterparty, bool]:
        """Create or replace, inside the caller's write transaction: (stored, created)."""
        now = utc_now()
        values = {
            "name": cp.name,
            "type": cp.type.value if cp.type else None,
            "country": cp.country,
            "birth_date": cp.birth_date,
            "identifiers": json.dumps([{"scheme": _scheme_label(i), "value": i.value} for i in cp.identifiers]),
            "notes": cp.notes,
            "monitored": cp.monitored,
            "updated_at": now,
            "updated_by": actor,
        }
        existing = conn.execute(select(counterparties.c.revision).where(counterparties.c.id == cp.id)).first()
        if existing is None:
            conn.execute(counterparties.insert().values(id=cp.id, revision=1, created_at=now, created_by=actor,
                                                        **values))
        else:
            conn.execute(update(counterparties).where(counterparties.c.id == cp.id)
                         .values(revision=counterparties.c.revision + 1, **values))
        stored = self._get(conn, cp.id)
        assert stored is not None
        kind = "counterparty.created" if existing is None else "counterparty.updated"
        self.audit.append(conn, actor=actor, kind=kind, payload=stored.to_dict())
        return stored, existing is None

    def get(self, counterparty_id: str) -> Counterparty:
        with self.store.read() as conn:
            found = self._get(conn, counterparty_id)
        if found is None:
            raise NotFoundError(f"counterparty {counterparty_id!r} does not exist")
        return found

    def find(self, *, monitored_only: bool = False, limit: int | None = None, offset: int = 0) -> list[Counterparty]:
        query = select(counterparties).order_by(counterparties.c.id).offset(offset)
        if monitored_only:
            query = query.where(counterparties.c.monitored.is_(True))
        if limit is not None:
            query = query.limit(limit)
        with self.store.read() as conn:
            return [_counterparty(r) for r in conn.execute(query).mappings()]

    def count(self) -> int:
        with self.store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(counterparties)).scalar_one())

    @staticmethod
    def _get(conn: Connection, counterparty_id: str) -> Counterparty | None:
        row = conn.execute(select(counterparties).where(counterparties.c.id == counterparty_id)).mappings().first()
        return _counterparty(row) if row is not None else None


def _counterparty(row: Any) -> Counterparty:
    return Counterparty(
        id=row["id"],
        name=row["name"],
        type=EntityType(row["type"]) if row["type"] else None,
        country=row["country"],
        birth_date=row["birth_date"],
        identifiers=parse_identifiers(json.loads(row["identifiers"]), where=f"stored counterparty {row['id']}"),
        notes=row["notes"],
        monitored=bool(row["monitored"]),
        revision=int(row["revision"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
