"""The ingest benchmark's machinery (not its figures): the real CLI in a process per list, each
process measured on its own, and a section the bench runner can write into BENCHMARKS.md."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench` is a folder of the repository, not an installed package

from bench import bench_ingest  # noqa: E402
from bench.common import Context  # noqa: E402


@pytest.mark.slow
def test_quick_run_measures_each_list_in_its_own_process(
    fixtures: Path, ofac_csv_set: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(ofac_csv_set, data / "ofac_sdn")
    (data / "un_consolidated").mkdir()
    shutil.copy(fixtures / "un_consolidated.xml", data / "un_consolidated" / "consolidated.xml")
    monkeypatch.setenv("CLEARANCE_TEST_DATA", str(data))

    section = bench_ingest.run(Context(quick=True))
    text = "\n".join(section.markdown)
    rows = [line for line in text.splitlines() if line.startswith(("| OFAC SDN", "| UN SC"))]
    assert len(rows) == 2
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert int(cells[1].replace(",", "")) > 0  # entities
    wall, cpu, rss = (float(cells[i].split()[0]) for i in (2, 3, 5))
    assert 0 < cpu <= wall * 2 and wall < 120 and 20 < rss < 2000  # a real process's seconds and MB
    assert round(section.figures["us-ofac-sdn"]["peak_mb"]) == rss
    assert "Fixed cost in every run" in text


def test_missing_list_files_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_TEST_DATA", str(tmp_path))
    with pytest.raises(SystemExit, match="ofac_sdn"):
        bench_ingest.run(Context(quick=True))
