"""Per-host limits on requests in flight, within one process and across the workers of a
distributed crawl.

Every request to a host first takes a *lease* for that host; at most `DEBTCORPUS_HOST_LIMIT`
leases (by default CONCURRENT_REQUESTS_PER_DOMAIN) are out per host at once, and a lease is
returned when the response or the error comes back.

Why Scrapy's own limit is not enough:
- Scrapy 2.19's downloader checks a slot's free places before the requests it starts are
  counted as transferring (they are marked inside a coroutine scheduled for later), so with
  no download delay it starts every queued request for a host at once: a sample-site crawl
  with CONCURRENT_REQUESTS_PER_DOMAIN=2 had 11 requests in flight at the site
  (tests/test_politeness.py). Leases taken before the downloader hold the limit.
- Scrapy's limits (concurrency, DOWNLOAD_DELAY, AutoThrottle) hold within one process, so N
  workers on one site would send up to N times what one process sends. In a distributed
  crawl the leases live in Redis and count every worker's requests; with DOWNLOAD_DELAY set
  they are also handed out no faster than one per delay across all workers. A worker that
  dies holding leases loses them to the live workers that reclaim its requests
  (`crawler.distributed`), and every lease expires on its own after
  `DEBTCORPUS_HOST_LEASE_TTL` seconds. Time is Redis's own clock, so workers on machines
  whose clocks disagree share one schedule.

Redis keys, for crawl prefix P and host H (as in the URL, with its port):
  P:hosts           set of the lease keys in use
  P:host:H          sorted set of leases: "<worker>|<n>" scored by expiry (ms, Redis time)
  P:host:H:next     earliest time (ms) of the next lease when a delay is set
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from typing import Any, cast
from urllib.parse import urlsplit

from redis import Redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy_redis import connection

# Returns 0 when the lease was taken, -1 when the host has all its leases out, or the
# milliseconds to wait before the delay allows the next one.
ACQUIRE_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local delay = tonumber(ARGV[4])
if delay > 0 then
  local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < next_at then return next_at - now end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('SADD', KEYS[3], KEYS[1])
return 0
"""
# the in-process leases of this process's crawlers (one per profile), by limit
_PROCESS_LEASES: dict[int, LocalLeases] = {}
# a host with all its leases out is asked again after this long
FULL_RETRY_S = 0.05
LEASE_META = "debtcorpus_host_lease"


class Leases:
    """Leases for requests to hosts; subclasses say where they are counted."""

    def try_acquire(self, host: str) -> tuple[str | None, float]:
        """A lease (its id) and 0, or None and the seconds to wait before asking again."""
        raise NotImplementedError

    def release(self, host: str, lease: str) -> None:
        raise NotImplementedError

    def in_use(self, host: str) -> int:
        raise NotImplementedError

    async def acquire(self, host: str) -> str:
        """Wait for a lease on the host (without blocking the reactor)."""
        while True:
            lease, wait = self.try_acquire(host)
            if lease is not None:
                return lease
            await asyncio.sleep(wait)


class LocalLeases(Leases):
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


class HostLeases(Leases):
    """Leases for requests to a host, shared by every worker of one crawl (in Redis)."""

    def __init__(self, server: Redis, prefix: str, worker: str, limit: int, delay_s: float,
                 ttl_s: float) -> None:  # fmt: skip
        if limit < 1:
            raise ValueError(f"DEBTCORPUS_HOST_LIMIT must be 1 or more, not {limit}")
        self.server = server
        self.prefix = prefix
        self.worker = worker
        self.limit = limit
        self.delay_ms = int(delay_s * 1000)
        self.ttl_ms = int(ttl_s * 1000)
        self._numbers = itertools.count()
        self._acquire = server.register_script(ACQUIRE_LUA)

    @property
    def index(self) -> str:
        return f"{self.prefix}:hosts"

    def key(self, host: str) -> str:
        return f"{self.prefix}:host:{host}"

    def try_acquire(self, host: str) -> tuple[str | None, float]:
        lease = f"{self.worker}|{next(self._numbers)}"
        keys = [self.key(host), f"{self.key(host)}:next", self.index]
        answer = int(self._acquire(keys=keys, args=[lease, self.limit, self.ttl_ms, self.delay_ms]))
        if answer == 0:
            return lease, 0.0
        return None, FULL_RETRY_S if answer < 0 else answer / 1000

    def release(self, host: str, lease: str) -> None:
        self.server.zrem(self.key(host), lease)

    def in_use(self, host: str) -> int:
        return int(self.server.zcard(self.key(host)))


def release_worker(server: Redis, prefix: str, worker: str) -> int:
    """Return every lease a (dead or stopping) worker holds; how many there were."""
    released = 0
    for key in server.smembers(f"{prefix}:hosts"):
        members = cast(list[bytes], server.zrange(key, 0, -1))
        leases = [member for member in members if _holder(member) == worker]
        if leases:
            released += int(server.zrem(key, *leases))
    return released


def _holder(lease: bytes | str) -> str:
    text = lease.decode() if isinstance(lease, bytes) else lease
    return text.rpartition("|")[0]


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class HostLimit:
    """Downloader middleware: no request goes out without a lease for its host; the leases
    are shared through Redis in a distributed crawl, counted in the process otherwise."""

    def __init__(self, leases: Leases) -> None:
        self.leases = leases

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostLimit:
        settings = crawler.settings
        limit = settings.getint("DEBTCORPUS_HOST_LIMIT") or settings.getint(
            "CONCURRENT_REQUESTS_PER_DOMAIN"
        )
        if limit <= 0:
            raise NotConfigured("no per-host limit (CONCURRENT_REQUESTS_PER_DOMAIN is 0)")
        prefix = settings.get("DEBTCORPUS_REDIS_PREFIX")
        if not settings.get("REDIS_URL") or not prefix:
            # one pool for every profile crawled in this process: two profiles of one site
            # share its limit
            return cls(_PROCESS_LEASES.setdefault(limit, LocalLeases(limit)))
        ttl = settings.getfloat("DEBTCORPUS_HOST_LEASE_TTL") or default_lease_ttl(settings)
        leases = HostLeases(
            connection.from_settings(settings),
            str(prefix),
            str(settings.get("DEBTCORPUS_WORKER_ID")),
            limit,
            settings.getfloat("DOWNLOAD_DELAY"),
            ttl,
        )
        return cls(leases)

    async def process_request(self, request: Request) -> None:
        host = host_of(request.url)
        lease = await self.leases.acquire(host)
        request.meta[LEASE_META] = (host, lease)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        taken = request.meta.pop(LEASE_META, None)
        if taken is not None:
            self.leases.release(*taken)


def default_lease_ttl(settings: Any) -> float:
    """Long enough for a request that waits out its worker's own delays and then times out:
    a lease outliving its request would only hold back a slot until it expires."""
    waiting = settings.getfloat("AUTOTHROTTLE_MAX_DELAY") * settings.getint(
        "CONCURRENT_REQUESTS_PER_DOMAIN"
    )
    return settings.getfloat("DOWNLOAD_TIMEOUT") + waiting + 60.0
