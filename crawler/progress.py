"""Live progress of a crawl: every DEBTCORPUS_PROGRESS_SECONDS the run's row gets its counts so
far and the crawl's live figures, so that `debtcorpus runs` and the live status of
`debtcorpus crawl` show a running crawl as it is.

One loop per process writes for every profile crawled in it (the profiles share a run).
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task, threads

from corpus.store_calls import StoreCallError, store_calls
from crawler.pipelines import PAGES

logger = logging.getLogger(__name__)
# run in the crawl's store process (corpus.store_calls)
REFRESH = "corpus.run_records:refresh_counts"


class LiveRun:
    """Scrapy extension; the first one of a process runs the loop for all of them."""

    registered: ClassVar[list[LiveRun]] = []
    loop: ClassVar[task.LoopingCall | None] = None

    def __init__(self, crawler: Any, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.run_id: int | None = None
        self.profile = ""
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> LiveRun:
        interval = crawler.settings.getfloat("DEBTCORPUS_PROGRESS_SECONDS", 5.0)
        if not interval or not crawler.settings.get("DEBTCORPUS_DB"):
            raise NotConfigured("no live progress without a corpus")
        return cls(crawler, interval)

    def opened(self, spider: Any) -> None:
        self.run_id = getattr(spider, "run_id", None)
        self.profile = getattr(getattr(spider, "profile", None), "name", "")
        if self.run_id is None:
            return
        LiveRun.registered.append(self)
        if LiveRun.loop is None:
            self.db = self.crawler.settings.get("DEBTCORPUS_DB")
            LiveRun.loop = task.LoopingCall(self.write)
            LiveRun.loop.start(self.interval, now=False)

    def closed(self, spider: Any) -> None:
        if self in LiveRun.registered:
            LiveRun.registered.remove(self)
        if not LiveRun.registered and LiveRun.loop is not None and LiveRun.loop.running:
            LiveRun.loop.stop()
            LiveRun.loop = None

    def figures(self) -> dict[str, Any]:
        stats = self.crawler.stats
        elapsed = time.monotonic() - self.started
        pages = int(stats.get_value(PAGES, 0))
        slot = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        return {
            "pages": pages,
            "pages_per_s": round(pages / elapsed, 2) if elapsed else 0.0,
            "queued": len(scheduler) if scheduler is not None else None,
            "elapsed_s": round(elapsed, 1),
        }

    def write(self) -> Any:
        live = {entry.profile: entry.figures() for entry in LiveRun.registered}
        assert self.run_id is not None
        deferred = threads.deferToThread(store_calls().call, REFRESH, self.run_id, live, db=self.db)
        deferred.addErrback(self._failed)
        return deferred

    def _failed(self, failure: Any) -> None:
        if failure.check(StoreCallError):
            logger.warning("could not write the run's live counts: %s", failure.value)
            return
        failure.raiseException()
