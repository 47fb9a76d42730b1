"""Shared fixtures: real list files by path, fresh stores, the fixtures folder.

Tests that need the official files in ``CLEARANCE_TEST_DATA`` (``../shared/data`` by default)
are marked ``realdata`` and skip, saying why, when the folder is absent; with
``CLEARANCE_REQUIRE_DATA=1`` (set by CI) a missing folder is an error instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _data_dir() -> Path:
    return Path(os.environ.get("CLEARANCE_TEST_DATA") or ROOT.parent / "shared" / "data")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _data_dir().is_dir():
        return
    if os.environ.get("CLEARANCE_REQUIRE_DATA") == "1":
        raise pytest.UsageError(f"CLEARANCE_REQUIRE_DATA=1 but {_data_dir()} does not exist")
    skip = pytest.mark.skip(reason=f"real list files not found at {_data_dir()} (set CLEARANCE_TEST_DATA)")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of real official list files and benchmark sets."""
    return _data_dir()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "clearance.db")


@pytest.fixture
def engine(db_path: str) -> Iterator[Engine]:
    with Engine(db_path) as eng:
        yield eng


def _postgres_admin_url() -> str:
    return os.environ.get("CLEARANCE_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server, dropped afterwards.

    The server is named by ``CLEARANCE_TEST_POSTGRES`` (default: postgres@127.0.0.1:5432); tests
    using this are marked ``postgres`` and skip when the server is unreachable, unless CI requires it.
    """
    import secrets

    psycopg = pytest.importorskip("psycopg")
    admin = _postgres_admin_url()
    name = f"clearance_test_{secrets.token_hex(6)}"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CLEARANCE_REQUIRE_DATA") == "1":
            raise
        pytest.skip(f"PostgreSQL not reachable at {admin}: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
