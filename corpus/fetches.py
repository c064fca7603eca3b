"""The records a crawl's Scrapy process hands over and gets back: one fetch, one URL not
fetched, one page the corpus already holds. The standard library only, so that the Scrapy
process holds neither SQLAlchemy's ORM nor the models (docs/crawling.md, "Memory")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FetchedPage:
    """The facts of one fetch, as the crawler saw them. The one record the crawler hands over."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    fetched_at: datetime
    site: str | None = None
    depth: int = 0
    crawl_run_id: int | None = None
    # set when the fetch failed below HTTP (timeout, refused, DNS): the error's kind
    error: str | None = None
    # a page already stored by the run being resumed, replayed only to follow its links
    replayed: bool = False
    # False when the crawl knows the corpus held no earlier fetch of this URL at its start:
    # then there is nothing to compare with, and no "unchanged?" query is made
    in_corpus: bool = True
    # the URLs between url and final_url of a redirected fetch
    redirects: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # the request as sent: {"method": ..., "headers": {...}} (written out as a WARC request)
    request: dict[str, Any] | None = None
    # set for a page read from a web archive (`ingest-warc`): the file's name, record offset
    warc_file: str | None = None
    warc_offset: int | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass(frozen=True)
class SkippedUrl:
    """A URL the crawl found but did not fetch (off-site, robots.txt, depth, trap), and why."""

    url: str
    reason: str
    site: str | None
    crawl_run_id: int | None
    depth: int
    # the page that linked or redirected to it (None for a start URL)
    source_url: str | None
    seen_at: datetime


@dataclass(frozen=True)
class KnownPage:
    """The newest successful fetch of a URL: its validators, for conditional requests."""

    page_id: int
    etag: str | None
    last_modified: str | None
