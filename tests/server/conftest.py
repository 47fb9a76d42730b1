"""Fixtures for the HTTP API and web UI: a store with keys of every role and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance.engine import Engine

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from serving import Keys, make_keys

from clearance.server import create_app


@pytest.fixture
def served_engine(engine: Engine, fixtures: Path) -> Engine:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch", actor="test-setup")
    return engine


@pytest.fixture
def keys(served_engine: Engine) -> Keys:
    return make_keys(served_engine)


@pytest.fixture
def client(served_engine: Engine, keys: Keys) -> Iterator[TestClient]:
    with TestClient(create_app(served_engine, warm=False), raise_server_exceptions=False) as test_client:
        yield test_client
