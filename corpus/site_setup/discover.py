"""What a site offers a crawler besides links: the sitemaps robots.txt names (or the usual
places), the feeds its pages announce, and the page URLs in each.

Sitemaps are read by trafilatura's `sitemaps` module and feeds by its `feeds` module; only
their domain filter is replaced by the crawl's scope (courlan cannot tell the domain of an
IP host such as 127.0.0.1, and a crawl's scope is its profile's hosts anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from trafilatura.feeds import FeedParameters, determine_feed, find_links
from trafilatura.sitemaps import DETECT_SITEMAP_LINK, SitemapObject

from cleaning.decode import decode_html
from corpus.crawl_profile import host_allowed
from corpus.site_setup.fetch import Fetched, ScopedFetcher

MAX_SITEMAPS = 10
MAX_FEEDS = 3


@dataclass
class Discovery:
    start: Fetched
    links: list[str] = field(default_factory=list)  # in scope, on the start page
    sitemaps: dict[str, list[str]] = field(default_factory=dict)  # sitemap -> page URLs
    feeds: dict[str, list[str]] = field(default_factory=dict)  # feed -> page URLs


class _ScopedSitemap(SitemapObject):
    """trafilatura's sitemap reader, keeping the links inside the crawl's scope."""

    scope: tuple[str, ...] = ()

    def handle_link(self, link: str) -> None:
        absolute = urljoin(self.current_url, link.strip())
        if absolute == self.current_url or not host_allowed(absolute, self.scope):
            return
        found = self.sitemap_urls if DETECT_SITEMAP_LINK.search(absolute) else self.urls
        found.append(absolute)


def page_text(page: Fetched) -> str:
    return decode_html(page.body, page.content_type).text if page.body else ""


def page_links(page: Fetched, scope: tuple[str, ...]) -> list[str]:
    """The <a href> links of a page, absolute, in scope, without fragments, in order."""
    text = page_text(page)
    if not text.strip():
        return []
    try:
        tree = lxml_html.fromstring(text)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    found = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(page.final_url, href).partition("#")[0]
        if urlsplit(url).scheme in ("http", "https") and host_allowed(url, scope):
            found.append(url)
    return list(dict.fromkeys(found))


def read_sitemaps(fetcher: ScopedFetcher, urls: list[str]) -> dict[str, list[str]]:
    """Page URLs of each sitemap, following sitemap indexes (at most MAX_SITEMAPS fetched)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(urls[0])) if urls else ""
    reader = _ScopedSitemap(origin, "", list(reversed(urls)))
    reader.scope = fetcher.scope
    found: dict[str, list[str]] = {}
    while reader.sitemap_urls and len(reader.seen) < MAX_SITEMAPS:
        reader.current_url = reader.sitemap_urls.pop()
        reader.seen.add(reader.current_url)
        page = fetcher.get(reader.current_url)
        if page.error:
            continue
        reader.content, reader.urls = page.text, []
        reader.process()
        if reader.urls:
            found[reader.current_url] = list(dict.fromkeys(reader.urls))
        reader.sitemap_urls = [u for u in reader.sitemap_urls if u not in reader.seen]
    return found


def read_feeds(fetcher: ScopedFetcher, start: Fetched) -> dict[str, list[str]]:
    """Page URLs of the feeds the start page announces (trafilatura's feed finder)."""
    params = FeedParameters(start.final_url, "", start.final_url)
    feeds = [u for u in determine_feed(page_text(start), params) if host_allowed(u, fetcher.scope)]
    found = {url: feed_entries(fetcher, url) for url in feeds[:MAX_FEEDS]}
    return {url: entries for url, entries in found.items() if entries}


def feed_entries(fetcher: ScopedFetcher, url: str) -> list[str]:
    """The page URLs of an RSS, Atom or JSON feed (trafilatura's feed reader), in scope."""
    page = fetcher.get(url)
    if page.error:
        return []
    params = FeedParameters(page.final_url, "", page.final_url)
    links = [urljoin(page.final_url, link) for link in find_links(page.text.strip(), params)]
    return list(dict.fromkeys(link for link in links if host_allowed(link, fetcher.scope)))


def discover(fetcher: ScopedFetcher, start_url: str) -> Discovery:
    """The start page and its links, the sitemaps (robots.txt's, else /sitemap.xml beside
    the start URL and at the root) and the feeds, with the page URLs of each."""
    start = fetcher.get(start_url)
    found = Discovery(start, page_links(start, fetcher.scope))
    named = [u for u in fetcher.sitemaps_in_robots(start_url) if host_allowed(u, fetcher.scope)]
    guesses = [urljoin(start_url, "sitemap.xml"), urljoin(start_url, "/sitemap.xml")]
    candidates = named or list(dict.fromkeys(guesses))
    # a sitemap beside the start URL (/news/sitemap.xml for /news/) first; the others only
    # when it has nothing
    directory = urljoin(start_url, ".")
    beside = [url for url in candidates if url.startswith(directory)]
    found.sitemaps = read_sitemaps(fetcher, beside) if beside else {}
    if not any(found.sitemaps.values()):
        found.sitemaps = read_sitemaps(fetcher, candidates)
    if not start.error:
        found.feeds = read_feeds(fetcher, start)
    return found
