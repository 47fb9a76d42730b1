"""The HTTP API and the analysts' web UI, over the same engine (the ``server`` extra).

Nothing here is imported by ``import clearance``; FastAPI, uvicorn and Jinja2 are imported when a
server is created, and their absence is a :class:`~clearance.errors.MissingExtraError` saying what
to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clearance.errors import MissingExtraError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from clearance.engine import Engine

__all__ = ["create_app", "run"]


def _require_extra() -> None:
    for module in ("fastapi", "uvicorn", "jinja2", "python_multipart"):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingExtraError("the HTTP server", "server", module) from exc


def create_app(engine: Engine, *, warm: bool = True) -> FastAPI:
    """The ASGI application over ``engine`` (which the caller keeps and closes).

    ``warm`` builds the screening index in a background thread at start-up; ``/readyz`` answers
    503 until it is built.
    """
    _require_extra()
    from clearance.server.app import build_app

    return build_app(engine, warm=warm)


def run(*, db: str | None, host: str, port: int, **uvicorn_options: Any) -> None:
    """Serve until interrupted (``clearance serve``)."""
    _require_extra()
    import uvicorn

    from clearance.engine import Engine

    with Engine(db) as engine:
        app = create_app(engine)
        uvicorn.run(app, host=host, port=port, log_level="info", **uvicorn_options)
