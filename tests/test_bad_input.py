"""Every list format, fed malformed, truncated, wrongly encoded and wrongly shaped files.

Each damaged file gets one clear error naming the file, the line or element, and what was
expected; ``clearance ingest`` exits 2; and the store is exactly as before (versions and
entity rows compared). The samples are the hand-written fixtures, found by content detection
(format_samples.py), so a new format without a fixture fails ``test_every_format_has_a_fixture``.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from clearance.cli import main
from clearance.engine import Engine
from clearance.sources import formats, open_list
from format_samples import samples
from store_state import store_snapshot

LOCATION = re.compile(r"line \d+|row \d+|top level|cell [A-Z]+\d+|element|<[A-Za-z_]|\[[A-Za-z_]|/[A-Za-z_]+|column")
Damage = Callable[[bytes], bytes]


def primary_file(sample: Path, fmt: str) -> Path:
    """The file to damage: the sample itself, or the first file a multi-file set reads."""
    if sample.is_file():
        return sample
    return Path(open_list(sample, fmt=fmt).meta.files[0])


def _middle_of_a_line(data: bytes) -> int:
    start = data.index(b"\n", len(data) // 2) + 1
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    return start + max(1, (end - start) // 2)


def truncated(data: bytes) -> bytes:
    return data[: _middle_of_a_line(data)]


def utf16(data: bytes) -> bytes:
    text = data.decode("utf-8-sig", errors="replace")
    return text.encode("utf-16")


def undecodable(data: bytes) -> bytes:
    at = _middle_of_a_line(data)
    return data[:at] + b"\x81\x8d\x90" + data[at:]  # undefined in UTF-8 and in Windows-1252


def xml_unclosed(data: bytes) -> bytes:
    at = data.index(b"<", len(data) // 2)
    end = data.index(b">", at)
    return data[:at] + b"<unclosed_element" + data[end + 1:]


def xml_wrong_root(data: bytes) -> bytes:
    match = re.search(rb"<([A-Za-z_][\w.-]*)(?=[\s>])", re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", data, flags=re.S))
    assert match is not None
    root = match.group(1)
    return re.sub(rb"(</?)" + re.escape(root) + rb"(?=[\s>])", rb"\1NOT_A_SANCTIONS_LIST", data)


def text_unbalanced_quote(data: bytes) -> bytes:
    """A quote opened at the start of a cell in the middle of the file and never closed."""
    sep = b"\t" if data.count(b"\t") > data.count(b",") else b","
    line_start = data.index(b"\n", len(data) // 2) + 1
    at = data.index(sep, line_start) + 1
    if data[at:at + 1] == b'"':  # an already quoted cell: break its closing quote instead
        close = data.index(b'"', at + 1)
        return data[:close] + b"x" + data[close + 1:]
    return data[:at] + b'"' + data[at:]


def text_missing_column(data: bytes) -> bytes:
    """Every data row below the middle loses its first separator: one column too few."""
    lines = data.split(b"\n")
    sep = b"\t" if data.count(b"\t") > data.count(b",") else b","
    middle = len(lines) // 2
    lines[middle:] = [line.replace(sep, b"", 1) if sep in line else line for line in lines[middle:]]
    return b"\n".join(lines)


def json_broken_member(data: bytes) -> bytes:
    """A '"key": value' pair past the middle loses its colon: never valid JSON."""
    at = data.index(b'":', len(data) // 2)
    return data[:at + 1] + b" " + data[at + 2:]


def jsonl_not_an_object(data: bytes) -> bytes:
    """A line in the middle that is valid JSON but not an entity object."""
    lines = data.split(b"\n")
    lines[len(lines) // 2] = b'["not", "an", "entity"]'
    return b"\n".join(lines)


def json_wrong_shape(data: bytes) -> bytes:
    """The document's top-level keys renamed: the shape of some other JSON file."""
    return re.sub(rb'^(\s*)"(\w+)":', rb'\1"unexpected_\2":', data, flags=re.M)


def xlsx_truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def xlsx_wrong_sheet(data: bytes) -> bytes:
    """The workbook with its sheet's cells shifted: a header the format cannot read."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb'r="([A-Z]+)(\d+)"', lambda m: b'r="Z' + m[1] + m[2] + b'"', content)
            dst.writestr(item, content)
    return out.getvalue()


# A workbook cut in half is not a zip any more: there is no line or cell to name, only the file.
WHOLE_FILE = {"truncated workbook"}


def damages(data: bytes) -> dict[str, Damage]:
    if data.startswith(b"PK\x03\x04"):
        return {"truncated workbook": xlsx_truncated, "wrongly shaped": xlsx_wrong_sheet}
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) > 1 and all(line.lstrip().startswith(b"{") and line.rstrip().endswith(b"}") for line in lines):
        return {"truncated": truncated, "malformed": json_broken_member, "wrongly encoded": undecodable,
                "wrongly shaped": jsonl_not_an_object}
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith((b"{", b"[")):
        return {"truncated": truncated, "malformed": json_broken_member, "wrongly encoded": undecodable,
                "wrongly shaped": json_wrong_shape}
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        return {"truncated": truncated, "malformed": xml_unclosed, "wrongly encoded": undecodable,
                "wrongly shaped": xml_wrong_root}
    return {"truncated": truncated, "malformed": text_unbalanced_quote, "wrongly encoded (UTF-16)": utf16,
            "wrongly encoded (bytes)": undecodable, "wrongly shaped": text_missing_column}


def _cases() -> list[tuple[str, str]]:
    return [(fmt, kind) for fmt, sample in sorted(samples().items())
            for kind in damages(primary_file(sample, fmt).read_bytes())]


def test_every_format_has_a_fixture() -> None:
    missing = set(formats()) - set(samples())
    assert not missing, f"formats without a hand-written fixture in tests/fixtures: {sorted(missing)}"


@pytest.mark.parametrize(("fmt", "kind"), _cases())
def test_bad_file_gives_one_clear_error_and_changes_nothing(
    fmt: str, kind: str, tmp_path: Path, db_path: str, fixtures: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = samples()[fmt]
    if sample.is_dir():
        bad = tmp_path / sample.name
        shutil.copytree(sample, bad)
        damaged = bad / primary_file(sample, fmt).name
    else:
        bad = damaged = tmp_path / sample.name
        shutil.copy(sample, bad)
    damaged.write_bytes(damages(damaged.read_bytes())[kind](damaged.read_bytes()))

    with Engine(db_path) as engine:  # a store holding this format's good list, and another list
        engine.ingest([fixtures / "custom_list.csv"], source="custom:seed")
        engine.ingest([sample], fmt=fmt)
    before = store_snapshot(db_path)

    monkeypatch.setenv("COLUMNS", "1000")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["ingest", str(bad), "--format", fmt, "--db", db_path])
    out, err = capsys.readouterr()
    message = " ".join(err.split())
    assert exited.value.code == 2, (kind, exited.value.code, out, err)
    assert message.startswith("error: ") and message.count("error: ") == 1, message
    assert damaged.name in message, f"the message does not name the file: {message}"
    if kind not in WHOLE_FILE:
        assert LOCATION.search(message.split(damaged.name, 1)[1]), f"no line or element in: {message}"
    assert "(expected " in message, f"the message does not say what was expected: {message}"
    assert out == ""
    assert store_snapshot(db_path) == before
