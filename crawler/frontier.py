"""The distributed crawl's frontier: one request queue per host in Redis, and per host the
time it may next be fetched, so that a worker takes the next request from any host whose
politeness allows it instead of waiting on one host.

A worker pops with one Lua script (`POP_LUA`): among the hosts whose ready time has passed
(a sorted set scored by that time, Redis's clock in ms), the first one that has a free
concurrency lease gives its most urgent request; in the same step the request enters the
worker's in-flight set, the worker takes the lease, and the host's ready time moves on by
its delay. A host that has all its leases out is looked at again after RECHECK_MS, or at
once when one of its leases comes back (`RELEASE_LUA`, called when the response or the
error arrives). Nothing waits in a worker for a host: what a worker pops it may fetch now.
A worker that already holds a lease at a host leaves a free one to a worker that found the
host full in the last 2 x RECHECK_MS, so the workers share a busy host.

Limits are per host (as in the URL, with its port) and shared by every worker and profile
of the crawl: at most `DEBTCORPUS_HOST_LIMIT` (default CONCURRENT_REQUESTS_PER_DOMAIN)
requests in flight at a host, and with DOWNLOAD_DELAY set, requests to a host handed out no
faster than one per delay. A lease expires on its own after `DEBTCORPUS_HOST_LEASE_TTL`
seconds; a dead worker's leases are returned by the worker that reclaims its requests.

Redis keys, for crawl prefix P, profile S, host H and worker W:
  P:S:ready         sorted set of the hosts with queued requests, scored by ready time (ms)
  P:S:q:H           host H's serialized requests, scored by -priority (the most urgent first)
  P:S:seen          the seen-set (crawler/seen.py): the cuckoo filter's table or the Bloom
                    filter's bitmap; or P:S:dupefilter with DEBTCORPUS_SEEN_SET=exact (a set
                    of request fingerprints)
  P:S:seen:N        with DEBTCORPUS_SEEN_SET=gcs, the Golomb-coded set's parts (N = 0, 1, ...)
  P:S:seen:stash    the cuckoo filter's or Golomb-coded set's stash (set of what a full
                    table could not place)
  P:S:inflight:W    set of the requests W popped and has not finished
  P:host:H          sorted set of the leases out at H, "<worker>|<n>" scored by expiry (ms)
  P:host:H:next     the earliest time (ms) of H's next request when a delay is set
  P:host:H:waiting  the workers that found H with all its leases out, by when (ms)
  P:hosts           set of the lease keys in use (to find a dead worker's leases)
  P:frontiers       set of the ready keys of the crawl's profiles (a returned lease
                    readies its host in each)
The scripts build the host keys from the host names they read, so the crawl needs one Redis
server (not a Redis Cluster).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # redis is imported only by a distributed crawl (7 MB otherwise)
    from redis import Redis

from crawler.cuckoo import CUCKOO_LUA
from crawler.gcs import GCS_LUA, GcsShape
from crawler.seen import SeenShape

# a host with all its leases out is looked at again after this long (ms), unless a lease
# comes back first; a worker that found it full asks again as often
RECHECK_MS = 100
# hosts looked at by one pop before it gives up (those not poppable are rescored)
CANDIDATES = 32

_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""
# A host that was not in the ready set enters it at its next allowed time.
_READY_HOST = """
local function ready_host(ready, host, next_key)
  if not redis.call('ZSCORE', ready, host) then
    redis.call('ZADD', ready, tonumber(redis.call('GET', next_key) or '0'), host)
  end
end
"""
# push's answers: the request was seen already; queued; queued, and the seen-set's table
# was full, so a fingerprint went to its stash
SEEN, QUEUED, STASHED = 0, 1, 2
# KEYS: seen-set, ready, host queue, host next, stash. ARGV: seen mode (cuckoo, bloom,
# gcs, exact or none), host, score, request, then the seen-set's marks: bucket, fingerprint,
# buckets, fingerprint bits, kicks, stash member (cuckoo), GcsShape.marks() (gcs), the bit
# positions (bloom) or the fingerprint (exact). Marks the request seen and queues it in one
# step, or does neither.
PUSH_LUA = (
    _READY_HOST
    + CUCKOO_LUA
    + GCS_LUA
    + """
local mode, queued = ARGV[1], 1
if mode == 'gcs' then
  queued = gcs(KEYS[1], KEYS[5], ARGV, 5).push()
  if queued == 0 then return 0 end
elseif mode == 'cuckoo' then
  local filter = cuckoo(KEYS[1], KEYS[5], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]))
  local bucket, fingerprint = tonumber(ARGV[5]), tonumber(ARGV[6])
  if filter.has(bucket, fingerprint, ARGV[10]) then return 0 end
  queued = filter.add(bucket, fingerprint, ARGV[10])
elseif mode == 'exact' then
  if redis.call('SADD', KEYS[1], ARGV[5]) == 0 then return 0 end
elseif mode == 'bloom' then
  local seen = true
  for i = 5, #ARGV do
    if redis.call('GETBIT', KEYS[1], ARGV[i]) == 0 then seen = false break end
  end
  if seen then return 0 end
  for i = 5, #ARGV do redis.call('SETBIT', KEYS[1], ARGV[i], 1) end
end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
ready_host(KEYS[2], ARGV[2], KEYS[4])
return queued
"""
)
# Does this worker, holding a lease at the host already, leave a free one to a worker that
# found the host full lately? (Else the worker whose response just came back would always
# take the lease it returned, and the others would never get the host.)
_YIELDS = """
local function yields(leases, waiting, worker, now, recheck)
  redis.call('ZREMRANGEBYSCORE', waiting, '-inf', now - 2 * recheck)
  local others = redis.call('ZCARD', waiting)
  if redis.call('ZSCORE', waiting, worker) then others = others - 1 end
  if others == 0 then return false end
  for _, lease in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
    if string.sub(lease, 1, #worker + 1) == worker .. '|' then return true end
  end
  return false
end
"""
# KEYS: ready, in-flight. ARGV: "P:S:q:", "P", lease id, limit, delay ms, lease ttl ms,
# recheck ms, candidates, worker. Returns {request, host}, or {'', ms until a host may be
# ready} ({'', -1}: nothing queued).
POP_LUA = (
    _NOW
    + _YIELDS
    + """
local limit, delay, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local recheck, worker, yielded = tonumber(ARGV[7]), ARGV[9], false
local hosts = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[8]))
for _, host in ipairs(hosts) do
  local queue, leases = ARGV[1] .. host, ARGV[2] .. ':host:' .. host
  local next_at = tonumber(redis.call('GET', leases .. ':next') or '0')
  local waiting = leases .. ':waiting'
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  local popped = redis.call('ZRANGE', queue, 0, 0)
  if #popped == 0 then
    redis.call('ZREM', KEYS[1], host)
  elseif next_at > now then
    redis.call('ZADD', KEYS[1], next_at, host)
  elseif redis.call('ZCARD', leases) >= limit then
    redis.call('ZADD', KEYS[1], now + recheck, host)
    redis.call('ZADD', waiting, now, worker)
    redis.call('PEXPIRE', waiting, 10 * recheck)
  elseif yields(leases, waiting, worker, now, recheck) then
    yielded = true
  else
    redis.call('ZREM', queue, popped[1])
    redis.call('SADD', KEYS[2], popped[1])
    redis.call('ZADD', leases, now + ttl, ARGV[3])
    redis.call('SADD', ARGV[2] .. ':hosts', leases)
    redis.call('ZREM', waiting, worker)
    if delay > 0 then redis.call('SET', leases .. ':next', now + delay, 'PX', delay + 1000) end
    if redis.call('ZCARD', queue) == 0 then redis.call('ZREM', KEYS[1], host)
    else redis.call('ZADD', KEYS[1], now + delay, host) end
    return {popped[1], host}
  end
end
if yielded then return {'', recheck} end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return {'', -1} end
return {'', math.max(0, tonumber(first[2]) - now)}
"""
)
# KEYS: the host's leases, P:frontiers. ARGV: lease, host. The host is ready again in every
# profile's ready set that has it, at once or when its delay allows.
RELEASE_LUA = (
    _NOW
    + """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local at = math.max(now, tonumber(redis.call('GET', KEYS[1] .. ':next') or '0'))
for _, ready in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('ZADD', ready, 'XX', 'LT', at, ARGV[2])
end
return 1
"""
)
# KEYS: in-flight, host queue, ready, host next. ARGV: request, score, '1' to queue it again
# (else it is only dropped from the in-flight set), host.
RECLAIM_LUA = (
    _READY_HOST
    + """
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  ready_host(KEYS[3], ARGV[4], KEYS[4])
end
return 1
"""
)


@dataclass(frozen=True)
class HostPolicy:
    """What every host is allowed: requests in flight at once, and the time between two."""

    limit: int
    delay_ms: int
    lease_ttl_ms: int

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"DEBTCORPUS_HOST_LIMIT must be 1 or more, not {self.limit}")


def host_limit(settings: Any) -> int:
    """Requests in flight per host: DEBTCORPUS_HOST_LIMIT, else CONCURRENT_REQUESTS_PER_DOMAIN."""
    return int(
        settings.getint("DEBTCORPUS_HOST_LIMIT")
        or settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    )


def host_policy(settings: Any) -> HostPolicy:
    ttl = settings.getfloat("DEBTCORPUS_HOST_LEASE_TTL") or default_lease_ttl(settings)
    delay = settings.getfloat("DOWNLOAD_DELAY")
    return HostPolicy(host_limit(settings), int(delay * 1000), int(ttl * 1000))


def default_lease_ttl(settings: Any) -> float:
    """Long enough for a request that waits out its worker's own delays and then times out:
    a lease outliving its request would only hold back a slot until it expires."""
    waiting = settings.getfloat("AUTOTHROTTLE_MAX_DELAY") * settings.getint(
        "CONCURRENT_REQUESTS_PER_DOMAIN"
    )
    return float(settings.getfloat("DOWNLOAD_TIMEOUT") + waiting + 60.0)


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one profile's queue in one distributed crawl."""

    prefix: str
    profile: str

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, self.profile, *parts))

    @property
    def ready(self) -> str:
        return self.key("ready")

    @property
    def dupefilter(self) -> str:
        return self.key("dupefilter")

    @property
    def seen(self) -> str:
        return self.key("seen")

    @property
    def stash(self) -> str:
        return self.key("seen", "stash")

    @property
    def seen_shape(self) -> str:
        """The seen-set's kind and size, as the crawl's first worker made it."""
        return self.key("seen-shape")

    @property
    def shared(self) -> tuple[str, ...]:
        """The keys every worker of the crawl uses (not one worker's own), but for the parts
        of a Golomb-coded set (`seen_parts`)."""
        return (self.ready, self.seen, self.stash, self.seen_shape, self.dupefilter, self.workers)

    def seen_parts(self, server: Redis) -> list[str]:
        """The Golomb-coded set's parts in Redis (`<seen>:0`, `<seen>:1`, ...)."""
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.seen) + ":[0-9]*"
        return [_text(key) for key in server.scan_iter(match=pattern, count=1000)]

    @property
    def workers(self) -> str:
        return self.key("workers")

    def alive(self, worker: str) -> str:
        return self.key("alive", worker)


@dataclass(frozen=True)
class Popped:
    data: bytes
    host: str
    lease: str


class Frontier:
    """One profile's per-host queues in one distributed crawl, as one worker sees them."""

    def __init__(self, server: Redis, prefix: str, profile: str, worker: str,
                 policy: HostPolicy, shape: SeenShape | None) -> None:  # fmt: skip
        self.server, self.prefix, self.profile, self.worker = server, prefix, profile, worker
        self.policy, self.shape = policy, shape
        self.keys = RunKeys(prefix, profile)
        self._numbers = itertools.count()
        scripts = {"push": PUSH_LUA, "pop": POP_LUA, "reclaim": RECLAIM_LUA}
        self.scripts = {name: server.register_script(lua) for name, lua in scripts.items()}

    def key(self, *parts: str) -> str:
        return self.keys.key(*parts)

    @property
    def ready(self) -> str:
        return self.keys.ready

    @property
    def seen(self) -> str:
        return self.keys.seen if self.shape else self.keys.dupefilter

    def seen_parts(self) -> list[str]:
        """The keys of the seen-set's parts, if it has any (the Golomb-coded set's)."""
        return self.shape.part_keys(self.seen) if isinstance(self.shape, GcsShape) else []

    def queue(self, host: str) -> str:
        return self.key("q", host)

    def inflight(self, worker: str) -> str:
        return self.key("inflight", worker)

    def join(self) -> None:
        self.server.sadd(f"{self.prefix}:frontiers", self.ready)

    def push(self, data: bytes, host: str, priority: int, fingerprint: str,
             unfiltered: bool) -> int:  # fmt: skip
        """Queue a request unless the seen-set has it: SEEN (0, false), QUEUED or STASHED."""
        keys, args = self.push_args(data, host, priority, fingerprint, unfiltered)
        return int(self.scripts["push"](keys=keys, args=args))

    def push_args(self, data: bytes, host: str, priority: int, fingerprint: str,
                  unfiltered: bool) -> tuple[list[str], list[bytes | str | int]]:  # fmt: skip
        """The keys and arguments of PUSH_LUA for one request (pipelines send many)."""
        marks: list[str | int]
        if unfiltered:
            mode, marks = "none", []
        elif self.shape is None:
            mode, marks = "exact", [fingerprint]
        else:
            mode, marks = self.shape.mode, list(self.shape.marks(fingerprint))
        keys = [self.seen, self.ready, self.queue(host), f"{self.prefix}:host:{host}:next"]
        return [*keys, self.keys.stash], [mode, host, -priority, data, *marks]

    def pop(self) -> Popped | float:
        """A request this worker may fetch now, with its lease; else the seconds until a
        host is ready (-1: nothing is queued)."""
        lease = f"{self.worker}|{next(self._numbers)}"
        policy = self.policy
        args: list[str | int] = [self.key("q", ""), self.prefix, lease, policy.limit]
        args += [policy.delay_ms, policy.lease_ttl_ms, RECHECK_MS, CANDIDATES, self.worker]
        data, answer = self.scripts["pop"](keys=[self.ready, self.inflight(self.worker)], args=args)
        if data:
            return Popped(bytes(data), _text(answer), lease)
        return -1.0 if int(answer) < 0 else int(answer) / 1000

    def requeue(self, worker: str, data: bytes, host: str, priority: int, again: bool) -> bool:
        """Take a request out of a worker's in-flight set, queued again when `again`."""
        keys = [self.inflight(worker), self.queue(host), self.ready]
        keys.append(f"{self.prefix}:host:{host}:next")
        args: list[bytes | str | int] = [data, -priority, "1" if again else "0", host]
        return bool(self.scripts["reclaim"](keys=keys, args=args))

    def pending(self) -> int:
        """How many hosts have queued requests."""
        return int(self.server.zcard(self.ready))

    def queued_keys(self) -> list[str]:
        """The keys of the hosts' queues that hold requests now."""
        hosts = (_text(host) for host, _ in self.server.zscan_iter(self.ready))
        return [self.queue(host) for host in hosts]


class RedisLeases:
    """Returns the leases the frontier handed out (the downloader middleware's side)."""

    def __init__(self, server: Redis, prefix: str) -> None:
        self.server, self.prefix = server, prefix
        self._release = server.register_script(RELEASE_LUA)

    def key(self, host: str) -> str:
        return f"{self.prefix}:host:{host}"

    def release(self, host: str, lease: str) -> bool:
        keys = [self.key(host), f"{self.prefix}:frontiers"]
        return bool(self._release(keys=keys, args=[lease, host]))

    def in_use(self, host: str) -> int:
        return int(self.server.zcard(self.key(host)))


def release_worker(server: Redis, prefix: str, worker: str) -> int:
    """Return every lease a (dead or stopping) worker holds; how many there were."""
    released = 0
    leases = RedisLeases(server, prefix)
    for key in server.smembers(f"{prefix}:hosts"):
        members = cast(list[bytes], server.zrange(key, 0, -1))
        host = _text(key).removeprefix(f"{prefix}:host:")
        for member in members:
            if _holder(member) == worker:
                released += leases.release(host, _text(member))
    return released


def _holder(lease: bytes | str) -> str:
    return _text(lease).rpartition("|")[0]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
