"""Candidate pairs, their measures, clusters without chaining, and containment edges.

In memory and batched: the stored run (corpus.dedup.run) feeds these one batch at a time, the
evaluation feeds a whole labelled set. Candidates come from LSH band keys; a candidate whose
MinHash estimate is below `estimate_floor` is dropped with one vectorised comparison, the rest are
measured exactly on their shingle sets: Jaccard similarity and the share of each text the other
holds. A member joins a cluster only by its own similarity to the cluster's representative
(leader clustering in representative order), so a page that stitches two articles cannot join
their families. Containment ("B holds N% of A") is an edge, never a merge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cleaning.fingerprint import (
    FingerprintConfig,
    band_keys,
    distinct_sorted,
    normalise,
    shingle_hashes,
    shingle_sequence,
    signatures,
)

# a contained text must hold at least this many shingles for the edge to mean anything
MIN_CONTAINED_SHINGLES = 60
# a line of the container belongs to a copied span when this share of its shingles is the source's
SPAN_LINE_SHARE = 0.5
# pairs compared at once by the MinHash estimate (two signature rows each: 20 MB a block)
PAIR_BLOCK = 20_000
# coverage: runs of this many consecutive shingles, shared when this share of them is in the
# other text
WINDOW = 40
WINDOW_MATCH = 0.25

Pairs = NDArray[np.int64]


@dataclass(frozen=True)
class PairMeasure:
    first: int
    second: int
    jaccard: float
    # share of first's shingles found in second, and the other way round
    first_in_second: float
    second_in_first: float
    # shingle counts of the two texts (a containment needs enough text to mean anything)
    first_size: int = 0
    second_size: int = 0
    # share of each text in windows the other shares (coverage); 0 when not measured
    first_covered: float = 0.0
    second_covered: float = 0.0

    def is_copy(self, config: FingerprintConfig) -> bool:
        """Near duplicates: similar enough, and one of them all but covered by the other."""
        covered = max(self.first_covered, self.second_covered)
        return self.jaccard >= config.threshold and covered >= config.cover


@dataclass(frozen=True)
class Containment:
    """Page `container` holds `share` of article `source` (they are in different clusters)."""

    source: int
    container: int
    share: float


def bucket_pairs(keys: NDArray[np.int64], max_bucket: int) -> Pairs:
    """Row index pairs (i < j) sharing a key in some band, as an (n, 2) array without repeats.
    Buckets larger than max_bucket are common text and give no pairs."""
    found: list[Pairs] = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        edges = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
        lengths = np.diff(edges)
        for size in np.unique(lengths[(lengths > 1) & (lengths <= max_bucket)]):
            starts = edges[:-1][lengths == size]
            upper, lower = np.triu_indices(int(size), k=1)
            members = order[starts[:, None] + np.arange(size)[None, :]]
            found.append(np.stack((members[:, upper].ravel(), members[:, lower].ravel()), axis=1))
    return unique_pairs(np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64))


def unique_pairs(pairs: Pairs) -> Pairs:
    """Each pair once as (low, high), sorted: through one int64 a pair (ids below 2^31; a
    row-wise `np.unique(axis=0)` sorts a structured view, many times slower)."""
    ordered = np.sort(pairs.astype(np.int64), axis=1)
    return pairs_of_codes(np.unique(pair_codes(ordered)))


def pair_codes(ordered: Pairs) -> NDArray[np.int64]:
    """(low, high) pairs of non-negative ids below 2^31 as one int64 each, in the same order."""
    return (ordered[:, 0] << 32) | ordered[:, 1]


def pairs_of_codes(codes: NDArray[np.int64]) -> Pairs:
    return np.stack((codes >> 32, codes & 0xFFFFFFFF), axis=1)


def estimate_filter(pairs: Pairs, matrix: NDArray[np.uint32], floor: float) -> Pairs:
    """The pairs whose MinHash estimate (share of equal slots) reaches floor; in blocks."""
    kept: list[Pairs] = []
    for start in range(0, len(pairs), PAIR_BLOCK):
        block = pairs[start : start + PAIR_BLOCK]
        agree = (matrix[block[:, 0]] == matrix[block[:, 1]]).mean(axis=1)
        kept.append(block[agree >= floor])
    return np.concatenate(kept) if kept else pairs


def measure(first: NDArray[np.uint64], second: NDArray[np.uint64]) -> tuple[float, float, float]:
    """Jaccard, share of first in second, share of second in first (sorted distinct hashes)."""
    if first.size == 0 or second.size == 0:
        return (1.0, 1.0, 1.0) if first.size == second.size else (0.0, 0.0, 0.0)
    common = shared_count(first, second)
    union = first.size + second.size - common
    return common / union, common / first.size, common / second.size


def shared_count(first: NDArray[np.uint64], second: NDArray[np.uint64]) -> int:
    """How many of first's hashes second holds (both sorted and distinct, second not empty):
    a binary search of the shorter in the longer, no merged sort."""
    if first.size > second.size:
        first, second = second, first
    found = second[np.minimum(np.searchsorted(second, first), second.size - 1)] == first
    return int(np.count_nonzero(found))


def _window_shares(
    sequence: NDArray[np.uint64], other: NDArray[np.uint64], window: int
) -> NDArray[np.float64]:
    """Per run of `window` consecutive shingles: the share of them found in `other` (sorted)."""
    if not sequence.size or not other.size:
        return np.zeros((sequence.size + window - 1) // window)
    found = other[np.minimum(np.searchsorted(other, sequence), other.size - 1)] == sequence
    starts = np.arange(0, sequence.size, window)
    hits = np.add.reduceat(found.astype(np.intp), starts)
    sizes = np.diff(np.append(starts, sequence.size))
    return hits / sizes


def coverage(sequence: NDArray[np.uint64], other: NDArray[np.uint64]) -> float:
    """Share of a text's shingles in windows (runs of WINDOW consecutive shingles) that share at
    least WINDOW_MATCH of theirs with the other text: near 1 for a copy however reworded or
    reordered, about the copied part for a stitched page."""
    if not sequence.size:
        return 0.0
    shares = _window_shares(sequence, other, WINDOW)
    sizes = np.diff(np.append(np.arange(0, sequence.size, WINDOW), sequence.size))
    return float(sizes[shares >= WINDOW_MATCH].sum() / sequence.size)


def measure_pair(
    first: int,
    second: int,
    shingles_of: Callable[[int], NDArray[np.uint64]],
    sequence_of: Callable[[int], NDArray[np.uint64]],
    cover_from: float = 0.0,
) -> PairMeasure:
    """The pair's measures; coverage only when the Jaccard similarity reaches cover_from
    (below it the pair cannot be a near duplicate, and coverage is the costly part)."""
    a, b = shingles_of(first), shingles_of(second)
    jaccard, forward, backward = measure(a, b)
    if jaccard < cover_from:
        return PairMeasure(first, second, jaccard, forward, backward, a.size, b.size)
    return PairMeasure(
        first, second, jaccard, forward, backward, a.size, b.size,
        coverage(sequence_of(first), b), coverage(sequence_of(second), a),
    )  # fmt: skip


def measure_pairs(
    pairs: Iterable[tuple[int, int]],
    shingles_of: Callable[[int], NDArray[np.uint64]],
    sequence_of: Callable[[int], NDArray[np.uint64]],
    cover_from: float = 0.0,
) -> list[PairMeasure]:
    return [
        measure_pair(first, second, shingles_of, sequence_of, cover_from) for first, second in pairs
    ]


def leader_clusters(
    order: Sequence[int], measures: Iterable[PairMeasure], config: FingerprintConfig
) -> dict[int, int]:
    """Member -> representative. Articles come in representative order (earliest reliably
    dated first); each joins the most similar earlier representative it reaches the threshold
    with, else starts a cluster. Similarity to a non-representative member never counts."""
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for pair in measures:
        if pair.is_copy(config):
            neighbours[pair.first][pair.second] = pair.jaccard
            neighbours[pair.second][pair.first] = pair.jaccard
    leader_of: dict[int, int] = {}
    for article in order:
        leaders = {
            other: similarity
            for other, similarity in neighbours.get(article, {}).items()
            if leader_of.get(other) == other
        }
        if leaders:
            leader_of[article] = max(leaders, key=lambda other: (leaders[other], -other))
        else:
            leader_of[article] = article
    return leader_of


def containments(
    measures: Iterable[PairMeasure],
    leader_of: dict[int, int],
    order: Sequence[int],
    config: FingerprintConfig,
) -> list[Containment]:
    """Edges "container holds share of source" between articles of different clusters, from
    the earlier article (in representative order) to the later one only: the later page is
    the one that copied."""
    position = {article: index for index, article in enumerate(order)}
    edges = []
    for pair in measures:
        if leader_of.get(pair.first, pair.first) == leader_of.get(pair.second, pair.second):
            continue
        forward = position.get(pair.first, pair.first) < position.get(pair.second, pair.second)
        source, container, share, size = (
            (pair.first, pair.second, pair.first_in_second, pair.first_size)
            if forward
            else (pair.second, pair.first, pair.second_in_first, pair.second_size)
        )
        if share >= config.containment and size >= MIN_CONTAINED_SHINGLES:
            edges.append(Containment(source, container, round(share, 4)))
    return edges


def copied_spans(source: str, container: str, config: FingerprintConfig) -> list[list[int]]:
    """[start, end) character ranges of the container's text (whole lines) that come from the
    source: lines most of whose shingles the source has."""
    source_hashes = shingle_hashes(source, config)
    raw_lines = container.split("\n")
    kept = [i for i, line in enumerate(raw_lines) if normalise(line, config)]
    copied = set()
    for index in kept:
        hashes = shingle_hashes(raw_lines[index], config)
        if hashes.size and np.isin(hashes, source_hashes).mean() >= SPAN_LINE_SHARE:
            copied.add(index)
    spans: list[list[int]] = []
    offset = 0
    for index, line in enumerate(raw_lines):
        if index in copied:
            if spans and spans[-1][1] >= offset - 1:
                spans[-1][1] = offset + len(line)
            else:
                spans.append([offset, offset + len(line)])
        offset += len(line) + 1
    return spans


@dataclass(frozen=True)
class InMemoryResult:
    measures: list[PairMeasure]
    sizes: dict[int, int]


def measure_texts(
    texts: Sequence[str], config: FingerprintConfig, cover_from: float | None = None
) -> InMemoryResult:
    """Every candidate pair of these texts, measured (eval and templates: the whole set at once);
    coverage from Jaccard cover_from on (default: the config's threshold)."""
    cover_from = config.threshold if cover_from is None else cover_from
    matrix = signatures(list(texts), config)
    pairs = bucket_pairs(band_keys(matrix, config), config.max_bucket)
    pairs = estimate_filter(pairs, matrix, config.estimate_floor)
    sequences = [shingle_sequence(text, config) for text in texts]
    hashes = [distinct_sorted(sequence) for sequence in sequences]
    found = measure_pairs(
        ((int(a), int(b)) for a, b in pairs), hashes.__getitem__, sequences.__getitem__,
        cover_from,
    )  # fmt: skip
    return InMemoryResult(found, {index: h.size for index, h in enumerate(hashes)})
