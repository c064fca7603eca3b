"""The CPU-bound part of a dedup run over worker processes: normal forms (NFKC, OpenCC,
boilerplate lines: pure Python per text), signatures and exact measures (NumPy).

`Workers.submit(function, parts)` starts `function(part)` for each part and returns at once
with a callable giving the results in order, so the caller can do the database work of the
previous or next batch meanwhile. With one worker (`--workers 1`) everything runs in this
process, when the results are asked for. The parts and results are small: texts and ids in,
signature matrices, exact keys and pair measures out.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from cleaning.fingerprint import (
    FingerprintConfig,
    band_keys,
    content_codes,
    distinct_sorted,
    exact_key_of_codes,
    sequence_of_codes,
    signatures_of_codes,
)
from corpus.dedup.normal_cache import pack_codes, unpack_codes
from corpus.dedup.pairs import PairMeasure, measure_pair

T = TypeVar("T")
# signatures, band keys, exact keys, packed content codes (corpus.dedup.normal_cache)
Fingerprints = tuple[NDArray[np.uint32], NDArray[np.int64], list[str], list[bytes]]
# the pairs of a part, the texts of theirs not cached, the packed content codes of the others
MeasurePart = tuple[Sequence[tuple[int, int]], dict[int, str], dict[int, bytes]]


def default_workers() -> int:
    """One worker per core this process may use, at most 2 (the datasketch baseline has one)."""
    return max(1, min(2, len(os.sched_getaffinity(0))))


def split(items: Sequence[T], parts: int) -> list[list[T]]:
    """Consecutive parts of about equal size (none empty)."""
    size = max(1, -(-len(items) // parts))
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def fingerprint_part(texts: Sequence[str], config: FingerprintConfig) -> Fingerprints:
    """Signatures, band keys, exact keys and packed content codes of texts."""
    codes = [content_codes(text, config) for text in texts]
    matrix = signatures_of_codes(codes, config)
    exact = [exact_key_of_codes(c) for c in codes]
    return matrix, band_keys(matrix, config), exact, [pack_codes(c) for c in codes]


def measure_part(part: MeasurePart, config: FingerprintConfig) -> list[PairMeasure]:
    """The pairs near enough (Jaccard) or contained, measured on their texts' shingles (from
    the content codes kept by fingerprinting, else from the text)."""
    pairs, texts, packed = part
    sequences = {key: sequence_of_codes(unpack_codes(b), config) for key, b in packed.items()}
    sequences.update(
        (key, sequence_of_codes(content_codes(t, config), config)) for key, t in texts.items()
    )
    hashes = {key: distinct_sorted(sequence) for key, sequence in sequences.items()}
    kept = []
    for first, second in pairs:
        pair = measure_pair(first, second, hashes.__getitem__, sequences.__getitem__,
                            config.threshold)  # fmt: skip
        contained = max(pair.first_in_second, pair.second_in_first) >= config.containment
        if contained or pair.jaccard >= config.threshold:
            kept.append(pair)
    return kept


def ignore_interrupts() -> None:
    """In each worker: Ctrl-C (SIGINT, sent to the whole process group by a terminal) is left
    to the main process, which stops the run and shuts the pool down; a worker stopped by it
    would break the pool, and the main process would end with a broken-pool traceback, or be
    killed by the signal, instead of saying what was kept."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Workers:
    """`submit(function, parts, *args)` -> a callable giving [function(part, *args), ...]."""

    def __init__(self, workers: int) -> None:
        self.count = workers
        self.executor: ProcessPoolExecutor | None = None
        if workers > 1:
            # fork: the workers inherit the loaded modules; no other thread runs yet
            context = multiprocessing.get_context("fork")
            self.executor = ProcessPoolExecutor(
                workers, mp_context=context, initializer=ignore_interrupts
            )

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def submit(
        self, function: Callable[..., T], parts: Sequence[Any], *args: Any
    ) -> Callable[[], list[T]]:
        if self.executor is None:
            return lambda: [function(part, *args) for part in parts]
        futures: list[Future[T]] = [self.executor.submit(function, p, *args) for p in parts]
        return lambda: [future.result() for future in futures]
