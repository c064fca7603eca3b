"""Hands each fetched page to corpus.ingest, keeping the Scrapy reactor free.

Cleaning (decode, extract, claims) is CPU-bound, and so are the writes: both run in the
worker processes of corpus.cleaner_pool, which clean a batch of pages and store it in one
transaction on their own connection (corpus.pool_writes, DEBTCORPUS_WRITE_BATCH pages at
most), answering with a small acknowledgement once committed. The reactor only hands pages
over and awaits those answers; a page counts as done (and leaves a distributed worker's
in-flight set) only when its transaction has committed.

Nothing fetched is lost silently: a write that fails (disk full, database locked or
restarting) is retried with backoff for DEBTCORPUS_STORE_RETRY_SECONDS; a page that still
cannot be stored is spooled to disk (corpus.spool) for `crawl --resume`, and the run ends
`incomplete`. URLs the spider did not fetch (SkippedUrl) are written in batches, by the
crawl's store process (corpus.store_calls): this process holds no SQLAlchemy.

Back-pressure: while more pages wait for the cleaners than two batches per worker (the cleaners
still starting, or slower than the network), the engine sends no new request; it resumes
once half of them are done. Results feed the crawl (trap detection counts what the cleaner
made of each page), so fetching never runs far ahead of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from scrapy.utils.misc import load_object

from cleaning.outcomes import Outcome
from cleaning.records import CleanResult
from corpus.batch_writer import DEFAULT_MAX_BATCH, Ack, BatchWriter, WorkItem
from corpus.cleaner_pool import CleanerPool
from corpus.fetches import FetchedPage, SkippedUrl
from corpus.spool import run_spool, spool_page
from corpus.store_calls import StoreCallError, store_calls

logger = logging.getLogger(__name__)

SKIPPED_BATCH = 200
STORE_RETRY_FIRST_S = 0.25
STORE_RETRY_MAX_S = 5.0
# stats keys that crawler.run reads to tell a complete run from an incomplete one
STORE_FAILED = "debtcorpus/store_failed"
# a distributed worker lost its Redis server (crawler.distributed)
REDIS_FAILED = "debtcorpus/redis_failed"
SPOOLED = "debtcorpus/spooled"
LOST = "debtcorpus/lost"
# fetched pages handed to the pipeline (replayed ones included; skipped URLs are not pages)
PAGES = "debtcorpus/pages"


class StoreUnavailable(Exception):
    """The store refused a write for longer than the retry budget."""


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
        self.max_batch = settings.getint("DEBTCORPUS_WRITE_BATCH", DEFAULT_MAX_BATCH)
        # the corpus's URL, as the store resolves it (a path means SQLite); set once open
        self.url: str | None = None
        self.cleaners: CleanerPool | None = None
        self.writer: BatchWriter | None = None
        self.replaced = 0
        self.skipped: list[SkippedUrl] = []
        self.outage_logged = False
        # pages handed to the cleaners and not yet answered; past the limit the engine pauses
        self.in_cleaners = 0
        self.backlog_limit = 2 * max(1, self.workers) * max(1, self.max_batch)
        self.held_back = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> CorpusPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.url = await store_calls().acall("corpus.store:resolve_db_url", self.db)
        self.cleaners = CleanerPool(self.workers, self.timeout, self.cleaner)
        # the cleaners' fork server warms up (seconds) while the first pages are fetched
        self.cleaners.start_in_background()
        # this process's store calls run in the cleaners from now on (corpus.store_calls)
        store_calls().lend(self.cleaners.executor)
        profile = getattr(self.crawler.spider, "profile", None)
        floor = profile.min_relevance if profile else 0.0
        self.writer = BatchWriter(
            self.cleaners, self.url, self.cleaner, floor, max(1, self.max_batch)
        )

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
        self._hold_back(1)
        try:
            await self._store_page(item)
        except StoreUnavailable as exc:
            self._keep_for_resume(item, exc)
        finally:
            self._hold_back(-1)
        return item

    def _hold_back(self, change: int) -> None:
        """Pause the engine's new requests while the cleaners' backlog is over its limit."""
        self.in_cleaners += change
        try:
            engine = self.crawler.engine
        except RuntimeError:  # a pipeline driven without an engine (tests)
            return
        if not self.held_back and self.in_cleaners >= self.backlog_limit:
            self.held_back = True
            engine.pause()
        elif self.held_back and self.in_cleaners <= self.backlog_limit // 2:
            self.held_back = False
            engine.unpause()
            slot = getattr(engine, "_slot", None)
            if slot is not None:  # start requests now, not at the engine's next heartbeat
                slot.nextcall.schedule()

    async def _store_page(self, item: FetchedPage) -> None:
        """Have a cleaner worker clean and store the page; retry with backoff while the
        store is unavailable; StoreUnavailable once the retry budget is spent."""
        assert self.writer is not None
        deadline = time.monotonic() + self.retry_budget
        delay = STORE_RETRY_FIRST_S
        ack = await self.writer.store(WorkItem(item))
        while ack.error is not None:
            if not ack.retryable or time.monotonic() + delay > deadline:
                raise StoreUnavailable(ack.error)
            self._log_outage(ack.error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, STORE_RETRY_MAX_S)
            ack = await self.writer.store(ack.retry or WorkItem(item))
        if self.outage_logged:
            logger.warning("the store accepts writes again")
            self.outage_logged = False
        self._count(item, ack)

    async def _write(self, name: str, *args: Any) -> Any:
        """Run a store call of this process (the skipped URLs) in its store process, retrying
        with backoff while the store is unavailable, as _store_page."""
        deadline = time.monotonic() + self.retry_budget
        delay = STORE_RETRY_FIRST_S
        while True:
            try:
                return await store_calls().acall(name, *args, db=self.url)
            except StoreCallError as exc:
                if not exc.retryable or time.monotonic() + delay > deadline:
                    raise StoreUnavailable(str(exc)) from exc
                self._log_outage(str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, STORE_RETRY_MAX_S)

    def _log_outage(self, error: str) -> None:
        if not self.outage_logged:
            logger.warning(
                "cannot store pages (%s); retrying for up to %.0f s", error, self.retry_budget
            )
            self.outage_logged = True

    def _keep_for_resume(self, item: FetchedPage, exc: StoreUnavailable) -> None:
        stats = self.crawler.stats
        stats.inc_value(STORE_FAILED)
        stats.set_value("debtcorpus/store_error", str(exc))
        if item.crawl_run_id is None or self.url is None:
            stats.inc_value(LOST)
            return
        folder = run_spool(self.url, item.crawl_run_id, self.spool_setting)
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
        try:
            await self._write("corpus.ingest:store_skipped", batch)
        except StoreUnavailable as exc:
            # Only records of URLs never fetched are lost; resume finds them again.
            self.crawler.stats.inc_value(STORE_FAILED)
            self.crawler.stats.set_value("debtcorpus/store_error", str(exc))

    def _count(self, item: FetchedPage, ack: Ack) -> None:
        stats = self.crawler.stats
        if ack.unchanged:
            stats.inc_value("debtcorpus/unchanged")
            return
        if ack.outcome == Outcome.ERROR:
            stats.inc_value(f"debtcorpus/error/{item.error or item.status}")
        elif ack.outcome == Outcome.REJECTED:
            stats.inc_value(f"debtcorpus/rejected/{ack.reason}")
        else:
            stats.inc_value("debtcorpus/articles")
        if self.cleaners is not None and self.cleaners.replaced > self.replaced:
            stats.inc_value("debtcorpus/cleaners_replaced", self.cleaners.replaced - self.replaced)
            self.replaced = self.cleaners.replaced
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is not None and ack.outcome != Outcome.ERROR:
            scope.record_result(item.final_url, ack.outcome == Outcome.ARTICLE)

    async def close_spider(self) -> None:
        """Store what is buffered, wait for pages in flight; the run is closed by crawler.run."""
        if self.skipped and self.url:
            await self._flush_skipped()
        if self.cleaners:
            store_calls().take_back(self.cleaners.executor)
            self.cleaners.shutdown(wait=True)
