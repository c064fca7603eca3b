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
from sqlalchemy.exc import SQLAlchemyError

from corpus.cleaner_pool import kill_pools
from corpus.commands.live import shown_while_running
from corpus.crawl_contract import (
    EXIT_FOR_STATUS,
    UNREACHABLE,
    ExitCode,
    RunStatus,
    crawl_parser,
)
from corpus.errors import ConfigError, DebtcorpusError
from corpus.models import CrawlRun
from corpus.profiles import SiteProfile, crawl_profiles
from corpus.run_records import finish_run
from corpus.store import Store
from crawler.middlewares import SCHEMA_READY
from crawler.pipelines import REDIS_FAILED, STORE_FAILED
from crawler.robots import UNREACHABLE_HOST
from crawler.spiders.article import ArticleSpider
from crawler.stops import cancel_stop_deadline

PR_SET_PDEATHSIG = 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    return crawl_parser().parse_args(argv)


def profiles_for(args: argparse.Namespace) -> list[SiteProfile]:
    return crawl_profiles(args.urls, args.site, args.base_url, args.depth, tuple(args.allow_domain))


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


def unreachable_sites(profiles: list[SiteProfile], crawlers: list[Crawler]) -> dict[str, Any]:
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


def hold_run(store: Store, run_id: int) -> None:
    """Mark the run as held by this process, so `crawl --resume` refuses while it lives."""
    with store.session() as session:
        run = session.get_one(CrawlRun, run_id)
        run.holder_pid, run.holder_host = os.getpid(), socket.gethostname()


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
    profiles = profiles_for(args)
    if not profiles:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    settings = crawl_settings(args)
    store = Store(args.db)
    if not args.redis:
        hold_run(store, args.run_id)
    if args.redis:
        from crawler import distributed

        distributed.claim_seen_sets(settings, args, [p.name for p in profiles])
    early = _EarlyStop()
    process = CrawlerProcess(settings)
    crawlers: list[Crawler] = []
    for profile in profiles:
        crawler = process.create_crawler(ArticleSpider)
        crawler.signals.connect(freeze_startup_heap, signal=signals.engine_started)
        crawlers.append(crawler)
        neighbours = [other for other in profiles if other is not profile]
        process.crawl(crawler, profile=profile, run_id=args.run_id, neighbours=neighbours)
    if early.signal is not None:
        return _stopped_before_start(store, args)
    with shown_while_running(store, args.run_id) if args.live else contextlib.nullcontext():
        process.start()
    cancel_stop_deadline()
    kill_pools()  # a crawl stopped at once left its cleaners busy: no waiting for them
    status = run_status(crawlers)
    stats = {p.name: _plain_stats(c) for p, c in zip(profiles, crawlers, strict=True)}
    unreachable = unreachable_sites(profiles, crawlers)
    try:
        if args.redis:
            from crawler import distributed

            distributed.finish_worker(store, args, [p.name for p in profiles], status, stats)
        else:
            if unreachable and status == RunStatus.FINISHED:
                status = RunStatus.FAILED  # nothing was crawled from a site: work lost
            finish_run(store, args.run_id, status, {"scrapy": stats, UNREACHABLE: unreachable})
    except SQLAlchemyError as exc:
        # The store is still down: the exit code carries the status to `debtcorpus crawl`.
        print(
            f"could not record the end of run {args.run_id}: {exc.__class__.__name__}",
            file=sys.stderr,
        )
        status = RunStatus.INCOMPLETE if status == RunStatus.FINISHED else status
    store.dispose()
    return status


def _stopped_before_start(store: Store, args: argparse.Namespace) -> RunStatus:
    """Stopped while setting up: nothing was fetched; the run is resumable."""
    if not args.redis:  # a distributed run stays open for its other workers
        finish_run(store, args.run_id, RunStatus.INTERRUPTED, {})
    store.dispose()
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
