"""FTS5's bm25() for common words, computed in NumPy from the posting arrays.

`fts5Bm25Function` (SQLite's fts5_aux.c), for the query's phrases i over a row D:

    score(D) = sum_i idf_i * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * |D| / avgdl))

with k1 = 1.2, b = 0.75; f_i the instances of phrase i in D, each weighted by its column's
weight; |D| the row's tokens over all columns; avgdl the table's tokens over its rows;
idf_i = log((N - n_i + 0.5) / (n_i + 0.5)), at least 1e-6, n_i the rows matching phrase i.
Evaluated here in the same order of the same double operations, so the scores are FTS5's to
the bit (tested); ties are broken by the lower article id. A query is answered here when it
has no script folding and every word is one index token (two characters) with arrays
(filters are checked on the best rows, in growing batches); anything else goes to FTS5, as do
the articles added since the arrays were built (a rowid range, scored by FTS5 with the same
global statistics, merged); older articles changed or deleted since have their stale entries
replaced by their counts now (from their current text, the tokenizer that feeds FTS5).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection

from corpus.search import bigrams, verified
from corpus.search.postings import DIRTY, POSTINGS, STATE, totals, varints
from corpus.search.tokens import run_tokens

K1, B = 1.2, 0.75
MIN_IDF = 1e-6
_DTYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32}
ARTICLES_DOCSIZE = "search_articles_fts_docsize"


@dataclass(frozen=True)
class Posting:
    count: int  # the rows holding the token
    present: np.ndarray  # bool by row id: the row holds it
    body: np.ndarray  # its count in each row's text, by row id (narrow integers)
    title: np.ndarray | None  # its count in each row's title, by row id (None: in no title)
    title_weight: float

    def freq(self, ids: np.ndarray) -> np.ndarray:
        """f at rows `ids`: its instances there, weighted by column (the text's weight is 1)."""
        f: np.ndarray = self.body[ids].astype(np.float64)
        if self.title is not None:
            f += self.title_weight * self.title[ids]
        return f


@dataclass(frozen=True)
class State:
    max_id: int  # the highest article id when the arrays were built
    lengths: np.ndarray  # |D| by row id
    new_rows: bool  # articles added since (scored by FTS5)
    changed: np.ndarray  # ids <= max_id changed or deleted since (masked, scored by FTS5)


def _counts(blob: bytes, count: int) -> np.ndarray:
    return np.frombuffer(blob, dtype=_DTYPES[len(blob) // count]) if count else np.zeros(0)


def _raw(connection: Connection) -> Any:
    """The DB-API connection under `connection` (a statement through SQLAlchemy costs more
    than the blob it reads here)."""
    return connection.connection.dbapi_connection


def load(connection: Connection, term: str, size: int, title_weight: float) -> Posting | None:
    row = (
        _raw(connection)
        .execute(
            f"SELECT rows, bitmap, ids, body_tf, title_ids, title_tf FROM {POSTINGS} "
            "WHERE term = ?",
            (term,),
        )
        .fetchone()
    )
    if row is None:
        return None
    count, bitmap, ids, body, title_ids, title = row
    counts = _counts(body, count)
    if bitmap:
        present = np.unpackbits(np.frombuffer(ids, dtype=np.uint8), count=size).view(bool)
        dense = np.zeros(size, dtype=counts.dtype)
        dense[present] = counts
    else:
        rows = np.frombuffer(ids, dtype=np.int32)
        present = np.zeros(size, dtype=bool)
        present[rows] = True
        dense = np.zeros(size, dtype=counts.dtype)
        dense[rows] = counts
    in_title = np.frombuffer(title_ids, dtype=np.int32)
    in_titles = None
    if in_title.size:
        title_counts = _counts(title, in_title.size)
        in_titles = np.zeros(size, dtype=title_counts.dtype)
        in_titles[in_title] = title_counts
    return Posting(count, present, dense, in_titles, title_weight)


def state(connection: Connection) -> State | None:
    """The arrays' state, or None where they are missing."""
    raw = _raw(connection)
    found = raw.execute(f"SELECT max_id, lengths FROM {STATE}").fetchone()
    if found is None:
        return None
    max_id, blob = found
    logged = raw.execute(f"SELECT id FROM {DIRTY} ORDER BY id").fetchall()
    changed = np.asarray([row[0] for row in logged], dtype=np.int64)
    new_rows = bool(changed.size and changed[-1] > max_id)
    changed = changed[: np.searchsorted(changed, max_id, side="right")]
    return State(max_id, np.frombuffer(blob, dtype=np.int32), new_rows, changed)


def token_of(word: str) -> str | None:
    """The one index token a word is (a two-character word), or None."""
    found = run_tokens(word)[:-1]
    return found[0] if len(found) == 1 else None


def idf(rows: int, hits: int) -> float:
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else MIN_IDF


def scores(
    postings: list[Posting], idfs: list[float], lengths: np.ndarray, avgdl: float
) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of the rows holding every token."""
    both = postings[0].present
    for posting in postings[1:]:
        both = both & posting.present
    ids = np.flatnonzero(both)
    d = lengths[ids].astype(np.float64)
    norm = K1 * (1 - B + B * d / avgdl)
    total = np.zeros(ids.size, dtype=np.float64)
    for posting, weight in zip(postings, idfs, strict=True):
        f = posting.freq(ids)
        total = total + weight * ((f * (K1 + 1.0)) / (f + norm))
    return ids, total


def best(ids: np.ndarray, values: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """The `limit` best (id, score), best first, ties to the lower id."""
    if ids.size > limit > 0:
        threshold = np.partition(values, ids.size - limit)[ids.size - limit]
        above = values > threshold
        tied = np.flatnonzero(values == threshold)[: limit - int(above.sum())]
        keep = np.concatenate([np.flatnonzero(above), tied])
        ids, values = ids[keep], values[keep]
    elif limit <= 0:
        return []
    order = np.lexsort((ids, -values))
    return [(int(ids[i]), float(values[i])) for i in order]


@dataclass(frozen=True)
class Query:
    """How the rows added since the build are matched and weighted (corpus.search.verified)."""

    weights: verified.Weights


def _new_rows(
    connection: Connection, words: tuple[str, ...], query: Query, max_id: int
) -> tuple[list[int], verified.Matched]:
    """Per word, its hits among the rows added since the build; and the rows holding every
    word there (their text read: the detail=none index has no counts)."""
    above = " AND a.id > :arrays_max_id"
    bound = {"arrays_max_id": max_id}
    weights = query.weights
    hits = [
        int(verified.matched(connection, (word,), False, weights, above, bound).ids.size)
        for word in words
    ]
    return hits, verified.matched(connection, words, False, weights, above, bound)


def _changed_now(
    connection: Connection, terms: list[str], changed: np.ndarray
) -> tuple[dict[str, bigrams.Found], dict[int, int]]:
    """The changed rows' current counts of the terms (the tokenizer that feeds FTS5) and
    their current lengths (FTS5's docsize; a deleted row has none)."""
    listed = ", ".join(str(int(key)) for key in changed)
    raw = _raw(connection)
    rows = raw.execute(f"SELECT id, title, text FROM articles WHERE id IN ({listed})").fetchall()
    found = bigrams.collect([[(row[0], row[1], row[2]) for row in rows]], terms)
    sizes = raw.execute(f"SELECT id, sz FROM {ARTICLES_DOCSIZE} WHERE id IN ({listed})")
    return found, {int(key): sum(varints(blob)) for key, blob in sizes}


def patched(posting: Posting, now: bigrams.Found | None, changed: np.ndarray) -> Posting:
    """The posting with the changed rows' entries replaced by their current counts."""
    present = posting.present.copy()
    present[changed] = False
    body = posting.body.astype(np.int64)
    title = np.zeros(body.size, dtype=np.int64)
    if posting.title is not None:
        title[:] = posting.title
    body[changed] = 0
    title[changed] = 0
    if now is not None and now.ids.size:
        present[now.ids] = True
        body[now.ids] = now.body
        title[now.title_ids] = now.title
    count = int(np.count_nonzero(present))
    return replace(posting, count=count, present=present, body=body, title=title)


def _with_changes(
    connection: Connection, terms: list[str], postings: list[Posting], found: State
) -> tuple[list[Posting], np.ndarray]:
    """The postings and lengths with the rows changed since the build counted as they are
    now (exact: the same counts folding stores), so the arrays rank them too."""
    if not found.changed.size:
        return postings, found.lengths
    now, sizes = _changed_now(connection, terms, found.changed)
    lengths = found.lengths.copy()
    lengths[found.changed] = -1
    for key, size in sizes.items():
        lengths[key] = size
    return [
        patched(p, now.get(t), found.changed) for p, t in zip(postings, terms, strict=True)
    ], lengths


Allowed = Callable[[list[int]], set[int]]  # which of these rows pass the search's filters


def best_allowed(
    ids: np.ndarray, values: np.ndarray, limit: int, allowed: Allowed
) -> list[tuple[int, float]]:
    """`best` among the rows the filters allow: the best 4 * limit rows are checked, then 16 *
    limit, ..., until `limit` pass or every row was checked (the order is kept: exact)."""
    wanted = max(limit, 1) * 4
    while True:
        top = best(ids, values, wanted)
        passed = allowed([key for key, _ in top])
        chosen = [(key, score) for key, score in top if key in passed]
        if len(chosen) >= limit or wanted >= ids.size:
            return chosen[:limit]
        wanted *= 4


def _postings(
    connection: Connection, terms: list[str], found: State, title_weight: float
) -> tuple[list[Posting], np.ndarray] | None:
    """The terms' postings and the rows' lengths, with the changes since the build."""
    postings = [load(connection, term, found.lengths.size, title_weight) for term in terms]
    if any(p is None for p in postings):
        return None
    return _with_changes(connection, terms, [p for p in postings if p is not None], found)


def array_hits(connection: Connection, word: str, title_weight: float) -> int | None:
    """n of a two-character word with arrays: the rows holding it now (changes and rows
    added since the build counted), or None."""
    term = token_of(word)
    found = state(connection)
    if term is None or found is None:
        return None
    loaded = _postings(connection, [term], found, title_weight)
    if loaded is None:
        return None
    extra = 0
    if found.new_rows:
        extra = _new_rows(connection, (word,), Query((1.0, 1.0, 1.0, 1.0)), found.max_id)[0][0]
    return loaded[0][0].count + extra


def ranked(
    connection: Connection,
    words: tuple[str, ...],
    query: Query,
    title_weight: float,
    limit: int,
    allowed: Allowed | None = None,
) -> list[tuple[int, float]] | None:
    """The best `limit` (row id, bm25 score) as FTS5 ranks them (among the rows `allowed`
    passes), or None when the arrays cannot answer (a word of another length or without
    arrays, arrays missing)."""
    terms = [token_of(word) for word in words]
    found = state(connection)
    if found is None or None in terms:
        return None
    postings = _postings(connection, [str(t) for t in terms], found, title_weight)
    if postings is None:
        return None
    loaded, lengths = postings
    new_hits: list[int] = [0] * len(loaded)
    new: verified.Matched | None = None
    if found.new_rows:
        new_hits, new = _new_rows(connection, words, query, found.max_id)
    rows, tokens = totals(connection, verified.FTS)
    idfs = [idf(rows, p.count + extra) for p, extra in zip(loaded, new_hits, strict=True)]
    ids, values = scores(loaded, idfs, lengths, tokens / rows)
    if new is not None and new.ids.size:
        ids = np.concatenate([ids, new.ids])
        values = np.concatenate([values, verified.bm25(new, idfs, tokens / rows)])
    return (
        best(ids, values, limit) if allowed is None else best_allowed(ids, values, limit, allowed)
    )
