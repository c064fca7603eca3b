"""`debtcorpus eval dedup`: precision and recall of near-duplicate detection.

Two truths: the labels of the labelled set (copies and spun templates are duplicates, unrelated
articles on the same topic are not), and the exact Jaccard similarity of the shingle sets (a pair
is a near duplicate when it reaches the threshold). A labelled pair counts as found when both
texts end in the same cluster; a Jaccard pair when LSH + verification kept the pair itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import click

from cleaning.fingerprint import FingerprintConfig, set_jaccard, shingle_set
from corpus.dedup import near_duplicate_groups, near_duplicate_pairs
from corpus.dedup_pairs import LabelledSet, build_labelled_set, read_jsonl, write_jsonl

NGRAMS = (2, 3, 4, 5)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int


@dataclass(frozen=True)
class NgramRow:
    ngram: int
    positive_min: float
    negative_max: float
    gap: float
    label_score: Score


def score(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> Score:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    return Score(precision, recall, hits, len(found - truth), len(truth - found))


def label_score(labelled: LabelledSet, config: FingerprintConfig) -> Score:
    """Labelled pairs: found when both texts are in the same cluster."""
    cluster_of: dict[int, int] = {}
    for number, group in enumerate(near_duplicate_groups(labelled.texts(), config)):
        cluster_of.update(dict.fromkeys(group, number))
    index = labelled.index()
    truth, found = set(), set()
    for pair in labelled.pairs:
        key = (index[pair.first], index[pair.second])
        if pair.positive:
            truth.add(key)
        first = cluster_of.get(key[0])
        if first is not None and first == cluster_of.get(key[1]):
            found.add(key)
    return score(found, truth)


def jaccard_truth(texts: list[str], config: FingerprintConfig) -> set[tuple[int, int]]:
    """Every pair whose exact shingle-set Jaccard similarity reaches the threshold."""
    sets = [shingle_set(text, config.ngram, config.to_simplified) for text in texts]
    return {
        (first, second)
        for first in range(len(sets))
        for second in range(first + 1, len(sets))
        if set_jaccard(sets[first], sets[second]) >= config.threshold
    }


def jaccard_score(labelled: LabelledSet, config: FingerprintConfig) -> Score:
    texts = labelled.texts()
    found = {(first, second) for first, second, _ in near_duplicate_pairs(texts, config)}
    return score(found, jaccard_truth(texts, config))


def ngram_row(labelled: LabelledSet, config: FingerprintConfig) -> NgramRow:
    """How far apart duplicates and non-duplicates are with this n, and the label score."""
    index = labelled.index()
    sets = [shingle_set(text, config.ngram, config.to_simplified) for text in labelled.texts()]
    positives: list[float] = []
    negatives: list[float] = []
    for pair in labelled.pairs:
        similarity = set_jaccard(sets[index[pair.first]], sets[index[pair.second]])
        (positives if pair.positive else negatives).append(similarity)
    low, high = min(positives), max(negatives)
    return NgramRow(config.ngram, low, high, low - high, label_score(labelled, config))


def _print_score(title: str, result: Score) -> None:
    click.echo(
        f"{title:<34} precision {result.precision:.3f}  recall {result.recall:.3f}  "
        f"(tp {result.true_positives}, fp {result.false_positives}, fn {result.false_negatives})"
    )


def _print_ngram_table(labelled: LabelledSet, config: FingerprintConfig) -> None:
    click.echo("\nn-gram | min J duplicates | max J non-duplicates | gap    | P     | R")
    click.echo("------ | ---------------- | -------------------- | ------ | ----- | -----")
    for ngram in NGRAMS:
        row = ngram_row(labelled, dataclasses.replace(config, ngram=ngram))
        click.echo(
            f"{row.ngram:<6} | {row.positive_min:<16.3f} | {row.negative_max:<20.3f} | "
            f"{row.gap:<+6.3f} | {row.label_score.precision:.3f} | {row.label_score.recall:.3f}"
        )


@click.command(name="dedup")
@click.option("--threshold", type=float, default=None, help="Jaccard threshold to score.")
@click.option("--ngram", type=int, default=None, help="Shingle length to score.")
@click.option(
    "--pairs",
    "pairs_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A labelled set written by --write-pairs (default: build it).",
)
@click.option(
    "--write-pairs",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the labelled set as JSON lines here and stop.",
)
def eval_dedup(
    threshold: float | None, ngram: int | None, pairs_path: Path | None, write_pairs: Path | None
) -> None:
    """Precision and recall of near-duplicate detection, against labels and exact Jaccard."""
    labelled = read_jsonl(pairs_path) if pairs_path else build_labelled_set()
    if write_pairs:
        write_jsonl(labelled, write_pairs)
        click.echo(
            f"wrote {len(labelled.docs)} texts and {len(labelled.pairs)} pairs to {write_pairs}"
        )
        return
    config = FingerprintConfig()
    config = dataclasses.replace(
        config, threshold=threshold or config.threshold, ngram=ngram or config.ngram
    )
    positives = sum(pair.positive for pair in labelled.pairs)
    click.echo(
        f"{len(labelled.docs)} texts, {len(labelled.pairs)} labelled pairs "
        f"({positives} duplicates); "
        f"n={config.ngram}, threshold={config.threshold}, {config.num_perm} slots in "
        f"{config.bands} bands of {config.rows}, verify={config.verify}"
    )
    _print_score("against labels (same cluster):", label_score(labelled, config))
    _print_score("against exact Jaccard (pairs):", jaccard_score(labelled, config))
    estimate = dataclasses.replace(config, verify="estimate")
    _print_score("  with verify=estimate:", jaccard_score(labelled, estimate))
    _print_ngram_table(labelled, config)
