"""`debtcorpus crawl`: crawl sites by profile, or URLs ad hoc, into the corpus."""

from __future__ import annotations

import click

from corpus.claim_settings import claim_config_from_env
from corpus.commands.options import db_option, log_level_option, scrapy_settings_option
from corpus.commands.stats import print_run
from corpus.crawl_runs import CrawlRequest, resume_crawl, run_crawl
from corpus.store import open_store


@click.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="Site profile name (crawler/sites/NAME.yaml) or path to a profile YAML file. Repeatable.",
)
@click.option(
    "--base-url",
    help="Where a profile's relative URLs are served, "
    "e.g. http://127.0.0.1:8765 for the sample site.",
)
@click.option(
    "--depth", type=int, help="Link depth limit (ad-hoc default 2; profiles set their own)."
)
@click.option("--workers", type=int, help="Cleaner processes (default 2).")
@scrapy_settings_option("this crawl")
@log_level_option
@click.option(
    "--resume",
    "resume_run",
    type=int,
    metavar="RUN_ID",
    help="Carry on a stopped or killed run from where it stopped (its own options are reused).",
)
@click.option(
    "--redis",
    metavar="URL",
    help="Share the request queue in Redis (redis://host:6379/0) so that `debtcorpus worker` "
    "processes on any machine help; see docs/distributed.md.",
)
@db_option
def crawl(
    urls: tuple[str, ...],
    sites: tuple[str, ...],
    base_url: str | None,
    depth: int | None,
    workers: int | None,
    settings: tuple[str, ...],
    log_level: str,
    resume_run: int | None,
    redis: str | None,
    db: str | None,
) -> None:
    """Crawl URLS (following links within their hosts) or the sites named by --site.

    Every fetched page is stored raw; article pages become articles, others are kept with
    the reason they are not. Obeys robots.txt and throttles per domain.
    """
    claim_config_from_env()  # a bad DEBTCORPUS_CLAIM_RULES fails here, not on every page
    store = open_store(db)
    if resume_run is not None:
        print_run(store, resume_crawl(store, resume_run))
        return
    request = CrawlRequest(
        urls=urls,
        sites=sites,
        base_url=base_url,
        depth=depth,
        workers=workers,
        settings=(f"LOG_LEVEL={log_level}", *settings),
        redis=redis,
    )
    run_id = run_crawl(store, request)
    print_run(store, run_id)
