"""The ingest benchmark's machinery (not its figures): it runs the real CLI per list, measures
each process, and writes its own section of BENCHMARKS.md without touching the others."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "bench_ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_measures_each_list_and_rewrites_only_its_section(fixtures: Path, tmp_path: Path) -> None:
    bench = load_bench()
    data = tmp_path / "data"
    shutil.copytree(fixtures / "ofac" / "sdn_csv", data / "ofac_sdn")
    (data / "un_consolidated").mkdir()
    shutil.copy(fixtures / "un_consolidated.xml", data / "un_consolidated" / "consolidated.xml")
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\n## Matching\n\nother results\n")

    assert bench.main(["--data", str(data), "--repeat", "1", "--output", str(output)]) == 0
    section = output.read_text().split("## Matching\n\nother results\n", 1)[1].strip("\n") + "\n"
    bench.write_section(output, section.replace("| OFAC SDN", "| OFAC SDN (again)"))  # a second run replaces it
    text = output.read_text()
    assert "| OFAC SDN (again)" in text
    assert text.count(bench.START) == 1 and text.count(bench.END) == 1
    assert "## Matching\n\nother results" in text
    rows = [line for line in text.splitlines() if line.startswith("| OFAC SDN") or line.startswith("| UN SC")]
    assert len(rows) == 2
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert int(cells[1].replace(",", "")) > 0  # entities
    wall, cpu, rss = float(cells[2].split()[0]), float(cells[3].split()[0]), float(cells[5].split()[0])
    assert 0 < wall < 120 and 0 < cpu < 120 and 20 < rss < 2000  # a real process's figures, in s and MB
    assert "Fixed cost in every run" in text
    assert "Load average" in text and "CPUs" in text


def test_bench_says_which_files_are_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_bench().main(["--data", str(tmp_path), "--no-write"]) == 2
    assert "ofac_sdn" in capsys.readouterr().err
