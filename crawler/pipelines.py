"""Hands each fetched page to corpus.ingest, keeping the Scrapy reactor free.

Cleaning (decode, extract, claims) is CPU-bound, so it runs in the worker processes of
corpus.cleaner_pool (the pool `ingest-warc` uses too); database writes run in one writer
thread, one transaction per page. The reactor only awaits futures.

Nothing fetched is lost silently: a write that fails (disk full, database locked or
restarting) is retried with backoff for DEBTCORPUS_STORE_RETRY_SECONDS; a page that still
cannot be stored is spooled to disk (corpus.spool) for `crawl --resume`, and the run ends
`incomplete`. URLs the spider did not fetch (SkippedUrl) are written in batches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy.utils.misc import load_object
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cleaning.outcomes import Reason
from cleaning.records import CleanResult
from corpus.cleaner_pool import CleanerPool
from corpus.incremental import store_if_unchanged
from corpus.ingest import FetchedPage, SkippedUrl, store_fetch, store_skipped
from corpus.spool import run_spool, spool_page
from corpus.store import Store

logger = logging.getLogger(__name__)
T = TypeVar("T")

SKIPPED_BATCH = 200
STORE_RETRY_FIRST_S = 0.25
STORE_RETRY_MAX_S = 5.0
# stats keys that crawler.run reads to tell a complete run from an incomplete one
STORE_FAILED = "debtcorpus/store_failed"
SPOOLED = "debtcorpus/spooled"
LOST = "debtcorpus/lost"
# fetched pages handed to the pipeline (replayed ones included; skipped URLs are not pages)
PAGES = "debtcorpus/pages"


class StoreUnavailable(Exception):
    """The store refused a write for longer than the retry budget."""


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError | SQLAlchemyError | OSError)


class CorpusPipeline:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db = settings.get("DEBTCORPUS_DB")
        self.workers = settings.getint("DEBTCORPUS_CLEAN_WORKERS", 2)
        self.timeout = settings.getfloat("DEBTCORPUS_CLEAN_TIMEOUT", 120.0)
        self.cleaner: Callable[[FetchedPage], CleanResult | None] = load_object(
            settings.get("DEBTCORPUS_CLEANER") or "corpus.cleaner_pool.clean_safely"
        )
        self.retry_budget = settings.getfloat("DEBTCORPUS_STORE_RETRY_SECONDS", 60.0)
        self.spool_setting = settings.get("DEBTCORPUS_SPOOL_DIR")
        self.min_relevance = 0.0
        self.store: Store | None = None
        self.cleaners: CleanerPool | None = None
        self.writer: ThreadPoolExecutor | None = None
        self.skipped: list[SkippedUrl] = []
        self.outage_logged = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> CorpusPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.store = Store(self.db)
        self.cleaners = CleanerPool(self.workers, self.timeout, self.cleaner)
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="corpus-writer")
        profile = getattr(self.crawler.spider, "profile", None)
        self.min_relevance = profile.min_relevance if profile else 0.0

    async def process_item(self, item: FetchedPage | SkippedUrl) -> FetchedPage | SkippedUrl:
        if isinstance(item, SkippedUrl):
            self.crawler.stats.inc_value(f"debtcorpus/not-fetched/{item.reason}")
            self.skipped.append(item)
            if len(self.skipped) >= SKIPPED_BATCH:
                await self._flush_skipped()
            return item
        self.crawler.stats.inc_value(PAGES)
        if item.replayed:
            return item
        try:
            await self._store_page(item)
        except StoreUnavailable as exc:
            self._keep_for_resume(item, exc)
        return item

    async def _store_page(self, item: FetchedPage) -> None:
        assert self.store
        if await self._stored_as_unchanged(item):
            self.crawler.stats.inc_value("debtcorpus/unchanged")
            return
        result = self._apply_relevance_floor(await self._clean(item))
        await self._write(store_fetch, self.store, item, result)
        self._count(item, result)
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is not None and result is not None:
            scope.record_result(item.final_url, result.article is not None)

    async def _stored_as_unchanged(self, item: FetchedPage) -> bool:
        if not item.in_corpus:  # nothing earlier to compare with: no query
            return False
        stored = await self._write(store_if_unchanged, self.store, item, writes=False)
        return stored is not None

    async def _write(self, function: Callable[..., T], *args: Any, writes: bool = True) -> T:
        """Run a store call in the writer thread, retrying with backoff while the store is
        unavailable; StoreUnavailable once the retry budget is spent. Only a call that
        `writes` ends an outage (a full disk still answers reads)."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.retry_budget
        delay = STORE_RETRY_FIRST_S
        while True:
            try:
                value = await loop.run_in_executor(self.writer, function, *args)
            except Exception as exc:
                if not _retryable(exc) or time.monotonic() + delay > deadline:
                    raise StoreUnavailable(_one_line(exc)) from exc
                self._log_outage(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, STORE_RETRY_MAX_S)
            else:
                if self.outage_logged and writes:
                    logger.warning("the store accepts writes again")
                    self.outage_logged = False
                return value

    def _log_outage(self, exc: BaseException) -> None:
        if not self.outage_logged:
            logger.warning(
                "cannot store pages (%s); retrying for up to %.0f s",
                _one_line(exc),
                self.retry_budget,
            )
            self.outage_logged = True

    def _keep_for_resume(self, item: FetchedPage, exc: StoreUnavailable) -> None:
        stats = self.crawler.stats
        stats.inc_value(STORE_FAILED)
        stats.set_value("debtcorpus/store_error", str(exc))
        if item.crawl_run_id is None or self.store is None:
            stats.inc_value(LOST)
            return
        folder = run_spool(self.store.url, item.crawl_run_id, self.spool_setting)
        try:
            spool_page(folder, item)
        except OSError as spool_error:
            # No row and no spool file: `crawl --resume` fetches the URL again.
            logger.error("could not spool %s either (%s)", item.url, spool_error)
            stats.inc_value(LOST)
            return
        stats.inc_value(SPOOLED)
        stats.set_value("debtcorpus/spool_dir", str(folder))

    async def _flush_skipped(self) -> None:
        batch, self.skipped = self.skipped, []
        assert self.store
        try:
            await self._write(store_skipped, self.store, batch)
        except StoreUnavailable as exc:
            # Only records of URLs never fetched are lost; resume finds them again.
            self.crawler.stats.inc_value(STORE_FAILED)
            self.crawler.stats.set_value("debtcorpus/store_error", str(exc))

    async def _clean(self, item: FetchedPage) -> CleanResult | None:
        assert self.cleaners is not None
        replaced = self.cleaners.replaced
        result = await self.cleaners.clean(item)
        if self.cleaners.replaced > replaced:
            self.crawler.stats.inc_value("debtcorpus/cleaners_replaced")
        return result

    def _apply_relevance_floor(self, result: CleanResult | None) -> CleanResult | None:
        """Only a profile that asks for it drops off-topic articles (kept as rejects)."""
        if result is None or result.article is None or not self.min_relevance:
            return result
        if result.article.relevance >= self.min_relevance:
            return result
        return CleanResult(encoding=result.encoding, reject_reason=Reason.OFF_TOPIC)

    def _count(self, item: FetchedPage, result: CleanResult | None) -> None:
        stats = self.crawler.stats
        if result is None:
            stats.inc_value(f"debtcorpus/error/{item.error or item.status}")
        elif result.article is None:
            stats.inc_value(f"debtcorpus/rejected/{result.reject_reason}")
        else:
            stats.inc_value("debtcorpus/articles")

    async def close_spider(self) -> None:
        """Store what is buffered, wait for pages in flight; the run is closed by crawler.run."""
        if self.skipped and self.store:
            await self._flush_skipped()
        if self.cleaners:
            self.cleaners.shutdown(wait=True)
        if self.writer:
            self.writer.shutdown(wait=True)
        if self.store:
            self.store.dispose()


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
