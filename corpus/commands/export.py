"""`debtcorpus export`: write the corpus as a dataset (JSONL, CSV or Parquet) with a card."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import make_url

from corpus.commands.options import db_option
from corpus.errors import ConfigError
from corpus.export.dataset import ExportRequest, export_dataset
from corpus.export.filters import (
    DATE_FORMAT_HELP,
    ExportFilters,
    parse_date_bound,
    parse_date_range,
)
from corpus.export.writers import FORMATS
from corpus.store import open_store, resolve_db_url


def check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Fail early, naming the option, on a date that does not parse."""
    if value is not None:
        try:
            parse_date_bound(value, param.opts[0], is_end=False)
        except ConfigError as exc:
            raise click.BadParameter(f"{value!r} is not a date: {DATE_FORMAT_HELP}") from exc
    return value


def require_existing_corpus(db: str | None) -> None:
    """Exporting reads a corpus; a mistyped SQLite path must not create an empty one."""
    url = make_url(resolve_db_url(db))
    path = url.database if url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not Path(path).exists():
        raise ConfigError(f"no corpus database at {path}; pass --db or set DEBTCORPUS_DB")


def canonical(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated options as a sorted set, so the manifest is the same whatever the order."""
    return tuple(sorted(set(values)))


@click.command(name="export")
@db_option
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default="parquet",
    show_default=True,
    help="File format of the tables.",
)
@click.option(
    "--nested",
    is_flag=True,
    help="One articles table with each article's claims and comments inside it (jsonl or parquet).",
)
@click.option("--site", "sites", multiple=True, help="Keep this site (repeatable).")
@click.option(
    "--published-from", callback=check_date, metavar="DATE", help="Published on or after DATE."
)
@click.option(
    "--published-to", callback=check_date, metavar="DATE", help="Published on or before DATE."
)
@click.option(
    "--crawled-from",
    callback=check_date,
    metavar="DATE",
    help="First crawled (first_seen_at) on or after DATE.",
)
@click.option(
    "--crawled-to",
    callback=check_date,
    metavar="DATE",
    help="First crawled (first_seen_at) on or before DATE.",
)
@click.option(
    "--lender",
    "lenders",
    multiple=True,
    help="Keep articles with a claim about this normalised lender, and only such claims "
    "(repeatable).",
)
@click.option(
    "--claim-type",
    "claim_types",
    multiple=True,
    help="Keep articles with a claim of this type, and only such claims (repeatable).",
)
@click.option("--language", "languages", multiple=True, help="Keep this language (repeatable).")
@click.option(
    "--representatives-only",
    is_flag=True,
    help="Drop articles that are non-representative copies in a dedup cluster.",
)
@click.option(
    "--min-length",
    type=click.IntRange(min=0),
    default=None,
    metavar="CHARS",
    help="Keep articles whose text has at least CHARS characters.",
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in OUT.")
def export(
    db: str | None,
    out: Path,
    file_format: str,
    nested: bool,
    sites: tuple[str, ...],
    published_from: str | None,
    published_to: str | None,
    crawled_from: str | None,
    crawled_to: str | None,
    lenders: tuple[str, ...],
    claim_types: tuple[str, ...],
    languages: tuple[str, ...],
    representatives_only: bool,
    min_length: int | None,
    overwrite: bool,
) -> None:
    """Export articles, claims and comments to the folder OUT, with README.md and manifest.json.

    Dates are YYYY-MM-DD (whole days, UTC) or ISO 8601 date-times with an offset; both ends
    are inclusive. Re-running the same export on the same database gives identical files.
    """
    filters = ExportFilters(
        sites=canonical(sites),
        published=parse_date_range(
            published_from, published_to, "--published-from", "--published-to"
        ),
        crawled=parse_date_range(crawled_from, crawled_to, "--crawled-from", "--crawled-to"),
        lenders=canonical(lenders),
        claim_types=canonical(claim_types),
        languages=canonical(languages),
        representatives_only=representatives_only,
        min_length=min_length,
    )
    request = ExportRequest(out, file_format, filters, nested=nested, overwrite=overwrite)
    require_existing_corpus(db)
    store = open_store(db)
    try:
        result = export_dataset(store, request)
    finally:
        store.dispose()
    counts = ", ".join(f"{name} {rows}" for name, rows in result.row_counts.items())
    click.echo(f"Exported {counts} to {result.out_dir} ({file_format})")
    if result.row_counts["articles"] == 0:
        click.echo(
            "Warning: no article matched the filters; the tables are empty "
            "(Hugging Face datasets refuses to load an empty split).",
            err=True,
        )
