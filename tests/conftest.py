"""Shared fixtures: real list files by path, fresh stores, the fixtures folder.

Tests that need the official files in ``CLEARANCE_TEST_DATA`` (``../shared/data`` by default)
are marked ``realdata`` and skip, saying why, when the folder is absent; with
``CLEARANCE_REQUIRE_DATA=1`` (set by CI) a missing folder is an error instead.

``--backend sqlite|postgres`` (or ``CLEARANCE_TEST_BACKEND``) chooses where every store the
tests build lives: ``db_path``, ``engine``, ``new_db`` and ``session_db`` give a SQLite file, or
a fresh database on the PostgreSQL test server (``CLEARANCE_TEST_POSTGRES``). Tests of SQLite
files themselves are marked ``sqlite_only`` and skip on PostgreSQL; so do tests marked
``store_independent``, which never touch the store under test (they would run twice for nothing).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearance.engine import Engine
from databases import BACKENDS, Databases, PostgresDatabases, postgres_admin_url
from ofac_csv_sample import write_ofac_csv_set

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_DATABASES = pytest.StashKey[Databases]()


def _data_dir() -> Path:
    return Path(os.environ.get("CLEARANCE_TEST_DATA") or ROOT.parent / "shared" / "data")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=BACKENDS, default=os.environ.get("CLEARANCE_TEST_BACKEND") or "sqlite",
                     help="where the tests' stores live: sqlite files or databases on the PostgreSQL test "
                          "server (default: $CLEARANCE_TEST_BACKEND, else sqlite)")


def pytest_configure(config: pytest.Config) -> None:
    backend = config.getoption("--backend")
    postgres = PostgresDatabases(postgres_admin_url()) if backend == "postgres" else None
    config.stash[_DATABASES] = Databases(backend, postgres)
    if postgres is not None and not os.environ.get("CLEARANCE_CACHE_DIR"):
        # Index caches would otherwise go to the user's cache folder (there is no SQLite file to sit beside).
        os.environ["CLEARANCE_CACHE_DIR"] = tempfile.mkdtemp(prefix="clearance-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    databases = config.stash.get(_DATABASES, None)
    if databases is not None:
        databases.release_all()
        if databases.postgres is not None:
            databases.postgres.close()


def pytest_report_header(config: pytest.Config) -> str:
    return f"clearance stores: {config.getoption('--backend')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--backend") == "postgres":
        sqlite_only = pytest.mark.skip(reason="tests SQLite files themselves (run with --backend sqlite)")
        independent = pytest.mark.skip(reason="does not touch the store under test (runs with --backend sqlite)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(sqlite_only)
            elif "store_independent" in item.keywords:
                item.add_marker(independent)
    if _data_dir().is_dir():
        return
    if os.environ.get("CLEARANCE_REQUIRE_DATA") == "1":
        raise pytest.UsageError(f"CLEARANCE_REQUIRE_DATA=1 but {_data_dir()} does not exist")
    skip = pytest.mark.skip(reason=f"real list files not found at {_data_dir()} (set CLEARANCE_TEST_DATA)")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many inputs the parser fuzzing tried (tests/sources/test_fuzz_parsers.py)."""
    tried: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "fuzz_inputs":
                    fmt, count = value
                    tried[fmt] = count
    if tried:
        counts = ", ".join(f"{fmt} {n}" for fmt, n in sorted(tried.items()))
        terminalreporter.write_line(f"parser fuzzing: {sum(tried.values())} inputs over {len(tried)} formats "
                                    f"({counts})")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of real official list files and benchmark sets."""
    return _data_dir()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def ofac_csv_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-written OFAC legacy CSV set (tests/ofac_csv_sample.py), as a folder. Read only:
    a test that changes it copies it first."""
    return write_ofac_csv_set(tmp_path_factory.mktemp("ofac_csv") / "sdn_csv")


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    """``sqlite`` or ``postgres``: where this run's stores live."""
    return str(pytestconfig.getoption("--backend"))


@pytest.fixture
def new_db(pytestconfig: pytest.Config, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """``new_db(name="clearance", empty=False)``: a fresh store for this test (SQLite file path or
    PostgreSQL URL) with no data in it, and with ``empty`` no schema either; gone after the test."""
    databases = Databases(pytestconfig.getoption("--backend"), pytestconfig.stash[_DATABASES].postgres)
    if databases.postgres is not None:
        monkeypatch.setenv("CLEARANCE_CACHE_DIR", str(tmp_path / "cache"))
    yield lambda name="clearance", empty=False: databases.new(tmp_path, name, empty=empty)
    databases.release_all()


@pytest.fixture(scope="session")
def session_db(pytestconfig: pytest.Config) -> Callable[[Path], str]:
    """``session_db(folder)``: a fresh store that lives until the end of the run (for module fixtures)."""
    databases = pytestconfig.stash[_DATABASES]
    return lambda folder: databases.new(folder)


@pytest.fixture
def db_path(new_db: Callable[..., str]) -> str:
    """A fresh store: a SQLite file path, or a PostgreSQL URL under ``--backend postgres``."""
    return new_db()


@pytest.fixture
def engine(db_path: str) -> Iterator[Engine]:
    with Engine(db_path) as eng:
        yield eng


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server, dropped afterwards.

    The server is named by ``CLEARANCE_TEST_POSTGRES`` (default: postgres@127.0.0.1:5432); tests
    using this are marked ``postgres`` and skip when the server is unreachable, unless CI requires it.
    """
    import secrets

    psycopg = pytest.importorskip("psycopg")
    admin = postgres_admin_url()
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
