"""`site check`: fetch a handful of a profile's pages and say how each would be classified
and why, with whether its URL matches the profile's article patterns. Nothing is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaning.outcomes import Outcome
from corpus.profiles import SiteProfile
from corpus.site_setup.classify import Verdict, classify
from corpus.site_setup.discover import feed_entries, page_links, read_sitemaps
from corpus.site_setup.fetch import ScopedFetcher
from corpus.site_setup.patterns import directory_of
from corpus.site_setup.propose import pick


@dataclass(frozen=True)
class Checked:
    verdict: Verdict
    article_pattern: bool  # does the URL match one of the profile's article_patterns?

    @property
    def surprise(self) -> str | None:
        """A verdict the profile's patterns did not expect."""
        is_article = self.verdict.outcome == Outcome.ARTICLE
        if is_article and not self.article_pattern:
            return "an article that no article pattern matches"
        if self.article_pattern and not is_article:
            return "matches an article pattern but is not an article"
        return None


def followed(profile: SiteProfile, url: str) -> bool:
    """Would the crawl follow a link to this URL (its follow and deny patterns)?"""
    if any(re.search(pattern, url) for pattern in profile.deny):
        return False
    return not profile.follow or any(re.search(pattern, url) for pattern in profile.follow)


def check_profile(profile: SiteProfile, fetcher: ScopedFetcher, pages: int) -> list[Checked]:
    """The start URLs, then up to `pages` links, sitemap and feed entries the crawl would
    follow, a few of each URL shape."""
    patterns = [re.compile(p) for p in profile.article_patterns]

    def checked(verdict: Verdict) -> Checked:
        return Checked(verdict, any(p.search(verdict.url) for p in patterns))

    found: list[Checked] = []
    links: list[str] = []
    for url in profile.start_urls:
        start = fetcher.get(url)
        found.append(checked(classify(start)))
        links += page_links(start, fetcher.scope)
    for entries in read_sitemaps(fetcher, list(profile.sitemaps)).values():
        links += entries
    for url in profile.feeds:
        links += feed_entries(fetcher, url)
    seen = set(profile.start_urls)
    wanted = [u for u in dict.fromkeys(links) if u not in seen and followed(profile, u)]
    directory = directory_of(profile.start_urls[0])
    for _, url in pick(wanted, directory, pages):
        found.append(checked(classify(fetcher.get(url))))
    return found
