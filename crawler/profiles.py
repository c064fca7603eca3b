"""Site profiles: one small YAML file per site under crawler/sites/, or an ad-hoc profile.

Relative URLs in a profile (starting with "/") are resolved against a base URL given at
crawl time, so one profile serves a site wherever it is hosted (the bundled sample site).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from corpus.errors import ConfigError

DEFAULT_DEPTH = 2
_FIELDS = {
    "name",
    "description",
    "start_urls",
    "sitemaps",
    "feeds",
    "allowed_domains",
    "follow",
    "deny",
    "article_patterns",
    "depth",
    "min_relevance",
}


@dataclass(frozen=True)
class SiteProfile:
    name: str
    start_urls: tuple[str, ...]
    description: str = ""
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    # regexes on absolute URLs: follow links that match one (all when empty), never `deny`
    follow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    # regexes for URLs that are usually articles: crawled first, never decides article-ness
    article_patterns: tuple[str, ...] = ()
    depth: int = DEFAULT_DEPTH
    # drop articles scoring below this relevance (0 keeps every article)
    min_relevance: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def resolved(self, base_url: str | None) -> SiteProfile:
        """The profile with relative URLs made absolute and allowed domains filled in."""
        urls = (self.start_urls, self.sitemaps, self.feeds)
        start, sitemaps, feeds = (tuple(_absolute(u, base_url, self.name) for u in g) for g in urls)
        domains = self.allowed_domains or tuple(sorted({urlsplit(u).hostname or "" for u in start}))
        return replace(
            self, start_urls=start, sitemaps=sitemaps, feeds=feeds, allowed_domains=domains
        )


def _absolute(url: str, base_url: str | None, profile: str) -> str:
    if urlsplit(url).scheme:
        return url
    if not base_url:
        raise ConfigError(
            f"profile {profile!r} has the relative URL {url!r}; pass --base-url "
            "(e.g. --base-url http://127.0.0.1:8765) to say where the site is served"
        )
    return urljoin(base_url.rstrip("/") + "/", url.lstrip("/"))


def adhoc_profile(urls: list[str], depth: int = DEFAULT_DEPTH) -> SiteProfile:
    """A profile for `debtcorpus crawl URL...`: follow links within the start URLs' hosts."""
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(
                f"{url!r} is not an http(s) URL; give full URLs like http://host/path"
            )
    hosts = sorted({urlsplit(url).netloc for url in urls})
    return SiteProfile(name=",".join(hosts), start_urls=tuple(urls), depth=depth)


def profile_dir() -> Path:
    return Path(str(resources.files("crawler").joinpath("sites")))


def available_profiles() -> list[str]:
    return sorted(path.stem for path in profile_dir().glob("*.yaml"))


def load_profile(name_or_path: str) -> SiteProfile:
    """A profile by name (crawler/sites/NAME.yaml) or by path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = profile_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(available_profiles()) or "none"
        raise ConfigError(f"no site profile {name_or_path!r}; known profiles: {known}")
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"profile {path} is not valid YAML: {exc}") from exc
    return profile_from_dict(data, source=str(path))


def profile_from_dict(data: Any, source: str) -> SiteProfile:
    if not isinstance(data, dict) or "name" not in data or "start_urls" not in data:
        raise ConfigError(f"profile {source} needs at least 'name' and 'start_urls'")
    unknown = set(data) - _FIELDS
    if unknown:
        raise ConfigError(
            f"profile {source}: unknown keys {sorted(unknown)}; known: {sorted(_FIELDS)}"
        )
    values = {
        key: tuple(value) if isinstance(value, list) else value for key, value in data.items()
    }
    for key in ("follow", "deny", "article_patterns"):
        for pattern in values.get(key, ()):
            _check_regex(pattern, key, source)
    return SiteProfile(**values)


def _check_regex(pattern: str, key: str, source: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(
            f"profile {source}: {key} pattern {pattern!r} is not a regex: {exc}"
        ) from exc
