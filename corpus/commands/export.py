"""`debtcorpus export`: write the corpus as a dataset (JSONL, CSV or Parquet) with a card,
or its raw fetches as WARC files (`--format warc`, corpus/warc/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from corpus.commands.options import db_option
from corpus.errors import ConfigError
from corpus.export.dataset import ExportRequest, export_dataset
from corpus.export.filters import (
    DATE_FORMAT_HELP,
    ExportFilters,
    parse_date_bound,
    parse_date_range,
)
from corpus.export.pseudonyms import KEY_ENV, KEY_FILE_SUFFIX, pseudonym_settings
from corpus.export.writers import FORMATS
from corpus.filter_values import checked_export_filters
from corpus.store import Store, open_corpus
from corpus.warc.export import DEFAULT_MAX_FILE_BYTES, WarcExportRequest, export_warc

WARC_FORMAT = "warc"
AnyRequest = TypeVar("AnyRequest", ExportRequest, WarcExportRequest)
Result = TypeVar("Result")
SIZE_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}


def check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Fail early, naming the option, on a date that does not parse."""
    if value is not None:
        try:
            parse_date_bound(value, param.opts[0], is_end=False)
        except ConfigError as exc:
            raise click.BadParameter(f"{value!r} is not a date: {DATE_FORMAT_HELP}") from exc
    return value


def parse_size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """`500M`, `1G`, `2500000`: a size in bytes (decimal units)."""
    text = value.strip().upper().removesuffix("B")
    unit = text[-1:] if text[-1:] in SIZE_UNITS else ""
    try:
        number = float(text[: len(text) - len(unit)])
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a size; use e.g. 500M or 1G") from exc
    return int(number * SIZE_UNITS[unit])


def canonical(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated options as a sorted set, so the manifest is the same whatever the order."""
    return tuple(sorted(set(values)))


def check_table_options(
    file_format: str, nested: bool, pseudonymize: bool, article_authors: bool
) -> None:
    if article_authors and not pseudonymize:
        raise click.UsageError("--pseudonymize-article-authors needs --pseudonymize-authors")
    if file_format == WARC_FORMAT and (nested or pseudonymize):
        option = "--nested" if nested else "--pseudonymize-authors"
        raise click.UsageError(
            f"{option} shapes tables; WARC files hold the raw fetches as they were served"
        )


@click.command(name="export")
@db_option
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice((*FORMATS, WARC_FORMAT)),
    default="parquet",
    show_default=True,
    help="File format of the tables; `warc` writes the stored raw fetches as WARC 1.1 files "
    "instead (docs/warc.md).",
)
@click.option(
    "--warc-size",
    callback=parse_size,
    default=str(DEFAULT_MAX_FILE_BYTES),
    metavar="SIZE",
    help="With --format warc: start a new WARC file once one reaches SIZE (e.g. 500M, 1G). "
    "Default 1G.",
)
@click.option(
    "--nested",
    is_flag=True,
    help="One articles table with each article's claims and comments inside it (jsonl or parquet).",
)
@click.option("--site", "sites", multiple=True, help="Keep this site (repeatable).")
@click.option(
    "--run",
    "runs",
    multiple=True,
    type=int,
    metavar="RUN_ID",
    help="Keep what this crawl run fetched (repeatable; see `debtcorpus runs`).",
)
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
@click.option(
    "--pseudonymize-authors",
    is_flag=True,
    help="Replace comment authors' names by keyed hashes (HMAC-SHA256, `anon-` + 16 hex "
    "digits); the same name gives the same pseudonym. See docs/export.md.",
)
@click.option(
    "--pseudonymize-article-authors",
    is_flag=True,
    help="With --pseudonymize-authors: also the articles' author, editor and byline.",
)
@click.option(
    "--pseudonymize-key",
    envvar=KEY_ENV,
    metavar="KEY",
    default=None,
    help=f"Secret key of the hash (at least 16 characters; default ${KEY_ENV}, else the key "
    f"in OUT{KEY_FILE_SUFFIX} beside OUT, else a new key written there). Never in the export.",
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in OUT.")
def export(
    db: str | None,
    out: Path,
    file_format: str,
    warc_size: int,
    nested: bool,
    overwrite: bool,
    pseudonymize_authors: bool,
    pseudonymize_article_authors: bool,
    pseudonymize_key: str | None,
    **filter_options: Any,
) -> None:
    """Export articles, claims and comments to the folder OUT, with README.md and manifest.json.

    With --format warc, write the stored fetches of the kept pages as WARC 1.1 files
    instead (site, run and --crawled-from/--crawled-to pick pages by fetch time; the other
    filters keep the pages of the articles they keep).

    Dates are YYYY-MM-DD (whole days, UTC) or ISO 8601 date-times with an offset; both ends
    are inclusive. Re-running the same export on the same database gives identical files.
    """
    filters = export_filters(**filter_options)
    check_table_options(file_format, nested, pseudonymize_authors, pseudonymize_article_authors)
    if file_format == WARC_FORMAT:
        export_warc_files(db, WarcExportRequest(out, filters, warc_size, overwrite))
        return
    pseudonyms = (
        pseudonym_settings(out, pseudonymize_key, pseudonymize_article_authors)
        if pseudonymize_authors
        else None
    )
    export_tables(
        db,
        ExportRequest(
            out, file_format, filters, nested=nested, overwrite=overwrite, pseudonyms=pseudonyms
        ),
    )


def export_filters(
    sites: tuple[str, ...],
    runs: tuple[int, ...],
    published_from: str | None,
    published_to: str | None,
    crawled_from: str | None,
    crawled_to: str | None,
    lenders: tuple[str, ...],
    claim_types: tuple[str, ...],
    languages: tuple[str, ...],
    representatives_only: bool,
    min_length: int | None,
) -> ExportFilters:
    """The filter options of `export` as one ExportFilters."""
    return ExportFilters(
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
        runs=tuple(sorted(set(runs))),
    )


def with_checked_filters(
    db: str | None, request: AnyRequest, run: Callable[[Store, AnyRequest], Result]
) -> Result:
    """Run an export on the existing corpus `db`, its filter values checked against it first."""
    store = open_corpus(db)
    try:
        filters = checked_export_filters(store, request.filters)
        return run(store, replace(request, filters=filters))
    finally:
        store.dispose()


def export_tables(db: str | None, request: ExportRequest) -> None:
    result = with_checked_filters(db, request, export_dataset)
    counts = ", ".join(f"{name} {rows}" for name, rows in result.row_counts.items())
    click.echo(f"Exported {counts} to {result.out_dir} ({request.file_format})")
    pseudonyms = request.pseudonyms
    if pseudonyms is not None and pseudonyms.generated_key_file is not None:
        click.echo(
            f"Pseudonym key written to {pseudonyms.generated_key_file} (not in the export; "
            "keep it secret, reuse it for exports that must share pseudonyms)"
        )
    if result.row_counts["articles"] == 0:
        click.echo(
            "Warning: no article matched the filters; the tables are empty "
            "(Hugging Face datasets refuses to load an empty split).",
            err=True,
        )


def export_warc_files(db: str | None, request: WarcExportRequest) -> None:
    result = with_checked_filters(db, request, export_warc)
    counts = ", ".join(f"{kind} {n}" for kind, n in result.record_counts.items())
    click.echo(
        f"Exported {result.pages} pages to {len(result.files)} WARC "
        f"file{'' if len(result.files) == 1 else 's'} in {result.out_dir} "
        f"(records: {counts or 'none'})"
    )
