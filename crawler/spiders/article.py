"""The generic focused article spider, driven by a site profile. It fetches and follows
links; deciding what is an article and cleaning it happens in the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.sitemap import Sitemap
from scrapy.utils.url import url_has_any_extension
from twisted.python.failure import Failure

from cleaning.outcomes import Outcome, Reason, outcome_of
from cleaning.urls import clean_url
from corpus.crawl_profile import CrawlProfile
from crawler.failures import failure_reason
from crawler.items import FetchedPage, SkippedUrl
from crawler.link_extractor import MemoLinkExtractor
from crawler.links import link_priority
from crawler.middlewares import IN_CORPUS, REPLAYED, STORED_BODY
from crawler.scope import CrawlScope

# Media and archives are never fetched; documents (PDF, Word) are, and are kept raw as
# `not-html` pages: court papers and notices come as documents.
SKIPPED_EXTENSIONS = sorted(set(IGNORED_EXTENSIONS) - {"pdf", "doc", "docx"})
SKIPPED_DOT_EXTENSIONS = [f".{extension}" for extension in SKIPPED_EXTENSIONS]
# request meta: the page whose link the request follows
SOURCE = "debtcorpus_source"


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

    def __init__(
        self,
        profile: object,
        run_id: int | str | None = None,
        base_url: str | None = None,
        neighbours: Sequence[object] = (),
        **kwargs: Any,
    ) -> None:
        """`profile` is a CrawlProfile (crawler.run), a SiteProfile, or (as `scrapy crawl
        article -a profile=NAME -a base_url=URL` passes it) a profile's name or path;
        `neighbours` are the run's other profiles."""
        super().__init__(**kwargs)
        if isinstance(profile, str):
            from corpus.profiles import load_profile  # pydantic: `scrapy crawl` only

            profile = load_profile(profile).resolved(base_url)
        self.profile = CrawlProfile.of(profile)
        self.run_id = int(run_id) if run_id is not None else None
        # the hosts the crawl may fetch: enforced for every request by crawler.guards.ScopeGuard
        self.allowed_domains = list(self.profile.allowed_domains)
        self.scope = CrawlScope(self.profile, [CrawlProfile.of(other) for other in neighbours])
        self.article_patterns = self.scope.article_patterns
        # every link of a page, so those the rules leave out get a row too
        self.all_links = MemoLinkExtractor(deny_extensions=[])
        # URLs this run already recorded as not fetched (one row each)
        self.skipped: set[str] = set()
        # links as found on pages (before clean_url) already recorded as left out: a link
        # repeated on every page (navigation, tags, footers) costs one set lookup after its
        # first page, not a URL parse, the extension and rule checks and clean_url again
        self.left_out_links: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        seeds = (
            (self.profile.start_urls, self.parse, 100),
            (self.profile.sitemaps, self.parse_sitemap, 90),
            (self.profile.feeds, self.parse_feed, 90),
        )
        for urls, callback, priority in seeds:
            for url in urls:
                for output in self._follow(url, None, 0, callback, priority):
                    yield output

    def _request(self, url: str, callback: Any, priority: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=priority)

    def _follow(
        self, url: str, source: Response | None, depth: int, callback: Any, priority: int
    ) -> Iterator[scrapy.Request | SkippedUrl]:
        """A request for a link, or the record of why it is not fetched."""
        url = clean_url(url, self.profile.tracking_parameters)
        verdict = self.scope.link_verdict(url, depth)
        if verdict is None:
            request = self._request(url, callback, priority)
            request.meta[SOURCE] = source.url if source else None
            yield request
        elif url not in self.skipped:
            self.skipped.add(url)
            yield self.skipped_url(url, verdict, source.url if source else None, depth)

    def skipped_url(self, url: str, reason: str, source: str | None, depth: int) -> SkippedUrl:
        return SkippedUrl(
            url=url,
            reason=reason,
            site=self.profile.name,
            crawl_run_id=self.run_id,
            depth=depth,
            source_url=source,
            seen_at=datetime.now(UTC),
        )

    def _links_from(self, response: Response) -> int:
        return int(response.meta.get("depth", 0)) + 1

    def parse(self, response: Response) -> Iterator[Any]:
        yield self.fetched(response)
        # 304: the middleware put the stored body back, so links are still followed.
        if response.status in (200, 304) and isinstance(response, TextResponse):
            yield from self.follow_links(response)

    def follow_links(self, response: TextResponse) -> Iterator[scrapy.Request | SkippedUrl]:
        depth = self._links_from(response)
        links = self.all_links.extract_links(response)
        # The response lives on until its page is cleaned and stored; its parsed tree (many
        # times the body's size) is not needed after this, so it is not kept with it.
        response._cached_selector = None
        for link in links:
            if link.url in self.left_out_links:
                continue
            left_out = self._left_out(link.url)
            if left_out is not None:
                self.left_out_links.add(link.url)
                yield from self._record_skip(link.url, left_out, response.url, depth)
                continue
            priority = link_priority(link.url, link.text, self.article_patterns)
            yield from self._follow(link.url, response, depth, self.parse, priority)

    def _left_out(self, url: str) -> str | None:
        """Why a link is not followed by design: a media file, or the profile's rules."""
        if url_has_any_extension(url, SKIPPED_DOT_EXTENSIONS):
            return Reason.MEDIA
        if not self.scope.follows.matches(url):
            return Reason.NOT_FOLLOWED
        return None

    def _record_skip(
        self, url: str, reason: str, source: str | None, depth: int
    ) -> Iterator[SkippedUrl]:
        url = clean_url(url, self.profile.tracking_parameters)
        if url not in self.skipped:
            self.skipped.add(url)
            yield self.skipped_url(url, reason, source, depth)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield self.fetched(response)
        if response.status != 200 or not response.body:
            return
        sitemap = Sitemap(response.body)
        callback = self.parse_sitemap if sitemap.type == "sitemapindex" else self.parse
        depth = self._links_from(response)
        for entry in sitemap:
            if self._allowed(entry["loc"]):
                yield from self._follow(entry["loc"], response, depth, callback, 50)
            else:
                yield from self._record_skip(entry["loc"], Reason.NOT_FOLLOWED, response.url, depth)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield self.fetched(response)
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        response.selector.remove_namespaces()
        depth = self._links_from(response)
        for url in response.xpath("//item/link/text() | //entry/link/@href").getall():
            if self._allowed(url.strip()):
                yield from self._follow(url.strip(), response, depth, self.parse, 50)
            else:
                yield from self._record_skip(url.strip(), Reason.NOT_FOLLOWED, response.url, depth)

    def _allowed(self, url: str) -> bool:
        return bool(self.scope.follows.matches(url))

    def fetched(self, response: Response) -> FetchedPage:
        meta = response.meta if response.request else {}
        redirects = meta.get("redirect_urls", [])
        from_store = meta.get(STORED_BODY, False)
        return FetchedPage(
            url=redirects[0] if redirects else response.url,
            final_url=response.url,
            redirects=tuple(redirects[1:]),
            status=response.status,
            headers=header_dict(response),
            body=b"" if from_store else response.body,
            fetched_at=datetime.now(UTC),
            site=self.profile.name,
            depth=meta.get("depth", 0),
            crawl_run_id=self.run_id,
            replayed=meta.get(REPLAYED, False),
            in_corpus=meta.get(IN_CORPUS, True),
            request=request_facts(response),
        )

    def on_error(self, failure: Failure) -> Iterator[FetchedPage | SkippedUrl]:
        """A request that was not sent, or failed below HTTP: recorded with its reason."""
        request = failure.request  # type: ignore[attr-defined]
        chain = request.meta.get("redirect_urls", [])
        depth = request.meta.get("depth", 0)
        reason = failure_reason(failure)
        if outcome_of(reason) is Outcome.NOT_FETCHED:
            if request.url not in self.skipped:
                self.skipped.add(request.url)
                source = chain[-1] if chain else request.meta.get(SOURCE)
                yield self.skipped_url(request.url, reason, source, depth)
            if not chain:
                return
            reason = Reason.REDIRECT_NOT_FOLLOWED  # the redirecting URL was fetched
        if reason == Reason.OFF_SITE_REDIRECT and request.url not in self.skipped:
            # the redirect's target is an off-site URL this crawl touched without fetching
            self.skipped.add(request.url)
            yield self.skipped_url(request.url, Reason.OFF_SITE, chain[-1], depth)
        yield FetchedPage(
            url=chain[0] if chain else request.url,
            final_url=request.url,
            redirects=tuple(chain[1:]),
            status=0,
            headers={},
            body=b"",
            fetched_at=datetime.now(UTC),
            site=self.profile.name,
            depth=depth,
            crawl_run_id=self.run_id,
            error=reason,
        )
