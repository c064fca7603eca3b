"""`debtcorpus runs`: every crawl run, scheduled or not; `runs show ID` for one in detail."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from sqlalchemy import select

from corpus.commands.health import health_lines
from corpus.commands.options import db_option
from corpus.commands.output import TABLE, output_option, write_object, write_rows
from corpus.commands.stats import RUN_FIELDS, console, print_run, run_record, runs_table
from corpus.crawl_contract import RunStatus
from corpus.errors import ConfigError
from corpus.filter_values import FilterChecker
from corpus.models import CrawlRun
from corpus.schedule.schedules import as_utc, find_schedule, schedule_names
from corpus.store import Store, open_corpus

# Scrapy stats worth a column in `runs show`, by the name shown.
SCRAPY_HIGHLIGHTS = {
    "requests": "downloader/request_count",
    "responses": "downloader/response_count",
    "retries": "retry/count",
    "robots forbidden": "robotstxt/forbidden",
    "items": "item_scraped_count",
    "dropped": "item_dropped_count",
    "log errors": "log_count/ERROR",
    "max depth": "request_depth_max",
    "elapsed s": "elapsed_time_seconds",
    "finish reason": "finish_reason",
}
STATUS_PREFIX = "downloader/response_status_count/"
OWN_PREFIX = "debtcorpus/"


def recent_runs(
    store: Store, limit: int, schedule: str | None, site: str | None, status: str | None
) -> list[CrawlRun]:
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    with store.session() as session:
        if schedule is not None:
            query = query.where(CrawlRun.schedule_id == find_schedule(session, schedule).id)
        if site is not None:
            query = query.where(CrawlRun.site == site)
        if status is not None:
            query = query.where(CrawlRun.status == status)
        return list(session.scalars(query))


@click.group(invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, help="How many recent runs.")
@click.option("--schedule", help="Only runs of this schedule.")
@click.option("--site", help="Only runs of this site profile.")
@click.option("--status", help="Only runs with this status (running, finished, interrupted ...).")
@output_option()
@db_option
@click.pass_context
def runs(
    ctx: click.Context,
    limit: int,
    schedule: str | None,
    site: str | None,
    status: str | None,
    output: str,
    db: str | None,
) -> None:
    """List crawl runs, newest first; `debtcorpus runs show ID` for one run in detail."""
    ctx.obj = db
    if ctx.invoked_subcommand is not None:
        return
    store = open_corpus(db)
    check = FilterChecker(store)
    site = check.site(site, of="run site")
    status = check.status(status, (s.value for s in RunStatus))
    found = recent_runs(store, limit, schedule, site, status)
    if output != TABLE:
        write_rows((run_record(run) for run in found), output, RUN_FIELDS)
        return
    if not found:
        click.echo("no crawl runs match; start one with `debtcorpus crawl` or a schedule")
        return
    console.print(runs_table(found))


@runs.command()
@click.argument("run_id", type=int)
@output_option(tabular=False)
@db_option
@click.pass_context
def show(ctx: click.Context, run_id: int, output: str, db: str | None) -> None:
    """One run: counts, errors by kind, rejects by reason, bytes, duration, Scrapy stats."""
    store = open_corpus(db or ctx.obj)
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise ConfigError(f"there is no crawl run {run_id}; see `debtcorpus runs`")
    if output != TABLE:
        write_object(run_detail(store, run))
        return
    print_run(store, run_id)
    for label, value in run_facts(store, run):
        console.print(f"{label + ':':<20}{value}", highlight=False, markup=False)
    scrapy_stats: dict[str, Any] = run.stats.get("scrapy") or {}
    if scrapy_stats:
        console.print(scrapy_table(scrapy_stats))
    for line in health_lines(run.health):
        console.print(line, highlight=False, markup=False)
    if run.stats.get("warc"):
        from corpus.commands.ingest_warc import print_warc_facts

        print_warc_facts(run.stats["warc"], run_id)


def run_detail(store: Store, run: CrawlRun) -> dict[str, Any]:
    """`runs show --json`: the run's fields plus its schedule, start URLs, settings, the
    duration in seconds (null while running) and its stats (Scrapy's per site among them)."""
    finished = run.finished_at
    duration = (as_utc(finished) - as_utc(run.started_at)).total_seconds() if finished else None
    return run_record(run) | {
        "schedule": schedule_name(store, run) or run.stats.get("schedule"),
        "start_urls": list(run.start_urls),
        "settings": run.settings,
        "duration_s": duration,
        "stats": run.stats,
    }


def run_facts(store: Store, run: CrawlRun) -> list[tuple[str, str]]:
    return [
        ("schedule", schedule_label(store, run)),
        ("start", ", ".join(map(str, run.start_urls)) or "-"),
        ("base URL", str(run.settings.get("base_url") or "-")),
        ("started (UTC)", as_utc(run.started_at).strftime("%Y-%m-%d %H:%M:%S")),
        ("finished (UTC)", finished_label(run)),
        ("duration", duration_label(run)),
        ("pages", str(run.pages_fetched)),
        ("bytes", f"{run.bytes_fetched:,} ({human_bytes(run.bytes_fetched)})"),
        (
            "articles",
            f"new {run.articles_new}, changed {run.articles_changed}, "
            f"unchanged {run.articles_unchanged}",
        ),
        ("errors by kind", counts_label(run.errors)),
        ("rejects by reason", counts_label(run.rejects)),
    ]


def schedule_name(store: Store, run: CrawlRun) -> str | None:
    """The run's schedule's name, if it has one (and it still exists)."""
    if run.schedule_id is None:
        return None
    return schedule_names(store, {run.schedule_id}).get(run.schedule_id)


def schedule_label(store: Store, run: CrawlRun) -> str:
    name = schedule_name(store, run)
    if name:
        return name
    removed = run.stats.get("schedule")
    return f"{removed} (removed)" if removed else "- (ad hoc)"


def finished_label(run: CrawlRun) -> str:
    if run.finished_at is None:
        return "- (still running, or its process was killed)"
    return as_utc(run.finished_at).strftime("%Y-%m-%d %H:%M:%S")


def duration_label(run: CrawlRun) -> str:
    if run.finished_at is None:
        return "-"
    seconds = (as_utc(run.finished_at) - as_utc(run.started_at)).total_seconds()
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m {rest:.1f}s" if minutes else f"{rest:.1f}s"


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def counts_label(counts: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "none"


def scrapy_table(per_site: dict[str, Any]) -> Table:
    """Stats as rows, one column per site, so that many sites still fit the terminal."""
    sites = sorted(per_site)
    table = Table(title="Scrapy stats per site")
    table.add_column("stat")
    for site in sites:
        table.add_column(site)
    highlights = [site_highlights(per_site[site]) for site in sites]
    for row, label in enumerate((*SCRAPY_HIGHLIGHTS, "responses by status", "debtcorpus counters")):
        table.add_row(label, *(cells[row] for cells in highlights))
    return table


def site_highlights(values: dict[str, Any]) -> list[str]:
    cells = [_cell(values.get(key)) for key in SCRAPY_HIGHLIGHTS.values()]
    statuses = {
        k.removeprefix(STATUS_PREFIX): v for k, v in values.items() if k.startswith(STATUS_PREFIX)
    }
    own = {k.removeprefix(OWN_PREFIX): v for k, v in values.items() if k.startswith(OWN_PREFIX)}
    return [*cells, counts_label(statuses), counts_label(own)]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
