"""The crawl's side of its write path: `BatchWriter` hands fetched pages to the cleaner
workers in batches and awaits one small `Ack` per page; the workers clean and store them
(corpus.pool_writes, which says how). The standard library and the light records only: this
runs in the crawl's Scrapy process (docs/crawling.md, "Memory")."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from cleaning.records import CleanResult
from corpus.cleaner_pool import BROKEN_RESULT, TIMEOUT_RESULT, Cleaner, CleanerPool, PoolFailure
from corpus.fetches import FetchedPage
from corpus.store_calls import run_named, store_calls

DEFAULT_MAX_BATCH = 16
# the worker's side of a batch (corpus.pool_writes), and of a reject stored after a stall
CLEAN_AND_STORE = "corpus.pool_writes:clean_and_store"
STORE_REJECTS = "corpus.pool_writes:store_rejects"


def one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


@dataclass(frozen=True)
class WorkItem:
    """A page to store; `cleaned` when `result` is the cleaner's already (a retry)."""

    page: FetchedPage
    result: CleanResult | None = None
    cleaned: bool = False


@dataclass(frozen=True)
class Ack:
    """What became of one page: stored (outcome, reason, change), or why not."""

    outcome: str | None = None
    reason: str | None = None
    change: str | None = None
    unchanged: bool = False
    error: str | None = None
    retryable: bool = False
    # on an error: the item to submit again
    retry: WorkItem | None = None


@dataclass(frozen=True)
class StoreJob:
    """One batch for a worker: where to store, how to clean, what."""

    db: str
    cleaner: Cleaner
    min_relevance: float
    items: tuple[WorkItem, ...]


def failed_ack(item: WorkItem, exc: BaseException, retryable: bool | None = None) -> Ack:
    """The Ack of a page that could not be stored; `retryable` as the store's error says
    (corpus.pool_writes.retryable), else as a StoreCallError or an OSError says."""
    if retryable is None:
        retryable = isinstance(exc, OSError) or bool(getattr(exc, "retryable", False))
    return Ack(error=one_line(exc), retryable=retryable, retry=item)


def run_job(job: StoreJob) -> list[Ack]:
    """Run in a worker: the batch's clean and store (by name: not imported here)."""
    acks: list[Ack] = run_named(CLEAN_AND_STORE, None, (job,))
    return acks


@dataclass
class _Waiting:
    item: WorkItem
    future: asyncio.Future[Ack]
    alone: bool = False
    broken: int = 0


@dataclass
class BatchWriter:
    """Hands pages to the pool's workers in batches (see the module's docstring)."""

    pool: CleanerPool
    db: str
    cleaner: Cleaner
    min_relevance: float = 0.0
    max_batch: int = DEFAULT_MAX_BATCH
    waiting: deque[_Waiting] = field(default_factory=deque)
    running: int = 0
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def store(self, item: WorkItem) -> Ack:
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self.waiting.append(_Waiting(item, future))
        self._start()
        return await future

    def _start(self) -> None:
        while self.waiting and self.running < self.pool.workers:
            batch = [self.waiting.popleft()]
            while not batch[0].alone and self.waiting and len(batch) < self.max_batch:
                if self.waiting[0].alone:
                    break
                batch.append(self.waiting.popleft())
            self.running += 1
            task = asyncio.ensure_future(self._run(batch))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _run(self, batch: list[_Waiting]) -> None:
        try:
            job = StoreJob(self.db, self.cleaner, self.min_relevance, tuple(w.item for w in batch))
            acks = await self.pool.run(run_job, job)
            if isinstance(acks, PoolFailure):
                self._again(batch, acks)
            else:
                for waiting, ack in zip(batch, acks, strict=True):
                    waiting.future.set_result(ack)
        except Exception as exc:  # a worker's own failure: every page answers with it
            for waiting in batch:
                if not waiting.future.done():
                    waiting.future.set_result(failed_ack(waiting.item, exc))
        finally:
            self.running -= 1
            self._start()

    def _again(self, batch: list[_Waiting], failure: PoolFailure) -> None:
        """A stalled batch: its pages alone; a page stalled alone (or whose worker was
        killed twice) is stored as a reject, with why, by this process (a new worker may be
        slow to start)."""
        again, rejects = [], []
        for waiting in batch:
            if failure is PoolFailure.BROKEN and waiting.broken < 1:
                again.append(_Waiting(waiting.item, waiting.future, waiting.alone, 1))
            elif len(batch) > 1 and failure is PoolFailure.TIMED_OUT:
                again.append(_Waiting(waiting.item, waiting.future, alone=True))
            else:
                result = TIMEOUT_RESULT if failure is PoolFailure.TIMED_OUT else BROKEN_RESULT
                rejects.append(_Waiting(WorkItem(waiting.item.page, result, True), waiting.future))
        self.waiting.extendleft(reversed(again))
        if rejects:
            task = asyncio.ensure_future(self._store_here(rejects))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _store_here(self, rejects: list[_Waiting]) -> None:
        items = [w.item for w in rejects]
        try:
            acks = await store_calls().acall(STORE_REJECTS, items, db=self.db)
        except Exception as exc:
            for waiting in rejects:
                waiting.future.set_result(failed_ack(waiting.item, exc))
        else:
            for waiting, ack in zip(rejects, acks, strict=True):
                waiting.future.set_result(ack)
