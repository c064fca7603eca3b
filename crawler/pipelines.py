"""Hands each fetched page to corpus.ingest, keeping the Scrapy reactor free.

Cleaning (decode, extract, claims) is CPU-bound, so it runs in the worker processes of
corpus.cleaner_pool (the pool `ingest-warc` uses too); database writes run in one writer
thread, one transaction per page. The reactor only awaits futures.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cleaning.records import CleanResult
from corpus.cleaner_pool import CleanerPool
from corpus.incremental import store_if_unchanged
from corpus.ingest import FetchedPage, store_fetch
from corpus.store import Store


class CorpusPipeline:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db = settings.get("DEBTCORPUS_DB")
        self.workers = settings.getint("DEBTCORPUS_CLEAN_WORKERS", 2)
        self.timeout = settings.getfloat("DEBTCORPUS_CLEAN_TIMEOUT", 120.0)
        self.min_relevance = 0.0
        self.store: Store | None = None
        self.cleaners: CleanerPool | None = None
        self.writer: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CorpusPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.store = Store(self.db)
        self.cleaners = CleanerPool(self.workers, self.timeout)
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="corpus-writer")
        profile = getattr(self.crawler.spider, "profile", None)
        self.min_relevance = profile.min_relevance if profile else 0.0

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        assert self.cleaners and self.writer and self.store
        if item.replayed:
            return item
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(self.writer, store_if_unchanged, self.store, item):
            self.crawler.stats.inc_value("debtcorpus/unchanged")
            return item
        result = await self.cleaners.clean(item)
        result = self._apply_relevance_floor(result)
        await loop.run_in_executor(self.writer, store_fetch, self.store, item, result)
        self._count(item, result)
        return item

    def _apply_relevance_floor(self, result: CleanResult | None) -> CleanResult | None:
        """Only a profile that asks for it drops off-topic articles (kept as rejects)."""
        if result is None or result.article is None or not self.min_relevance:
            return result
        if result.article.relevance >= self.min_relevance:
            return result
        return CleanResult(encoding=result.encoding, reject_reason="off-topic")

    def _count(self, item: FetchedPage, result: CleanResult | None) -> None:
        stats = self.crawler.stats
        if result is None:
            stats.inc_value(f"debtcorpus/error/{item.error or item.status}")
        elif result.article is None:
            stats.inc_value(f"debtcorpus/rejected/{result.reject_reason}")
        else:
            stats.inc_value("debtcorpus/articles")

    async def close_spider(self) -> None:
        """Wait for pages in flight to be cleaned and stored; the run is closed by crawler.run."""
        if self.cleaners:
            self.cleaners.shutdown(wait=True)
        if self.writer:
            self.writer.shutdown(wait=True)
        if self.store:
            self.store.dispose()
