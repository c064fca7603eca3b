"""`debtcorpus eval dedup`: near-duplicate detection on the labelled farm set, beside datasketch.

Builds the set from `../shared` (corpus.dedup.farmset), ingests its pages through the cleaner
into a fresh SQLite corpus, runs `debtcorpus dedup` with the defaults, and prints pairwise
precision, recall and F1 per transformation for the test and dev originals, the copy direction,
datasketch MinHashLSH on the same stored texts in the same run, and the threshold sweep chosen
on folds of the dev originals.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.engine import make_url

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup import evaluate
from corpus.dedup.farmpages import ingest_farm_set
from corpus.dedup.farmset import SHARED, FarmSet, LabelledPair, build_farm_set
from corpus.dedup.run import run_dedup
from corpus.errors import ConfigError
from corpus.models import Article
from corpus.progress import phase
from corpus.store import Store, open_store_for_crawl, resolve_db_url


def _table(title: str, scores: dict[str, evaluate.Score]) -> None:
    click.echo(f"\n{title}\n\n| pairs | P | R | F1 | tp | fp | fn |\n|---|---|---|---|---|---|---|")
    for label in sorted(scores, key=lambda name: (name == "all", name in evaluate.NEGATIVE, name)):
        s = scores[label]
        if label in evaluate.NEGATIVE:
            click.echo(f"| {label} (false pairs) | | | | | {s.false_positives} | |")
            continue
        click.echo(
            f"| {label} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | "
            f"{s.true_positives} | {s.false_positives} | {s.false_negatives} |"
        )


def _split(farm: FarmSet, part: str) -> list[LabelledPair]:
    return [pair for pair in farm.pairs if evaluate.split_of(pair)[0] == part]


def _report_run(
    store: Store, farm: FarmSet, ids: dict[str, int], config: FingerprintConfig
) -> None:
    started = time.perf_counter()
    summary = run_dedup(store, config, rebuild=True)
    seconds = time.perf_counter() - started
    click.echo(
        f"\ndebtcorpus dedup (defaults: n={config.ngram}, threshold {config.threshold}, "
        f"containment {config.containment}, cover {config.cover}, {config.normalisation}): "
        f"{summary.clusters} clusters, {summary.containments} containment edges in {seconds:.1f}s"
    )
    found = evaluate.stored_predictions(store)
    _table("ours, test originals", evaluate.score_pairs(_split(farm, "test"), ids, found))
    _table("ours, dev originals", evaluate.score_pairs(_split(farm, "dev"), ids, found))
    overall = evaluate.global_precision(found, farm, ids)
    right, total = evaluate.direction(store, farm, ids)
    click.echo(
        f"\nevery joined pair (labelled or not): precision {overall.precision:.3f} "
        f"({overall.false_positives} false of {overall.true_positives + overall.false_positives})"
        f"\ncopy direction: {right} of {total} dated copies point to their original "
        f"({right / max(total, 1):.3f})"
    )


def _report_datasketch(store: Store, farm: FarmSet, ids: dict[str, int]) -> None:
    article_ids, texts = evaluate.article_texts(store)
    started = time.perf_counter()
    with phase("datasketch MinHashLSH"):
        found = evaluate.datasketch_predictions(article_ids, texts)
    seconds = time.perf_counter() - started
    title = f"datasketch MinHashLSH (5-grams, threshold 0.5, 128 perms, {seconds:.1f}s), test"
    _table(title, evaluate.score_pairs(_split(farm, "test"), ids, found))


def _report_sweep(store: Store, farm: FarmSet, ids: dict[str, int], top: int) -> None:
    with phase("sweeping thresholds on the dev folds"):
        rows, chosen, held_out = evaluate.sweep(store, farm, ids, FingerprintConfig())
    click.echo(f"\nsweep on dev pairs (best {top} by F1 for each n)\n")
    click.echo(
        "| n | threshold | containment | cover | P | R | F1 |\n|---|---|---|---|---|---|---|"
    )
    ranked = sorted(rows, key=lambda r: (r.ngram, -r.dev.f1, -r.threshold))
    for ngram in evaluate.NGRAMS:
        for row in [r for r in ranked if r.ngram == ngram][:top]:
            click.echo(
                f"| {row.ngram} | {row.threshold} | {row.containment} | {row.cover} | "
                f"{row.dev.precision:.3f} | {row.dev.recall:.3f} | {row.dev.f1:.3f} |"
            )
    click.echo("\nper dev fold: chosen on the other folds, scored on this one")
    for fold, config in chosen.items():
        score = held_out[fold].get("all")
        click.echo(
            f"  fold {fold}: n={config.ngram} threshold {config.threshold} containment "
            f"{config.containment} cover {config.cover} -> "
            + (f"P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f}" if score else "-")
        )
    _table_means(evaluate.mean_scores(held_out))
    click.echo("\ncopy direction by date-reliability floor (dev):")
    for reliable, (right, total) in evaluate.direction_sweep(
        store, farm, ids, FingerprintConfig()
    ).items():
        click.echo(f"  confidence >= {reliable}: {right}/{total} ({right / max(total, 1):.3f})")


def _table_means(means: dict[str, tuple[float, float, float]]) -> None:
    click.echo("\nmean of held-out dev folds\n\n| pairs | P | R | F1 |\n|---|---|---|---|")
    for label, (precision, recall, f1) in sorted(means.items(), key=lambda i: i[0] == "all"):
        if label not in evaluate.NEGATIVE:
            click.echo(f"| {label} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")


def _counts(farm: FarmSet) -> Iterable[str]:
    labels: dict[str, int] = {}
    for pair in farm.pairs:
        labels[pair.label] = labels.get(pair.label, 0) + 1
    return (f"{label} {count}" for label, count in sorted(labels.items()))


def _refuse_existing(db: str) -> None:
    """A SQLite --db must be a new file (the farm set is ingested into it)."""
    parsed = make_url(resolve_db_url(db))
    if parsed.get_backend_name() == "sqlite" and Path(parsed.database or "").exists():
        raise ConfigError(f"--db {db} exists; give a new file")


def _holds_articles(store: Store) -> bool:
    with store.session() as session:
        return session.scalar(select(Article.id).limit(1)) is not None


@click.command(name="dedup")
@click.option(
    "--shared",
    type=click.Path(file_okay=False, path_type=Path),
    default=SHARED,
    show_default=True,
    help="The shared folder with benchmarks/ and seeds/ (read, never copied).",
)
@click.option("--seed", default=13, show_default=True, help="Seed of the labelled set.")
@click.option("--limit", type=int, default=None, help="Use only this many original articles.")
@click.option(
    "--db",
    default=None,
    metavar="URL|PATH",
    help="Keep the ingested corpus in this new database: a SQLite file that does not exist "
    "yet, or an empty database's URL (postgresql+psycopg://...). Default: a temporary file.",
)
@click.option("--sweep/--no-sweep", default=True, help="Also sweep thresholds on dev folds.")
@click.option("--top", default=8, show_default=True, help="Sweep rows shown.")
def eval_dedup(
    shared: Path, seed: int, limit: int | None, db: str | None, sweep: bool, top: int
) -> None:
    """Pairwise P/R/F1 per transformation on real text copied the way content farms copy."""
    if db:
        _refuse_existing(db)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store_for_crawl(db or str(Path(folder) / "farm.db"))
        if db and _holds_articles(store):
            raise ConfigError(f"--db {db} holds articles already; give an empty database")
        farm = build_farm_set(seed=seed, shared=shared, limit=limit)
        started = time.perf_counter()
        ids = ingest_farm_set(farm, store)
        click.echo(
            f"{len(farm.pages)} pages ({len(ids)} stored as articles) in "
            f"{time.perf_counter() - started:.0f}s; {len(farm.pairs)} labelled pairs: "
            + ", ".join(_counts(farm))
        )
        _report_run(store, farm, ids, FingerprintConfig())
        _report_datasketch(store, farm, ids)
        if sweep:
            _report_sweep(store, farm, ids, top)
        store.dispose()
