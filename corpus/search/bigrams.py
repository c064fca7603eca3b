"""The two-character index tokens of many texts at once, in NumPy, for the posting arrays.

The same tokens as `corpus.search.tokens.tokens` (which feeds FTS5): lowercased text, runs of
letters and digits, the overlapping pairs of characters in each run (the run's closing
single-character token is left out: the arrays hold two-character tokens only). A pair is
coded as one integer, first code point << 21 | second.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

from corpus.search.tokens import is_word_char, normalise

SHIFT = 21  # code points fit in 21 bits
Row = tuple[int, str | None, str | None]  # article id, title, text


@cache
def word_table() -> np.ndarray:
    """is_word_char of every code point."""
    table = np.zeros(0x110000, dtype=bool)
    table[[c for c in range(0x110000) if is_word_char(chr(c))]] = True
    return table


def code(term: str) -> int:
    return (ord(term[0]) << SHIFT) | ord(term[1])


def pairs(texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(index of the text, pair code) of every two-character token of the texts."""
    normalised = [normalise(text or "") for text in texts]
    joined = "\n".join(normalised)  # a separator: never inside a token
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    points = points.astype(np.int64)
    word = word_table()[points]
    starts = np.flatnonzero(word[:-1] & word[1:])
    ends = np.cumsum([len(text) + 1 for text in normalised])
    return np.searchsorted(ends, starts, side="right"), (points[starts] << SHIFT) | points[
        starts + 1
    ]


@dataclass(frozen=True)
class Found:
    """One token's rows (ascending), its count in each row's text, and its title hits."""

    ids: np.ndarray
    body: np.ndarray
    title_ids: np.ndarray
    title: np.ndarray


def _count(
    texts: list[str | None], ids: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token index, article id, count) of the wanted tokens in the texts, by token then id."""
    if wanted.size == 0:  # no token has arrays (a small corpus): nothing to count
        empty = np.zeros(0, dtype=np.int64)
        return empty, ids[:0], empty
    where, codes = pairs(texts)
    slot = np.minimum(np.searchsorted(wanted, codes), wanted.size - 1)
    keep = wanted[slot] == codes
    combined = slot[keep] * len(texts) + where[keep]
    unique, counts = np.unique(combined, return_counts=True)
    return unique // len(texts), ids[unique % len(texts)], counts


def _group(parts: list[tuple[np.ndarray, ...]], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per token index 0..n-1: (ids, counts), ids ascending (batches come in id order)."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return [(empty, empty)] * n
    token, ids, counts = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.argsort(token, kind="stable")
    token, ids, counts = token[order], ids[order], counts[order]
    bounds = np.searchsorted(token, np.arange(n + 1))
    return [(ids[a:b], counts[a:b]) for a, b in itertools.pairwise(bounds)]


def collect(batches: Iterable[list[Row]], terms: list[str]) -> dict[str, Found]:
    """Each term's rows and counts over the batches of articles."""
    ordered = sorted(terms, key=code)
    wanted = np.asarray([code(term) for term in ordered], dtype=np.int64)
    titles: list[tuple[np.ndarray, ...]] = []
    bodies: list[tuple[np.ndarray, ...]] = []
    for batch in batches:
        ids = np.asarray([row[0] for row in batch], dtype=np.int64)
        titles.append(_count([row[1] for row in batch], ids, wanted))
        bodies.append(_count([row[2] for row in batch], ids, wanted))
    found = {}
    grouped = zip(_group(titles, len(ordered)), _group(bodies, len(ordered)), strict=True)
    for term, ((title_ids, title), (body_ids, body)) in zip(ordered, grouped, strict=True):
        union = np.union1d(title_ids, body_ids)
        aligned = np.zeros(union.size, dtype=np.int64)
        aligned[np.searchsorted(union, body_ids)] = body
        found[term] = Found(union, aligned, title_ids, title)
    return found
