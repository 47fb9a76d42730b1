"""API keys with roles, and the web UI's sessions.

A key reads ``clr_<id>_<secret>``: the id finds the row, the secret is compared with the stored
SHA-256 in constant time. Only ``create`` ever sees the secret; it is printed once and never stored.
Roles are ordered: ``viewer`` reads, ``analyst`` also screens, checks and decides alerts, ``admin``
also ingests lists and manages keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update

from clearance.audit import AuditLog, utc_now
from clearance.errors import ConflictError, NotFoundError, UserInputError
from clearance.store import Store
from clearance.store.decision_schema import api_keys, ui_sessions

KEY_PREFIX = "clr"
SESSION_HOURS = 12


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise UserInputError(f"role {text!r}: expected one of {', '.join(r.value for r in cls)}") from None


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    role: Role
    label: str
    created_at: str
    created_by: str
    revoked_at: str | None = None
    revoked_by: str | None = None

    @property
    def actor(self) -> str:
        """How this key's writes are named in the records and the audit log."""
        return f"{self.label} [key {self.id}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role.value,
            "label": self.label,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "revoked_at": self.revoked_at,
            "revoked_by": self.revoked_by,
        }


@dataclass(frozen=True, slots=True)
class NewKey:
    key: ApiKey
    secret: str  # the full key to hand to its user: shown once, stored only hashed


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Keys:
    def __init__(self, store: Store, audit: AuditLog) -> None:
        self.store = store
        self.audit = audit

    def create(self, role: Role, *, label: str, actor: str) -> NewKey:
        label = label.strip()
        if not label or len(label) > 200:
            raise UserInputError("key: field 'label' must be 1 to 200 characters (who or what uses the key)")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = utc_now()
        with self.audit.transaction() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key_id, secret_sha256=_sha256(secret), role=role.value, label=label,
                    created_at=now, created_by=actor,
                )
            )
            self.audit.append(conn, actor=actor, kind="key.created",
                              payload={"key_id": key_id, "role": role.value, "label": label})
        return NewKey(ApiKey(key_id, role, label, now, actor), f"{KEY_PREFIX}_{key_id}_{secret}")

    def all(self) -> list[ApiKey]:
        with self.store.read() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).mappings().all()
        return [_key(r) for r in rows]

    def revoke(self, key_id: str, *, actor: str) -> ApiKey:
        now = utc_now()
        with self.audit.transaction() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"API key {key_id!r} does not exist (see clearance keys list)")
            if row["revoked_at"] is not None:
                raise ConflictError(f"API key {key_id!r} was already revoked at {row['revoked_at']}")
            conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=now, revoked_by=actor))
            conn.execute(delete(ui_sessions).where(ui_sessions.c.key_id == key_id))
            self.audit.append(conn, actor=actor, kind="key.revoked", payload={"key_id": key_id})
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().one()
        return _key(row)

    def authenticate(self, presented: str) -> ApiKey | None:
        """The live key for a presented ``clr_<id>_<secret>``, or None (unknown, wrong, revoked)."""
        prefix, _, rest = presented.strip().partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != KEY_PREFIX or not key_id or not secret:
            return None
        with self.store.read() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(row["secret_sha256"], _sha256(secret)):
            return None
        return _key(row)

    # -- web UI sessions --------------------------------------------------------------------
    def open_session(self, key: ApiKey) -> str:
        """A new session token for ``key`` (the cookie value); stored only hashed."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.audit.transaction() as conn:
            conn.execute(
                ui_sessions.insert().values(
                    token_sha256=_sha256(token), key_id=key.id, created_at=now.isoformat(timespec="seconds"),
                    expires_at=(now + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds"),
                )
            )
            conn.execute(delete(ui_sessions).where(ui_sessions.c.expires_at < now.isoformat(timespec="seconds")))
            self.audit.append(conn, actor=key.actor, kind="session.opened", payload={"key_id": key.id})
        return token

    def session(self, token: str) -> ApiKey | None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        query = (
            select(api_keys)
            .join(ui_sessions, ui_sessions.c.key_id == api_keys.c.id)
            .where(ui_sessions.c.token_sha256 == _sha256(token), ui_sessions.c.expires_at > now,
                   api_keys.c.revoked_at.is_(None))
        )
        with self.store.read() as conn:
            row = conn.execute(query).mappings().first()
        return _key(row) if row is not None else None

    def close_session(self, token: str) -> None:
        with self.audit.transaction() as conn:
            row = conn.execute(
                select(api_keys)
                .join(ui_sessions, ui_sessions.c.key_id == api_keys.c.id)
                .where(ui_sessions.c.token_sha256 == _sha256(token))
            ).mappings().first()
            if row is None:
                return
            conn.execute(delete(ui_sessions).where(ui_sessions.c.token_sha256 == _sha256(token)))
            key = _key(row)
            self.audit.append(conn, actor=key.actor, kind="session.closed", payload={"key_id": key.id})


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"], role=Role(row["role"]), label=row["label"], created_at=row["created_at"],
        created_by=row["created_by"], revoked_at=row["revoked_at"], revoked_by=row["revoked_by"],
    )
