"""Downloader middleware for incremental and resumed crawls, backed by the corpus.

- Conditional requests: a URL the corpus already holds is requested with If-None-Match /
  If-Modified-Since; a 304 answer gets the stored body back so its links are still followed.
- No query for what cannot exist: a request is marked with whether the corpus held its URL
  when the crawl started, so the pipeline asks "unchanged since last time?" only for those.
- Resume: in a resumed run, a URL the run already stored is replayed from the store instead
  of being fetched again, so the crawl continues through it without storing it twice.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.http import HtmlResponse, Response

from corpus.incremental import KnownPage, known_pages, page_body, pages_of_run
from corpus.store import Store, open_store

STORED_BODY = "debtcorpus_stored_body"
# set by crawler.run: the corpus's schema is the newest (`debtcorpus crawl` opened it)
SCHEMA_READY = "DEBTCORPUS_SCHEMA_READY"
REPLAYED = "debtcorpus_replayed"
# whether the corpus held the request's first URL when the crawl started (set on the first hop)
IN_CORPUS = "debtcorpus_in_corpus"


class CorpusMiddleware:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        # open_store: `scrapy crawl article -a profile=NAME` may meet a corpus with no schema yet;
        # under `debtcorpus crawl` the command migrated it, and Alembic's check (its imports,
        # the reflected schema: ~10 MB) would stay in this process for nothing
        db = settings.get("DEBTCORPUS_DB")
        self.store = Store(db) if settings.getbool(SCHEMA_READY) else open_store(db)
        self.conditional = settings.getbool("DEBTCORPUS_CONDITIONAL_REQUESTS", True)
        self.resume_run = settings.getint("DEBTCORPUS_RESUME_RUN") or None
        self.known: dict[str, KnownPage] = {}
        self.already_stored: dict[str, int] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CorpusMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        site = getattr(getattr(spider, "profile", None), "name", None)
        self.known = known_pages(self.store, site)
        if self.resume_run:
            self.already_stored = pages_of_run(self.store, self.resume_run)

    def spider_closed(self, spider: Any) -> None:
        self.store.dispose()

    def process_request(self, request: Request) -> Response | None:
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

    def process_response(self, request: Request, response: Response) -> Response:
        known = self.known.get(request.url)
        if response.status == 304 and known is not None:
            return self._stored_response(request, known.page_id, status=304, flag=STORED_BODY)
        return response

    def _stored_response(self, request: Request, page_id: int, status: int, flag: str) -> Response:
        body, headers = page_body(self.store, page_id)
        request.meta[flag] = True
        return HtmlResponse(
            url=request.url, status=status, headers=headers, body=body, request=request
        )
