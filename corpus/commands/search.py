"""`debtcorpus search`: full-text search of the corpus (Chinese-aware), or `--reindex`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from corpus.commands.options import db_option
from corpus.filter_values import FilterChecker
from corpus.progress import phase
from corpus.search.query import DEFAULT_LIMIT, Hit, SearchFilters
from corpus.search.snippets import MARK_CLOSE, MARK_OPEN
from corpus.store import Store, open_corpus

console = Console(width=None if sys.stdout.isatty() else 160)


def rich_snippet(snippet: str) -> str:
    """<mark>word</mark> as highlighted rich markup (the rest escaped)."""
    parts = []
    for i, piece in enumerate(snippet.split(MARK_OPEN)):
        marked, _, rest = piece.partition(MARK_CLOSE) if i else ("", "", piece)
        highlighted = f"[bold black on yellow]{escape(marked)}[/]" if marked else ""
        parts.append(highlighted + escape(rest))
    return "".join(parts)


def hits_table(query: str, hits: list[Hit], comments: bool, limit: int) -> Table:
    title = f"{len(hits)} {'comments' if comments else 'articles'} for {query!r}"
    if len(hits) >= limit:
        title = f"the first {title} (--limit {limit}: there may be more)"
    table = Table(title=title)
    for column in ("title", "site", "date", "snippet"):
        table.add_column(column, overflow="fold", ratio=3 if column == "snippet" else 1)
    for hit in hits:
        date = (hit.published_at or "")[:10]
        title = escape(hit.title or hit.url)
        table.add_row(title, hit.site or "-", date, rich_snippet(hit.snippet))
    return table


def run_search(
    store: Store, query: str, filters: SearchFilters, limit: int, fold: bool, comments: bool
) -> list[Hit]:
    from corpus.search import search

    with store.session() as session:
        return search(session, query, filters, limit=limit, fold=fold, comments=comments)


def run_reindex(store: Store) -> None:
    from corpus.search import reindex

    with phase("rebuilding the search index"):
        counts = reindex(store)
    click.echo(f"indexed {counts['articles']} articles and {counts['comments']} comments")


def checked_filters(
    store: Store,
    site: str | None,
    lender: str | None,
    claim_type: str | None,
    since: datetime | None,
) -> SearchFilters:
    """The filter options checked against what the corpus holds (one line per resolved
    lender alias)."""
    check = FilterChecker(store)
    filters = SearchFilters(
        site=check.site(site),
        lender=check.lender(lender),
        claim_type=check.claim_field("type", claim_type, "--type"),
        since=since.replace(tzinfo=UTC) if since else None,
    )
    check.say_notes()
    return filters


@click.command(name="search")
@click.argument("query", required=False)
@db_option
@click.option("--site", default=None, help="Only articles of this site.")
@click.option("--lender", default=None, help="Only articles with a claim about this lender.")
@click.option("--type", "claim_type", default=None, help="Only articles with a claim of this type.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only articles published (undated: first seen) on or after this day, YYYY-MM-DD.",
)
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, help="Most hits to show.")
@click.option(
    "--fold-script",
    is_flag=True,
    help="Traditional and simplified forms find each other (OpenCC t2s on text and query).",
)
@click.option("--comments", is_flag=True, help="Search the comments instead of titles and texts.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line instead of a table.")
@click.option("--reindex", is_flag=True, help="Rebuild the whole index (no QUERY needed).")
def search(
    query: str | None,
    db: str | None,
    site: str | None,
    lender: str | None,
    claim_type: str | None,
    since: datetime | None,
    limit: int,
    fold_script: bool,
    comments: bool,
    as_json: bool,
    reindex: bool,
) -> None:
    """Find the articles that contain every word of QUERY, best first (BM25, title weighted).

    A word is a run of letters or digits; it matches wherever it occurs as a substring of the
    title or the text, Chinese of any length, Latin case-insensitive. Examples:

    \b
        debtcorpus search 上门
        debtcorpus search "上门 家访" --site sample-law --since 2024-01-01 --json
        debtcorpus search 暴力催收 --comments
    """
    if not reindex and not query:
        raise click.UsageError("give a QUERY, or --reindex to rebuild the index")
    if limit < 1:
        raise click.BadParameter("must be at least 1", param_hint="--limit")
    store = open_corpus(db)
    try:
        if reindex:
            run_reindex(store)
            if not query:
                return
        assert query is not None
        filters = checked_filters(store, site, lender, claim_type, since)
        hits = run_search(store, query, filters, limit, fold_script, comments)
    finally:
        store.dispose()
    if as_json:
        for hit in hits:
            click.echo(json.dumps(hit.as_json(), ensure_ascii=False))
    else:
        console.print(hits_table(query, hits, comments, limit))
