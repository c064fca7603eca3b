"""`debtcorpus scheduler`: run due scheduled crawls in the foreground (systemd, containers)."""

from __future__ import annotations

import logging

import click

from corpus.commands.options import (
    db_option,
    log_level_option,
    scrapy_settings_option,
    sites_dir_option,
)
from corpus.schedule.scheduler import (
    DEFAULT_LEASE_SECONDS,
    Scheduler,
    SchedulerConfig,
    install_signal_handlers,
)
from corpus.store import open_corpus

# how a run ends when its crawl never started
UNSTARTED = ("config-error", "error")


def show_scheduler_log() -> None:
    """The scheduler's own lines on stderr (journald and `docker logs` keep them)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    logger = logging.getLogger("debtcorpus.schedule.scheduler")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@click.command()
@click.option("--once", is_flag=True, help="Run what is due now, wait for it, and exit.")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between looks for due schedules.",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Crawls at once (of different sites; a site is never crawled twice at once).",
)
@click.option(
    "--lease",
    "lease_seconds",
    type=click.IntRange(min=10),
    default=DEFAULT_LEASE_SECONDS,
    show_default=True,
    help="Seconds a lock outlives a scheduler that died without releasing it.",
)
@log_level_option
@scrapy_settings_option("every crawl")
@sites_dir_option
@db_option
def scheduler(
    once: bool,
    poll_seconds: float,
    parallel: int,
    lease_seconds: int,
    log_level: str,
    settings: tuple[str, ...],
    db: str | None,
) -> None:
    """Run due scheduled crawls, each in its own crawl process, until SIGTERM or SIGINT.

    Schedules missed while no scheduler ran are run once at start. Several schedulers may
    share a database: a lock in the database keeps each schedule to one of them. On SIGTERM
    running crawls are stopped gracefully and their runs closed; then the scheduler exits.
    """
    show_scheduler_log()
    config = SchedulerConfig(
        poll_seconds=poll_seconds,
        parallel=parallel,
        once=once,
        lease_seconds=lease_seconds,
        crawl_settings=(f"LOG_LEVEL={log_level}", *settings),
    )
    loop = Scheduler(open_corpus(db), config)
    install_signal_handlers(loop.stop)
    outcomes = loop.run()
    failed = [job.name for job, outcome in outcomes if outcome.status in UNSTARTED]
    if once and failed:
        raise click.ClickException(f"these schedules could not start a crawl: {', '.join(failed)}")
