"""`debtcorpus dedup`: exact and near-duplicate clusters and containment edges."""

from __future__ import annotations

import dataclasses
import logging

import click

from cleaning.fingerprint import FingerprintConfig
from corpus.commands.lazy import Interrupted
from corpus.commands.options import db_option
from corpus.errors import ConfigError
from corpus.store import Store, open_corpus

TEMPLATES_SHOWN = 20
INTERRUPTED = (
    "dedup interrupted (Ctrl-C); the fingerprints and verified pairs stored so far are kept: "
    "run it again to resume (clusters are rebuilt from the pairs at the end)"
)


def make_config(
    threshold: float | None = None,
    containment: float | None = None,
    simplified: bool = True,
    boilerplate: bool = True,
) -> FingerprintConfig:
    """The default config with the command line's overrides."""
    config = FingerprintConfig(to_simplified=simplified, drop_boilerplate=boilerplate)
    for name, value in (("threshold", threshold), ("containment", containment)):
        if value is not None and not 0.0 < value <= 1.0:
            raise ConfigError(f"--{name} {value} must be between 0 (exclusive) and 1")
    return dataclasses.replace(
        config,
        threshold=config.threshold if threshold is None else threshold,
        containment=config.containment if containment is None else containment,
    )


@click.command(name="dedup")
@db_option
@click.option(
    "--threshold", type=float, default=None, help="Jaccard to the representative (default 0.2)."
)
@click.option(
    "--containment",
    type=float,
    default=None,
    help="Share of an article a page must hold for a containment edge (default 0.2).",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Drop the stored fingerprints, pairs and clusters and compute them all again.",
)
@click.option(
    "--simplified/--no-simplified",
    default=True,
    show_default=True,
    help="Convert traditional to simplified Chinese (OpenCC) before fingerprinting.",
)
@click.option(
    "--boilerplate/--keep-boilerplate",
    default=True,
    show_default=True,
    help="Drop menu, footer and disclaimer lines before fingerprinting.",
)
@click.option("--templates/--no-templates", default=True, help="List repeated paragraphs.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes normalising texts (default: the usable cores, at most 2).",
)
def dedup(
    db: str | None,
    threshold: float | None,
    containment: float | None,
    rebuild: bool,
    simplified: bool,
    boilerplate: bool,
    templates: bool,
    workers: int | None,
) -> None:
    """Find exact and near-duplicate articles, and pages holding part of another article.

    New or changed articles are fingerprinted and their candidate pairs verified in committed
    batches (an interrupted run resumes); clusters and containment edges are then rebuilt from
    the stored pairs. Use --rebuild after changing a threshold or the normalisation.
    """
    from corpus.dedup.run import run_dedup

    config = make_config(threshold, containment, simplified, boilerplate)
    store = open_corpus(db)
    # A Ctrl-C inside a streaming fetch makes SQLAlchemy's pool log "Error closing cursor" with a
    # traceback (through logging's last-resort handler) before the interrupt reaches us.
    logging.getLogger("sqlalchemy.pool").addHandler(logging.NullHandler())
    try:
        summary = run_dedup(store, config, rebuild=rebuild, workers=workers)
    except KeyboardInterrupt as exc:  # the worker processes ignore it (normal_pool)
        raise Interrupted(INTERRUPTED) from exc
    click.echo(
        f"{summary.articles} articles; fingerprinted {summary.fingerprinted} "
        f"({summary.changed} changed); {summary.candidate_pairs} LSH candidate pairs, "
        f"{summary.near_pairs} near duplicates, {summary.containments} containment edges"
    )
    click.echo(
        f"clusters: {summary.clusters.get('exact', 0)} exact, "
        f"{summary.clusters.get('minhash', 0)} near (n={config.ngram}, "
        f"threshold={config.threshold}, {config.normalisation})"
    )
    if templates:
        _echo_templates(store, config)
    store.dispose()


def _echo_templates(store: Store, config: FingerprintConfig) -> None:
    from corpus.dedup.templates import find_templates

    found = find_templates(store, config)
    click.echo(f"repeated paragraphs (in >= {config.template_min_pages} articles): {len(found)}")
    for template in found[:TEMPLATES_SHOWN]:
        text = template.text if len(template.text) <= 60 else template.text[:60] + "…"
        click.echo(
            f"  {len(template.article_ids):>4} articles, {len(template.sites):>2} sites, "
            f"{template.kind}: {click.style(text, bold=False)}"
        )
