"""The update command: fetch the lists from their publishers (or a folder) and ingest them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click
from rich.text import Text

from clearance.cli.options import json_option, with_engine
from clearance.cli.output import emit_json, err_console, progress_bar, table
from clearance.engine import Engine


@click.command()
@click.option("--source", "sources", multiple=True, metavar="ID",
              help="Update only this source (repeatable); default: every downloadable source.")
@json_option
@with_engine
def update(engine: Engine, sources: tuple[str, ...], as_json: bool) -> None:
    """Download every list from its publisher and ingest it; with CLEARANCE_LISTS_DIR set, load
    every list file found in that folder instead. Exits non-zero if any list failed."""
    with progress_bar("update") as progress:
        report = engine.update(sources, progress=progress)
    if as_json:
        emit_json(report.to_dict())
    else:
        rows = []
        for item in report.lists:
            r = item.result
            rows.append((
                item.source,
                item.status,
                r.version.label if r else "",
                r.version.published if r else "",
                f"{r.version.entities:,}" if r else "",
                f"+{r.added} -{r.removed} ~{r.changed}" if r and r.created else "",
                _short_origin(item.origin, report.folder),
            ))
        where = f"from {report.folder}" if report.folder else "from the publishers"
        table(f"Update {where}", ["source", "result", "version", "published", "entities", "changes", "from"], rows)
        console = err_console()
        if report.skipped:
            console.print(f"skipped {len(report.skipped)} file(s) that are not list files:")
            for skipped in report.skipped:
                console.print(f"  {skipped.path}: {skipped.reason}", highlight=False, markup=False)
        for item in report.failed:
            console.print(Text.assemble(("failed: ", "bold red"), item.error or item.source), highlight=False)
        if not report.lists:
            console.print("nothing to update")
    if report.failed:
        failed = ", ".join(item.source for item in report.failed)
        if not as_json:
            err_console().print(f"{len(report.failed)} of {len(report.lists)} list(s) failed: {failed}",
                                highlight=False)
        raise click.exceptions.Exit(report.exit_code)


def _short_origin(origin: str, folder: str | None) -> str:
    """The file relative to the lists folder, or the publisher's host for downloads."""
    if folder is not None:
        try:
            return str(Path(origin).relative_to(folder))
        except ValueError:
            return origin
    hosts = dict.fromkeys(urlsplit(url).netloc for url in origin.split())
    return " ".join(hosts)


def register(cli: click.Group) -> None:
    cli.add_command(update)
