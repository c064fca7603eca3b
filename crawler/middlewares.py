"""Downloader middleware for incremental and resumed crawls, backed by the corpus.

- Conditional requests: a URL the corpus already holds is requested with If-None-Match /
  If-Modified-Since; a 304 answer gets the stored body back so its links are still followed.
- No query for what cannot exist: a request is marked with whether the corpus held its URL
  when the crawl started, so the pipeline asks "unchanged since last time?" only for those.
- Resume: in a resumed run, a URL the run already stored is replayed from the store instead
  of being fetched again, so the crawl continues through it without storing it twice.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request, signals
from scrapy.http import HtmlResponse, Response

from corpus.fetches import KnownPage
from corpus.store_calls import store_calls

STORED_BODY = "debtcorpus_stored_body"
# set by crawler.run: the corpus's schema is the newest (`debtcorpus crawl` opened it)
SCHEMA_READY = "DEBTCORPUS_SCHEMA_READY"
REPLAYED = "debtcorpus_replayed"
# whether the corpus held the request's first URL when the crawl started (set on the first hop)
IN_CORPUS = "debtcorpus_in_corpus"
Stored = Coroutine[Any, Any, Response]


class CorpusMiddleware:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        # the look-ups run in the crawl's store process (corpus.store_calls)
        self.calls = store_calls()
        self.db: str = self.calls.call("corpus.store:resolve_db_url", settings.get("DEBTCORPUS_DB"))
        # `scrapy crawl article -a profile=NAME` may meet a corpus with no schema yet; under
        # `debtcorpus crawl` the command migrated it, and Alembic's check is not made again
        if not settings.getbool(SCHEMA_READY):
            self.calls.call("corpus.store:ensure_schema", db=self.db)
        self.conditional = settings.getbool("DEBTCORPUS_CONDITIONAL_REQUESTS", True)
        self.resume_run = settings.getint("DEBTCORPUS_RESUME_RUN") or None
        self.known: dict[str, KnownPage] = {}
        self.already_stored: dict[str, int] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CorpusMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        site = getattr(getattr(spider, "profile", None), "name", None)
        self.known = self.calls.call("corpus.incremental:known_pages", site, db=self.db)
        if self.resume_run:
            self.already_stored = self.calls.call(
                "corpus.incremental:pages_of_run", self.resume_run, db=self.db
            )

    def process_request(self, request: Request) -> Stored | Response | None:
        page_id = self.already_stored.get(request.url)
        if page_id is not None and not request.url.endswith("/robots.txt"):
            return self._stored_response(request, page_id, status=200, flag=REPLAYED)
        known = self.known.get(request.url)
        request.meta.setdefault(IN_CORPUS, known is not None)
        if known is not None and self.conditional:
            if known.etag:
                request.headers.setdefault("If-None-Match", known.etag)
            if known.last_modified:
                request.headers.setdefault("If-Modified-Since", known.last_modified)
        return None

    def process_response(self, request: Request, response: Response) -> Stored | Response:
        known = self.known.get(request.url)
        if response.status == 304 and known is not None:
            return self._stored_response(request, known.page_id, status=304, flag=STORED_BODY)
        return response

    async def _stored_response(
        self, request: Request, page_id: int, status: int, flag: str
    ) -> Response:
        """The stored page as the response (awaited by Scrapy: the body is read by the
        cleaners' workers, which may be busy with a batch, without stopping the reactor)."""
        body, headers = await self.calls.acall("corpus.incremental:page_body", page_id, db=self.db)
        request.meta[flag] = True
        return HtmlResponse(
            url=request.url, status=status, headers=headers, body=body, request=request
        )
