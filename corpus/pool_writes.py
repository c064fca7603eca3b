"""The crawl's write path off the reactor: cleaner workers clean AND store batches of pages.

The crawl's process (Scrapy's reactor) hands each fetched page to a `BatchWriter`, which
groups the pages waiting while every worker is busy into one batch (at most `max_batch`), and
runs `clean_and_store` on it in a worker of corpus.cleaner_pool: the worker checks the pages
the corpus held for an unchanged body, cleans the others, and stores the batch in one
transaction with bulk statements (corpus.ingest.store_batch), on its own connection. Only a
small `Ack` per page comes back, once the transaction has committed: the crawl counts a page
done (and a distributed worker takes it out of its in-flight set) only then, so a kill loses
no acknowledged page.

A batch that could not be stored comes back with each page's clean result and the error, so
the caller's retry (crawler/pipelines.py: backoff, then the spool) does not clean it again.
A batch that stalls past the pool's timeout is split and its pages run alone; a page that
stalls alone is stored as a `clean-timeout` reject.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cleaning.outcomes import Reason
from cleaning.records import CleanResult
from corpus.cleaner_pool import BROKEN_RESULT, TIMEOUT_RESULT, Cleaner, CleanerPool, PoolFailure
from corpus.incremental import store_if_unchanged
from corpus.ingest import FetchedPage, store_batch
from corpus.store import Store

DEFAULT_MAX_BATCH = 16


def retryable(exc: BaseException) -> bool:
    """An error a store may recover from (outage, lock, full disk), worth waiting out."""
    return isinstance(exc, SQLAlchemyError | OSError)


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


_STORES: dict[str, Store] = {}


def worker_store(db: str) -> Store:
    """The worker process's own store (engine and connection pool), opened once."""
    store = _STORES.get(db)
    if store is None:
        store = _STORES[db] = Store(db)
    return store


def relevance_floor(result: CleanResult | None, floor: float) -> CleanResult | None:
    """Only a profile that asks for it drops off-topic articles (kept as rejects)."""
    if result is None or result.article is None or not floor:
        return result
    if result.article.relevance >= floor:
        return result
    return CleanResult(encoding=result.encoding, reject_reason=Reason.OFF_TOPIC)


def _failed(item: WorkItem, exc: BaseException) -> Ack:
    return Ack(error=one_line(exc), retryable=retryable(exc), retry=item)


def clean_and_store(job: StoreJob) -> list[Ack]:
    """Run in a worker: clean the batch's pages, store them in one transaction; one Ack each."""
    store = worker_store(job.db)
    acks: dict[int, Ack] = {}
    todo: list[tuple[int, WorkItem]] = []
    for index, item in enumerate(job.items):
        if not item.cleaned:
            try:
                if item.page.in_corpus and store_if_unchanged(store, item.page) is not None:
                    acks[index] = Ack(unchanged=True)
                    continue
            except Exception as exc:
                acks[index] = _failed(item, exc)
                continue
            result = relevance_floor(job.cleaner(item.page), job.min_relevance)
            item = WorkItem(item.page, result, cleaned=True)
        todo.append((index, item))
    try:
        stored = store_batch(store, [(item.page, item.result) for _, item in todo])
    except Exception as exc:
        acks.update((index, _failed(item, exc)) for index, item in todo)
    else:
        for (index, _), page in zip(todo, stored, strict=True):
            acks[index] = Ack(page.outcome, page.reason, page.change)
    return [acks[index] for index in range(len(job.items))]


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
            acks = await self.pool.run(clean_and_store, job)
            if isinstance(acks, PoolFailure):
                self._again(batch, acks)
            else:
                for waiting, ack in zip(batch, acks, strict=True):
                    waiting.future.set_result(ack)
        except Exception as exc:  # a worker's own failure: every page answers with it
            for waiting in batch:
                if not waiting.future.done():
                    waiting.future.set_result(_failed(waiting.item, exc))
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
        items = [(w.item.page, w.item.result) for w in rejects]
        try:
            stored = await asyncio.to_thread(store_batch, worker_store(self.db), items)
        except Exception as exc:
            for waiting in rejects:
                waiting.future.set_result(_failed(waiting.item, exc))
        else:
            for waiting, page in zip(rejects, stored, strict=True):
                waiting.future.set_result(Ack(page.outcome, page.reason, page.change))
