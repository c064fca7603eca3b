"""Site profiles: one small YAML file per site under corpus/sites/, or an ad-hoc profile.

Relative URLs in a profile (starting with "/") are resolved against a base URL given at
crawl time, so one profile serves a site wherever it is hosted (the bundled sample site).
Profiles are validated by pydantic: a wrong key or value is one line naming the key, the value
and what is expected. The crawler and the scheduler both load profiles through this module.

Scope: a crawl fetches only URLs whose host is in `allowed_domains`. An entry `example.cn`
allows that host and `www.example.cn` (and the other way round); `*.example.cn` allows every
subdomain too; an entry with a port (`127.0.0.1:8765`) allows only that port. By default a
profile's scope is the hosts of its start URLs, sitemaps and feeds, with their ports.
"""

from __future__ import annotations

import os
import re
from dataclasses import fields, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from pydantic import ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from corpus.crawl_profile import CrawlProfile, host_allowed, hosts_of
from corpus.errors import ConfigError
from corpus.health.config import HealthSettings

SITES_ENV = "DEBTCORPUS_SITES"
PROFILE_SUFFIXES = (".yaml", ".yml")
DEFAULT_DEPTH = 2
# Caps every crawl gets unless its profile sets others (0 means no cap).
DEFAULT_MAX_URL_LENGTH = 1000
DEFAULT_MAX_REPEATED_SEGMENTS = 2
DEFAULT_MAX_QUERY_VARIANTS = 100
# an ad-hoc crawl of a site nobody profiled stops after this many pages per run
ADHOC_MAX_PAGES = 5000


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=False))
class SiteProfile:
    name: str = Field(min_length=1)
    start_urls: tuple[str, ...] = Field(min_length=1)
    description: str = ""
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    # hosts the crawl may fetch (see the module docstring); empty: the start URLs' hosts
    allowed_domains: tuple[str, ...] = ()
    # regexes on absolute URLs: follow links that match one (all when empty), never `deny`
    follow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    # regexes for URLs that are usually articles: crawled first, never decides article-ness
    article_patterns: tuple[str, ...] = ()
    # link depth limit; 0 means none (as Scrapy's DEPTH_LIMIT)
    depth: int = Field(default=DEFAULT_DEPTH, ge=0)
    # drop articles scoring below this relevance (0 keeps every article)
    min_relevance: float = Field(default=0.0, ge=0.0)
    # trap caps (recorded as trap-limit / page-limit): 0 means none
    max_pages: int = Field(default=0, ge=0)
    max_url_length: int = Field(default=DEFAULT_MAX_URL_LENGTH, ge=0)
    max_repeated_segments: int = Field(default=DEFAULT_MAX_REPEATED_SEGMENTS, ge=0)
    max_query_variants: int = Field(default=DEFAULT_MAX_QUERY_VARIANTS, ge=0)
    # query parameters (shell patterns) to strip besides cleaning.urls.TRACKING_PARAMETERS
    tracking_parameters: tuple[str, ...] = ()
    # crawl health checks and where their failures go (corpus/health/config.py)
    health: HealthSettings = Field(default_factory=HealthSettings)

    @field_validator("follow", "deny", "article_patterns")
    @classmethod
    def _regexes(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
        return patterns

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        for domain in domains:
            if "/" in domain or not domain.strip("*."):
                raise ValueError(f"{domain!r} is not a host name like example.cn or *.example.cn")
        return tuple(d.lower() for d in domains)

    def resolved(self, base_url: str | None) -> SiteProfile:
        """The profile with relative URLs made absolute and its scope filled in."""
        urls = (self.start_urls, self.sitemaps, self.feeds)
        start, sitemaps, feeds = (tuple(_absolute(u, base_url, self.name) for u in g) for g in urls)
        domains = self.allowed_domains or hosts_of((*start, *sitemaps, *feeds))
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


def check_http_urls(urls: list[str] | tuple[str, ...], what: str = "") -> None:
    """ConfigError unless every URL is http(s) with a host and a valid port."""
    for url in urls:
        try:
            parts = urlsplit(url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018  (raises ValueError for a port out of range or not a number)
        except ValueError:
            valid = False
        if not valid:
            raise ConfigError(
                f"{what}{url!r} is not an http(s) URL with a valid host and port; "
                "give full URLs like http://host/path or http://host:8080/path"
            )


def check_scope(profile: SiteProfile) -> None:
    """A resolved profile whose URLs can be crawled: http(s), inside its own scope."""
    where = f"profile {profile.name!r}: "
    check_http_urls((*profile.start_urls, *profile.sitemaps, *profile.feeds), where)
    outside = [url for url in profile.start_urls if not host_allowed(url, profile.allowed_domains)]
    if outside:
        raise ConfigError(
            f"{where}the start URL {outside[0]!r} is outside its allowed_domains "
            f"{list(profile.allowed_domains)}; add its host there"
        )


def adhoc_profile(
    urls: list[str], depth: int = DEFAULT_DEPTH, allow_domains: tuple[str, ...] = ()
) -> SiteProfile:
    """A profile for `debtcorpus crawl URL...`: the start URLs' hosts (plus `allow_domains`)
    and the default caps, with a page cap for sites nobody profiled."""
    check_http_urls(urls)
    hosts = hosts_of(urls)
    try:
        return SiteProfile(
            name=",".join(hosts),
            start_urls=tuple(urls),
            depth=depth,
            allowed_domains=hosts + tuple(d.lower() for d in allow_domains),
            max_pages=ADHOC_MAX_PAGES,
        )
    except ValidationError as exc:
        raise ConfigError(f"--allow-domain: {_first_problem(exc)}") from exc


def crawl_profiles(
    urls: list[str] | tuple[str, ...],
    sites: list[str] | tuple[str, ...],
    base_url: str | None = None,
    depth: int | None = None,
    allow_domains: tuple[str, ...] = (),
) -> list[SiteProfile]:
    """The resolved, checked profiles a crawl runs: one per --site, one for the URLs. Both
    `debtcorpus crawl` (before it starts anything) and the crawl process build them here."""
    if allow_domains and not urls:
        raise ConfigError(
            "--allow-domain widens an ad-hoc crawl; a profile's scope is its allowed_domains"
        )
    if base_url is not None:
        check_http_urls([base_url], "--base-url ")
    profiles = [load_profile(name).resolved(base_url) for name in sites]
    if urls:
        profiles.append(adhoc_profile(list(urls), allow_domains=allow_domains))
    if depth is not None:
        profiles = [replace(p, depth=depth) for p in profiles]
    for profile in profiles:
        check_scope(profile)
    return profiles


def crawl_views(
    urls: list[str] | tuple[str, ...],
    sites: list[str] | tuple[str, ...],
    base_url: str | None = None,
    depth: int | None = None,
    allow_domains: tuple[str, ...] = (),
) -> list[CrawlProfile]:
    """`crawl_profiles`, as the crawl's Scrapy process takes them (run in its store process:
    corpus.store_calls)."""
    profiles = crawl_profiles(urls, sites, base_url, depth, allow_domains)
    return [CrawlProfile.of(profile) for profile in profiles]


def profile_dir() -> Path:
    """The bundled profiles (corpus/sites/)."""
    return Path(str(resources.files("corpus").joinpath("sites")))


def sites_dirs() -> list[Path]:
    """Where a profile NAME is looked for, first match wins: the user's sites directories
    ($DEBTCORPUS_SITES, or --sites-dir, which sets it; several joined by the path separator),
    the current directory, then the bundled profiles."""
    user = [Path(part).expanduser() for part in os.environ.get(SITES_ENV, "").split(os.pathsep)]
    return [*(folder for folder in user if str(folder) != "."), Path.cwd(), profile_dir()]


def available_profiles() -> list[str]:
    found = {
        path.stem
        for folder in sites_dirs()
        for suffix in PROFILE_SUFFIXES
        for path in folder.glob(f"*{suffix}")
    }
    return sorted(found)


def is_profile_path(name_or_path: str) -> bool:
    """A path (ends in .yaml or .yml, or has a folder) rather than a profile name."""
    path = Path(name_or_path)
    return path.suffix in PROFILE_SUFFIXES or len(path.parts) > 1


def profile_path(name_or_path: str) -> Path:
    """The YAML file of a profile given by path, or named NAME: NAME.yaml or NAME.yml in the
    first of `sites_dirs()` that has one."""
    if is_profile_path(name_or_path):
        candidates = [Path(name_or_path).expanduser()]
    else:
        candidates = [
            folder / f"{name_or_path}{suffix}"
            for folder in sites_dirs()
            for suffix in PROFILE_SUFFIXES
        ]
    found = next((path for path in candidates if path.is_file()), None)
    if found is None:
        known = ", ".join(available_profiles()) or "none"
        where = f" (${SITES_ENV} or --sites-dir adds folders)" if len(candidates) > 1 else ""
        raise ConfigError(f"no site profile {name_or_path!r}; known profiles: {known}{where}")
    return found


def stored_site(name_or_path: str) -> str:
    """How a crawl request or a schedule keeps a profile so that it is found again from any
    folder: a bundled profile by its name, any other by its absolute path."""
    path = profile_path(name_or_path).resolve()
    return path.stem if path.parent == profile_dir().resolve() else str(path)


def load_profile(name_or_path: str) -> SiteProfile:
    """A profile by name (corpus/sites/NAME.yaml) or by path to a YAML file."""
    path = profile_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"profile {path} is not valid YAML: {_yaml_problem(exc)}") from exc
    return profile_from_dict(data, source=str(path))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's error in one line: what is wrong and where (line and column, from 1)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def profile_from_dict(data: Any, source: str) -> SiteProfile:
    if not isinstance(data, dict):
        raise ConfigError(f"profile {source} must be a mapping of keys to values")
    try:
        return SiteProfile(**data)
    except ValidationError as exc:
        raise ConfigError(f"profile {source}: {_first_problem(exc)}") from exc


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "?"
    if error["type"] == "unexpected_keyword_argument":
        model = HealthSettings if error["loc"][0] == "health" else SiteProfile
        return f"unknown key {key!r}; known keys: {', '.join(_known_keys(model))}"
    if error["type"] in ("missing", "missing_argument"):
        return f"the key {key!r} is missing"
    return f"{key}: {error['msg']} (got {error.get('input')!r})"


def _known_keys(model: type = SiteProfile) -> list[str]:
    return sorted(field.name for field in fields(model))
