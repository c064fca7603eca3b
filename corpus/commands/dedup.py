"""`debtcorpus dedup`: exact and near-duplicate clusters, kept up to date incrementally."""

from __future__ import annotations

import dataclasses

import click

from cleaning.fingerprint import FingerprintConfig, opencc_available
from corpus.commands.options import db_option
from corpus.dedup import find_templates, run_dedup
from corpus.errors import ConfigError
from corpus.store import Store, open_store

TEMPLATES_SHOWN = 20


def make_config(threshold: float | None, simplified: bool) -> FingerprintConfig:
    """The default config with the command line's overrides."""
    if simplified and not opencc_available():
        raise ConfigError("--simplified needs OpenCC: pip install 'debtcorpus[opencc]'")
    config = FingerprintConfig(to_simplified=simplified)
    if threshold is not None:
        if not 0.0 < threshold <= 1.0:
            raise ConfigError(f"--threshold {threshold} must be between 0 (exclusive) and 1")
        config = dataclasses.replace(config, threshold=threshold)
    return config


@click.command(name="dedup")
@db_option
@click.option("--threshold", type=float, default=None, help="Jaccard threshold (default 0.45).")
@click.option(
    "--rebuild", is_flag=True, help="Drop the stored clusters (and stale signatures) and recompute."
)
@click.option(
    "--simplified",
    is_flag=True,
    help="Convert traditional to simplified Chinese (OpenCC) before fingerprinting.",
)
@click.option("--templates/--no-templates", default=True, help="List repeated paragraphs.")
def dedup(
    db: str | None, threshold: float | None, rebuild: bool, simplified: bool, templates: bool
) -> None:
    """Find exact and near-duplicate articles and store them as clusters.

    Only new or changed articles are fingerprinted; they join the clusters they match. Use
    --rebuild after changing --threshold or --simplified.
    """
    config = make_config(threshold, simplified)
    store = open_store(db)
    summary = run_dedup(store, config, rebuild=rebuild)
    click.echo(
        f"{summary.articles} articles; fingerprinted {summary.fingerprinted} "
        f"({summary.changed} changed); {summary.candidate_pairs} LSH candidate pairs, "
        f"{summary.near_pairs} near-duplicate pairs"
    )
    click.echo(
        f"clusters: {summary.clusters.get('exact', 0)} exact, "
        f"{summary.clusters.get('minhash', 0)} near (n={config.ngram}, "
        f"threshold={config.threshold})"
    )
    if templates:
        _echo_templates(store, config)
    store.dispose()


def _echo_templates(store: Store, config: FingerprintConfig) -> None:
    found = find_templates(store, config)
    click.echo(f"repeated paragraphs (in >= {config.template_min_pages} articles): {len(found)}")
    for template in found[:TEMPLATES_SHOWN]:
        text = template.text if len(template.text) <= 60 else template.text[:60] + "…"
        click.echo(
            f"  {len(template.article_ids):>4} articles, {len(template.sites):>2} sites, "
            f"{template.kind}: {text}"
        )
