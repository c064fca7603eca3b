"""Run one crawl in this process: `python -m crawler --db URL --run-id N (--site P | URL...)`.

`debtcorpus crawl` starts this as a child process, so that corpus/ never imports Scrapy and
every crawl gets a fresh Twisted reactor.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from corpus.errors import ConfigError, DebtcorpusError
from corpus.run_records import finish_run
from corpus.store import Store
from crawler import distributed
from crawler.profiles import SiteProfile, adhoc_profile, load_profile
from crawler.spiders.article import ArticleSpider

# Exit status that tells `debtcorpus crawl` the crawl never started (bad profile or option).
CONFIG_ERROR_EXIT = 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__)
    parser.add_argument("urls", nargs="*", help="start URLs for an ad-hoc crawl")
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--site", action="append", default=[], help="profile name or YAML path")
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--depth", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--jobdir", default=None)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    distributed.add_arguments(parser)
    return parser.parse_args(argv)


def profiles_for(args: argparse.Namespace) -> list[SiteProfile]:
    profiles = [load_profile(name).resolved(args.base_url) for name in args.site]
    if args.urls:
        profiles.append(adhoc_profile(args.urls))
    if args.depth is not None:
        profiles = [_with_depth(p, args.depth) for p in profiles]
    return profiles


def _with_depth(profile: SiteProfile, depth: int) -> SiteProfile:
    return replace(profile, depth=depth)


def crawl_settings(args: argparse.Namespace) -> Settings:
    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DEBTCORPUS_DB", args.db, priority="cmdline")
    if args.workers:
        settings.set("DEBTCORPUS_CLEAN_WORKERS", args.workers, priority="cmdline")
    if args.jobdir:
        settings.set("JOBDIR", args.jobdir, priority="cmdline")
    if args.redis:
        distributed.apply_settings(settings, args)
    for pair in args.set:
        key, _, value = pair.partition("=")
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(args: argparse.Namespace) -> str:
    """Crawl every profile in one reactor; returns the run's final status."""
    profiles = profiles_for(args)
    if not profiles:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    process = CrawlerProcess(crawl_settings(args))
    crawlers: list[Crawler] = []
    for profile in profiles:
        crawler = process.create_crawler(ArticleSpider)
        crawlers.append(crawler)
        process.crawl(crawler, profile=profile, run_id=args.run_id)
    process.start()
    reasons = [c.stats.get_value("finish_reason") if c.stats else None for c in crawlers]
    status = "finished" if all(r == "finished" for r in reasons) else "interrupted"
    stats = {p.name: _plain_stats(c) for p, c in zip(profiles, crawlers, strict=True)}
    store = Store(args.db)
    if args.redis:
        distributed.finish_worker(store, args, [p.name for p in profiles], status, stats)
    else:
        finish_run(store, args.run_id, status, {"scrapy": stats})
    store.dispose()
    return status


def _plain_stats(crawler: Crawler) -> dict[str, Any]:
    values = crawler.stats.get_stats() if crawler.stats else {}
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        status = run_crawl(args)
    except DebtcorpusError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return CONFIG_ERROR_EXIT
    return 0 if status == "finished" else 1
