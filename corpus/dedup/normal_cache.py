"""The normal forms a dedup run made, kept for the same run's verification.

Fingerprinting normalises every new text (NFKC, OpenCC, boilerplate lines: the costly part);
verifying the candidate pairs needs the shingles of every text in a pair that passes the MinHash
estimate, which at 50,000 generated articles is two texts in three. Instead of reading those texts
again and normalising them a second time, the run keeps each new text's content codes (the
letters and digits of its normal form, 2 bytes a character when all are in the Basic
Multilingual Plane) in a scratch SQLite file in a temporary directory: on disk, not in memory,
deleted when the run ends, and bounded (`MAX_BYTES`; past it the texts are read and normalised
again). Articles fingerprinted by an earlier run are not in it: their texts are read.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

# about 1.5 million articles of 1,500 characters
MAX_BYTES = 4 << 30
QUERY_CHUNK = 900


def pack_codes(codes: NDArray[np.uint64]) -> bytes:
    """Content codes as bytes: a width byte, then 2-byte (all below U+10000) or 4-byte codes."""
    if not codes.size or int(codes.max()) < 0x10000:
        return b"\x02" + codes.astype(np.uint16).tobytes()
    return b"\x04" + codes.astype(np.uint32).tobytes()


def unpack_codes(blob: bytes) -> NDArray[np.uint64]:
    dtype = np.uint16 if blob[:1] == b"\x02" else np.uint32
    return np.frombuffer(blob, dtype=dtype, offset=1).astype(np.uint64)


class NormalCache:
    """`put(ids, blobs)` after a batch is fingerprinted, `get(ids)` when its pairs are verified."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="debtcorpus-dedup-")
        self.db = sqlite3.connect(Path(self.folder.name) / "normal.db")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE codes (id INTEGER PRIMARY KEY, codes BLOB NOT NULL)")
        self.stored = 0
        self.max_bytes = MAX_BYTES if max_bytes is None else max_bytes

    def __enter__(self) -> NormalCache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.db.close()
        self.folder.cleanup()

    def put(self, ids: Sequence[int], blobs: Sequence[bytes]) -> None:
        size = sum(map(len, blobs))
        if self.stored + size > self.max_bytes:
            return
        self.stored += size
        rows = zip(map(int, ids), blobs, strict=True)
        self.db.executemany("INSERT OR REPLACE INTO codes VALUES (?, ?)", rows)
        self.db.commit()

    def get(self, ids: Sequence[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        for start in range(0, len(ids), QUERY_CHUNK):
            chunk = [int(i) for i in ids[start : start + QUERY_CHUNK]]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(f"SELECT id, codes FROM codes WHERE id IN ({marks})", chunk)
            )
        return found
