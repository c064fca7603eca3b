"""What a crawl may fetch: its scope (hosts), its depth, and the caps that stop crawler traps.

One `CrawlScope` per spider. The spider asks it before it queues a link, and the downloader
middleware asks it again for every request (redirects included), so nothing outside the scope
is ever sent, whatever produced the request.

Several profiles may share a host (a portal's sections). A redirect from one profile's page
into paths that its own `follow` rules leave out but another profile of the run follows is not
followed (`redirect_verdict`): the page is that profile's, and storing it under the first would
give the site a page (and a copy of the other's article) it does not have. A redirect to paths
no profile of the run follows is followed as before (a moved page, a mobile path).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from scrapy.linkextractors import LinkExtractor

from cleaning.outcomes import Reason
from corpus.crawl_profile import CrawlProfile, host_allowed


def follow_rules(profile: CrawlProfile) -> LinkExtractor:
    """The profile's `follow` / `deny` patterns (`.matches(url)`)."""
    return LinkExtractor(allow=profile.follow, deny=profile.deny, deny_extensions=[])


class CrawlScope:
    def __init__(self, profile: CrawlProfile, neighbours: Sequence[CrawlProfile] = ()) -> None:
        """`neighbours`: the run's other profiles (a redirect into their paths is theirs)."""
        self.profile = profile
        self.follows = follow_rules(profile)
        self.article_patterns = tuple(re.compile(p) for p in profile.article_patterns)
        self._neighbours = [(other, follow_rules(other)) for other in neighbours]
        self.pages_allowed = 0
        # per path: how many of its query variants were fetched and were not / were articles
        self._non_articles: dict[str, int] = defaultdict(int)
        self._articles: dict[str, int] = defaultdict(int)

    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and host_allowed(url, self.profile.allowed_domains)

    def link_verdict(self, url: str, depth: int) -> str | None:
        """None when a link may be queued, else the stored reason it is not."""
        if not self.in_scope(url):
            return Reason.OFF_SITE
        if self.too_deep(depth):
            return Reason.DEPTH_LIMIT
        return self.trap_verdict(url)

    def redirect_verdict(self, url: str) -> str | None:
        """None when a redirect to `url` is followed; `not-followed:OTHER` when this profile's
        rules leave it out and the run's profile OTHER follows it."""
        if self.follows.matches(url) or any(p.search(url) for p in self.article_patterns):
            return None
        for other, rules in self._neighbours:
            if host_allowed(url, other.allowed_domains) and rules.matches(url):
                return Reason.NOT_FOLLOWED.detailed(other.name)
        return None

    def too_deep(self, depth: int) -> bool:
        """Deeper than the profile's `depth` (0 means no limit, as Scrapy's DEPTH_LIMIT)."""
        return 0 < self.profile.depth < depth

    def trap_verdict(self, url: str) -> str | None:
        profile = self.profile
        if profile.max_url_length and len(url) > profile.max_url_length:
            return Reason.TRAP_LIMIT.detailed("url-length")
        parts = urlsplit(url)
        if profile.max_repeated_segments and _most_repeated(parts.path) > (
            profile.max_repeated_segments
        ):
            return Reason.TRAP_LIMIT.detailed("repeated-segment")
        if profile.max_query_variants and parts.query and self._is_query_trap(parts.path):
            return Reason.TRAP_LIMIT.detailed("query-variants")
        return None

    def _is_query_trap(self, path: str) -> bool:
        """A calendar or faceted-search trap: a path whose query variants keep giving pages
        that are no articles. A CMS script whose variants are articles (view.php?aid=N) is
        never one."""
        return (
            self._non_articles[path] >= self.profile.max_query_variants
            and self._articles[path] == 0
        )

    def record_result(self, url: str, is_article: bool) -> None:
        """What the cleaner made of a fetched URL (trap detection learns from it)."""
        parts = urlsplit(url)
        if parts.query:
            counts = self._articles if is_article else self._non_articles
            counts[parts.path] += 1

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
