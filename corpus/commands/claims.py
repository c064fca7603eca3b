"""`debtcorpus claims`: what the corpus claims about collection, counted and listed."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from corpus.claims_query import DIMENSIONS, ClaimFilter, ClaimRow, count_claims, list_claims
from corpus.commands.options import db_option
from corpus.store import open_store

console = Console(width=None if sys.stdout.isatty() else 160)


def counts_table(by: str, rows: list[tuple[str | None, int, int]]) -> Table:
    table = Table(title=f"Claims by {by}")
    table.add_column(by)
    table.add_column("claims", justify="right")
    table.add_column("articles", justify="right")
    for value, claims, articles in rows:
        table.add_row(value if value is not None else "(none)", str(claims), str(articles))
    return table


def sentences_table(rows: list[ClaimRow]) -> Table:
    table = Table(title="Claim sentences", show_lines=True)
    for column in ("type", "lender", "modality", "polarity", "sentence", "url", "checks"):
        table.add_column(column, overflow="fold")
    for row in rows:
        kind = f"{row.type}/{row.subtype}" if row.subtype else row.type
        checks = "; ".join(str(check.get("rule_id")) for check in row.checks) or "-"
        sentence = f"{row.sentence} [{row.start}:{row.end}]"
        cells = (row.lender or "-", row.modality or "-", row.polarity, sentence, row.url, checks)
        table.add_row(kind, *cells)
    return table


@click.command(name="claims")
@db_option
@click.option(
    "--by",
    "by",
    type=click.Choice(DIMENSIONS),
    default="type",
    show_default=True,
    help="Count claims by this field.",
)
@click.option(
    "--type", "type_", default=None, help="Only claims of this type (CHANNEL, TIMING ...)."
)
@click.option("--subtype", default=None, help="Only claims of this subtype (visit, phone ...).")
@click.option(
    "--lender", default=None, help="Only claims about this lender (normalised, e.g. 微众银行)."
)
@click.option("--site", default=None, help="Only claims from articles of this site.")
@click.option("--modality", default=None, help="Only claims with this modality (possible ...).")
@click.option("--list", "show_list", is_flag=True, help="Also list the sentences behind the count.")
@click.option("--limit", default=50, show_default=True, help="Most sentences to list.")
def claims(
    db: str | None,
    by: str,
    type_: str | None,
    subtype: str | None,
    lender: str | None,
    site: str | None,
    modality: str | None,
    show_list: bool,
    limit: int,
) -> None:
    """Count claims by type, lender, modality or site, with filters; --list shows the sentences.

    Example: which sites claim that WeBank makes home visits, and under what conditions?

        debtcorpus claims --by site --type CHANNEL --subtype visit --lender 微众银行 --list
    """
    where = ClaimFilter(type=type_, lender=lender, site=site, modality=modality, subtype=subtype)
    store = open_store(db)
    try:
        console.print(counts_table(by, count_claims(store, by, where)))
        if show_list:
            console.print(sentences_table(list_claims(store, where, limit)))
    finally:
        store.dispose()
