"""Integer rows spilled to disk by partition: bounded memory for what a whole corpus yields.

A first run's band scan finds every candidate pair of the corpus, band after band; held until
the last band (to make them distinct once), they grew with the corpus. Instead each band's
pairs are appended, as 64-bit codes, to the file of the partition that will verify them (its
owners' batch), and a partition's codes are read back (and made distinct) only when that batch
is verified: memory holds one band's pairs, or one partition's, never the corpus's. The files
live in a temporary directory, deleted when the run ends.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]


class Spill:
    """`add(parts, values)` appends each value to its partition's file; `take(part)` reads
    one partition back (in the order added) and deletes its file."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="debtcorpus-spill-")
        self.root = Path(self.folder.name)
        self.written = 0

    def __enter__(self) -> Spill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.folder.cleanup()

    def _path(self, part: int) -> Path:
        return self.root / f"{part}.i64"

    def add(self, parts: Ints, values: Ints) -> None:
        if not values.size:
            return
        order = np.argsort(parts, kind="stable")
        ordered, values = parts[order], values[order].astype(np.int64)
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        ends = np.append(starts[1:], ordered.size)
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            with self._path(int(ordered[start])).open("ab") as handle:
                handle.write(values[start:end].tobytes())
        self.written += int(values.size)

    def take(self, part: int) -> Ints:
        path = self._path(part)
        if not path.exists():
            return np.empty(0, dtype=np.int64)
        values = np.fromfile(path, dtype=np.int64)
        path.unlink()
        return values
