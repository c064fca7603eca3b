"""The store calls of a crawl's Scrapy process, run in a process of their own.

The Scrapy process does networking and scheduling only: it does not import SQLAlchemy, the
models or pydantic (about 38 MB it would hold for the whole crawl). What it needs of the
corpus (its profiles, the run's record, the pages the corpus holds, bodies for 304 answers
and replays, skipped URLs, live counts, a page stored as a reject after a stall) runs in one
worker forked from the cleaners' fork server (corpus.cleaner_pool), which has all of that
loaded already: the worker shares those pages with the cleaners instead of holding a copy.
Once the crawl's cleaner pool runs, the calls run in its workers and that worker exits
(`StoreCalls.lend`): no process of its own while the crawl is at its largest.

A call names its function (`"module:function"`), so the Scrapy process never imports it;
with a `db`, the function gets the worker's store of that corpus first. Errors come back as
`StoreCallError` (message, and whether waiting may help) or as the project's own errors, so
that no SQLAlchemy class has to be unpickled here.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from cleaning.errors import DebtcorpusError
from corpus.cleaner_pool import warmed_executor
from corpus.errors import ConfigError

LIGHT_ERRORS = ("cleaning.errors", "corpus.errors")
DIED = "the process running the crawl's store calls died"


class StoreCallError(Exception):
    """A store call that failed: its one-line reason; `retryable` for an outage, a lock or a
    full disk (corpus.pool_writes.retryable)."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable

    def __reduce__(self) -> tuple[Any, ...]:
        return (StoreCallError, (str(self), self.retryable))


def run_named(name: str, db: str | None, args: tuple[Any, ...]) -> Any:
    """Run in the store process: `module:function(*args)`, the store of `db` first."""
    module, _, function = name.partition(":")
    try:
        target = getattr(importlib.import_module(module), function)
        if db is None:
            return target(*args)
        from corpus.pool_writes import worker_store

        return target(worker_store(db), *args)
    except DebtcorpusError as exc:
        if type(exc).__module__ in LIGHT_ERRORS:
            raise
        raise ConfigError(str(exc)) from None
    except Exception as exc:
        from corpus.pool_writes import one_line, retryable

        raise StoreCallError(one_line(exc), retryable(exc)) from None


class StoreCalls:
    """Runs the Scrapy process's store calls: in a worker of its own until a cleaner pool is
    lent to it (`lend`), then in the pool's workers, which hold the same code and data; its
    own worker then exits, and a new one is forked should a call come once no pool is lent
    (the run's end, after the cleaners have stopped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._own: ProcessPoolExecutor | None = None
        self._lent: list[Callable[[], ProcessPoolExecutor]] = []

    def lend(self, executor: Callable[[], ProcessPoolExecutor]) -> None:
        """Run calls in this pool from now on (`executor` gives its current executor)."""
        with self._lock:
            self._lent.append(executor)
            own, self._own = self._own, None
        if own is not None:
            own.shutdown(wait=False)  # its calls still run; then it exits

    def take_back(self, executor: Callable[[], ProcessPoolExecutor] | None = None) -> None:
        """Stop running calls in that pool (every pool: None); the next starts a worker."""
        with self._lock:
            self._lent = [e for e in self._lent if executor is not None and e != executor]

    def submit(self, name: str, *args: Any, db: str | None = None) -> Future[Any]:
        with self._lock:
            if self._lent:
                executor = self._lent[-1]()
            else:
                executor = self._own = self._own or warmed_executor(1)
            try:
                return executor.submit(run_named, name, db, args)
            except (BrokenProcessPool, RuntimeError):  # died, or replaced (cleaner_pool)
                if executor is self._own:
                    self._own = None
                raise StoreCallError(DIED, retryable=True) from None

    def call(self, name: str, *args: Any, db: str | None = None) -> Any:
        """Run a call and wait for its result (blocking the calling thread)."""
        return self.result(self.submit(name, *args, db=db))

    async def acall(self, name: str, *args: Any, db: str | None = None) -> Any:
        """Run a call without blocking the event loop."""
        future = self.submit(name, *args, db=db)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            raise StoreCallError(DIED, retryable=True) from None

    def result(self, future: Future[Any]) -> Any:
        try:
            return future.result()
        except BrokenProcessPool:
            raise StoreCallError(DIED, retryable=True) from None

    def shutdown(self) -> None:
        with self._lock:
            own, self._own = self._own, None
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)


_CALLS: StoreCalls | None = None
_CALLS_LOCK = threading.Lock()


def store_calls() -> StoreCalls:
    """This process's store worker, started on first use."""
    global _CALLS
    with _CALLS_LOCK:
        if _CALLS is None:
            _CALLS = StoreCalls()
        return _CALLS


def stop_store_calls() -> None:
    global _CALLS
    with _CALLS_LOCK:
        calls, _CALLS = _CALLS, None
    if calls is not None:
        calls.shutdown()
