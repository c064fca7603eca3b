"""Fetching for `site new` and `site check` under a crawl's rules: only the scope's hosts
(corpus.profiles.host_allowed), robots.txt obeyed as RFC 9309 says (5xx or unreachable:
nothing allowed; 4xx: no rules), redirects followed only inside the scope, a delay between
requests, a size cap. Every URL requested is kept in `requested`, so a caller (and a test)
can see that nothing else was contacted."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from protego import Protego

from cleaning.outcomes import Reason
from corpus.crawl_profile import host_allowed

USER_AGENT = "debtcorpus/0.1 (research crawler; site setup)"
MAX_REDIRECTS = 5
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_S = 15.0
DISALLOW_ALL = "User-agent: *\nDisallow: /\n"


@dataclass(frozen=True)
class Fetched:
    url: str
    final_url: str
    status: int = 0
    content_type: str | None = None
    body: bytes = b""
    # why nothing usable came back: a corpus.outcomes reason (off-site, robots-forbidden,
    # refused, http-404 ...); None for a 2xx answer
    error: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class ScopedFetcher:
    scope: tuple[str, ...]
    delay_s: float = 0.5
    user_agent: str = USER_AGENT
    requested: list[str] = field(default_factory=list)
    # origin -> why its robots.txt could not be read (then nothing there may be fetched)
    robots_problems: dict[str, str] = field(default_factory=dict)
    # origin -> why its robots.txt could not be fetched at all (refused, dns, timeout …): the
    # host is down, not closed, and its URLs get that reason, as the crawl records them
    down: dict[str, str] = field(default_factory=dict)
    _robots: dict[str, Protego] = field(default_factory=dict)
    _last: float = 0.0
    _http: urllib3.PoolManager = field(
        default_factory=lambda: urllib3.PoolManager(retries=False, timeout=TIMEOUT_S)
    )

    def get(self, url: str) -> Fetched:
        """GET a URL in scope that robots.txt allows, following redirects inside the scope."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not host_allowed(current, self.scope):
                return Fetched(url, current, error=Reason.OFF_SITE)
            if not self.robots(current).can_fetch(current, self.user_agent):
                return Fetched(url, current, error=self._forbidding(current))
            answer = self._request(current)
            if answer.error or not 300 <= answer.status < 400:
                return Fetched(
                    url, current, answer.status, answer.content_type, answer.body, answer.error
                )
            current = urljoin(current, answer.final_url)
        return Fetched(url, current, error=Reason.TOO_MANY_REDIRECTS)

    def robots(self, url: str) -> Protego:
        """The robots.txt rules of a URL's host, read once."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            text, problem = self._robots_text(origin + "/robots.txt")
            self._robots[origin] = Protego.parse(text)
            if problem:
                self.robots_problems[origin] = problem
        return self._robots[origin]

    def _forbidding(self, url: str) -> str:
        """Why robots.txt keeps `url` out: its host's failure when the host is down."""
        parts = urlsplit(url)
        return self.down.get(f"{parts.scheme}://{parts.netloc}", Reason.ROBOTS_FORBIDDEN)

    def sitemaps_in_robots(self, url: str) -> list[str]:
        return list(self.robots(url).sitemaps)

    def _robots_text(self, url: str) -> tuple[str, str | None]:
        """robots.txt's rules, and why it could not be read (None when it could)."""
        for _ in range(MAX_REDIRECTS + 1):
            if not host_allowed(url, self.scope):
                return DISALLOW_ALL, f"redirected off the scope to {url}"
            answer = self._request(url)
            if answer.error and not answer.status:
                parts = urlsplit(url)
                self.down[f"{parts.scheme}://{parts.netloc}"] = answer.error
                return DISALLOW_ALL, answer.error
            if 300 <= answer.status < 400:
                url = urljoin(url, answer.final_url)
                continue
            if answer.status >= 500:
                return DISALLOW_ALL, f"HTTP {answer.status}"
            return ("" if answer.status >= 400 else answer.text), None
        return DISALLOW_ALL, Reason.TOO_MANY_REDIRECTS

    def _request(self, url: str) -> Fetched:
        """One GET, no redirect followed: a 3xx comes back with its Location as final_url."""
        wait = self._last + self.delay_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.requested.append(url)
        try:
            response = self._http.request(
                "GET",
                url,
                redirect=False,
                preload_content=False,
                headers={"User-Agent": self.user_agent},
            )
            body = response.read(MAX_BYTES + 1)
            response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            return Fetched(url, url, error=_failure(exc))
        finally:
            self._last = time.monotonic()
        if len(body) > MAX_BYTES:
            return Fetched(url, url, response.status, error=Reason.TOO_LARGE)
        location = response.headers.get("Location") or url
        error = Reason.HTTP_STATUS.detailed(response.status) if response.status >= 400 else None
        return Fetched(
            url, location, response.status, response.headers.get("Content-Type"), body, error
        )


def _failure(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.NameResolutionError):
        return Reason.DNS
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return Reason.REFUSED
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return Reason.TIMEOUT
    return Reason.FETCH_ERROR.detailed(type(exc).__name__)
