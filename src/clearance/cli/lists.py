"""List commands: ingest, lists, diff, entity."""

from __future__ import annotations

from typing import Any

import click

from clearance.cli.options import json_option, with_engine
from clearance.cli.output import emit_json, err_console, progress_bar, table
from clearance.engine import Engine


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--source", default=None, help="Source id (us-ofac-sdn, un-sc, custom:NAME, ...); detected if omitted.")
@click.option("--format", "fmt", default=None, help="List format id; detected from content if omitted.")
@json_option
@with_engine
def ingest(engine: Engine, paths: tuple[str, ...], source: str | None, fmt: str | None, as_json: bool) -> None:
    """Load list files (or folders of multi-file sets) as new versions of their sources."""
    with progress_bar("ingest") as progress:
        results = engine.ingest(paths, source=source, fmt=fmt, progress=progress)
    if as_json:
        emit_json([r.to_dict() for r in results])
        return
    rows = []
    for r in results:
        what = "new version" if r.created else "unchanged (identical content already loaded)"
        rows.append((r.version.source, r.version.label, r.version.published, r.version.entities,
                     r.added, r.removed, r.changed, what))
    table("Ingested", ["source", "version", "published", "entities", "added", "removed", "changed", "result"],
          rows)


@click.command(name="lists")
@json_option
@with_engine
def lists_cmd(engine: Engine, as_json: bool) -> None:
    """Loaded sources: newest version, publish date, entity count."""
    versions = engine.lists()
    if as_json:
        emit_json([v.to_dict() for v in versions])
        return
    if not versions:
        err_console().print("no lists loaded: run clearance ingest PATH or clearance update")
        return
    table("Lists", ["source", "version", "published", "entities", "ingested", "format"],
          [(v.source, v.label, v.published, f"{v.entities:,}", v.ingested_at, v.format) for v in versions])


@click.command()
@click.argument("source")
@click.option("--from", "from_version", default=None, help="Older version (label, prefix or id); default: previous.")
@click.option("--to", "to_version", default=None, help="Newer version; default: latest.")
@click.option("--limit", default=50, show_default=True, help="Entities listed per section in the table output.")
@json_option
@with_engine
def diff(engine: Engine, source: str, from_version: str | None, to_version: str | None, limit: int,
         as_json: bool) -> None:
    """Entities added, removed and changed between two versions of a source."""
    result = engine.diff(source, from_version, to_version)
    if as_json:
        emit_json(result.to_dict())
        return
    frm = result.from_version.label if result.from_version else "(nothing)"
    console = err_console()
    console.print(f"{source}: {frm} -> {result.to_version.label}: "
                  f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed")
    for title, changes in (("Added", result.added), ("Removed", result.removed), ("Changed", result.changed)):
        if not changes:
            continue
        rows: list[tuple[Any, ...]] = [(c.entity_id, c.caption, ", ".join(c.fields)) for c in changes[:limit]]
        more = f" (first {limit} of {len(changes)})" if len(changes) > limit else ""
        table(f"{title}{more}", ["entity", "name", "fields changed"], rows)


@click.command()
@click.argument("entity_id")
@click.option("--version", default=None, help="Read the entity as it was in this version of its source.")
@json_option
@with_engine
def entity(engine: Engine, entity_id: str, version: str | None, as_json: bool) -> None:
    """Everything known about one entity, and its history across list versions."""
    view = engine.entity(entity_id, version)
    if as_json:
        emit_json(view.to_dict())
        return
    e = view.entity
    rows: list[tuple[str, str]] = [
        ("id", e.id), ("type", e.type.value), ("source", f"{e.source} {view.version.label}"
                                                + ("" if view.in_latest else " (not in the latest version)")),
    ]
    rows += [(f"name ({n.kind.value}{', ' + n.script if n.script else ''})", n.value) for n in e.names]
    rows += [(f"id {i.scheme.value}" + (f" ({i.label})" if i.label else ""),
              i.value + (f" [{i.country}]" if i.country else "")) for i in e.identifiers]
    for label, values in (("birth date", e.birth_dates), ("birth place", e.birth_places),
                          ("incorporated", e.incorporation_dates), ("nationality", e.nationalities),
                          ("country", e.countries), ("program", e.programs), ("list", e.lists),
                          ("title", e.titles)):
        rows += [(label, v) for v in values]
    rows += [(f"{k}", ", ".join(v)) for k, v in e.properties.items()]
    rows += [("address", a.full or ", ".join(p for p in (a.street, a.city, a.postal_code, a.region,
                                                          a.country_name or a.country) if p)) for a in e.addresses]
    rows += [(f"link {link.kind}", link.target_name + (f" ({link.target_id})" if link.target_id else ""))
             for link in e.links]
    if e.gender:
        rows.append(("gender", e.gender))
    if e.listed_on:
        rows.append(("listed on", e.listed_on))
    if e.remarks:
        rows.append(("remarks", e.remarks))
    table(e.caption, ["field", "value"], rows)
    table("History", ["version", "published", "status"],
          [(h["version"], h["published"], h["status"]) for h in view.history])


def register(cli: click.Group) -> None:
    for command in (ingest, lists_cmd, diff, entity):
        cli.add_command(command)
