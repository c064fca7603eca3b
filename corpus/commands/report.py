"""`debtcorpus report dedup`: the deduplication report as HTML, Markdown or CSV."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, select

from corpus.commands.dedup import make_config
from corpus.commands.options import db_option
from corpus.errors import ConfigError
from corpus.models import Article, ArticleFingerprint
from corpus.progress import phase
from corpus.store import Store, open_corpus


@click.group(name="report")
def report() -> None:
    """Write reports about the corpus."""


@report.command(name="dedup")
@db_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "md", "csv"]),
    default="html",
    show_default=True,
    help="html: one self-contained file; md: Markdown; csv: one row per cluster member.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write."
)
@click.option("--max-diffs", default=3, show_default=True, help="Members diffed per near cluster.")
def report_dedup(db: str | None, output_format: str, out: Path, max_diffs: int) -> None:
    """Totals, per-site figures, who copies whom, repeated paragraphs, clusters and diffs.

    Reads the clusters `debtcorpus dedup` stored; run that first.
    """
    from corpus.report.data import build_report

    if not out.parent.exists():
        raise ConfigError(f"the folder for --out {str(out)!r} does not exist; create it first")
    store = open_corpus(db)
    refuse_before_dedup(store)
    with phase("reading clusters"):
        data = build_report(store, make_config(), with_texts=output_format != "csv")
    store.dispose()
    with phase(f"rendering the {output_format} report"):
        out.write_text(_render(data, output_format, max_diffs), encoding="utf-8")
    clusters = sum(len(rows) for rows in data.clusters.values())
    click.echo(f"wrote {output_format} report on {clusters} clusters to {out}")


def refuse_before_dedup(store: Store) -> None:
    """A corpus `dedup` never ran on would give a report of no copies: refuse it instead."""
    with store.session() as session:
        articles = session.scalar(select(func.count()).select_from(Article))
        fingerprinted = session.scalar(select(func.count()).select_from(ArticleFingerprint))
    if articles and not fingerprinted:
        store.dispose()
        raise ConfigError(
            f"`debtcorpus dedup` has not run on this corpus ({articles} articles, none "
            "fingerprinted): run it first, then the report"
        )


def _render(data: object, output_format: str, max_diffs: int) -> str:
    from corpus.report.data import DedupReport
    from corpus.report.html import to_html
    from corpus.report.render import to_csv, to_markdown

    assert isinstance(data, DedupReport)
    if output_format == "html":
        return to_html(data, max_diffs)
    if output_format == "md":
        return to_markdown(data, max_diffs)
    return to_csv(data)
