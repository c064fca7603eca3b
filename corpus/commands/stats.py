"""`debtcorpus stats`: the corpus per site, per crawl run, and why pages were dropped."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click
from rich.console import Console
from rich.table import Table

from corpus.commands.options import db_option
from corpus.commands.output import TABLE, output_option, write_object
from corpus.models import CrawlRun
from corpus.stats import CorpusStats, corpus_stats, get_run
from corpus.store import Store, open_corpus

# Wide enough for the tables when the output is a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 160)


def _when(run: CrawlRun) -> str:
    return run.started_at.strftime("%Y-%m-%d %H:%M:%S") if run.started_at else ""


def runs_table(runs: list[CrawlRun], title: str = "Crawl runs") -> Table:
    table = Table(title=title)
    for column in ("run", "site", "status", "started", "pages", "new", "changed", "unchanged"):
        table.add_column(column, justify="right" if column in ("run", "pages") else "left")
    table.add_column("errors")
    for run in runs:
        errors = ", ".join(f"{k}={v}" for k, v in sorted(run.errors.items())) or "-"
        table.add_row(
            str(run.id),
            run.site or "",
            run.status,
            _when(run),
            str(run.pages_fetched),
            str(run.articles_new),
            str(run.articles_changed),
            str(run.articles_unchanged),
            errors,
        )
    return table


def sites_table(stats: CorpusStats) -> Table:
    table = Table(title=f"Articles per site ({stats.articles} articles, {stats.pages} pages)")
    for column in ("site", "articles", "comments", "claims", "masked gaps", "mean relevance"):
        table.add_column(column, justify="left" if column == "site" else "right")
    for site in stats.sites:
        table.add_row(
            site.site,
            str(site.articles),
            str(site.comments),
            str(site.claims),
            str(site.masked_gaps),
            f"{site.mean_relevance:.2f}",
        )
    return table


def outcomes_table(stats: CorpusStats) -> Table:
    table = Table(title="URLs by outcome and reason (docs/crawling.md lists them)")
    for column in ("outcome", "reason", "urls"):
        table.add_column(column, justify="right" if column == "urls" else "left")
    for outcome, reason, count in stats.outcomes:
        table.add_row(outcome, reason or "-", str(count))
    return table


def print_run(store: Store, run_id: int) -> None:
    run = get_run(store, run_id)
    if run is not None:
        console.print(runs_table([run], title=f"Crawl run {run_id}"))
        for label, counts in (
            ("Rejected pages", run.rejects),
            ("Failed fetches", run.errors),
            ("Not fetched", run.not_fetched),
        ):
            shown = ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"
            console.print(f"{label} by reason: {shown}")


RUN_FIELDS = (
    "id",
    "site",
    "status",
    "schedule_id",
    "started_at",
    "finished_at",
    "pages_fetched",
    "bytes_fetched",
    "articles_new",
    "articles_changed",
    "articles_unchanged",
    "errors",
    "rejects",
    "not_fetched",
)


def run_record(run: CrawlRun) -> dict[str, object]:
    """A run as `--json` writes it (docs/cli-output.md)."""
    return {name: getattr(run, name) for name in RUN_FIELDS}


def stats_record(stats: CorpusStats) -> dict[str, object]:
    return {
        "articles": stats.articles,
        "pages": stats.pages,
        "sites": [asdict(site) for site in stats.sites],
        "runs": [run_record(run) for run in stats.runs],
        "outcomes": [
            {"outcome": outcome, "reason": reason, "urls": urls}
            for outcome, reason, urls in stats.outcomes
        ],
    }


@click.command()
@click.option("--runs", "last_runs", default=10, show_default=True, help="How many recent runs.")
@output_option(tabular=False)
@db_option
def stats(last_runs: int, output: str, db: str | None) -> None:
    """Counts per site, per crawl run, and pages rejected or failed by reason."""
    store = open_corpus(db)
    result = corpus_stats(store, last_runs)
    if output != TABLE:
        write_object(stats_record(result))
        return
    console.print(sites_table(result))
    console.print(runs_table(result.runs))
    console.print(outcomes_table(result))
