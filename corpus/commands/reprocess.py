"""`debtcorpus reprocess`: rebuild articles from stored raw pages with the current cleaner."""

from __future__ import annotations

import click

from corpus.commands.options import db_option
from corpus.reprocess import reprocess as reprocess_pages
from corpus.store import open_corpus


@click.command()
@db_option
def reprocess(db: str | None) -> None:
    """Re-run decoding, extraction and claims over every stored page, without network.

    Use it after upgrading debtcorpus: articles are updated in place from the newest
    successful fetch of each URL.
    """
    store = open_corpus(db)
    counts = reprocess_pages(store)
    total = sum(counts.values())
    summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "nothing"
    click.echo(f"Reprocessed {total} pages: {summary}")
