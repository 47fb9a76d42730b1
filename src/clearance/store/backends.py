"""Where the database dialects differ. Nothing outside this module asks which backend it is on."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.sql.dml import Insert

from clearance.errors import ConfigurationError, MissingExtraError

WRITE_OPTION = "clearance_write"
SQLITE_BUSY_SECONDS = 30


def database_url(db: str) -> str:
    """A SQLAlchemy URL for ``db``: a file path (SQLite), ``sqlite://...`` or ``postgresql://...``."""
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if db.startswith(("postgresql+", "sqlite:")):
        return db
    if "://" in db:
        raise ConfigurationError(f"database {db!r}: expected a file path, sqlite:// or postgresql:// URL")
    path = Path(db).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def display_name(db: str) -> str:
    """``db`` as messages show it: a URL's password replaced by ``***``."""
    if "://" not in db:
        return db
    try:
        return make_url(db).render_as_string(hide_password=True)
    except ArgumentError:
        return db


def is_unavailable(exc: DBAPIError) -> bool:
    """The database could not be reached or the connection was lost (a restart, a network cut,
    a lock timeout), as opposed to a statement the database refused."""
    return isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated


def make_engine(db: str) -> Engine:
    url = database_url(db)
    if url.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise MissingExtraError("PostgreSQL storage", "postgres", "psycopg") from exc
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    # The sqlite3 module's timeout is SQLite's busy timeout: writers wait this long for the lock.
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        _use_wal(cur)  # readers keep reading while an ingest writes
        cur.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process in WAL mode
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Writers take the write lock at BEGIN (IMMEDIATE), so two writers queue on the busy
        # timeout instead of failing on lock upgrade; readers begin DEFERRED and never block.
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Put the database in WAL mode, waiting out other connections for up to the busy timeout.

    Switching a new database to WAL needs its exclusive lock, and when several processes open it
    at once SQLite answers "database is locked" at once instead of calling the busy handler (each
    holds a shared lock the others wait on, so waiting could deadlock); so retry here."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    pause = 0.002
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def serialise(conn: Connection, name: str) -> None:
    """Make the rest of this write transaction wait for, and then exclude, every other transaction
    that serialises on ``name`` (in any process), until it commits or rolls back.

    PostgreSQL: a transaction-level advisory lock on a 64-bit key derived from ``name``. SQLite:
    nothing to do, since a write transaction holds the database's one write lock from its BEGIN
    IMMEDIATE, so writers are serialised already."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"clearance:{name}".encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def insert_ignore(engine: Engine, table: Table) -> Insert:
    """INSERT that skips rows whose primary key already exists."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
