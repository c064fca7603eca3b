"""What a crawl's Scrapy process needs of a site profile (`CrawlProfile`), and the scope
checks on hosts: the standard library only. corpus.profiles loads and checks profiles (YAML,
pydantic) and hands the crawl process this view of each (docs/crawling.md, "Memory")."""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from cleaning.urls import site_host


@dataclass(frozen=True)
class CrawlProfile:
    """A resolved, checked profile's fields the spider and its scope read."""

    name: str
    start_urls: tuple[str, ...]
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = ()
    depth: int = 0
    min_relevance: float = 0.0
    max_pages: int = 0
    max_url_length: int = 0
    max_repeated_segments: int = 0
    max_query_variants: int = 0
    tracking_parameters: tuple[str, ...] = ()

    @classmethod
    def of(cls, profile: object) -> CrawlProfile:
        """The view of a profile (a SiteProfile, or a view already)."""
        if isinstance(profile, CrawlProfile):
            return profile
        return cls(**{f.name: getattr(profile, f.name) for f in fields(cls)})


DEFAULT_PORTS = {"http": 80, "https": 443}


def hosts_of(urls: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The scope entries of URLs: each URL's host (IDNA, lower case), with its port when it
    names one other than its scheme's default."""
    return tuple(sorted({entry for url in urls if (entry := scope_entry(url))}))


def scope_entry(url: str) -> str | None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    host = idna_host(parts.hostname)
    host = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return host.lower()
    return f"{host.lower()}:{port}"


def url_host_port(url: str) -> tuple[str, int] | None:
    """A URL's host (IDNA, lower case, no user info) and port (the scheme's default when
    none is given); None for a URL that has no valid host or port."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return idna_host(parts.hostname), port


def idna_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()


def host_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """Is a URL's host inside scope entries like `x.cn`, `*.x.cn`, `127.0.0.1:8765`?"""
    found = url_host_port(url)
    if found is None:
        return False
    host, port = found
    for entry in allowed:
        entry_host, _, entry_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        entry_host = idna_host(entry_host.strip("[]"))
        if entry_port and int(entry_port) != port:
            continue
        if entry_host.startswith("*."):
            base = site_host(entry_host[2:])
            if site_host(host) == base or host.endswith("." + base):
                return True
        elif site_host(host) == site_host(entry_host):
            return True
    return False


def _has_port(entry: str) -> bool:
    head, _, tail = entry.rpartition(":")
    return bool(head) and tail.isdigit() and not head.endswith(":")
