"""`debtcorpus schedule`: add, list, pause, resume, remove and run scheduled crawls."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from corpus.commands.options import db_option, scrapy_settings_option, sites_dir_option
from corpus.commands.output import TABLE, output_option, write_rows
from corpus.commands.stats import print_run
from corpus.models import Schedule
from corpus.schedule.scheduler import mark_due, run_now
from corpus.schedule.schedules import (
    add_schedule,
    as_utc,
    is_running,
    list_schedules,
    make_spec,
    remove_schedule,
    set_paused,
    timing_of,
)
from corpus.store import open_corpus

console = Console(width=None if sys.stdout.isatty() else 160)


def when(moment: datetime | None) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


@click.group()
def schedule() -> None:
    """Recurring crawls kept in the database; `debtcorpus scheduler` runs them.

    Times are shown in UTC. A cron expression is read in UTC unless --tz says otherwise.
    """


@schedule.command("add")
@click.argument("name")
@click.option(
    "--site",
    required=True,
    help="Site profile: a NAME (--sites-dir, ./NAME.yaml, the bundled corpus/sites/) or a path; "
    "any but a bundled one is stored by its absolute path.",
)
@click.option("--cron", metavar="EXPR", help="Five-field cron expression, e.g. '0 3 * * *'.")
@click.option("--every", metavar="INTERVAL", help="Fixed interval: 30m, 6h, 1d, 1h30m ...")
@click.option("--base-url", help="Where the profile's relative URLs are served.")
@click.option(
    "--tz",
    "timezone",
    default="UTC",
    show_default=True,
    help="IANA time zone the --cron expression is read in, e.g. Asia/Shanghai.",
)
@sites_dir_option
@db_option
def add(
    name: str,
    site: str,
    cron: str | None,
    every: str | None,
    base_url: str | None,
    timezone: str,
    db: str | None,
) -> None:
    """Add schedule NAME crawling --site on --cron or --every.

    An --every schedule is due at once; a --cron schedule at its next slot."""
    spec = make_spec(name, site, cron, every, base_url, timezone)
    added = add_schedule(open_corpus(db), spec)
    click.echo(
        f"added schedule {added.name}: {timing_of(added).describe()}, "
        f"next run {when(added.next_run_at)} UTC"
    )


def schedules_table(schedules: list[Schedule]) -> Table:
    table = Table(title="Schedules (times in UTC)")
    columns = (
        "name",
        "site",
        "when",
        "state",
        "next run",
        "last run",
        "last status",
        "last run id",
    )
    for column in columns:
        table.add_column(column)
    for row in schedules:
        state = schedule_state(row)
        table.add_row(
            row.name,
            row.site + (f" @ {row.base_url}" if row.base_url else ""),
            timing_of(row).describe(),
            state,
            when(row.next_run_at),
            when(row.last_run_at),
            row.last_status or "-",
            str(row.last_run_id or "-"),
        )
    return table


SCHEDULE_FIELDS = (
    "name",
    "site",
    "base_url",
    "cron",
    "timezone",
    "every_seconds",
    "state",
    "next_run_at",
    "last_run_at",
    "last_status",
    "last_run_id",
)


def schedule_state(row: Schedule) -> str:
    return "running" if is_running(row) else "paused" if row.paused else "active"


def schedule_record(row: Schedule) -> dict[str, object]:
    """A schedule as `schedule list --json` writes it (docs/cli-output.md)."""
    return {name: getattr(row, name, None) for name in SCHEDULE_FIELDS} | {
        "state": schedule_state(row)
    }


@schedule.command("list")
@output_option()
@db_option
def list_command(output: str, db: str | None) -> None:
    """Every schedule with its next and last run and how the last run ended."""
    schedules = list_schedules(open_corpus(db))
    if output != TABLE:
        write_rows((schedule_record(row) for row in schedules), output, SCHEDULE_FIELDS)
        return
    if not schedules:
        click.echo("no schedules yet; add one with `debtcorpus schedule add`")
        return
    console.print(schedules_table(schedules))


@schedule.command()
@click.argument("name")
@db_option
def pause(name: str, db: str | None) -> None:
    """Stop running schedule NAME until it is resumed (a running crawl is not stopped)."""
    set_paused(open_corpus(db), name, paused=True)
    click.echo(f"paused schedule {name}")


@schedule.command()
@click.argument("name")
@db_option
def resume(name: str, db: str | None) -> None:
    """Run schedule NAME again; if its time passed while paused, it runs once at the next tick."""
    resumed = set_paused(open_corpus(db), name, paused=False)
    click.echo(f"resumed schedule {name}; next run {when(resumed.next_run_at)} UTC")


@schedule.command()
@click.argument("name")
@db_option
def remove(name: str, db: str | None) -> None:
    """Delete schedule NAME; its past crawl runs are kept."""
    remove_schedule(open_corpus(db), name)
    click.echo(f"removed schedule {name}")


@schedule.command("run-now")
@click.argument("name")
@click.option(
    "--queue",
    is_flag=True,
    help="Only mark NAME due, for a running `debtcorpus scheduler` to pick up.",
)
@scrapy_settings_option("this crawl")
@sites_dir_option
@db_option
def run_now_command(name: str, queue: bool, settings: tuple[str, ...], db: str | None) -> None:
    """Crawl schedule NAME now, in this process, unless a scheduler is running it already."""
    store = open_corpus(db)
    if queue:
        click.echo(f"schedule {name} is due from {when(mark_due(store, name))} UTC")
        return
    outcome = run_now(store, name, ("LOG_LEVEL=WARNING", *settings))
    if outcome.run_id is not None:
        print_run(store, outcome.run_id)
    if outcome.error:
        raise click.ClickException(f"schedule {name}: {outcome.status}: {outcome.error}")
