"""Distributed crawls: many worker processes share one request queue in Redis (scrapy-redis).

`python -m crawler --redis URL ...` switches Scrapy's scheduler and duplicate filter to
scrapy-redis. Every worker of a crawl runs the same profile(s) with the same key prefix; the
first to start seeds the queue with the profile's start URLs (the shared duplicate filter
drops the others' copies), then all of them take requests from the queue until it is empty.

Nothing is lost when a worker dies (SIGKILL, machine lost). A worker moves each request it
pops into its own *in-flight* set in the same atomic step (a Lua script), and removes it
once the page is stored. Every worker refreshes a heartbeat key with a TTL; a worker whose
heartbeat has expired is dead, and any live worker puts that worker's in-flight requests
back on the queue, except those whose page row is already in the database (stored, but the
worker died before it could say so). Enqueueing is atomic too (fingerprint and queue entry in
one step), so a kill never leaves a URL marked seen but never queued.

Outages are waited out, never mistaken for the end. Every Redis call (enqueue, pop, reclaim,
leases, heartbeats) retries with backoff for up to DEBTCORPUS_REDIS_RETRY_SECONDS (redis-py's
Retry; the outage is logged once); PostgreSQL writes retry in the pipeline
(DEBTCORPUS_STORE_RETRY_SECONDS). Past those budgets the worker stops and its run ends
`incomplete`, with a non-zero exit; its in-flight requests stay in Redis for the others.

A worker stops when the queue has been empty, and no worker has had anything in flight, for
the idle timeout. The last worker to stop closes the crawl run; each one records its own
counts under the run's stats["workers"][worker id].

Redis keys, for prefix P and profile S:
  P:S:requests      sorted set of serialized requests (scrapy-redis PriorityQueue)
  P:S:seen          Bloom filter of the URLs ever queued (crawler/seen.py), or, with
  P:S:dupefilter    DEBTCORPUS_SEEN_SET=exact, the set of request fingerprints (scrapy-redis)
  P:S:workers       set of worker ids that joined
  P:S:alive:W       heartbeat of worker W (expires after the heartbeat TTL)
  P:S:inflight:W    set of serialized requests worker W popped and has not finished
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.settings import SETTINGS_PRIORITIES, Settings
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.task import LoopingCall

from corpus.crawl_contract import DEFAULT_HEARTBEAT_TTL_S, DEFAULT_IDLE_TIMEOUT_S
from corpus.ingest import FetchedPage
from corpus.models import CrawlRun, Page
from corpus.run_records import finish_run
from corpus.store import Store
from crawler.pipelines import PAGES
from crawler.politeness import release_worker
from crawler.seen import BLOOM_ENQUEUE_LUA, seen_shape

logger = logging.getLogger(__name__)

DEFAULT_REDIS_RETRY_S = 300.0
# how often an idle worker looks at the shared queue (seconds)
IDLE_POLL_S = 0.5
REDIS_BACKOFF_CAP_S = 1.0
# stats key: Redis stayed away longer than the retry budget (the run is incomplete)
REDIS_FAILED = "debtcorpus/redis_failed"
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class LoggedRetry(Retry):
    """redis-py's Retry, logging the first failure of an outage and its end, once each."""

    _outage_lock = threading.Lock()
    _in_outage = False

    def call_with_retry(self, do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
        def noted(error: Exception, *rest: Any) -> Any:
            with LoggedRetry._outage_lock:
                if not LoggedRetry._in_outage:
                    logger.warning("Redis is unavailable (%s); waiting for it", error)
                    LoggedRetry._in_outage = True
            return fail(error, *rest)

        result = super().call_with_retry(do, noted, *args, **kwargs)
        with LoggedRetry._outage_lock:
            if LoggedRetry._in_outage:
                logger.warning("Redis is back")
                LoggedRetry._in_outage = False
        return result


def redis_params(budget_s: float) -> dict[str, Any]:
    """Client parameters that wait out a Redis outage of up to `budget_s` seconds."""
    retries = max(3, int(budget_s / REDIS_BACKOFF_CAP_S) + 5)
    return {
        "retry": LoggedRetry(ExponentialBackoff(cap=REDIS_BACKOFF_CAP_S, base=0.05), retries),
        "retry_on_error": list(REDIS_ERRORS),
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }


# Mark the fingerprint seen and queue the request in one step, or do neither.
ENQUEUE_LUA = """
if ARGV[4] == '0' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Pop the most urgent request and record it as this worker's in-flight work in one step.
POP_LUA = """
local popped = redis.call('ZRANGE', KEYS[1], 0, 0)
if #popped == 0 then return false end
redis.call('ZREM', KEYS[1], popped[1])
redis.call('SADD', KEYS[2], popped[1])
return popped[1]
"""
# Take one request out of a dead worker's in-flight set; queue it again when asked.
RECLAIM_LUA = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) end
return 1
"""


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one profile's queue in one distributed crawl."""

    prefix: str
    profile: str

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, self.profile, *parts))

    @property
    def requests(self) -> str:
        return self.key("requests")

    @property
    def dupefilter(self) -> str:
        return self.key("dupefilter")

    @property
    def seen(self) -> str:
        return self.key("seen")

    @property
    def shared(self) -> tuple[str, ...]:
        """The keys every worker of the crawl uses (not one worker's own)."""
        return (self.requests, self.seen, self.dupefilter, self.workers)

    @property
    def workers(self) -> str:
        return self.key("workers")

    def alive(self, worker: str) -> str:
        return self.key("alive", worker)

    def inflight(self, worker: str) -> str:
        return self.key("inflight", worker)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def prefix_for(args: argparse.Namespace) -> str:
    return str(args.redis_prefix or f"debtcorpus:run{args.run_id}")


def apply_settings(settings: Settings, args: argparse.Namespace) -> None:
    """Switch the scheduler and duplicate filter to the shared Redis queue. Applied after the
    user's `-s` overrides, so that the per-worker limits below follow them."""
    budget = settings.getfloat("DEBTCORPUS_REDIS_RETRY_SECONDS", DEFAULT_REDIS_RETRY_S)
    values = {
        "SCHEDULER": "crawler.distributed.ReliableScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": args.redis,
        "DEBTCORPUS_REDIS_PREFIX": prefix_for(args),
        "DEBTCORPUS_WORKER_ID": default_worker_id(),
        "DEBTCORPUS_IDLE_TIMEOUT": args.idle_timeout,
        "DEBTCORPUS_HEARTBEAT_TTL": args.heartbeat_ttl,
        "REDIS_PARAMS": redis_params(budget),
    }
    for name, value in values.items():
        if not _set_by_user(settings, name):
            settings.set(name, value, priority="cmdline")
    seen_shape(settings)  # a seen-set that cannot work is refused before the crawl starts
    if not _set_by_user(settings, "CONCURRENT_REQUESTS"):
        # Take from the shared queue only what can be fetched at once: requests waiting in
        # one worker's downloader (throttled per site) would starve the other workers.
        per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        settings.set("CONCURRENT_REQUESTS", per_host, priority="cmdline")


def _set_by_user(settings: Settings, name: str) -> bool:
    """Did `-s NAME=...` set it (cmdline priority)? Those stay as the user gave them."""
    return (settings.getpriority(name) or 0) >= SETTINGS_PRIORITIES["cmdline"]


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler with atomic enqueue, in-flight tracking and dead-worker
    recovery; see the module docstring."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReliableScheduler:
        scheduler: ReliableScheduler = super().from_crawler(crawler)
        scheduler.setup(crawler)
        return scheduler

    def setup(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.worker = str(settings.get("DEBTCORPUS_WORKER_ID") or default_worker_id())
        self.prefix = str(settings.get("DEBTCORPUS_REDIS_PREFIX"))
        self.idle_timeout = settings.getfloat("DEBTCORPUS_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT_S)
        self.heartbeat_ttl = settings.getfloat("DEBTCORPUS_HEARTBEAT_TTL", DEFAULT_HEARTBEAT_TTL_S)
        self.db = settings.get("DEBTCORPUS_DB")
        self.store: Store | None = None
        self.popped: dict[str, list[bytes]] = {}
        self.idle_since: float | None = None
        self.bloom = seen_shape(settings)
        self.keep_seconds = int(settings.getfloat("DEBTCORPUS_REDIS_KEEP_DAYS", 7.0) * 86400)
        scripts = {"enqueue": ENQUEUE_LUA, "bloom_enqueue": BLOOM_ENQUEUE_LUA}
        scripts |= {"pop": POP_LUA, "reclaim": RECLAIM_LUA}
        self.scripts = {name: self.server.register_script(lua) for name, lua in scripts.items()}
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_done, signal=signal)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.keys = RunKeys(self.prefix, spider.profile.name)
        self.queue = PriorityQueue(self.server, spider, self.keys.requests, self.serializer)
        self.df = RFPDupeFilter(self.server, key=self.keys.dupefilter)
        self.server.sadd(self.keys.workers, self.worker)
        self.beat()
        self.stop_beating = threading.Event()
        threading.Thread(target=self.keep_beating, name="redis-heartbeat", daemon=True).start()
        self.reclaimer = LoopingCall(self.reclaim_dead_workers)
        self.reclaimer.start(max(self.heartbeat_ttl / 3, 0.5), now=False)
        if len(self.queue):
            logger.info("joining a crawl with %d queued requests", len(self.queue))

    def enqueue_request(self, request: Request) -> bool:
        try:
            return self._enqueue(request)
        except REDIS_ERRORS as exc:
            self.give_up(exc)
            return False

    def _enqueue(self, request: Request) -> bool:
        data = self.queue._encode_request(request)
        fingerprint = self.df.request_fingerprint(request)
        unfiltered = "1" if request.dont_filter else "0"
        if self.bloom is None:
            flags = [fingerprint, -request.priority, data, unfiltered]
            keys = [self.keys.dupefilter, self.keys.requests]
            added = self.scripts["enqueue"](keys=keys, args=flags)
        else:
            flags = [-request.priority, data, unfiltered, *self.bloom.positions(fingerprint)]
            keys = [self.keys.seen, self.keys.requests]
            added = self.scripts["bloom_enqueue"](keys=keys, args=flags)
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
        return True

    def next_request(self) -> Request | None:
        keys = [self.keys.requests, self.keys.inflight(self.worker)]
        try:
            data = self.scripts["pop"](keys=keys)
        except REDIS_ERRORS as exc:
            self.give_up(exc)
            return None
        if not data:
            return None
        request: Request = self.queue._decode_request(data)
        self.popped.setdefault(request.url, []).append(data)
        self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def item_done(self, item: Any, **_: Any) -> None:
        """The page is stored: its request is no longer in flight."""
        if not isinstance(item, FetchedPage):
            return  # a URL recorded as not fetched was never popped
        done = [d for url in {item.url, item.final_url} for d in self.popped.pop(url, [])]
        if done:
            try:
                self.server.srem(self.keys.inflight(self.worker), *done)
            except REDIS_ERRORS as exc:
                self.give_up(exc)  # left in flight: a live worker reclaims it, stored already

    def beat(self) -> None:
        """I am alive; and the crawl's shared keys live on for DEBTCORPUS_REDIS_KEEP_DAYS
        after the last worker's last beat (a crawl nobody resumes does not stay forever)."""
        pipe = self.server.pipeline()
        pipe.set(self.keys.alive(self.worker), "1", px=int(self.heartbeat_ttl * 1000))
        for key in self.keys.shared:
            pipe.expire(key, self.keep_seconds)
        pipe.execute()

    def keep_beating(self) -> None:
        """In a thread: a busy reactor must not make a live worker look dead."""
        while not self.stop_beating.wait(self.heartbeat_ttl / 3):
            try:
                self.beat()
            except Exception:  # Redis away for a moment: try again at the next beat
                logger.warning("could not refresh the heartbeat", exc_info=True)

    def reclaim_dead_workers(self) -> None:
        try:
            for worker in self._members(self.keys.workers):
                if worker != self.worker and not self.server.exists(self.keys.alive(worker)):
                    self.reclaim(worker)
        except (*REDIS_ERRORS, SQLAlchemyError) as exc:
            # a store that stays away is handled where pages are written; the loop goes on
            logger.warning("could not reclaim dead workers' requests now: %s", exc)
            if isinstance(exc, REDIS_ERRORS):
                self.give_up(exc)

    def give_up(self, exc: Exception) -> None:
        """Redis stayed away past the retry budget: stop this worker, its run incomplete."""
        if self.stats.get_value(REDIS_FAILED, spider=self.spider):
            return
        logger.error("Redis was unavailable too long (%s); stopping this worker", exc)
        self.stats.set_value(REDIS_FAILED, str(exc), spider=self.spider)
        self.crawler.engine.close_spider(self.spider, "redis-unavailable")

    def _members(self, key: str) -> list[str]:
        return [m.decode() if isinstance(m, bytes) else m for m in self.server.smembers(key)]

    def reclaim(self, worker: str) -> None:
        """Queue a dead worker's unfinished requests again (those without a stored page)."""
        inflight = self.keys.inflight(worker)
        entries = list(self.server.smembers(inflight))
        requests = [self.queue._decode_request(data) for data in entries]
        stored = self.stored_urls([r.url for r in requests])
        for data, request in zip(entries, requests, strict=True):
            again = request.url not in stored
            args = [data, -request.priority, "1" if again else "0"]
            if self.scripts["reclaim"](keys=[inflight, self.keys.requests], args=args):
                outcome = "requeued" if again else "already_stored"
                self.stats.inc_value(f"debtcorpus/redis/reclaimed/{outcome}", spider=self.spider)
        release_worker(self.server, self.prefix, worker)
        if not self.server.scard(inflight):
            self.server.srem(self.keys.workers, worker)
        if entries:
            logger.warning("worker %s died; reclaimed %d requests", worker, len(entries))

    def stored_urls(self, urls: list[str]) -> set[str]:
        if not urls:
            return set()
        if self.store is None:
            self.store = Store(self.db)
        query = select(Page.url).where(Page.crawl_run_id == self.spider.run_id, Page.url.in_(urls))
        with self.store.session() as session:
            return set(session.scalars(query))

    def spider_idle(self, spider: Any) -> None:
        """Keep the spider open while the crawl may still get work; see the module docstring."""
        if self.stats.get_value(REDIS_FAILED, spider=self.spider):
            return
        try:
            self._keep_open_while_work_may_come()
        except REDIS_ERRORS as exc:
            self.give_up(exc)

    def _keep_open_while_work_may_come(self) -> None:
        # The engine is idle, so everything this worker popped has been handled.
        self.popped.clear()
        self.server.delete(self.keys.inflight(self.worker))
        self.reclaim_dead_workers()
        if len(self.queue) or self.others_busy():
            self.idle_since = None
            self._look_again_soon()
            raise DontCloseSpider
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.idle_timeout:
            self._look_again_soon()
            raise DontCloseSpider

    def _look_again_soon(self) -> None:
        """An idle engine asks the scheduler again only at its 5 s heartbeat; requests that
        other workers queue meanwhile would wait for it (or be taken by a busier worker), so an
        idle worker looks at the shared queue every IDLE_POLL_S instead."""
        from twisted.internet import reactor  # the running one (imported late: Scrapy installs it)

        clock: Any = reactor  # twisted's interface stubs do not type-check callLater
        clock.callLater(IDLE_POLL_S, self._wake_engine)

    def _wake_engine(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)  # Scrapy's engine has no public hook
        if slot is not None:
            slot.nextcall.schedule()

    def others_busy(self) -> bool:
        workers = [w for w in self._members(self.keys.workers) if w != self.worker]
        return any(self.server.scard(self.keys.inflight(w)) for w in workers)

    def close(self, reason: str) -> None:
        self.stop_beating.set()
        if self.reclaimer.running:
            self.reclaimer.stop()
        try:
            self._leave(reason)
        except REDIS_ERRORS as exc:
            logger.error("could not hand this worker's requests back (%s); live workers will", exc)
        if self.store is not None:
            self.store.dispose()

    def _leave(self, reason: str) -> None:
        if reason == "finished":
            self.server.delete(self.keys.inflight(self.worker))
        else:
            self.reclaim(self.worker)  # stopped early: hand unfinished work back now
        self.server.srem(self.keys.workers, self.worker)
        self.server.delete(self.keys.alive(self.worker))


def finish_worker(
    store: Store, args: argparse.Namespace, profiles: list[str], status: str, stats: dict[str, Any]
) -> None:
    """Record this worker's counts on the run; the last worker out closes the run."""
    worker = default_worker_id()
    record_worker_stats(store, args.run_id, worker, status, stats)
    budget = DEFAULT_REDIS_RETRY_S
    server = connection.from_settings(
        Settings({"REDIS_URL": args.redis, "REDIS_PARAMS": redis_params(budget)})
    )
    prefix = prefix_for(args)
    # Dead workers (heartbeat expired) do not keep the run open.
    remaining = [
        worker
        for keys in (RunKeys(prefix, name) for name in profiles)
        for worker in server.smembers(keys.workers)
        if server.exists(keys.alive(worker.decode() if isinstance(worker, bytes) else worker))
    ]
    if not remaining:
        finish_run(store, args.run_id, status, {})
        if status == "finished":  # nothing is left to resume: the queue and seen-set go
            for name in profiles:
                server.delete(*RunKeys(prefix, name).shared)


def record_worker_stats(
    store: Store, run_id: int, worker: str, status: str, stats: dict[str, Any]
) -> None:
    pages = sum(int(s.get(PAGES, 0)) for s in stats.values())
    summary = {"status": status, "pages": pages, "scrapy": stats}
    with store.session() as session:
        run = session.scalars(select(CrawlRun).where(CrawlRun.id == run_id).with_for_update()).one()
        workers = dict(run.stats.get("workers", {}))
        workers[worker] = summary
        run.stats = {**run.stats, "workers": workers}
