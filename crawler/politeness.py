"""Per-host limits on requests in flight, within one process and across the workers of a
distributed crawl.

Every request to a host holds a *lease* for that host while it is downloaded; at most
`DEBTCORPUS_HOST_LIMIT` (by default CONCURRENT_REQUESTS_PER_DOMAIN) leases are out per host
at once, and a lease is returned when the response or the error comes back.

Why Scrapy's own limit is not enough:
- Scrapy 2.19's downloader checks a slot's free places before the requests it starts are
  counted as transferring (they are marked inside a coroutine scheduled for later), so with
  no download delay it starts every queued request for a host at once: a sample-site crawl
  with CONCURRENT_REQUESTS_PER_DOMAIN=2 had 11 requests in flight at the site
  (tests/test_politeness.py). Leases taken before the downloader hold the limit.
- Scrapy's limits (concurrency, DOWNLOAD_DELAY, AutoThrottle) hold within one process, so N
  workers on one site would send up to N times what one process sends.

In one process the leases are counted here (`LocalLeases`), taken by the downloader
middleware. In a distributed crawl the frontier hands a lease out with each request it pops
(crawler/frontier.py: a host with all its leases out, or whose delay has not passed, gives
no request), and the middleware only returns it. A robots.txt fetch takes no lease of its
own: it is made for, and while, a request that holds one.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.frontier import RedisLeases, host_limit

# the in-process leases of this process's crawlers (one per profile), by limit
_PROCESS_LEASES: dict[int, LocalLeases] = {}
# a host with all its leases out is asked again after this long
FULL_RETRY_S = 0.05
LEASE_META = "debtcorpus_host_lease"


class LocalLeases:
    """Leases counted in this process (a crawl without Redis); Scrapy applies the delay."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"DEBTCORPUS_HOST_LIMIT must be 1 or more, not {limit}")
        self.limit = limit
        self._held: dict[str, set[str]] = {}
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self._numbers = itertools.count()

    def try_acquire(self, host: str) -> tuple[str | None, float]:
        held = self._held.setdefault(host, set())
        if len(held) >= self.limit:
            return None, FULL_RETRY_S
        lease = str(next(self._numbers))
        held.add(lease)
        return lease, 0.0

    async def acquire(self, host: str) -> str:
        """Wait for a lease; a returned lease wakes the next waiter at once (no polling)."""
        while True:
            lease, _ = self.try_acquire(host)
            if lease is not None:
                return lease
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(host, deque()).append(waiter)
            await waiter

    def release(self, host: str, lease: str) -> None:
        self._held.get(host, set()).discard(lease)
        waiting = self._waiting.get(host)
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():  # a cancelled request no longer waits
                waiter.set_result(None)
                break

    def in_use(self, host: str) -> int:
        return len(self._held.get(host, ()))


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class HostLimit:
    """Downloader middleware: no request goes out without a lease for its host; taken here
    in one process, handed out by the shared frontier in a distributed crawl."""

    def __init__(self, local: LocalLeases | None, shared: RedisLeases | None = None) -> None:
        self.local, self.shared = local, shared

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostLimit:
        settings = crawler.settings
        limit = host_limit(settings)
        if limit <= 0:
            raise NotConfigured("no per-host limit (CONCURRENT_REQUESTS_PER_DOMAIN is 0)")
        prefix = settings.get("DEBTCORPUS_REDIS_PREFIX")
        if not settings.get("REDIS_URL") or not prefix:
            # one pool for every profile crawled in this process: two profiles of one site
            # share its limit
            return cls(_PROCESS_LEASES.setdefault(limit, LocalLeases(limit)))
        from scrapy_redis import connection  # a distributed crawl only: redis is 7 MB

        return cls(None, RedisLeases(connection.from_settings(settings), str(prefix)))

    async def process_request(self, request: Request) -> None:
        if self.local is not None:
            host = host_of(request.url)
            request.meta[LEASE_META] = (host, await self.local.acquire(host))

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        taken = request.meta.pop(LEASE_META, None)
        if taken is None:
            return
        if self.local is not None:
            self.local.release(*taken)
        elif self.shared is not None:
            self.shared.release(*taken)
