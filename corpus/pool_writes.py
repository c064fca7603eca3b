"""The crawl's write path off the reactor: cleaner workers clean AND store batches of pages.

The crawl's process (Scrapy's reactor) hands each fetched page to a `BatchWriter`
(corpus.batch_writer), which groups the pages waiting while every worker is busy into one
batch (at most `max_batch`), and runs `clean_and_store` on it in a worker of
corpus.cleaner_pool: the worker checks the pages the corpus held for an unchanged body, cleans
the others, and stores the batch in one transaction with bulk statements
(corpus.ingest.store_batch), on its own connection. Only a small `Ack` per page comes back,
once the transaction has committed: the crawl counts a page done (and a distributed worker
takes it out of its in-flight set) only then, so a kill loses no acknowledged page.

A batch that could not be stored comes back with each page's clean result and the error, so
the caller's retry (crawler/pipelines.py: backoff, then the spool) does not clean it again.
A batch that stalls past the pool's timeout is split and its pages run alone; a page that
stalls alone is stored as a `clean-timeout` reject.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from cleaning.outcomes import Reason
from cleaning.records import CleanResult
from corpus.batch_writer import DEFAULT_MAX_BATCH, Ack, StoreJob, WorkItem, failed_ack, one_line
from corpus.incremental import store_if_unchanged
from corpus.ingest import store_batch
from corpus.store import Store

__all__ = ["DEFAULT_MAX_BATCH", "Ack", "StoreJob", "WorkItem", "one_line"]


def retryable(exc: BaseException) -> bool:
    """An error a store may recover from (outage, lock, full disk), worth waiting out."""
    return isinstance(exc, SQLAlchemyError | OSError)


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
                acks[index] = failed_ack(item, exc, retryable(exc))
                continue
            result = relevance_floor(job.cleaner(item.page), job.min_relevance)
            item = WorkItem(item.page, result, cleaned=True)
        todo.append((index, item))
    try:
        stored = store_batch(store, [(item.page, item.result) for _, item in todo])
    except Exception as exc:
        acks.update((index, failed_ack(item, exc, retryable(exc))) for index, item in todo)
    else:
        for (index, _), page in zip(todo, stored, strict=True):
            acks[index] = Ack(page.outcome, page.reason, page.change)
    return [acks[index] for index in range(len(job.items))]


def store_rejects(store: Store, items: list[WorkItem]) -> list[Ack]:
    """Run in the crawl's store process: pages stored as the rejects they became after a
    stall (corpus.batch_writer)."""
    stored = store_batch(store, [(item.page, item.result) for item in items])
    return [Ack(page.outcome, page.reason, page.change) for page in stored]
