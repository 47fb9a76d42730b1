"""Schema-based fuzzing: schemathesis generates requests from /openapi.json — valid ones and ones
that break the schema — for every operation, and no response may be a server error (5xx).

Bounded: at most ``MAX_EXAMPLES`` generated cases per operation and mode (valid, invalid),
derandomized so a run is repeatable. Requests carry an admin key, so
every route is reached past authentication (roles are tested in test_api_basics.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from serving import make_keys

from clearance.engine import Engine

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from clearance.server import create_app  # noqa: E402

MAX_EXAMPLES = 15


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, session_db: Callable[[Path], str]) -> Iterator[tuple[Any, str]]:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    with Engine(session_db(tmp_path_factory.mktemp("fuzz"))) as engine:
        engine.ingest([fixtures / "custom_list.csv"], source="custom:watch", actor="test-setup")
        admin = make_keys(engine).admin
        engine.warm()  # as the server does before /readyz says ready: no first request pays for it
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(engine, warm=False))
        yield schema, admin
        assert engine.audit.verify().ok  # whatever was thrown at it, the record is intact


def _fuzz(operation: Any, mode: Any, headers: dict[str, str], tried: dict[str, int], label: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        tried[label] += 1
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    run()


def test_no_server_error(fuzzed: tuple[Any, str]) -> None:
    schema, admin = fuzzed
    headers = {"Authorization": f"Bearer {admin}"}
    tried: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            label = f"{operation.label} ({mode.value})"
            tried[label] = 0
            try:
                _fuzz(operation, mode, headers, tried, label)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in the operation can be made invalid
            except Exception as exc:  # one operation's failure must not hide the others'
                inner = "; ".join(f"{type(e).__name__}: {e}" for e in getattr(exc, "exceptions", ()))
                failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:2000]} {inner[:3000]}")
    assert failures == [], "\n\n".join(failures)
    assert len(tried) >= 40 and sum(tried.values()) >= 400, tried  # every route was really exercised
