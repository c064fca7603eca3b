"""`debtcorpus ingest-warc`: build (or grow) a corpus from WARC and ARC files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from corpus.commands.options import db_option
from corpus.commands.stats import print_run
from corpus.models import CrawlRun
from corpus.store import Store, open_store
from corpus.warc.ingest import DEFAULT_CLEAN_TIMEOUT, WarcIngestRequest, ingest_warc, resume_ingest

MAX_BAD_RECORDS_SHOWN = 10


@click.command(name="ingest-warc")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--site",
    help="File every page under this site name (default: the site a debtcorpus export "
    "recorded, else the URL's host).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Cleaner processes."
)
@click.option(
    "--clean-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_CLEAN_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="A page the cleaner has not finished in this time is kept as a `clean-timeout` reject.",
)
@click.option(
    "--resume",
    "resume_run",
    type=int,
    metavar="RUN_ID",
    help="Carry on a stopped ingest-warc run after the last record it stored (its own files "
    "and options are reused).",
)
@db_option
def ingest_warc_command(
    files: tuple[Path, ...],
    site: str | None,
    workers: int,
    clean_timeout: float,
    resume_run: int | None,
    db: str | None,
) -> None:
    """Read WARC/ARC FILES (gzipped or not) into the corpus as a crawl run of their own.

    Every HTTP response goes through the same cleaning and storage as a crawled page:
    HTML pages become articles (with claims and comments) or rejects with a reason, other
    responses are kept raw. Revisit records become not-modified pages. Records already in
    the corpus are skipped, so ingesting a file twice adds nothing; a truncated or corrupt
    record is reported with its offset and skipped.
    """
    if resume_run is None and not files:
        raise click.UsageError("give one or more WARC/ARC files, or --resume RUN_ID")
    request = WarcIngestRequest(files, site, workers, clean_timeout)
    if resume_run is None:
        request.validate()  # a missing file or one that is no WARC: refused before any corpus
    store = open_store(db)
    try:
        if resume_run is not None:
            run_id = resume_ingest(store, resume_run)
        else:
            run_id = ingest_warc(store, request)
        print_run(store, run_id)
        print_records(store, run_id)
    finally:
        store.dispose()


def print_records(store: Store, run_id: int) -> None:
    with store.session() as session:
        warc = session.get_one(CrawlRun, run_id).stats.get("warc", {})
    print_warc_facts(warc, run_id)


def print_warc_facts(warc: dict[str, Any], run_id: int) -> None:
    """What the last pass did with the records, and which records were bad (also shown by
    `debtcorpus runs show`)."""
    passes = warc.get("passes") or [{}]
    counts = passes[-1].get("records", {})
    click.echo("Records: " + (", ".join(f"{k}={v}" for k, v in counts.items()) or "none"))
    bad = warc.get("bad_records", [])
    for record in bad[:MAX_BAD_RECORDS_SHOWN]:
        click.echo(
            f"Skipped bad record: {record['file']} offset {record['offset']}: {record['reason']}"
        )
    if len(bad) > MAX_BAD_RECORDS_SHOWN:
        click.echo(f"... and {len(bad) - MAX_BAD_RECORDS_SHOWN} more bad records")
    if not counts.get("response") and not counts.get("revisit"):
        click.echo(
            "Warning: no HTTP response or revisit record was read; are these WARC or ARC files?",
            err=True,
        )
