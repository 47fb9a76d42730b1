"""Every list format is fed mutated copies of its sample file (byte flips, cuts, junk, shuffled
structure); the only error it may raise is the documented one, ``ListFormatError`` (or
``UnknownFormatError`` when the content no longer looks like the format at all).

The number of inputs tried per format is reported at the end of the run (``parser fuzzing:``).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import ListFormatError, UnknownFormatError
from clearance.sources import detect, formats
from format_samples import samples

pytestmark = pytest.mark.store_independent

INPUTS_PER_FORMAT = 150
# Bytes that mean something to one of the formats: markup, quoting, separators, escapes.
TOKENS = [b"<", b">", b"</", b"/>", b"<![CDATA[", b"]]>", b"&", b"&amp;", b"&#0;", b"&#x110000;", b'"', b"'",
          b",", b";", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3", b"{", b"}",
          b"[", b"]", b":", b"null", b"-", b"0", b"99999999999999999999", b"1e999", b"NaN", b"=", b"\\",
          b"\xc2\xb2", b"\xe2\x91\xa0", b"\x1d", b"\xe2\x80\xa8",  # superscript 2, circled 1, separators
          b'<?xml version="1.0"?>', b"<x>", b"</x>", b"<a b='c'/>", b'""', b'"a""b"']


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _insert(data: bytes, rng: random.Random) -> bytes:
    junk = b"".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 6))) if rng.random() < 0.7 \
        else rng.randbytes(rng.randint(1, 32))
    at = rng.randrange(len(data) + 1)
    return data[:at] + junk + data[at:]


def _splice(data: bytes, rng: random.Random) -> bytes:
    """Delete, duplicate or move a random slice."""
    a, b = sorted(rng.randrange(len(data) + 1) for _ in range(2))
    piece, rest = data[a:b], data[:a] + data[b:]
    at = rng.randrange(len(rest) + 1)
    return rng.choice([rest, data[:b] + piece + data[b:], rest[:at] + piece + rest[at:]])


def _structure(data: bytes, rng: random.Random) -> bytes:
    """Drop, repeat or swap whole lines or elements, or change one field of a line."""
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        parts = data.split(b"<")  # element boundaries
        glue = b"<"
    else:
        parts = data.split(b"\n")
        glue = b"\n"
    if len(parts) < 2:
        return _insert(data, rng)
    i, j = rng.randrange(1, len(parts)), rng.randrange(1, len(parts))
    action = rng.randrange(4)
    if action == 0:
        del parts[i]
    elif action == 1:
        parts.insert(i, parts[j])
    elif action == 2:
        parts[i], parts[j] = parts[j], parts[i]
    else:
        cells = parts[i].split(b",") if glue == b"\n" else parts[i].split(b'"')
        k = rng.randrange(len(cells))
        cells[k] = rng.choice([b"", rng.choice(TOKENS), cells[k] * 2, cells[rng.randrange(len(cells))]])
        parts[i] = (b"," if glue == b"\n" else b'"').join(cells)
    return glue.join(parts)


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [_flip, _truncate, _insert, _splice, _structure]


def _sample_file(sample: Path, rng: random.Random) -> Path:
    """The file to damage: the sample itself, or one file of a multi-file set."""
    if sample.is_file():
        return sample
    return rng.choice(sorted(p for p in sample.iterdir() if p.is_file()))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("fmt", sorted(formats()))
def test_mutated_input_raises_only_list_format_errors(fmt: str, tmp_path: Path,
                                                     record_property: Callable[[str, object], None]) -> None:
    sample = samples()[fmt]
    tried = 0

    @settings(max_examples=INPUTS_PER_FORMAT, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seed=st.integers(0, 2**32 - 1), rounds=st.integers(1, 3))
    def parse_mutated(seed: int, rounds: int) -> None:
        nonlocal tried
        tried += 1
        rng = random.Random(seed)
        target = _sample_file(sample, rng)
        data = target.read_bytes()
        for _ in range(rounds):
            data = rng.choice(MUTATIONS)(data, rng)
        case = tmp_path / f"case{tried}"
        if sample.is_dir():
            shutil.copytree(sample, case)
            path = case / target.name
        else:
            case.mkdir()
            path = case / sample.name
        path.write_bytes(data)
        target_path = case if sample.is_dir() else path
        with suppress(ListFormatError):
            parsed = formats()[fmt].parse(target_path, None)
            for _entity in parsed.entities:
                pass
        with suppress(ListFormatError, UnknownFormatError):
            detect(target_path)
        shutil.rmtree(case)

    parse_mutated()
    record_property("fuzz_inputs", (fmt, tried))
    assert tried >= INPUTS_PER_FORMAT
