"""Screening many queries on several cores, streaming: results come back in input order while
the input is still being read, and at most a fixed window of chunks is in flight, so memory does
not grow with the input.

Workers are forked from the process that holds the screener, so the index is shared
copy-on-write instead of being rebuilt or reloaded by each worker. Where ``fork`` is not
available the queries are screened in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from multiprocessing.context import BaseContext
from multiprocessing.pool import AsyncResult

from clearance.matching.screener import Screener
from clearance.model.screening import Query, ScreenResult

CHUNK = 256  # queries per task sent to a worker
WINDOW_PER_WORKER = 4  # chunks in flight per worker

# The screener of a worker process, set once by the pool initializer (worker processes only).
_worker_screener: list[Screener] = []


def _init_worker(screener: Screener) -> None:
    _worker_screener.append(screener)


def _screen_chunk(queries: list[Query], threshold: float | None, limit: int) -> list[ScreenResult]:
    screener = _worker_screener[0]
    return [screener.screen(q, threshold=threshold, limit=limit) for q in queries]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def screen_stream(
    screener: Screener,
    queries: Iterable[Query],
    *,
    threshold: float | None = None,
    limit: int = 10,
    workers: int = 1,
) -> Iterator[ScreenResult]:
    """Screen ``queries`` with ``workers`` processes (1: in this process), in input order."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for query in queries:
            yield screener.screen(query, threshold=threshold, limit=limit)
        return
    screener.warm_up()  # the workers inherit rigour's loaded name data instead of each loading it
    context = multiprocessing.get_context("fork")
    source = iter(queries)
    # Objects that exist now (the index above all) are left out of garbage collection in the
    # workers: collecting would walk, and so copy, every page they share with this process.
    gc.collect()
    gc.freeze()
    try:
        yield from _stream(context, screener, source, threshold, limit, workers)
    finally:
        gc.unfreeze()


def _stream(context: BaseContext, screener: Screener, source: Iterator[Query], threshold: float | None, limit: int,
            workers: int) -> Iterator[ScreenResult]:
    with context.Pool(workers, initializer=_init_worker, initargs=(screener,)) as pool:
        pending: deque[AsyncResult[list[ScreenResult]]] = deque()
        window = workers * WINDOW_PER_WORKER
        while True:
            while len(pending) < window:
                chunk = list(islice(source, CHUNK))
                if not chunk:
                    break
                pending.append(pool.apply_async(_screen_chunk, (chunk, threshold, limit)))
            if not pending:
                break
            yield from pending.popleft().get()
