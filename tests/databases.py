"""Fresh stores for tests, on the backend the run was asked for (``--backend sqlite|postgres``).

On SQLite a store is a new file in the test's temporary folder. On PostgreSQL it is a new
database cloned from a template that already holds every migration (``CREATE DATABASE ...
TEMPLATE``: tens of milliseconds, where creating and migrating takes half a second); databases
are dropped in a background thread, since a drop waits for a checkpoint.
"""

from __future__ import annotations

import os
import queue
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BACKENDS = ("sqlite", "postgres")


def postgres_admin_url() -> str:
    return os.environ.get("CLEARANCE_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/postgres"


def is_url(db: str) -> bool:
    return "://" in db


class PostgresDatabases:
    """Creates databases on the test server from a migrated template; drops them afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.base = admin_url.rsplit("/", 1)[0]
        self.run = secrets.token_hex(4)
        self._template: str | None = None
        self._lock = threading.Lock()
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None
        self._failed: list[str] = []

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=30)

    def empty(self, label: str = "test") -> str:
        """A new database with no tables (for tests of migrations themselves)."""
        name = f"clearance_{label}_{self.run}_{secrets.token_hex(4)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def template(self) -> str:
        with self._lock:
            if self._template is None:
                from clearance.store import Store

                name = self.empty("template")
                Store(f"{self.base}/{name}").close()  # every migration, then no connection left open
                self._template = name
            return self._template

    def create(self) -> str:
        """The URL of a new database holding the migrated, empty schema."""
        template = self.template()
        name = f"clearance_test_{self.run}_{secrets.token_hex(4)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return f"{self.base}/{name}"

    def drop(self, url: str) -> None:
        """Drop ``url``'s database in the background (connections still open are cut)."""
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_loop, name="drop-test-databases", daemon=True)
            self._dropper.start()
        self._drops.put(url.rsplit("/", 1)[1])

    def _drop_loop(self) -> None:
        while (name := self._drops.get()) is not None:
            try:
                self._drop(name)
            except Exception:  # a busy server: left for close() to retry
                self._failed.append(name)

    def _drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._dropper is not None:
            self._drops.put(None)
            self._dropper.join(300)
        leftover = [*self._failed, *([self._template] if self._template else [])]
        for name in leftover:
            self._drop(name)


class Databases:
    """``new(folder, name)``: a fresh store on the run's backend, released by ``release_all``."""

    def __init__(self, backend: str, postgres: PostgresDatabases | None) -> None:
        self.backend = backend
        self.postgres = postgres
        self._made: list[str] = []

    def new(self, folder: Path, name: str = "clearance", *, empty: bool = False) -> str:
        """A store holding the migrated schema, or with ``empty`` no tables at all."""
        if self.postgres is None:
            return str(folder / f"{name}.db")
        url = f"{self.postgres.base}/{self.postgres.empty()}" if empty else self.postgres.create()
        self._made.append(url)
        return url

    def release_all(self) -> None:
        made, self._made = self._made, []
        if self.postgres is not None:
            for url in made:
                self.postgres.drop(url)


class RawConnection:
    """Plain SQL on a store behind clearance's back (``?`` placeholders on both backends)."""

    def __init__(self, conn: Any, placeholder: str) -> None:
        self.conn = conn
        self.placeholder = placeholder

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql.replace("?", self.placeholder), tuple(params))


@contextmanager
def raw_connection(db: str) -> Iterator[RawConnection]:
    """An autocommitting DB-API connection to ``db`` (a SQLite path or a postgresql:// URL)."""
    if is_url(db):
        import psycopg

        with psycopg.connect(db, autocommit=True) as pg:
            yield RawConnection(pg, "%s")
        return
    conn = sqlite3.connect(db)
    conn.isolation_level = None
    try:
        yield RawConnection(conn, "?")
    finally:
        conn.close()
