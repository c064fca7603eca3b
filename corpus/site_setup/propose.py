"""`site new`: sample a site's pages and propose a profile from what the cleaner says.

The candidates are the start page's links, the sitemaps' and the feeds' entries, all under
the start URL's directory on its host. They are grouped by URL shape (corpus.site_setup.
patterns); a few of each shape are fetched and classified. A shape whose sampled pages are
all articles becomes an article pattern; one whose pages are all list pages is a list
pattern (followed for its links). The crawl follows everything under the directory, so a
pattern the sample missed loses no article: patterns only order the crawl.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest

from cleaning.outcomes import Outcome, Reason
from corpus.site_setup.classify import Verdict, classify
from corpus.site_setup.discover import Discovery, discover
from corpus.site_setup.fetch import ScopedFetcher
from corpus.site_setup.patterns import (
    Shape,
    directory_of,
    merged,
    pattern_of,
    prefix_pattern,
    url_shape,
)

# a sitemap or feed is kept when at least this share of its entries lie under the directory
MIN_OWN_SHARE = 0.5


@dataclass
class Proposal:
    name: str
    start_url: str
    directory: str
    discovery: Discovery
    sampled: list[tuple[str, Verdict]] = field(default_factory=list)  # (pattern, verdict)
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)

    def patterns(self, label: str) -> dict[str, int]:
        """Patterns whose every sampled page has this label (article, list-page), with how
        many pages were sampled."""
        by_pattern: dict[str, set[str]] = defaultdict(set)
        counts: dict[str, int] = defaultdict(int)
        for pattern, verdict in self.sampled:
            by_pattern[pattern].add(verdict.label)
            counts[pattern] += 1
        return {p: counts[p] for p, labels in sorted(by_pattern.items()) if labels == {label}}

    @property
    def follow(self) -> list[str]:
        return [prefix_pattern(self.directory)] if self.directory != "/" else []


def under(url: str, directory: str) -> bool:
    return re.search(prefix_pattern(directory), url) is not None


def own_sources(found: dict[str, list[str]], directory: str) -> list[str]:
    return [
        url
        for url, entries in found.items()
        if entries and sum(under(e, directory) for e in entries) / len(entries) >= MIN_OWN_SHARE
    ]


def candidates(found: Discovery, directory: str) -> list[str]:
    """The start page's links first, then sitemap and feed entries, under the directory."""
    urls = [*found.links]
    for entries in (*found.sitemaps.values(), *found.feeds.values()):
        urls += entries
    return [url for url in dict.fromkeys(urls) if under(url, directory)]


def pick(urls: list[str], directory: str, budget: int) -> list[tuple[str, str]]:
    """(pattern, URL) pairs to sample: one of each shape in turn, the commonest shapes
    first, round after round, at most `budget`."""
    shapes = {url: url_shape(url, directory) for url in urls}
    into = merged(list(shapes.values()))
    groups: dict[Shape, list[str]] = defaultdict(list)
    for url, shape in shapes.items():
        groups[into[shape]].append(url)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), pattern_of(item[0])))
    rounds = zip_longest(*(members for _, members in ordered))
    pattern = {url: pattern_of(shape) for shape, members in ordered for url in members}
    chosen = [url for batch in rounds for url in batch if url is not None]
    return [(pattern[url], url) for url in chosen[:budget]]


def propose(fetcher: ScopedFetcher, start_url: str, name: str, budget: int) -> Proposal:
    directory = directory_of(start_url)
    found = discover(fetcher, start_url)
    proposal = Proposal(name, start_url, directory, found)
    if found.start.error and found.start.error != Reason.OFF_SITE:
        return proposal  # the caller says what went wrong
    proposal.sitemaps = (
        own_sources(found.sitemaps, directory) if directory != "/" else list(found.sitemaps)
    )
    proposal.feeds = own_sources(found.feeds, directory) if directory != "/" else list(found.feeds)
    start_pattern = pattern_of(url_shape(found.start.final_url, directory))
    proposal.sampled.append((start_pattern, classify(found.start)))
    others = [
        url
        for url in candidates(found, directory)
        if url not in (start_url, found.start.final_url)
        and fetcher.robots(url).can_fetch(url, fetcher.user_agent)
    ]
    for pattern, url in pick(others, directory, budget - 1):
        proposal.sampled.append((pattern, classify(fetcher.get(url))))
    return proposal


def summary(proposal: Proposal) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _, verdict in proposal.sampled:
        counts["article" if verdict.outcome == Outcome.ARTICLE else verdict.label] += 1
    return dict(counts)
