"""What a crawl may fetch: its scope (hosts), its depth, and the caps that stop crawler traps.

One `CrawlScope` per spider. The spider asks it before it queues a link, and the downloader
middleware asks it again for every request (redirects included), so nothing outside the scope
is ever sent, whatever produced the request.
"""

from __future__ import annotations

from collections import defaultdict
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from cleaning.outcomes import Reason
from cleaning.urls import site_host
from corpus.profiles import SiteProfile


def host_allowed(netloc: str, allowed: tuple[str, ...]) -> bool:
    """Is a URL's host[:port] inside scope entries like `x.cn`, `*.x.cn`, `127.0.0.1:8765`?"""
    host, _, port = netloc.lower().partition(":")
    for entry in allowed:
        entry_host, _, entry_port = entry.partition(":")
        if entry_port and entry_port != port:
            continue
        if entry_host.startswith("*."):
            base = site_host(entry_host[2:])
            if site_host(host) == base or host.endswith("." + base):
                return True
        elif site_host(host) == site_host(entry_host):
            return True
    return False


class CrawlScope:
    def __init__(self, profile: SiteProfile) -> None:
        self.profile = profile
        self.pages_allowed = 0
        self._queries_per_path: dict[str, set[str]] = defaultdict(set)

    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and host_allowed(
            parts.netloc, self.profile.allowed_domains
        )

    def link_verdict(self, url: str, depth: int) -> str | None:
        """None when a link may be queued, else the stored reason it is not."""
        if not self.in_scope(url):
            return Reason.OFF_SITE
        if depth > self.profile.depth:
            return Reason.DEPTH_LIMIT
        return self.trap_verdict(url)

    def trap_verdict(self, url: str) -> str | None:
        profile = self.profile
        if profile.max_url_length and len(url) > profile.max_url_length:
            return Reason.TRAP_LIMIT.detailed("url-length")
        parts = urlsplit(url)
        if profile.max_repeated_segments and _most_repeated(parts.path) > (
            profile.max_repeated_segments
        ):
            return Reason.TRAP_LIMIT.detailed("repeated-segment")
        if profile.max_query_variants and parts.query:
            variants = self._queries_per_path[parts.path]
            if parts.query not in variants and len(variants) >= profile.max_query_variants:
                return Reason.TRAP_LIMIT.detailed("query-variants")
            variants.add(parts.query)
        return None

    def take_page(self, url: str) -> str | None:
        """Count a request about to be sent; the reason when the run's page cap is reached."""
        if urlsplit(url).path == "/robots.txt":
            return None
        if self.profile.max_pages and self.pages_allowed >= self.profile.max_pages:
            return Reason.PAGE_LIMIT
        self.pages_allowed += 1
        return None


def _most_repeated(path: str) -> int:
    segments = [s for s in path.split("/") if s]
    return max((segments.count(s) for s in set(segments)), default=0)


def matches_any(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in patterns)
