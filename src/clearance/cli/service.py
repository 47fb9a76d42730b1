"""Service commands: serve the HTTP API and web UI, manage API keys, read and verify the audit log."""

from __future__ import annotations

import click

from clearance.audit import parse_anchor
from clearance.cli.options import json_option, with_engine
from clearance.cli.output import emit_json, err_console, out_console, table
from clearance.decisions import Role
from clearance.engine import Engine


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--db", envvar="CLEARANCE_DB", default=None, metavar="FILE_OR_URL",
              help="SQLite file or postgresql:// URL (env CLEARANCE_DB).")
def serve(host: str, port: int, db: str | None) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json) and the analysts' web UI (at /ui/).

    Requests authenticate with an API key (Authorization: Bearer KEY); create one with
    clearance keys create --role admin.
    """
    from clearance.server import run

    run(db=db, host=host, port=port)


@click.group()
def keys() -> None:
    """API keys: create, list, revoke. Roles: viewer (read), analyst (screen, check, decide), admin."""


@keys.command(name="create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the key may do.")
@click.option("--label", default=None, help="Who or what uses the key (default: the role and your user name).")
@with_engine
def keys_create(engine: Engine, role: str, label: str | None) -> None:
    """Create a key; the key itself is printed once, on the last line, and stored only hashed."""
    actor = engine.settings.actor_name
    created = engine.keys.create(Role(role), label=label or f"{role} key by {actor}", actor=actor)
    err_console().print(f"created {created.key.role.value} key {created.key.id} ({created.key.label}); "
                        "keep it now, it cannot be shown again:")
    click.echo(created.secret)


@keys.command(name="list")
@json_option
@with_engine
def keys_list(engine: Engine, as_json: bool) -> None:
    """Every key: id, role, label, who created it, whether it is revoked (never the secret)."""
    found = engine.keys.all()
    if as_json:
        emit_json([k.to_dict() for k in found])
        return
    table("API keys", ["id", "role", "label", "created", "by", "revoked"],
          [(k.id, k.role.value, k.label, k.created_at, k.created_by, k.revoked_at or "") for k in found])


@keys.command(name="revoke")
@click.argument("key_id")
@with_engine
def keys_revoke(engine: Engine, key_id: str) -> None:
    """Revoke a key by id: its requests get 401 from now on and its UI sessions end."""
    revoked = engine.keys.revoke(key_id, actor=engine.settings.actor_name)
    err_console().print(f"revoked key {revoked.id} ({revoked.label}) at {revoked.revoked_at}")


@click.group()
def audit() -> None:
    """The hash-chained audit log of every write."""


@audit.command(name="verify")
@click.option("--anchor", default=None, metavar="SEQ:HASH",
              help="A head recorded earlier and kept elsewhere; the log must still hold it.")
@json_option
@with_engine
def audit_verify(engine: Engine, anchor: str | None, as_json: bool) -> None:
    """Re-walk the chain; print the first broken link and exit 1 if there is one."""
    result = engine.audit.verify(parse_anchor(anchor) if anchor else None)
    if as_json:
        emit_json(result.to_dict())
    elif result.ok:
        out_console().print(f"audit log intact: {result.events} events, head {result.head_seq}:{result.head_hash}",
                            highlight=False)
    else:
        err_console().print(f"[bold red]audit log broken at event {result.broken_at}:[/] {result.problem}",
                            highlight=False)
    if not result.ok:
        raise click.exceptions.Exit(1)


@audit.command(name="log")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100000), help="Events to show.")
@click.option("--before", default=None, type=int, help="Only events before this sequence number (paging).")
@click.option("--kind", default=None, help="Only events of this kind (screening, check, alert.decided, ...).")
@json_option
@with_engine
def audit_log(engine: Engine, limit: int, before: int | None, kind: str | None, as_json: bool) -> None:
    """The newest events first: who did what, when, and the hash chaining each to the one before."""
    events = engine.audit.events(limit=limit, before=before, kind=kind)
    if as_json:
        emit_json([e.to_dict() for e in events])
        return
    table("Audit log", ["seq", "at", "actor", "kind", "summary", "hash"],
          [(e.seq, e.at, e.actor, e.kind, e.summary(80), e.hash[:16]) for e in events])


def register(cli: click.Group) -> None:
    for command in (serve, keys, audit):
        cli.add_command(command)
