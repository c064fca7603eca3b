"""Downloader middlewares that keep a crawl on its sites, out of traps and polite to servers.

- `ScopeGuard` (first in line, before robots.txt is even asked for): every request, redirects
  included, must be in the spider's `CrawlScope`; out-of-scope requests and trap URLs raise
  `Skip`, which the spider's errback records with its reason.
  A redirect (3xx or meta refresh) back into its own chain is a `redirect-loop`, one off the
  scope an `off-site-redirect`, one into another profile's paths (`CrawlScope.redirect_verdict`)
  leaves its target `not-followed:PROFILE`; none is followed.
- `RetryAfter`: a 429 or 503 with Retry-After (seconds or an HTTP date) is retried no sooner
  than the server asked, and the whole host waits with it.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from cleaning.outcomes import Reason
from cleaning.urls import url_identity
from crawler.scope import CrawlScope


class Skip(IgnoreRequest):
    """A request the crawl decided not to send (or not to follow), with the stored reason."""

    def __init__(self, reason: str, target: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.target = target


def _scope(spider: Any) -> CrawlScope | None:
    return getattr(spider, "scope", None)


class ScopeGuard:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ScopeGuard:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scope = _scope(self.crawler.spider)
        if scope is None:
            return
        chain = request.meta.get("redirect_urls", [])
        if chain and url_identity(request.url) in {url_identity(url) for url in chain}:
            raise Skip(Reason.REDIRECT_LOOP)
        if not scope.in_scope(request.url):
            raise Skip(Reason.OFF_SITE_REDIRECT if chain else Reason.OFF_SITE)
        if chain and (elsewhere := scope.redirect_verdict(request.url)):
            raise Skip(elsewhere)
        if scope.too_deep(request.meta.get("depth", 0)):
            raise Skip(Reason.DEPTH_LIMIT)
        verdict = scope.trap_verdict(request.url) or scope.take_page(request.url)
        if verdict is not None:
            raise Skip(verdict)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), None if absent
    or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfter:
    """Honour Retry-After on 429 and 503; without the header wait DEBTCORPUS_RETRY_BACKOFF
    seconds, doubled at each retry. A wait longer than DEBTCORPUS_MAX_RETRY_AFTER keeps the
    answer as it is (http-429 / http-503), not retried."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("DEBTCORPUS_MAX_RETRY_AFTER", 600.0)
        self.max_retries = crawler.settings.getint("RETRY_TIMES", 3)
        self.backoff = crawler.settings.getfloat("DEBTCORPUS_RETRY_BACKOFF", 1.0)
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfter:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        while (wait := self.not_before.get(host, 0.0) - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            delay = self.backoff * 2 ** request.meta.get("retry_times", 0)
        if delay > self.max_wait:
            request.meta["dont_retry"] = True  # Scrapy's RetryMiddleware would retry at once
            return response
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"http-{response.status}",
            max_retry_times=self.max_retries,
        )
        if retry is None:
            request.meta["dont_retry"] = True
            return response
        host = urlsplit(request.url).netloc
        self.not_before[host] = max(self.not_before.get(host, 0.0), time.monotonic() + delay)
        return retry


class TruncatedBody:
    """A gzip or deflate body that ends before its stream does (the connection closed early
    with a Content-Length that matched what was sent) would be stored as a shorter page:
    `reset:truncated-gzip` instead. Sits before HttpCompressionMiddleware (590), which
    decompresses what it gets without checking the end of the stream."""

    def __init__(self, crawler: Any) -> None:
        self.limit = crawler.settings.getint("DOWNLOAD_MAXSIZE") or 2**31

    @classmethod
    def from_crawler(cls, crawler: Any) -> TruncatedBody:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        encoding = (response.headers.get(b"Content-Encoding") or b"").strip().lower()
        if encoding not in (b"gzip", b"x-gzip", b"deflate") or not response.body:
            return response
        if not _stream_complete(response.body, encoding, self.limit):
            raise Skip(Reason.RESET.detailed("truncated-gzip"))
        return response


def _stream_complete(body: bytes, encoding: bytes, limit: int) -> bool:
    """False when the compressed stream stops before its end; True when it is whole or too
    large to tell (HttpCompressionMiddleware then stops it as a decompression bomb)."""
    window = 16 + zlib.MAX_WBITS if encoding != b"deflate" else zlib.MAX_WBITS
    decompressor = zlib.decompressobj(window)
    try:
        decompressor.decompress(body, limit + 1)
    except zlib.error:
        return True  # not what it claims to be; HttpCompressionMiddleware decides
    return decompressor.eof or bool(decompressor.unconsumed_tail)
