"""Sample files of every list format, found by content detection, for tests that attack them all.

``samples()`` holds the hand-written fixtures of tests/fixtures (a file, or a folder for a
multi-file set); ``xml_samples()`` adds the real XML files of CLEARANCE_TEST_DATA for XML
formats that have no fixture yet.
"""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import openpyxl

from clearance.errors import ClearanceError
from clearance.sources import detect
from ofac_csv_sample import write_ofac_csv_set

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def xlsx_from_csv(csv_file: Path, folder: Path) -> Path:
    """The OFSI XLSX publication carries the same rows as its CSV: build one from the CSV fixture."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    with csv_file.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    path = folder / (csv_file.stem + ".xlsx")
    book.save(path)
    return path


@cache
def samples() -> dict[str, Path]:
    """A hand-written fixture (file or multi-file folder) for each format, by content detection;
    binary formats are built from their text twins (the OFSI XLSX from the OFSI CSV), and the OFAC
    legacy CSV set is written from tests/ofac_csv_sample.py."""
    generated = Path(tempfile.mkdtemp(prefix="clearance-fixtures-"))
    atexit.register(shutil.rmtree, generated, ignore_errors=True)
    found: dict[str, Path] = {}
    candidates = [*sorted(FIXTURES.rglob("*")), xlsx_from_csv(FIXTURES / "ofsi_conlist_2022.csv", generated),
                  write_ofac_csv_set(generated / "sdn_csv")]
    for path in candidates:
        if path.name.startswith("."):
            continue
        try:
            fmt = detect(path)
        except ClearanceError:
            continue
        found.setdefault(fmt.name, path)
    return found


def is_xml(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(64).lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<")


@cache
def xml_samples() -> dict[str, Path]:
    """One XML sample per XML format: the fixture, else the first real file of that format."""
    found = {fmt: path for fmt, path in samples().items() if is_xml(path)}
    data = Path(os.environ.get("CLEARANCE_TEST_DATA") or FIXTURES.parents[2] / "shared" / "data")
    if data.is_dir():
        for path in sorted(p for p in data.rglob("*") if p.suffix.lower() == ".xml"):
            try:
                found.setdefault(detect(path).name, path)
            except ClearanceError:
                continue
    return found
