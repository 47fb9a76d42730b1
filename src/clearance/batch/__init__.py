"""Batch screening: many queries on this machine's cores or on a Dask cluster.

- :mod:`.partitions`: the unit of work, a partition of rows screened into bytes of results;
- :mod:`.local`: this process or forked worker processes sharing the index;
- :mod:`.cluster`: a Dask cluster (the ``dask`` extra, imported only when asked for);
- :mod:`.run`: a partitioned, checkpointed, resumable run over a query file.
"""

from __future__ import annotations

from pathlib import Path

from clearance.batch.local import LocalExecutor, default_workers, screen_stream
from clearance.batch.run import DEFAULT_PARTITION_ROWS, BatchReport, Executor, RunSpec, run_file, run_folder
from clearance.matching.screener import Screener

__all__ = ["DEFAULT_PARTITION_ROWS", "BatchReport", "RunSpec", "default_workers", "executor", "run_file",
           "run_folder", "screen_stream"]


def executor(screener: Screener, *, workers: int, dask: str | None, index_key: str, index_file: Path) -> Executor:
    """Where to screen: ``workers`` local processes, or the Dask cluster ``dask`` names."""
    if dask is None:
        return LocalExecutor(screener, workers)
    from clearance.batch.cluster import DaskExecutor

    return DaskExecutor(dask, screener, index_key, index_file)
