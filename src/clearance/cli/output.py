"""Formatting for the terminal: stable JSON, readable tables, progress bars only on a TTY."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


# emoji=False: source ids such as "custom:watch" must not turn into emoji shortcodes.
def out_console() -> Console:
    return Console(soft_wrap=False, emoji=False)


def err_console() -> Console:
    return Console(stderr=True, emoji=False, soft_wrap=True)  # messages stay one line in logs


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (UTF-8, indented, key order as built)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for i, col in enumerate(columns):
        t.add_column(col, overflow="fold", no_wrap=i == 0)  # the first column is an id: never split it
    for row in rows:
        t.add_row(*("" if v is None else escape(str(v)) for v in row))
    out_console().print(t)


@contextmanager
def progress_bar(description: str = "working") -> Iterator[Callable[[str, int, int | None], None]]:
    """A ``progress(task, done, total)`` callback drawing rich bars on a terminal (stderr);
    silent when stderr is not a terminal, so pipes and logs stay clean."""
    console = err_console()
    if not console.is_terminal:
        yield lambda task, done, total: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(task: str, done: int, total: int | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(f"{description} {task}", total=total, rate="")
            elapsed = bar.tasks[tasks[task]].elapsed or 0.0
            rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
            bar.update(tasks[task], completed=done, total=total, rate=rate)

        yield update
