"""`debtcorpus worker`: help a distributed crawl by taking requests from its Redis queue."""

from __future__ import annotations

import sys
from dataclasses import replace

import click
from sqlalchemy import select

from corpus.commands.lazy import Interrupted
from corpus.commands.options import db_option, sites_dir_option
from corpus.commands.stats import print_run
from corpus.crawl_contract import STATUS_FOR_EXIT, CrawlRequest, ExitCode, RunStatus
from corpus.crawl_runs import run_crawl
from corpus.errors import ConfigError
from corpus.models import CrawlRun
from corpus.store import Store, open_corpus

# How many recent runs to look through for the running distributed crawl.
RECENT_RUNS = 50


def distributed_request(run: CrawlRun) -> CrawlRequest:
    request = CrawlRequest.from_settings(run.settings or {})
    if not request.redis_prefix:
        raise ConfigError(
            f"crawl run {run.id} is not a distributed crawl; start one with "
            "`debtcorpus crawl --redis URL --site PROFILE ...`"
        )
    return request


def find_run(store: Store, run_id: int | None) -> tuple[int, CrawlRequest]:
    """The run to attach to: --run-id, else the newest running distributed crawl."""
    with store.session() as session:
        if run_id is not None:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise ConfigError(f"there is no crawl run {run_id}; see `debtcorpus runs`")
            if run.status == "finished":
                # its queue and seen-set were deleted: a worker would crawl it all again
                raise ConfigError(
                    f"crawl run {run_id} finished already; start a new one with "
                    "`debtcorpus crawl --redis URL --site PROFILE ...`"
                )
            return run.id, distributed_request(run)
        recent = session.scalars(
            select(CrawlRun)
            .where(CrawlRun.status == "running")
            .order_by(CrawlRun.id.desc())
            .limit(RECENT_RUNS)
        )
        for run in recent:
            if (run.settings or {}).get("redis_prefix"):
                return run.id, distributed_request(run)
    raise ConfigError(
        "no distributed crawl is running in this database; start one with "
        "`debtcorpus crawl --redis URL --site PROFILE ...` or give --run-id"
    )


@click.command()
@click.argument("urls", nargs=-1)
@click.option("--redis", required=True, metavar="URL", help="The crawl's Redis, redis://host/0.")
@click.option("--run-id", type=int, help="Crawl run to help (default: the newest running one).")
@click.option("--site", "sites", multiple=True, help="Profile(s); default: the run's own.")
@click.option("--base-url", help="Where the profile's site is served; default: the run's own.")
@click.option(
    "--idle-timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Stop after this many seconds with an empty queue and nothing in flight anywhere.",
)
@click.option("--workers", type=int, help="Cleaner processes (default 2).")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE")
@click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
)
@sites_dir_option
@db_option
def worker(
    urls: tuple[str, ...],
    redis: str,
    run_id: int | None,
    sites: tuple[str, ...],
    base_url: str | None,
    idle_timeout: float,
    workers: int | None,
    settings: tuple[str, ...],
    log_level: str,
    db: str | None,
) -> None:
    """Take requests from a distributed crawl's shared queue until it is empty.

    Start the crawl on one machine with `debtcorpus crawl --redis URL ...`, then run
    workers with the same --redis and --db anywhere; pages count towards the same run.
    A killed worker loses nothing: the others queue its unfinished requests again."""
    store = open_corpus(db)
    found_id, stored = find_run(store, run_id)
    request = replace(
        stored,
        urls=urls or stored.urls,
        sites=sites or stored.sites,
        base_url=base_url or stored.base_url,
        workers=workers or stored.workers,
        redis=redis,
        idle_timeout=idle_timeout,
        settings=(f"LOG_LEVEL={log_level}", *settings),
        jobdir=None,
    )
    end = run_crawl(store, request, run_id=found_id)
    print_run(store, found_id)
    if end.exit_code == ExitCode.INTERRUPTED:
        raise Interrupted(
            f"worker stopped (Ctrl-C) before crawl run {found_id} ended; its unfinished "
            "requests went back to the shared queue; start it again to help"
        )
    if end.exit_code != ExitCode.FINISHED:
        status = STATUS_FOR_EXIT.get(end.exit_code, RunStatus.KILLED)
        click.echo(f"this worker's part of crawl run {found_id} ended {status}", err=True)
        sys.exit(end.exit_code if end.exit_code > 0 else ExitCode.KILLED)
