"""Options shared by several commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from clearance.engine import Engine

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="Print stable JSON instead of a table.")
record_option = click.option(
    "--record/--no-record", default=True, show_default=True,
    help="Store the input, the answer and the list (and pack) versions used, with an audit event.",
)


def with_engine(func: F) -> F:
    """Add ``--db`` and pass an open :class:`Engine` as the ``engine`` argument."""

    @click.option(
        "--db",
        envvar="CLEARANCE_DB",
        default=None,
        metavar="FILE_OR_URL",
        help="SQLite file or postgresql:// URL (env CLEARANCE_DB).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, db: str | None, **kwargs: Any) -> Any:
        with Engine(db) as engine:
            return func(*args, engine=engine, **kwargs)

    return wrapper  # type: ignore[return-value]
