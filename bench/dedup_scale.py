"""How dedup scales: 10k, 30k and 100k generated articles (~1500 Chinese characters each, 20% of
them edited copies of another), and datasketch's MinHash on the same documents as the reference.

Times are CPU seconds of this process (time.process_time): the 2-core machines are shared,
and wall-clock time moved with other jobs' load. Stages timed: signatures (normalise + shingle
+ MinHash), LSH candidates, exact verification.
Peak memory: tracemalloc over the dedup stages (NumPy buffers are traced). datasketch runs on a
subset (its per-document cost does not depend on corpus size) with the same shingles.

    .venv/bin/python bench/dedup_scale.py            # 10k, 30k, 100k  (about 2.5 minutes)
    .venv/bin/python bench/dedup_scale.py --quick    # 1k, 3k, 10k
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaning.fingerprint import FingerprintConfig, band_keys, content_chars, signatures
from corpus.dedup import ShingleCache, UnionFind, bucket_pairs, verify_pairs
from corpus.dedup_pairs import edit_copy

PUNCTUATION = np.array(list(",,,,。。、;:!?"))
COPY_SHARE = 0.2


@dataclass(frozen=True)
class Run:
    documents: int
    characters: int
    signature_seconds: float
    candidate_seconds: float
    verify_seconds: float
    candidates: int
    pairs: int
    clusters: int
    peak_mb: float

    @property
    def total_seconds(self) -> float:
        return self.signature_seconds + self.candidate_seconds + self.verify_seconds


def vocabulary() -> tuple[np.ndarray, np.ndarray]:
    """jieba's dictionary words and their cumulative frequency (realistic Chinese n-grams)."""
    words, weights = [], []
    with jieba.get_dict_file() as handle:
        for line in handle:
            parts = line.decode("utf-8").split()
            if len(parts) >= 2:
                words.append(parts[0])
                weights.append(float(parts[1]))
    cumulative = np.cumsum(weights)
    return np.array(words), cumulative / cumulative[-1]


def generate_corpus(count: int, seed: int = 5) -> list[str]:
    words, cumulative = vocabulary()
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    edit_rng = random.Random(seed)
    for index in range(count):
        if index > 10 and rng.random() < COPY_SHARE:
            texts.append(edit_copy(texts[int(rng.integers(0, index))], edit_rng))
            continue
        picks = words[np.searchsorted(cumulative, rng.random(900))].reshape(100, 9)
        marks = PUNCTUATION[rng.integers(0, PUNCTUATION.size, size=(100, 1))]
        body = "".join(np.concatenate((picks, marks), axis=1).ravel().tolist())[:1500]
        texts.append("\n".join(body[start : start + 240] for start in range(0, len(body), 240)))
    return texts


def dedup_run(texts: list[str], config: FingerprintConfig) -> Run:
    tracemalloc.start()
    started = time.process_time()
    matrix = signatures(texts, config)
    signed = time.process_time()
    candidates = bucket_pairs(band_keys(matrix, config))
    found = time.process_time()
    kept = verify_pairs(candidates, ShingleCache(texts.__getitem__, config), matrix.__getitem__)
    verified = time.process_time()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    groups = UnionFind()
    for first, second, _ in kept:
        groups.union(first, second)
    return Run(
        len(texts), sum(len(t) for t in texts), signed - started, found - signed,
        verified - found, len(candidates), len(kept), len(groups.groups()), peak / 2**20,
    )  # fmt: skip


def datasketch_seconds_per_doc(texts: list[str], config: FingerprintConfig) -> float:
    """datasketch MinHash (update_batch, its fastest path) on the same character n-grams."""
    from datasketch import MinHash

    started = time.process_time()
    for text in texts:
        chars = content_chars(text, config.to_simplified)
        shingles = {chars[i : i + config.ngram] for i in range(len(chars) - config.ngram + 1)}
        sketch = MinHash(num_perm=config.num_perm)
        sketch.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return (time.process_time() - started) / len(texts)


def ours_seconds_per_doc(texts: list[str], config: FingerprintConfig) -> float:
    started = time.process_time()
    signatures(texts, config)
    return (time.process_time() - started) / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k, 3k and 10k articles")
    parser.add_argument("--reference-docs", type=int, default=1000, help="datasketch subset size")
    options = parser.parse_args()
    sizes = (1_000, 3_000, 10_000) if options.quick else (10_000, 30_000, 100_000)
    config = FingerprintConfig()
    started = time.process_time()
    corpus = generate_corpus(sizes[-1])
    mean = np.mean([len(text) for text in corpus])
    print(
        f"generated {len(corpus)} articles, mean {mean:.0f} chars in "
        f"{time.process_time() - started:.0f}s; n={config.ngram}, {config.num_perm} slots, "
        f"{config.bands}x{config.rows} bands, threshold {config.threshold}, {config.scheme}"
    )
    print(
        "\n| articles | docs/s (all stages) | signatures docs/s | LSH s | verify s | candidates "
        "| near pairs | clusters | peak MB | time vs previous size |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    previous: Run | None = None
    for size in sizes:
        run = dedup_run(corpus[:size], config)
        growth = "-"
        if previous:
            ratio = run.total_seconds / previous.total_seconds
            growth = f"x{ratio:.2f} for x{size / previous.documents:.1f} docs"
        print(
            f"| {size} | {size / run.total_seconds:.0f} | {size / run.signature_seconds:.0f} "
            f"| {run.candidate_seconds:.1f} | {run.verify_seconds:.1f} | {run.candidates} "
            f"| {run.pairs} | {run.clusters} | {run.peak_mb:.0f} | {growth} |"
        )
        previous = run
    subset = corpus[: options.reference_docs]
    ours = ours_seconds_per_doc(subset, config)
    kperm = ours_seconds_per_doc(subset, FingerprintConfig(scheme="kperm"))
    reference = datasketch_seconds_per_doc(subset, config)
    print(
        f"\nsignature per document on {len(subset)} docs: ours (oph) {ours * 1e6:.0f} us, "
        f"ours (kperm) {kperm * 1e6:.0f} us, datasketch {reference * 1e6:.0f} us; "
        f"ours is {reference / ours:.1f}x faster (kperm {reference / kperm:.1f}x)"
    )


if __name__ == "__main__":
    main()
