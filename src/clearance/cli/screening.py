"""Screening commands: screen (one name) and screen-file (a file of names, on all cores or a Dask cluster)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from clearance.batch import DEFAULT_PARTITION_ROWS, default_workers
from clearance.cli.options import json_option, record_option, with_engine
from clearance.cli.output import emit_json, err_console, out_console, progress_bar
from clearance.engine import Engine
from clearance.errors import ConfigurationError
from clearance.model import EntityType
from clearance.model.screening import ScreenResult
from clearance.screening_io import build_query

threshold_option = click.option(
    "--threshold", type=click.FloatRange(0.0, 1.0), default=None,
    help="Score from which a hit is a match (default: CLEARANCE_THRESHOLD or the benchmarked default).",
)
limit_option = click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
                            help="Most hits reported per query.")


@click.command()
@click.argument("name")
@click.option("--type", "entity_type", type=click.Choice([t.value for t in EntityType]), default=None,
              help="What the name is: person, organization, company, vessel or aircraft.")
@click.option("--birth-date", default=None, metavar="YYYY[-MM[-DD]]", help="Date of birth, as precise as known.")
@click.option("--country", default=None, metavar="CC", help="Country (ISO code or name).")
@click.option("--id", "identifiers", multiple=True, metavar="SCHEME:VALUE",
              help="An identifier, e.g. tail_number:EW-001PA or imo:9187629 (repeatable).")
@click.option("--source", "sources", multiple=True, metavar="ID", help="Screen only this source (repeatable).")
@threshold_option
@limit_option
@record_option
@json_option
@with_engine
def screen(engine: Engine, name: str, entity_type: str | None, birth_date: str | None, country: str | None,
           identifiers: tuple[str, ...], sources: tuple[str, ...], threshold: float | None, limit: int,
           record: bool, as_json: bool) -> None:
    """Screen one name against every loaded list; every score comes with its explanation.
    The screening is stored with its audit event unless --no-record."""
    query = build_query(name, type=entity_type, birth_date=birth_date, country=country, identifiers=identifiers,
                        sources=sources)
    if record:
        stored = engine.screen_and_record([query], actor=engine.settings.actor_name, origin="cli",
                                          threshold=threshold, limit=limit)[0]
        assert stored.screened is not None
        result = stored.screened
        err_console().print(f"stored as screening {stored.id} (sha256 {stored.sha256[:16]})", highlight=False)
    else:
        result = engine.screen(query, threshold=threshold, limit=limit)
    if as_json:
        emit_json(result.to_dict())
        return
    _print_result(result)


def _print_result(result: ScreenResult) -> None:
    """A table of hits (score, match, entity, names, programs), then each hit's explanation."""
    lists = ", ".join(f"{ref.source} {ref.version}" for ref in result.lists) or "no lists loaded"
    err_console().print(f"threshold {result.threshold:.2f}; lists: {lists}", highlight=False)
    if not result.results:
        out_console().print("no hits")
        return
    hits = Table(title=f"Hits for {result.query.name!r}", header_style="bold")
    for column, wrap in (("#", False), ("score", False), ("match", False), ("entity", False), ("matched name", True),
                         ("listed as", True), ("programs", True)):
        hits.add_column(column, no_wrap=not wrap, overflow="fold")
    for rank, hit in enumerate(result.results, start=1):
        listed = hit.name if hit.name != hit.matched_name else ""
        hits.add_row(str(rank), f"{hit.score:.2f}", "MATCH" if hit.match else "", escape(hit.entity_id),
                     escape(hit.matched_name), escape(listed), escape(", ".join(hit.programs)))
    console = out_console()
    console.print(hits)
    for rank, hit in enumerate(result.results, start=1):
        console.print(f"[bold]#{rank} {escape(hit.entity_id)}[/]")
        for feature in hit.explanation:
            console.print(f"  {feature.feature} {feature.score:.2f} × {feature.weight:+.2f}: {escape(feature.detail)}",
                          highlight=False)
    matches = len(result.matches)
    console.print(f"{matches} match{'es' if matches != 1 else ''} at threshold {result.threshold:.2f}")


@click.command(name="screen-file")
@click.argument("input_file", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results file: .jsonl (one JSON result per input row), .csv or .parquet (one row per hit).")
@threshold_option
@limit_option
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes screening in parallel on this machine (default: all cores).")
@click.option("--dask", "dask_address", default=None, metavar="tcp://HOST:PORT|local[:N]",
              help="Screen on a Dask cluster: a running scheduler, or N local worker processes (needs the dask "
                   "extra).")
@click.option("--partition-size", type=click.IntRange(1, 10_000_000), default=DEFAULT_PARTITION_ROWS,
              show_default=True, help="Rows per partition: the unit of work, and of resuming an interrupted run.")
@click.option("--restart", is_flag=True,
              help="Discard the finished partitions of an earlier run instead of resuming it.")
@with_engine
def screen_file(engine: Engine, input_file: Path, out_file: Path, threshold: float | None, limit: int,
                workers: int | None, dask_address: str | None, partition_size: int, restart: bool) -> None:
    """Screen every row of a CSV, JSON lines or Parquet file (columns id,name,type,birth_date,country,identifiers;
    only name required) into a results file in input order. An interrupted run resumes where it stopped."""
    if workers is not None and dask_address is not None:
        raise ConfigurationError("--workers and --dask: give one of them (--dask local:N for N local Dask workers)")
    console = err_console()
    with progress_bar("screen") as progress:
        engine.screener()  # build or load the index before the clock of the progress bar starts
        report = engine.screen_file(
            input_file, out_file, threshold=threshold, limit=limit, workers=workers or default_workers(),
            dask=dask_address, partition_size=partition_size, restart=restart,
            progress=(lambda done, total: progress(input_file.name, done, total)) if console.is_terminal else None,
            notice=lambda message: console.print(message, highlight=False))
    screener = engine.screener()
    origin, seconds = screener.startup
    warmed = f"; rigour's name data loaded in {screener.warmed:.1f}s" if screener.warmed is not None else ""
    resumed = (f" ({report.resumed_rows:,} of them from {report.resumed_partitions} partition(s) finished by an "
               "earlier run)") if report.resumed_partitions else ""
    console.print(f"screened {report.rows:,} rows{resumed} with {report.workers}: {report.matched:,} with a match; "
                  f"results in {out_file} (index {origin} in {seconds:.1f}s{warmed})", highlight=False)


def register(cli: click.Group) -> None:
    cli.add_command(screen)
    cli.add_command(screen_file)
