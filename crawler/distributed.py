"""Distributed crawls: many worker processes share one frontier in Redis.

`python -m crawler --redis URL ...` switches Scrapy's scheduler to a scrapy-redis scheduler
with debtcorpus's own queues. Every worker of a crawl runs the same profile(s) with the same
key prefix; the first to start seeds the frontier with the profile's start URLs (the shared
seen-set drops the others' copies), then all of them take requests until it is empty.

Requests wait in a per-host frontier (crawler/frontier.py): one queue per host and per
host the time it may next be fetched, so a worker takes the next request from any host whose
politeness (concurrency lease, delay) allows it now, and a worker's own CONCURRENT_REQUESTS
is its own setting: nothing it pops has to wait in it for a host.

Nothing is lost when a worker dies (SIGKILL, machine lost). A worker moves each request it
pops into its own *in-flight* set in the same atomic step (a Lua script), and removes it
once the page is stored. Every worker refreshes a heartbeat key with a TTL; a worker whose
heartbeat has expired is dead, and any live worker puts that worker's in-flight requests
back on their hosts' queues, except those whose page row is already in the database (stored,
but the worker died before it could say so), and returns its leases. Enqueueing is atomic
too (seen-set and queue entry in one step), so a kill never leaves a URL marked seen but
never queued.

Outages are waited out, never mistaken for the end. Every Redis call (enqueue, pop, reclaim,
leases, heartbeats) retries with backoff for up to DEBTCORPUS_REDIS_RETRY_SECONDS (redis-py's
Retry; the outage is logged once); PostgreSQL writes retry in the pipeline
(DEBTCORPUS_STORE_RETRY_SECONDS). Past those budgets the worker stops and its run ends
`incomplete`, with a non-zero exit; its in-flight requests stay in Redis for the others.

A worker stops when the queue has been empty, and no worker has had anything in flight, for
the idle timeout. The last worker to stop closes the crawl run; each one records its own
counts under the run's stats["workers"][worker id].

Redis keys, for prefix P and profile S (the frontier's own: crawler/frontier.py):
  P:S:workers       set of worker ids that joined
  P:S:alive:W       heartbeat of worker W (expires after the heartbeat TTL)
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import threading
import time
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.settings import SETTINGS_PRIORITIES, Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.request import request_from_dict
from scrapy_redis import connection, picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.task import LoopingCall

from corpus.crawl_contract import DEFAULT_HEARTBEAT_TTL_S, DEFAULT_IDLE_TIMEOUT_S
from corpus.fetches import FetchedPage
from corpus.models import CrawlRun, Page
from corpus.run_records import finish_run
from corpus.store import Store
from crawler.frontier import STASHED, Frontier, Popped, RunKeys, host_policy, release_worker
from crawler.gcs import GcsShape
from crawler.pipelines import PAGES, REDIS_FAILED
from crawler.politeness import LEASE_META, host_of
from crawler.seen import SeenSetError, seen_shape

logger = logging.getLogger(__name__)

DEFAULT_REDIS_RETRY_S = 300.0
# how often an idle worker looks at the shared queue (seconds)
IDLE_POLL_S = 0.5
REDIS_BACKOFF_CAP_S = 1.0
# how often the per-host queues' expiry is pushed back (one key per host)
KEEP_QUEUES_EVERY_S = 3600.0
# stats key: URLs whose push found the seen-set's table full (a fingerprint stashed)
SEEN_STASHED = "debtcorpus/seen/stashed"
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


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def prefix_for(args: argparse.Namespace) -> str:
    return str(args.redis_prefix or f"debtcorpus:run{args.run_id}")


def apply_settings(settings: Settings, args: argparse.Namespace) -> None:
    """Switch the scheduler and duplicate filter to the shared Redis frontier. Applied after
    the user's `-s` overrides, which it keeps: the per-host limits and the worker's own
    CONCURRENT_REQUESTS are what the user gave, or the defaults."""
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
    host_policy(settings)  # and so is a per-host limit that cannot


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
        self.shape = seen_shape(settings)
        self.policy = host_policy(settings)
        self.keep_seconds = int(settings.getfloat("DEBTCORPUS_REDIS_KEEP_DAYS", 7.0) * 86400)
        self.queues_kept_at = 0.0
        self.wake_call: Any = None
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_done, signal=signal)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.keys = RunKeys(self.prefix, spider.profile.name)
        self.frontier = Frontier(
            self.server, self.prefix, spider.profile.name, self.worker, self.policy, self.shape
        )
        self.df = RFPDupeFilter(self.server, key=self.keys.dupefilter)
        self.frontier.join()
        self.server.sadd(self.keys.workers, self.worker)
        self.beat()
        self.stop_beating = threading.Event()
        threading.Thread(target=self.keep_beating, name="redis-heartbeat", daemon=True).start()
        self.reclaimer = LoopingCall(self.reclaim_dead_workers)
        self.reclaimer.start(max(self.heartbeat_ttl / 3, 0.5), now=False)
        if pending := self.frontier.pending():
            logger.info("joining a crawl with requests queued for %d hosts", pending)

    def __len__(self) -> int:
        """Hosts with queued requests (the engine only asks whether there are any)."""
        return self.frontier.pending()

    def encode(self, request: Request) -> bytes:
        serializer = self.serializer or picklecompat  # scrapy-redis's queues' default
        return bytes(serializer.dumps(request.to_dict(spider=self.spider)))

    def decode(self, data: bytes) -> Request:
        serializer = self.serializer or picklecompat
        return request_from_dict(serializer.loads(data), spider=self.spider)

    def enqueue_request(self, request: Request) -> bool:
        try:
            return self._enqueue(request)
        except REDIS_ERRORS as exc:
            self.give_up(exc)
            return False

    def _enqueue(self, request: Request) -> bool:
        fingerprint = self.df.request_fingerprint(request)
        data, host = self.encode(request), host_of(request.url)
        queued = self.frontier.push(data, host, request.priority, fingerprint, request.dont_filter)
        if not queued:
            self.df.log(request, self.spider)
            return False
        if queued == STASHED:
            if not self.stats.get_value(SEEN_STASHED):
                logger.warning(
                    "the seen-set's table is full (more URLs than DEBTCORPUS_SEEN_URLS): what "
                    "it cannot place goes to its exact stash, which grows by about 80 bytes a URL"
                )
            self.stats.inc_value(SEEN_STASHED)
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        try:
            popped = self.frontier.pop()
        except REDIS_ERRORS as exc:
            self.give_up(exc)
            return None
        if not isinstance(popped, Popped):
            if popped >= 0:  # a host is ready then: the engine would look only at its heartbeat
                self._look_again_soon(min(popped, IDLE_POLL_S))
            return None
        request = self.decode(popped.data)
        request.meta[LEASE_META] = (popped.host, popped.lease)
        self.popped.setdefault(request.url, []).append(popped.data)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def item_done(self, item: Any, **_: Any) -> None:
        """The page is stored: its request is no longer in flight."""
        if not isinstance(item, FetchedPage):
            return  # a URL recorded as not fetched was never popped
        done = [d for url in {item.url, item.final_url} for d in self.popped.pop(url, [])]
        if done:
            try:
                self.server.srem(self.frontier.inflight(self.worker), *done)
            except REDIS_ERRORS as exc:
                self.give_up(exc)  # left in flight: a live worker reclaims it, stored already

    def beat(self) -> None:
        """I am alive; and the crawl's shared keys live on for DEBTCORPUS_REDIS_KEEP_DAYS
        after the last worker's last beat (a crawl nobody resumes does not stay forever)."""
        pipe = self.server.pipeline()
        pipe.set(self.keys.alive(self.worker), "1", px=int(self.heartbeat_ttl * 1000))
        kept = [*self.keys.shared, *self.frontier.seen_parts()]
        if time.monotonic() - self.queues_kept_at > KEEP_QUEUES_EVERY_S:
            kept += self.frontier.queued_keys()  # one key per host: not at every beat
            self.queues_kept_at = time.monotonic()
        for key in kept:
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
        if self.stats.get_value(REDIS_FAILED):
            return
        logger.error("Redis was unavailable too long (%s); stopping this worker", exc)
        self.stats.set_value(REDIS_FAILED, str(exc))
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis-unavailable"))

    def _members(self, key: str) -> list[str]:
        return [m.decode() if isinstance(m, bytes) else m for m in self.server.smembers(key)]

    def reclaim(self, worker: str) -> None:
        """Queue a dead worker's unfinished requests again (those without a stored page)."""
        inflight = self.frontier.inflight(worker)
        entries = list(self.server.smembers(inflight))
        requests = [self.decode(data) for data in entries]
        stored = self.stored_urls([r.url for r in requests])
        for data, request in zip(entries, requests, strict=True):
            again = request.url not in stored
            host = host_of(request.url)
            if self.frontier.requeue(worker, data, host, request.priority, again):
                outcome = "requeued" if again else "already_stored"
                self.stats.inc_value(f"debtcorpus/redis/reclaimed/{outcome}")
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
        if self.stats.get_value(REDIS_FAILED):
            return
        try:
            self._keep_open_while_work_may_come()
        except REDIS_ERRORS as exc:
            self.give_up(exc)

    def _keep_open_while_work_may_come(self) -> None:
        # The engine is idle, so everything this worker popped has been handled.
        self.popped.clear()
        self.server.delete(self.frontier.inflight(self.worker))
        self.reclaim_dead_workers()
        if self.frontier.pending() or self.others_busy():
            self.idle_since = None
            self._look_again_soon(IDLE_POLL_S)
            raise DontCloseSpider
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.idle_timeout:
            self._look_again_soon(IDLE_POLL_S)
            raise DontCloseSpider

    def _look_again_soon(self, seconds: float) -> None:
        """An engine that got no request asks the scheduler again only when a download ends
        or at its 5 s heartbeat; hosts that become ready (their delay passed, a lease came
        back, another worker queued requests) would wait for it, so the engine is woken when
        the next host is ready, and an idle one every IDLE_POLL_S. One wake-up at a time."""
        from twisted.internet import reactor  # the running one (imported late: Scrapy installs it)

        if self.wake_call is not None and self.wake_call.active():
            return
        clock: Any = reactor  # twisted's interface stubs do not type-check callLater
        self.wake_call = clock.callLater(seconds, self._wake_engine)

    def _wake_engine(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)  # Scrapy's engine has no public hook
        if slot is not None:
            slot.nextcall.schedule()

    def others_busy(self) -> bool:
        workers = [w for w in self._members(self.keys.workers) if w != self.worker]
        return any(self.server.scard(self.frontier.inflight(w)) for w in workers)

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
            self.server.delete(self.frontier.inflight(self.worker))
        else:
            self.reclaim(self.worker)  # stopped early: hand unfinished work back now
        self.server.srem(self.keys.workers, self.worker)
        self.server.delete(self.keys.alive(self.worker))


def claim_seen_sets(settings: Settings, args: argparse.Namespace, profiles: list[str]) -> None:
    """The first worker of a crawl records its seen-set's kind and size in Redis; a worker or
    a resume whose settings give another is refused in one line, before it starts: reading a
    seen-set with another shape takes new URLs for seen ones (and loses them) or the reverse."""
    shape = seen_shape(settings)
    wanted = repr(shape) if shape else "exact"
    server = connection.from_settings(
        Settings({"REDIS_URL": args.redis, "REDIS_PARAMS": redis_params(DEFAULT_REDIS_RETRY_S)})
    )
    for name in profiles:
        keys = RunKeys(prefix_for(args), name)
        unrecorded_table = not server.exists(keys.seen_shape) and server.exists(keys.seen)
        if unrecorded_table and (shape is None or isinstance(shape, GcsShape)):
            # made before shapes were recorded, when the cuckoo filter was the default
            raise SeenSetError(_other_seen_set(name, "a cuckoo or Bloom filter"))
        server.set(keys.seen_shape, wanted, nx=True)
        made = server.get(keys.seen_shape)
        made = made.decode() if isinstance(made, bytes) else str(made)
        if made != wanted:
            raise SeenSetError(_other_seen_set(name, made))


def _other_seen_set(profile: str, made: str) -> str:
    return (
        f"this crawl's seen-set for {profile} in Redis is {made}, not what this worker's "
        "settings give; start it with the DEBTCORPUS_SEEN_SET, DEBTCORPUS_SEEN_URLS and "
        "DEBTCORPUS_SEEN_ERROR_RATE the crawl began with (docs/distributed.md)"
    )


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
        if status == "finished":  # nothing is left to resume: the frontier and seen-set go
            for name in profiles:
                keys = RunKeys(prefix, name)
                server.delete(*keys.shared, *keys.seen_parts(server))
            server.delete(f"{prefix}:frontiers", f"{prefix}:hosts")


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
