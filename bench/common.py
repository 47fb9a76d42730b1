"""What the benchmarks share: data and work folders, stores of real lists, the peer, the machine,
tables and metrics.

Stores are built once into ``bench/.work`` (git-ignored) and reused while the list files are
unchanged. The peer (OpenSanctions' nomenklatura) is installed from PyPI into
``bench/.peer-venv`` on first use and run in a subprocess (``bench/peer_runner.py``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from clearance.engine import Engine
from clearance.errors import UnknownFormatError
from clearance.model import Entity, EntityType, IdScheme
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.model.screening import Query

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
PEER_VENV = BENCH / ".peer-venv"
PEER_PACKAGES = ("nomenklatura",)
PEER_ALGORITHMS = ("logic-v2", "logic-v1", "ofac")
# yente (OpenSanctions' screening API) uses 0.7 as the match threshold of every algorithm.
PEER_THRESHOLD = 0.7

# Every official list file of the data folder, in the formats clearance reads.
LIST_FILES = (
    "ofac_sdn",
    "ofac_consolidated/consolidated.xml",
    "un_consolidated/consolidated.xml",
    "uk_ofsi_conlist/ConList.xlsx",
    "bis_dpl/dpl.txt",
    "trade_gov_csl_2022-05-06/consolidated.csv",
    "eu_journal_sanctions_belarus",
    "ofac_consolidated_enhanced_2025-01-10/CONS_ENHANCED.XML",
)


@dataclass
class Section:
    """One benchmark's output: markdown for BENCHMARKS.md, and the figures as data."""

    title: str
    markdown: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.markdown.append(text)


class Context:
    def __init__(self, quick: bool = False) -> None:
        self.quick = quick  # a small sample of every benchmark (for the test suite's smoke run)
        self.data = Path(os.environ.get("CLEARANCE_TEST_DATA") or ROOT.parent / "shared" / "data")
        self.console = Console(stderr=True)
        WORK.mkdir(parents=True, exist_ok=True)

    def path(self, relative: str) -> Path:
        path = self.data / relative
        if not path.exists():
            raise SystemExit(f"benchmark data {path} not found (set CLEARANCE_TEST_DATA)")
        return path

    def log(self, message: str) -> None:
        self.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}", highlight=False)

    # -- stores -------------------------------------------------------------------------------
    def store(self, name: str, paths: Sequence[Path], source: str | None = None) -> tuple[str, list[str]]:
        """A SQLite store holding ``paths`` (built on first use): (database path, files loaded).
        Files no clearance format reads are skipped and left out of the returned list."""
        digest = hashlib.sha256()
        for path in paths:
            for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
                stat = file.stat()
                digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        db = WORK / f"{name}-{digest.hexdigest()[:12]}.db"
        manifest = db.with_suffix(".json")
        if db.exists() and manifest.exists():
            return str(db), json.loads(manifest.read_text())
        for old in WORK.glob(f"{name}-*.db*"):
            old.unlink()
        loaded: list[str] = []
        self.log(f"building store {db.name} from {len(paths)} path(s)")
        with Engine(str(db)) as engine:
            for path in paths:
                try:
                    engine.ingest([path], source=source)
                    loaded.append(str(path.relative_to(self.data)) if path.is_relative_to(self.data) else str(path))
                except UnknownFormatError:
                    self.log(f"skipped {path}: no clearance format reads it")
        manifest.write_text(json.dumps(loaded))
        return str(db), loaded

    def all_lists(self) -> tuple[str, list[str]]:
        return self.store("all-lists", [self.data / p for p in LIST_FILES if (self.data / p).exists()])

    # -- the peer -----------------------------------------------------------------------------
    def peer(self, groups: list[dict[str, Any]], algorithms: Sequence[str] = PEER_ALGORITHMS) -> dict[str, Any]:
        """Score query/candidate groups with nomenklatura's algorithms in the peer's own venv."""
        python = PEER_VENV / "bin" / "python"
        if not python.exists():
            self.log("creating the peer's virtual environment (nomenklatura from PyPI)")
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
        task = json.dumps({"algorithms": list(algorithms), "groups": groups})
        done = subprocess.run([str(python), str(BENCH / "peer_runner.py")], input=task, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"peer failed: {done.stderr[-2000:]}")
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f", {int(total.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {cores} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


# -- tables ---------------------------------------------------------------------------------------
def table(section: Section, console: Console, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          note: str | None = None) -> None:
    """Print a table on the console and add it to the section as markdown."""
    rows = [[_cell(v) for v in row] for row in rows]
    t = Table(title=title, header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*row)
    console.print(t)
    lines = [f"**{title}**", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if note:
        lines += ["", note]
    section.add("\n".join(lines))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value).replace("|", "\\|")


# -- metrics --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def confusion(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> Confusion:
    tp = sum(1 for s, m in zip(scores, labels, strict=True) if s >= threshold and m)
    fp = sum(1 for s, m in zip(scores, labels, strict=True) if s >= threshold and not m)
    fn = sum(1 for s, m in zip(scores, labels, strict=True) if s < threshold and m)
    return Confusion(tp, fp, fn, len(scores) - tp - fp - fn)


def best_f1(scores: Sequence[float], labels: Sequence[bool]) -> tuple[float, float]:
    """(best F1, the threshold giving it) over thresholds 0.30 .. 1.00 in steps of 0.01."""
    best = (0.0, 0.0)
    for step in range(30, 101):
        threshold = step / 100
        f1 = confusion(scores, labels, threshold).f1
        if f1 > best[0]:
            best = (f1, threshold)
    return best


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def person_query(row: dict[str, str], row_id: str) -> Query:
    """A person query from a fixture row: name, birth date (valid part), nationality, gender."""
    date = None
    raw = (row.get("date_of_birth") or "").strip()
    while raw and date is None:
        date = parse_partial_date(raw)
        raw = raw.rsplit("-", 1)[0] if "-" in raw else ""
    country = to_country_code(row.get("nationality") or "")
    gender = (row.get("gender") or "").strip().lower() or None
    return Query(row["full_name"], type=EntityType.PERSON, birth_date=date, country=country,
                 gender=gender if gender in ("male", "female") else None, id=row_id)


def read_csv(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows[:limit] if limit is not None else rows


# -- FollowTheMoney forms of clearance's entities and queries, for the peer -----------------------
_SCHEMA = {
    EntityType.PERSON: "Person",
    EntityType.ORGANIZATION: "Organization",
    EntityType.COMPANY: "Company",
    EntityType.VESSEL: "Vessel",
    EntityType.AIRCRAFT: "Airplane",
}
_ID_PROPS = {
    IdScheme.IMO: "imoNumber",
    IdScheme.MMSI: "mmsi",
    IdScheme.TAX_ID: "taxNumber",
    IdScheme.REGISTRATION: "registrationNumber",
    IdScheme.SWIFT_BIC: "swiftBic",
    IdScheme.LEI: "leiCode",
    IdScheme.PASSPORT: "passportNumber",
    IdScheme.NATIONAL_ID: "idNumber",
    IdScheme.TAIL_NUMBER: "registrationNumber",
}


def ftm_entity(entity: Entity) -> dict[str, Any]:
    schema = _SCHEMA[entity.type]
    props: dict[str, list[str]] = {"name": [entity.caption]}
    aliases = [n.value for n in entity.names if n.value != entity.caption]
    if aliases:
        props["alias"] = aliases
    if entity.type is EntityType.PERSON:
        if entity.birth_dates:
            props["birthDate"] = list(entity.birth_dates)
        if entity.nationalities:
            props["nationality"] = [c.lower() for c in entity.nationalities]
        if entity.gender:
            props["gender"] = [entity.gender]
    countries = sorted(set(entity.countries) | {a.country for a in entity.addresses if a.country})
    if countries:
        props["country"] = [c.lower() for c in countries]
    for ident in entity.identifiers:
        prop = _ID_PROPS.get(ident.scheme)
        if prop is not None:  # the peer drops properties its schema does not have
            props.setdefault(prop, []).append(ident.value)
    return {"schema": schema, "properties": props}


def ftm_query(query: Query) -> dict[str, Any]:
    schema = _SCHEMA[query.type] if query.type else "LegalEntity"
    props: dict[str, list[str]] = {"name": [query.name]}
    if query.birth_date and schema == "Person":
        props["birthDate"] = [query.birth_date]
    if query.country:
        props["country"] = [query.country.lower()]
        if schema == "Person":
            props["nationality"] = [query.country.lower()]
    if query.gender and schema == "Person":
        props["gender"] = [query.gender]
    return {"schema": schema, "properties": props}
