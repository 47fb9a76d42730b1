"""The unit of batch work: a partition of consecutive rows, screened by whichever worker gets it
into the finished bytes of its part of the results file.

Workers send back bytes, not result objects: serialising is done where the screening is, in
parallel, and the process that collects the parts only writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from clearance.matching.screener import Screener
from clearance.screening_io import Row, encode_results, row_query


@dataclass(frozen=True, slots=True)
class Job:
    """What every partition of one run shares."""

    source: str  # the input file, as named in error messages
    fmt: str  # the results format: csv, jsonl or parquet
    threshold: float
    limit: int


@dataclass(frozen=True, slots=True)
class Partition:
    number: int  # 0, 1, ...: rows number*size to (number+1)*size - 1 of the input
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class PartResult:
    number: int
    data: bytes  # this partition's part of the results file
    rows: int
    matched: int  # rows with at least one match


def split(rows: Iterator[Row], size: int) -> Iterator[Partition]:
    """Consecutive partitions of ``size`` rows (the last may be shorter)."""
    number = 0
    while chunk := tuple(islice(rows, size)):
        yield Partition(number, chunk)
        number += 1


def screen_partition(screener: Screener, job: Job, partition: Partition) -> PartResult:
    results = [screener.screen(row_query(row, job.source), threshold=job.threshold, limit=job.limit)
               for row in partition.rows]
    return PartResult(partition.number, encode_results(results, job.fmt), len(results),
                      sum(1 for r in results if r.matches))
