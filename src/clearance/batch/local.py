"""Screening on the cores of this machine: in this process, or in worker processes forked from it.

Workers are forked from the process that holds the screener, so the index is shared
copy-on-write instead of being rebuilt or reloaded by each worker. Where ``fork`` is not
available the queries are screened in this process. At most a fixed window of tasks is in
flight, so memory does not grow with the input.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

from clearance.batch.partitions import Job, Partition, PartResult, screen_partition
from clearance.matching.screener import Screener, heap_held, hold_heap
from clearance.model.screening import Query, ScreenResult

T = TypeVar("T")

CHUNK = 256  # queries per task of screen_stream
WINDOW_PER_WORKER = 2  # tasks in flight per worker (one running, one queued)

# The screener of a worker process, set once by the pool initializer (worker processes only).
_worker_screener: list[Screener] = []


def _init_worker(screener: Screener) -> None:
    _worker_screener.append(screener)
    hold_heap()  # a worker process exists to screen


def _screen_chunk(queries: list[Query], threshold: float | None, limit: int) -> list[ScreenResult]:
    screener = _worker_screener[0]
    return [screener.screen(q, threshold=threshold, limit=limit) for q in queries]


def _screen_partition(job: Job, partition: Partition) -> PartResult:
    return screen_partition(_worker_screener[0], job, partition)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def forked_pool(screener: Screener, workers: int) -> Iterator[Pool]:
    """A pool of ``workers`` processes forked from this one, each holding ``screener``.

    The pool is closed and joined, not terminated, unless the user interrupts: ``Pool.terminate``
    with tasks still in the queue can wait forever on the queue's lock or its task thread, so the
    callers let the tasks in flight finish first (see :func:`_settle`).
    """
    screener.warm_up()  # the workers inherit rigour's loaded name data instead of each loading it
    # Objects that exist now (the index above all) are left out of garbage collection in the
    # workers: collecting would walk, and so copy, every page they share with this process.
    gc.collect()
    gc.freeze()
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(screener,))
    try:
        yield pool
    except (KeyboardInterrupt, SystemExit):
        pool.terminate()
        raise
    except BaseException:
        pool.close()
        raise
    else:
        pool.close()
    finally:
        pool.join()
        if not heap_held():
            gc.unfreeze()


def _settle(pending: Iterable[AsyncResult[T]]) -> None:
    """Wait for the tasks in flight (at most a window of them), ignoring what they return, so that
    the pool can then close without being terminated."""
    for task in pending:
        task.wait()


def screen_stream(
    screener: Screener,
    queries: Iterable[Query],
    *,
    threshold: float | None = None,
    limit: int = 10,
    workers: int = 1,
) -> Iterator[ScreenResult]:
    """Screen ``queries`` with ``workers`` processes (1: in this process), in input order."""
    if workers <= 1 or not can_fork():
        for query in queries:
            yield screener.screen(query, threshold=threshold, limit=limit)
        return
    source = iter(queries)
    with forked_pool(screener, workers) as pool:
        pending: deque[AsyncResult[list[ScreenResult]]] = deque()
        try:
            while True:
                while len(pending) < workers * WINDOW_PER_WORKER * 2:
                    chunk = list(islice(source, CHUNK))
                    if not chunk:
                        break
                    pending.append(pool.apply_async(_screen_chunk, (chunk, threshold, limit)))
                if not pending:
                    break
                yield from pending.popleft().get()
        except (Exception, GeneratorExit):
            _settle(pending)
            raise


class LocalExecutor:
    """Screens partitions in this process (one worker) or in forked worker processes."""

    def __init__(self, screener: Screener, workers: int) -> None:
        self.screener = screener
        self.workers = workers if can_fork() else 1
        self.description = f"{self.workers} local process{'es' if self.workers > 1 else ''}"

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, job: Job, partitions: Iterator[Partition]) -> Iterator[PartResult]:
        """The result of every partition (in input order here), screening ahead by a few."""
        if self.workers <= 1:
            for partition in partitions:
                yield screen_partition(self.screener, job, partition)
            return
        with forked_pool(self.screener, self.workers) as pool:
            pending: deque[AsyncResult[PartResult]] = deque()
            try:
                while True:
                    while len(pending) < self.workers * WINDOW_PER_WORKER:
                        following = next(partitions, None)
                        if following is None:
                            break
                        pending.append(pool.apply_async(_screen_partition, (job, following)))
                    if not pending:
                        return
                    yield pending.popleft().get()
            except (Exception, GeneratorExit):
                _settle(pending)
                raise
