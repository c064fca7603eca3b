"""The cleaner process pool: decode, extract and claims run in worker processes.

Cleaning is CPU-bound, so the crawl (crawler/pipelines.py) and `ingest-warc` (corpus/warc/)
hand fetched pages to this one pool; a page that breaks or stalls the cleaner becomes a
reject with the reason, never a lost page.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from cleaning.records import CleanResult
from corpus.ingest import FetchedPage, clean_fetched

logger = logging.getLogger(__name__)

TIMEOUT_RESULT = CleanResult(encoding=None, reject_reason="clean-timeout")


def clean_safely(fetched: FetchedPage) -> CleanResult | None:
    """Run in a worker process: a page that breaks the cleaner is kept as a reject, with why."""
    try:
        return clean_fetched(fetched)
    except Exception as exc:
        logger.exception("cleaner failed on %s", fetched.final_url)
        return CleanResult(encoding=None, reject_reason=f"clean-error:{type(exc).__name__}")


def _warm_up() -> None:
    import cleaning.pipeline  # noqa: F401  (import the heavy modules once per worker)


def _warm_up_deaf_to_ctrl_c() -> None:
    """Ctrl-C reaches the whole process group; the parent decides how to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm_up()


class CleanerPool:
    """`workers` forkserver processes running `clean_safely`, with a per-page timeout.

    With `ignore_ctrl_c` the workers ignore SIGINT, so that a stopping parent can still have
    the pages in flight cleaned and stored (`ingest-warc` does; the crawl lets them die)."""

    def __init__(self, workers: int, timeout: float, ignore_ctrl_c: bool = False) -> None:
        self.workers = workers
        self.timeout = timeout
        context = multiprocessing.get_context("forkserver")
        # the fork server imports the cleaner once; every worker then starts with it loaded
        context.set_forkserver_preload(["cleaning.pipeline"])
        start = _warm_up_deaf_to_ctrl_c if ignore_ctrl_c else _warm_up
        self._executor = ProcessPoolExecutor(workers, mp_context=context, initializer=start)

    def submit(self, fetched: FetchedPage) -> Future[CleanResult | None]:
        return self._executor.submit(clean_safely, fetched)

    def result(self, future: Future[CleanResult | None]) -> CleanResult | None:
        """Wait for a submitted page (blocking callers); a stall past the timeout is a reject."""
        try:
            return future.result(self.timeout)
        except FutureTimeout:
            return TIMEOUT_RESULT

    async def clean(self, fetched: FetchedPage) -> CleanResult | None:
        """Clean one page without blocking the event loop (the crawler's reactor)."""
        future = asyncio.wrap_future(self.submit(fetched))
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            return TIMEOUT_RESULT

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        """Stop the workers; `cancel` drops pages not yet started (a run that stops early)."""
        self._executor.shutdown(wait=wait, cancel_futures=cancel)
