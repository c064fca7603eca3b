"""The generic focused article spider, driven by a site profile. It fetches and follows
links; deciding what is an article and cleaning it happens in the pipeline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.items import FetchedPage
from crawler.links import link_priority
from crawler.middlewares import REPLAYED, STORED_BODY
from crawler.profiles import SiteProfile

# Media and archives are never fetched; documents (PDF, Word) are, and are kept raw as
# `not-html` pages: court papers and notices come as documents.
SKIPPED_EXTENSIONS = sorted(set(IGNORED_EXTENSIONS) - {"pdf", "doc", "docx"})


def header_dict(message: Response | scrapy.Request) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in message.headers.items()
    }


def request_facts(response: Response) -> dict[str, Any] | None:
    """The request as sent (downloader middlewares have added their headers by now; Host is
    added by the HTTP client, from the URL)."""
    if response.request is None:
        return None
    headers = {"host": urlsplit(response.request.url).netloc, **header_dict(response.request)}
    return {"method": response.request.method, "headers": headers}


class ArticleSpider(scrapy.Spider):
    name = "article"

    def __init__(self, profile: SiteProfile, run_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile = profile
        self.run_id = run_id
        self.allowed_domains = list(profile.allowed_domains)
        self.article_patterns = tuple(re.compile(p) for p in profile.article_patterns)
        # Hosts are enforced by Scrapy's OffsiteMiddleware through `allowed_domains`.
        self.links = LinkExtractor(
            allow=profile.follow, deny=profile.deny, deny_extensions=SKIPPED_EXTENSIONS
        )

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ArticleSpider:
        spider: ArticleSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.settings.set("DEPTH_LIMIT", spider.profile.depth, priority="spider")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.profile.start_urls:
            yield self._request(url, self.parse, priority=100)
        for url in self.profile.sitemaps:
            yield self._request(url, self.parse_sitemap, priority=90)
        for url in self.profile.feeds:
            yield self._request(url, self.parse_feed, priority=90)

    def _request(self, url: str, callback: Any, priority: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=priority)

    def parse(self, response: Response) -> Iterator[Any]:
        yield self.fetched(response)
        # 304: the middleware put the stored body back, so links are still followed.
        if response.status in (200, 304) and isinstance(response, TextResponse):
            yield from self.follow_links(response)

    def follow_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for link in self.links.extract_links(response):
            priority = link_priority(link.url, link.text, self.article_patterns)
            yield self._request(link.url, self.parse, priority=priority)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield self.fetched(response)
        if response.status != 200 or not response.body:
            return
        sitemap = Sitemap(response.body)
        callback = self.parse_sitemap if sitemap.type == "sitemapindex" else self.parse
        for entry in sitemap:
            if self._allowed(entry["loc"]):
                yield self._request(entry["loc"], callback, priority=50)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield self.fetched(response)
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        response.selector.remove_namespaces()
        for url in response.xpath("//item/link/text() | //entry/link/@href").getall():
            if self._allowed(url.strip()):
                yield self._request(url.strip(), self.parse, priority=50)

    def _allowed(self, url: str) -> bool:
        return bool(self.links.matches(url))

    def fetched(self, response: Response) -> FetchedPage:
        meta = response.meta if response.request else {}
        redirects = meta.get("redirect_urls", [])
        from_store = meta.get(STORED_BODY, False)
        return FetchedPage(
            url=redirects[0] if redirects else response.url,
            final_url=response.url,
            status=response.status,
            headers=header_dict(response),
            body=b"" if from_store else response.body,
            fetched_at=datetime.now(UTC),
            site=self.profile.name,
            depth=meta.get("depth", 0),
            crawl_run_id=self.run_id,
            replayed=meta.get(REPLAYED, False),
            request=request_facts(response),
        )

    def on_error(self, failure: Failure) -> Iterator[FetchedPage]:
        """A fetch that failed below HTTP (timeout, refused): stored with the error's kind.

        Requests that were never sent (robots.txt, offsite) are only counted in the stats."""
        if failure.check(IgnoreRequest):
            return
        request = failure.request  # type: ignore[attr-defined]
        yield FetchedPage(
            url=request.url,
            final_url=request.url,
            status=0,
            headers={},
            body=b"",
            fetched_at=datetime.now(UTC),
            site=self.profile.name,
            depth=request.meta.get("depth", 0),
            crawl_run_id=self.run_id,
            error=f"fetch-error:{failure.type.__name__}",
        )
