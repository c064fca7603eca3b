"""Run one crawl in this process: `python -m crawler --db URL --run-id N (--site P | URL...)`.

`debtcorpus crawl` starts this as a child process, so that corpus/ never imports Scrapy and
every crawl gets a fresh Twisted reactor.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import signal
import socket
import sys
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from corpus.cleaner_pool import kill_pools
from corpus.commands.live import shown_while_running
from corpus.crawl_contract import (
    EXIT_FOR_STATUS,
    UNREACHABLE,
    ExitCode,
    RunStatus,
    crawl_parser,
)
from corpus.crawl_profile import CrawlProfile
from corpus.errors import ConfigError, DebtcorpusError
from corpus.store_calls import StoreCallError, StoreCalls, stop_store_calls, store_calls
from crawler.middlewares import SCHEMA_READY
from crawler.pipelines import REDIS_FAILED, STORE_FAILED
from crawler.robots import UNREACHABLE_HOST
from crawler.spiders.article import ArticleSpider
from crawler.stops import cancel_stop_deadline

PR_SET_PDEATHSIG = 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    return crawl_parser().parse_args(argv)


# run in the crawl's store process (corpus.store_calls): this process imports neither
# SQLAlchemy nor pydantic
FINISH_RUN = "corpus.run_records:finish_run"


def profiles_for(args: argparse.Namespace, calls: StoreCalls) -> list[CrawlProfile]:
    """The resolved, checked profiles (corpus.profiles.crawl_views)."""
    found: list[CrawlProfile] = calls.call(
        "corpus.profiles:crawl_views",
        args.urls,
        args.site,
        args.base_url,
        args.depth,
        tuple(args.allow_domain),
    )
    return found


def crawl_settings(args: argparse.Namespace) -> Settings:
    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DEBTCORPUS_DB", args.db, priority="cmdline")
    settings.set(SCHEMA_READY, True, priority="cmdline")  # `debtcorpus crawl` migrated it
    if args.workers:
        settings.set("DEBTCORPUS_CLEAN_WORKERS", args.workers, priority="cmdline")
    if args.jobdir:
        settings.set("JOBDIR", args.jobdir, priority="cmdline")
    if args.contact:
        settings.set("USER_AGENT", user_agent(args.contact), priority="cmdline")
    for pair in args.set:
        key, value = checked_setting(settings, pair)
        settings.set(key, value, priority="cmdline")
    if args.redis:
        from crawler import distributed  # redis and scrapy-redis: a distributed crawl only

        distributed.apply_settings(settings, args)
    return settings


def checked_setting(settings: Settings, pair: str) -> tuple[str, str]:
    """KEY=VALUE from -s, its value checked against the type of the setting's default."""
    key, equals, value = pair.partition("=")
    if not equals or not key:
        raise ConfigError(f"-s {pair!r}: give a setting as KEY=VALUE, e.g. -s DOWNLOAD_DELAY=1")
    default = settings.get(key)
    try:
        if isinstance(default, bool):
            Settings({key: value}).getbool(key)
        elif isinstance(default, int):
            int(value)
        elif isinstance(default, float):
            float(value)
    except ValueError as exc:
        kind = type(default).__name__
        raise ConfigError(
            f"-s {key}={value!r}: {key} takes a {kind} (its default is {default!r})"
        ) from exc
    return key, value


def user_agent(contact: str) -> str:
    return f"debtcorpus/0.1 (research crawler; contact: {contact})"


def run_status(crawlers: list[Crawler]) -> RunStatus:
    """finished only when every spider finished and every fetched page was stored."""
    stats = [c.stats for c in crawlers if c.stats]
    if any(s.get_value(STORE_FAILED) or s.get_value(REDIS_FAILED) for s in stats):
        return RunStatus.INCOMPLETE
    reasons = [s.get_value("finish_reason") for s in stats]
    if len(reasons) == len(crawlers) and all(r == "finished" for r in reasons):
        return RunStatus.FINISHED
    return RunStatus.INTERRUPTED


def unreachable_sites(profiles: list[CrawlProfile], crawlers: list[Crawler]) -> dict[str, Any]:
    """{site: {host: reason}} of each site nothing could be fetched from, as its robots.txt
    could not be reached (connection refused, DNS, timeout): the crawl crawled nothing there."""
    sites: dict[str, Any] = {}
    for profile, crawler in zip(profiles, crawlers, strict=True):
        values = crawler.stats.get_stats() if crawler.stats else {}
        hosts = {
            key.removeprefix(f"{UNREACHABLE_HOST}/"): value
            for key, value in values.items()
            if key.startswith(f"{UNREACHABLE_HOST}/")
        }
        if hosts and not values.get("downloader/response_count"):
            sites[profile.name] = hosts
    return sites


def die_with_parent() -> None:
    """Linux: get SIGTERM (a clean stop) when `debtcorpus crawl` dies, even by kill -9."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return


class _EarlyStop:
    """SIGINT/SIGTERM before Scrapy installs its handlers (when its reactor starts): noted,
    so that a crawl stopped while it sets up ends `interrupted` without starting, instead of
    a KeyboardInterrupt traceback from inside Scrapy's set-up."""

    def __init__(self) -> None:
        self.signal: int | None = None
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self)

    def __call__(self, number: int, _frame: Any) -> None:
        self.signal = number


def freeze_startup_heap() -> None:
    """Once the engine runs (components built, stores opened, spiders open): move what
    start-up built (Scrapy, Twisted, SQLAlchemy, the models, Alembic's check) out of the
    garbage collector's reach. Each full collection walked all of it with the reactor
    stopped: pauses of 0.1-2.5 s (under load), during which no response was read."""
    gc.freeze()


def run_crawl(args: argparse.Namespace) -> RunStatus:
    """Crawl every profile in one reactor; returns the run's final status."""
    # from here a stop is noted, not raised: the store calls below fork a worker, which an
    # interrupted fork would leave half-started
    early = _EarlyStop()
    calls = store_calls()
    # the run is held by this process, so `crawl --resume` refuses while it lives
    held = None
    if not args.redis:
        where = (os.getpid(), socket.gethostname())
        held = calls.submit("corpus.run_records:hold_run", args.run_id, *where, db=args.db)
    profiles = profiles_for(args, calls)
    if held is not None:
        calls.result(held)
    if early.signal is not None:  # stopped while the fork server warmed up
        return _stopped_before_start(calls, args)
    if not profiles:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    settings = crawl_settings(args)
    if args.redis:
        from crawler import distributed

        distributed.claim_seen_sets(settings, args, [p.name for p in profiles])
    process = CrawlerProcess(settings)
    crawlers: list[Crawler] = []
    for profile in profiles:
        crawler = process.create_crawler(ArticleSpider)
        crawler.signals.connect(freeze_startup_heap, signal=signals.engine_started)
        crawlers.append(crawler)
        neighbours = [other for other in profiles if other is not profile]
        process.crawl(crawler, profile=profile, run_id=args.run_id, neighbours=neighbours)
    if early.signal is not None:
        return _stopped_before_start(calls, args)
    with shown_while_running(args.db, args.run_id) if args.live else contextlib.nullcontext():
        process.start()
    cancel_stop_deadline()
    kill_pools()  # a crawl stopped at once left its cleaners busy: no waiting for them
    calls.take_back()  # the run is closed by a worker of its own
    status = _close_run(calls, args, profiles, crawlers)
    stop_store_calls()
    return status


def _close_run(
    calls: StoreCalls,
    args: argparse.Namespace,
    profiles: list[CrawlProfile],
    crawlers: list[Crawler],
) -> RunStatus:
    """Record the run's end (its status and Scrapy's stats); the status as recorded."""
    status = run_status(crawlers)
    stats = {p.name: _plain_stats(c) for p, c in zip(profiles, crawlers, strict=True)}
    unreachable = unreachable_sites(profiles, crawlers)
    try:
        if args.redis:
            _finish_worker(args, [p.name for p in profiles], status, stats)
        else:
            if unreachable and status == RunStatus.FINISHED:
                status = RunStatus.FAILED  # nothing was crawled from a site: work lost
            summary = {"scrapy": stats, UNREACHABLE: unreachable}
            calls.call(FINISH_RUN, args.run_id, status, summary, db=args.db)
    except StoreCallError as exc:
        # The store is still down: the exit code carries the status to `debtcorpus crawl`.
        print(
            f"could not record the end of run {args.run_id}: {exc.__class__.__name__}",
            file=sys.stderr,
        )
        status = RunStatus.INCOMPLETE if status == RunStatus.FINISHED else status
    return status


def _finish_worker(
    args: argparse.Namespace, names: list[str], status: RunStatus, stats: dict[str, Any]
) -> None:
    """A distributed worker's end (crawler.distributed, which holds its own store)."""
    from sqlalchemy.exc import SQLAlchemyError

    from corpus.store import Store
    from crawler import distributed

    store = Store(args.db)
    try:
        distributed.finish_worker(store, args, names, status, stats)
    except SQLAlchemyError as exc:
        raise StoreCallError(type(exc).__name__) from exc
    finally:
        store.dispose()


def _stopped_before_start(calls: StoreCalls, args: argparse.Namespace) -> RunStatus:
    """Stopped while setting up: nothing was fetched; the run is resumable."""
    if not args.redis:  # a distributed run stays open for its other workers
        calls.call(FINISH_RUN, args.run_id, RunStatus.INTERRUPTED, {}, db=args.db)
    stop_store_calls()
    return RunStatus.INTERRUPTED


def _plain_stats(crawler: Crawler) -> dict[str, Any]:
    values = crawler.stats.get_stats() if crawler.stats else {}
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    die_with_parent()
    try:
        status = run_crawl(args)
    except DebtcorpusError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    return EXIT_FOR_STATUS[status]
