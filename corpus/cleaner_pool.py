"""The cleaner process pool: decode, extract and claims run in worker processes.

Cleaning is CPU-bound, so the crawl (crawler/pipelines.py, through corpus.pool_writes: the
workers clean and store batches of pages) and `ingest-warc` (corpus/warc/) hand fetched pages
to this one pool; a page that breaks or stalls the cleaner becomes a reject with the reason,
never a lost page.

- The fork server imports the cleaner once (corpus.cleaner_warmup), so every worker starts
  with it loaded (and the workers share those pages of memory); a worker trims its C heap
  after each call, so a batch of large pages does not stay in it.
- The fork server's start (its imports and warmup: seconds) blocks the thread that starts the
  first worker; `start_in_background` starts the workers in a thread of their own, so that an
  event loop (the crawler's reactor) goes on fetching meanwhile, and `run` awaits them.
- Workers ignore Ctrl-C (the process that owns the pool decides how to stop) and exit when
  that process is gone: killed with -9 it cannot tell them, and they would live on.
- A page that takes longer than the timeout is a `clean-timeout` reject, and the worker stuck
  on it is killed and the pool replaced; pages cleaning beside it are cleaned again.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import enum
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from cleaning.outcomes import Reason
from cleaning.records import CleanResult
from corpus.fetches import FetchedPage

logger = logging.getLogger(__name__)

TIMEOUT_RESULT = CleanResult(encoding=None, reject_reason=Reason.CLEAN_TIMEOUT)
BROKEN_RESULT = CleanResult(
    encoding=None, reject_reason=Reason.CLEAN_ERROR.detailed("BrokenProcessPool")
)
WATCHDOG_PERIOD_S = 1.0
Cleaner = Callable[[FetchedPage], CleanResult | None]
_POOLS: weakref.WeakSet[CleanerPool] = weakref.WeakSet()
A = TypeVar("A")
R = TypeVar("R")


class PoolFailure(enum.Enum):
    """Why a call run in the pool has no result."""

    TIMED_OUT = "timed-out"
    BROKEN = "broken"


def clean_safely(fetched: FetchedPage) -> CleanResult | None:
    """Run in a worker process: a page that breaks the cleaner is kept as a reject, with why."""
    from corpus.ingest import clean_fetched  # loaded by the fork server; not in the crawl's process

    try:
        return clean_fetched(fetched)
    except Exception as exc:
        logger.exception("cleaner failed on %s", fetched.final_url)
        return CleanResult(
            encoding=None, reject_reason=Reason.CLEAN_ERROR.detailed(type(exc).__name__)
        )


def _libc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    return trim  # glibc's; None elsewhere


_MALLOC_TRIM = _libc_trim()


def _run_and_trim(function: Callable[[A], R], argument: A) -> R:
    """Run in a worker: the call, then give the C heap's free pages back to the system.
    A batch of large pages (their lxml trees, bodies and texts) raises the heap by tens of MB
    that glibc keeps once freed; trimmed, each cleaner stays near its size after warmup."""
    try:
        return function(argument)
    finally:
        if _MALLOC_TRIM is not None:
            _MALLOC_TRIM(0)


def _worker_start(owner_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_owner, args=(owner_pid,), daemon=True).start()
    import corpus.cleaner_warmup  # noqa: F401  (already loaded by the fork server's preload)


def _watch_owner(owner_pid: int) -> None:
    while True:
        time.sleep(WATCHDOG_PERIOD_S)
        try:
            os.kill(owner_pid, 0)
        except ProcessLookupError:
            os._exit(1)


def _forkserver() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["corpus.cleaner_warmup"])
    return context


def warmed_executor(workers: int) -> ProcessPoolExecutor:
    """Workers forked from the one fork server of this process, which preloads the cleaner."""
    return ProcessPoolExecutor(
        workers, mp_context=_forkserver(), initializer=_worker_start, initargs=(os.getpid(),)
    )


def start_fork_server() -> None:
    """Start the fork server now: it warms up (seconds) while this process goes on; the
    first worker forked waits for it."""
    _forkserver()
    multiprocessing.forkserver.ensure_running()


def kill_pools() -> None:
    """Kill every pool's workers: a crawl stopped at once (a second Ctrl-C) exits without
    waiting for the batches they are cleaning and storing (none is acknowledged: the resumed
    crawl fetches those pages again, or finds them stored)."""
    for pool in list(_POOLS):
        pool.kill()


def _start_workers(executor: ProcessPoolExecutor, workers: int, started: Future[None]) -> None:
    """Run in a thread: one trivial call per worker makes the executor start them all (the
    first one waits for the fork server's warmup); whatever fails here fails again, with
    its reason, on the first real call."""
    try:
        wait([executor.submit(os.getpid) for _ in range(workers)])
    except Exception as exc:  # a pool shut down meanwhile, or a fork server that died
        logger.debug("cleaner workers did not start ahead: %s", exc)
    finally:
        started.set_result(None)


class CleanerPool:
    """`workers` forkserver processes running `cleaner` (default `clean_safely`) on pages,
    with a per-page timeout."""

    def __init__(self, workers: int, timeout: float, cleaner: Cleaner = clean_safely) -> None:
        self.workers = workers
        self.timeout = timeout
        self.cleaner = cleaner
        self.replaced = 0
        self._executor = self._new_executor()
        # set once the workers started by start_in_background are up (None: not asked)
        self._started: Future[None] | None = None
        _POOLS.add(self)

    def _new_executor(self) -> ProcessPoolExecutor:
        return warmed_executor(self.workers)

    def start_in_background(self) -> None:
        """Start the workers in a thread; `run` waits for them without blocking its loop."""
        self._started = Future()
        thread = threading.Thread(
            target=_start_workers, args=(self._executor, self.workers, self._started), daemon=True
        )
        thread.start()

    def submit(self, fetched: FetchedPage) -> Future[CleanResult | None]:
        return self._executor.submit(self.cleaner, fetched)

    def result(self, future: Future[CleanResult | None]) -> CleanResult | None:
        """Wait for a submitted page (blocking callers); a stall past the timeout is a reject
        and the pool is replaced."""
        try:
            return future.result(self.timeout)
        except FutureTimeout:
            self._replace(self._executor)
            return TIMEOUT_RESULT
        except BrokenProcessPool:
            return BROKEN_RESULT

    async def run(self, function: Callable[[A], R], argument: A) -> R | PoolFailure:
        """Run `function(argument)` in a worker without blocking the event loop (the
        crawler's reactor). A call past the timeout kills its worker and replaces the pool:
        TIMED_OUT; a call whose worker another call's timeout killed: BROKEN."""
        if self._started is not None and not self._started.done():
            await asyncio.wrap_future(self._started)
        executor = self._executor
        future = asyncio.wrap_future(executor.submit(_run_and_trim, function, argument))
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self._replace(executor)
            return PoolFailure.TIMED_OUT
        except BrokenProcessPool:
            self._replace(executor)
            return PoolFailure.BROKEN

    def executor(self) -> ProcessPoolExecutor:
        """The current executor (a stall replaces it)."""
        return self._executor

    def pids(self) -> list[int]:
        return list(getattr(self._executor, "_processes", {}) or {})

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        if executor is not self._executor:
            return  # replaced already
        self._executor = self._new_executor()
        self.replaced += 1
        # A running call cannot be cancelled through the executor's API: kill its processes.
        for process in list((getattr(executor, "_processes", {}) or {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def kill(self) -> None:
        """Stop the workers now, whatever they are doing (a crawl stopped at once)."""
        for process in list((getattr(self._executor, "_processes", {}) or {}).values()):
            process.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        """Stop the workers; `cancel` drops pages not yet started (a run that stops early)."""
        self._executor.shutdown(wait=wait, cancel_futures=cancel)
