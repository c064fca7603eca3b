"""Content codes (the normal form's letters and digits) of many texts, over worker processes.

The normal form (NFKC, OpenCC, boilerplate lines) is pure Python per text and the CPU-bound
part of a run; NumPy does the rest. With more than one worker, a batch's texts are split among
processes and the codes come back as one uint32 array and the lengths (a memory copy to
pickle, not one object per character). `submit` returns at once, so the caller can work on the
previous batch (database, verification) while the workers normalise the next one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from cleaning.fingerprint import FingerprintConfig, content_codes

Codes = list[NDArray[np.uint64]]
Packed = tuple[NDArray[np.uint32], NDArray[np.int64]]


def default_workers() -> int:
    """One worker per core this process may use, at most 2 (the datasketch baseline has one)."""
    return max(1, min(2, len(os.sched_getaffinity(0))))


def pack_codes(texts: Sequence[str], config: FingerprintConfig) -> Packed:
    codes = [content_codes(text, config) for text in texts]
    lengths = np.array([c.size for c in codes], dtype=np.int64)
    joined = np.concatenate(codes) if codes else np.empty(0, dtype=np.uint64)
    return joined.astype(np.uint32), lengths


def unpack_codes(packed: Packed) -> Codes:
    joined, lengths = packed
    wide = joined.astype(np.uint64)
    return list(np.split(wide, np.cumsum(lengths)[:-1])) if lengths.size else []


class Normaliser:
    """`submit(texts)` -> a callable giving the texts' content codes, in order."""

    def __init__(self, config: FingerprintConfig, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None
        if workers > 1:
            # fork: the workers inherit the loaded OpenCC and rules; no thread runs yet
            context = multiprocessing.get_context("fork")
            self.executor = ProcessPoolExecutor(workers, mp_context=context)

    def __enter__(self) -> Normaliser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def submit(self, texts: Sequence[str]) -> Callable[[], Codes]:
        if self.executor is None:
            return lambda: unpack_codes(pack_codes(texts, self.config))
        size = -(-len(texts) // self.workers)
        futures: list[Future[Packed]] = [
            self.executor.submit(pack_codes, list(texts[start : start + size]), self.config)
            for start in range(0, len(texts), size)
        ]
        return lambda: [codes for future in futures for codes in unpack_codes(future.result())]
