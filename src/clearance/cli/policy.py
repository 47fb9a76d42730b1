"""Policy commands: check, packs, airport."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from clearance.cli.options import json_option, record_option, with_engine
from clearance.cli.output import emit_json, err_console, out_console, table
from clearance.engine import Engine
from clearance.errors import TransactionError
from clearance.model.verdict import Verdict


def _read_transaction(path: str) -> Any:
    name = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: PTH123, SIM115
    except (OSError, UnicodeDecodeError) as exc:
        raise TransactionError(f"{name}: cannot read: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TransactionError(f"{name}, line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from exc


def _print_verdict(verdict: Verdict) -> None:
    rows = []
    for jurisdiction, v in verdict.verdicts.items():
        outcome = v.outcome.value + (f" ({v.review})" if v.review and v.outcome.value == "LICENSE_REQUIRED" else "")
        rows.append((jurisdiction, outcome, v.deciding_rule or "", verdict.nexus.get(jurisdiction, "").split(":")[0]))
    for finding in verdict.operational:
        rows.append(("operational", finding.outcome, finding.rule, "non-legal"))
    packs = ", ".join(f"{p.name} {p.version}" for p in verdict.packs)
    summary = Table(title=f"Verdict on {verdict.date} (packs: {packs})", header_style="bold")
    for column in ("jurisdiction", "outcome"):  # these two never wrap: they are what a reader scans
        summary.add_column(column, no_wrap=True)
    for column in ("deciding rule", "nexus"):
        summary.add_column(column, overflow="fold")
    for row in rows:
        summary.add_row(*(escape(str(v)) for v in row))
    console = out_console()
    console.print(summary)

    def line(text: str, heading: str | None = None) -> None:
        bold = f"[bold]{escape(heading)}[/] " if heading else ""
        console.print(bold + escape(text), highlight=False, emoji=False)

    for jurisdiction, v in verdict.verdicts.items():
        line(v.outcome.value, jurisdiction)
        if v.outcome.value == "REVIEW" and v.review:
            line(f"  review: {v.review}")
        for reason in v.reasons:
            line(f"  - [{reason.certainty.value}] {reason.rule}: {reason.text}")
    for finding in verdict.operational:
        line(f"{finding.outcome} (not a legal verdict)", "operational")
        for reason in finding.reasons:
            line(f"  - [{reason.certainty.value}] {reason.rule}: {reason.text}")
    resolved = [p for p in verdict.parties if p.resolved]
    if resolved:
        line("", "resolved parties")
        for party in resolved:
            ids = ", ".join(f"{e} ({s:.2f})" for e, s in party.resolved)
            line(f"  - {party.role} {party.name}: {ids}")


@click.command()
@click.argument("transaction", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--at", default=None, metavar="YYYY-MM-DD", help="Evaluate at this date instead of the transaction's.")
@click.option("--pack", "packs", multiple=True, metavar="NAME|PATH",
              help="Use this installed pack (by name) or pack folder (by path); repeatable. Default: all installed.")
@record_option
@json_option
@with_engine
def check(engine: Engine, transaction: str, at: str | None, packs: tuple[str, ...], record: bool,
          as_json: bool) -> None:
    """Verdicts per jurisdiction (US.OFAC, US.BIS, EU, UK, ...) on a transaction in a JSON file ("-": stdin).
    The check is stored with its audit event unless --no-record."""
    tx = _read_transaction(transaction)
    if record:
        stored = engine.check_and_record(tx, at=at, packs=list(packs) or None, actor=engine.settings.actor_name,
                                         origin="cli")
        assert stored.checked is not None
        verdict = stored.checked
        alerts = stored.verdict.get("alerts", [])
        err_console().print(f"stored as check {stored.id} (sha256 {stored.sha256[:16]}); "
                            f"{len(alerts)} alert(s) raised or kept", highlight=False)
    else:
        verdict = engine.check(tx, at=at, packs=list(packs) or None)
    if as_json:
        emit_json(verdict.to_dict())
        return
    _print_verdict(verdict)


@click.command(name="packs")
@json_option
@with_engine
def packs_cmd(engine: Engine, as_json: bool) -> None:
    """Installed policy packs: version, period, jurisdictions, what they hold."""
    found = engine.packs()
    if as_json:
        emit_json([p.summary() for p in found])
        return
    rows = []
    for p in found:
        counts = p.summary()["counts"]
        held = ", ".join(f"{n} {k}" for k, n in counts.items())
        rows.append((p.name, p.version, p.period.describe(), ", ".join(p.summary()["jurisdictions"]), held, p.path))
    table("Policy packs", ["name", "version", "period", "jurisdictions", "holds", "path"], rows)


@click.command()
@click.argument("code")
@click.option("--at", default=None, metavar="YYYY-MM-DD", help="Date for zone validity (default: today).")
@json_option
@with_engine
def airport(engine: Engine, code: str, at: str | None, as_json: bool) -> None:
    """How an airport code resolves: country, ISO 3166-2 subdivision, overrides, zones of the packs."""
    report = engine.airport(code, at=at)
    if as_json:
        emit_json(report.to_dict())
        return
    a = report.airport
    rows: list[tuple[Any, ...]] = [
        ("code", a.code), ("ICAO / IATA", f"{a.icao or '-'} / {a.iata or '-'}"), ("name", a.name),
        ("city", a.city), ("country", a.country),
        ("subdivision", f"{a.subdivision or 'unknown'} ({a.subdivision_name or '-'})"), ("source", a.source),
    ]
    if a.claimed_by:
        rows.append(("claimed by", a.claimed_by))
    if a.recorded:
        rows.append(("dataset said", a.recorded))
    table(f"Airport {code.upper()}", ["field", "value"], rows)
    if report.zones:
        table(f"Zones on {report.date}", ["zone", "pack", "status", "why", "validity"],
              [(z["zone"], z["pack"], z["status"], z["why"], z["validity"]) for z in report.zones])


def register(cli: click.Group) -> None:
    cli.add_command(check)
    cli.add_command(packs_cmd)
    cli.add_command(airport)
