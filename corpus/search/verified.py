"""Exact article search over the `detail=none` index: FTS5 proposes, the text decides.

Since migration 0015 `search_articles_fts` is `detail=none`: for each bigram token it keeps
the rows holding it, no positions and no columns (0.9 KB per page instead of 5.6). So FTS5
can no longer answer a phrase ("ab bc": `abc` as a substring) or a column filter; it answers
the AND of every token of every word, a superset of the hits (the bigrams of `abc` may sit
apart, or only in the simplified copies). Each candidate's title and text are then read and
every word looked for as a substring of the normalised text: what the positional index
answered, now by reading (the reference semantics, `tokens.word_matches`).

The ranking is FTS5's bm25() over the phrases as it was with positions, to the bit (the
formula and its order of operations: `corpus.search.ranking`): f_i, the weighted instances of
word i in a row, are its overlapping occurrences in each column's normalised text (a
phrase instance is exactly such an occurrence: the run-closing token keeps phrases inside
runs); |D| and avgdl are FTS5's docsize and averages, which detail=none still keeps; n_i, the
rows holding word i, is counted the same way over word i's own candidates, or taken from
the posting arrays for a common two-character word (`hits_of`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection

from corpus.search.postings import folded_columns, totals, varints
from corpus.search.statements import typed_text
from corpus.search.tokens import folded_or_none, normalise, run_tokens

FTS = "search_articles_fts"
DOCSIZE = f"{FTS}_docsize"
BATCH = 500
# column weights of bm25(): title, text, and their simplified copies (corpus.search.sqlite)
Weights = tuple[float, float, float, float]


def _token(token: str) -> str:
    return f'"{token}"'


def candidates_match(words: Iterable[str]) -> str:
    """The detail=none MATCH expression every row holding all `words` matches: each word's
    bigram tokens (a one-character word: the tokens starting with it)."""
    parts: list[str] = []
    for word in words:
        found = [f'"{word}" *'] if len(word) == 1 else [_token(t) for t in run_tokens(word)[:-1]]
        parts += [part for part in found if part not in parts]
    return " AND ".join(parts)


def occurrences(word: str, text: str) -> int:
    """Overlapping occurrences of `word` in `text` (what FTS5 counted as phrase instances)."""
    if not any(word[:k] == word[-k:] for k in range(1, len(word))):
        return text.count(word)  # no occurrence can overlap another
    count, start = 0, text.find(word)
    while start >= 0:
        count, start = count + 1, text.find(word, start + 1)
    return count


def columns(
    title: str | None, body: str | None, fold: bool, sizes: list[int] | None = None
) -> tuple[str, ...]:
    """A row's searched columns, normalised: title and text, and with `fold` their
    simplified copies (empty where folding changes nothing, as the index holds them; where
    the row's `sizes`, FTS5's tokens per column, say a copy is empty OpenCC is not run)."""
    values = [normalise(title or ""), normalise(body or "")]
    if fold:
        for value, size in zip((title, body), (sizes or [1, 1, 1, 1])[2:4], strict=True):
            values.append(normalise(folded_or_none(value) or "") if size else "")
    return tuple(values)


def weighted(words: tuple[str, ...], texts: tuple[str, ...], weights: Weights) -> list[float]:
    """f_i of each word in a row: its instances in each column, times the column's weight
    (0.0: the word is not in the row)."""
    freqs = []
    for word in words:
        f = 0.0
        for text, weight in zip(texts, weights, strict=False):
            f += weight * occurrences(word, text)
        freqs.append(f)
    return freqs


@dataclass(frozen=True)
class Matched:
    """The rows holding every word (ascending ids), each word's f there, and |D| (each row's
    tokens over all the index's columns: FTS5's docsize)."""

    ids: np.ndarray
    freqs: list[np.ndarray]
    lengths: np.ndarray


def candidates(
    connection: Connection, words: tuple[str, ...], where: str, params: dict[str, Any]
) -> list[int]:
    """The rows FTS5 proposes for all `words`, among the articles `where` (over the alias
    `a`, as ` AND ...` clauses) allows; ascending ids."""
    join = f"JOIN articles a ON a.id = {FTS}.rowid" if where else ""
    sql = (
        f"SELECT {FTS}.rowid FROM {FTS} {join} WHERE {FTS} MATCH :candidates {where} "
        f"ORDER BY {FTS}.rowid"
    )
    bound = params | {"candidates": candidates_match(words)}
    return [int(row[0]) for row in connection.execute(typed_text(sql, params), bound)]


def matched(
    connection: Connection,
    words: tuple[str, ...],
    fold: bool,
    weights: Weights,
    where: str = "",
    params: dict[str, Any] | None = None,
) -> Matched:
    """The rows holding every word as a substring of a searched column, with each word's f."""
    if not fold and all(plain(word) for word in words):
        return _matched_in_sql(connection, words, weights, where, params or {})
    ids = candidates(connection, words, where, params or {})
    raw = connection.connection.dbapi_connection
    kept: list[int] = []
    sizes: list[int] = []
    freqs: list[list[float]] = [[] for _ in words]
    for start in range(0, len(ids), BATCH):
        listed = ", ".join(str(key) for key in ids[start : start + BATCH])
        rows = raw.execute(  # type: ignore[union-attr]
            f"SELECT a.id, a.title, a.text, d.sz FROM articles a JOIN {DOCSIZE} d "
            f"ON d.id = a.id WHERE a.id IN ({listed}) ORDER BY a.id"
        ).fetchall()
        for key, title, body, blob in rows:
            size = varints(blob)
            found = weighted(words, columns(title, body, fold, size), weights)
            if all(f > 0.0 for f in found):
                kept.append(int(key))
                sizes.append(sum(size))
                for column, f in zip(freqs, found, strict=True):
                    column.append(f)
    return Matched(
        np.asarray(kept, dtype=np.int64),
        [np.asarray(f, dtype=np.float64) for f in freqs],
        np.asarray(sizes, dtype=np.float64),
    )


def plain(word: str) -> bool:
    """A word found and counted in the raw text: only caseless letters and digits (Unicode
    Lo, Nd: CJK characters; lowercasing changes none of them and makes none of them, so the
    raw text holds it where the normalised text does, as `instr` sees it), and no occurrence
    of it can overlap another (so `str.count` counts them all)."""
    caseless = all(unicodedata.category(char) in ("Lo", "Nd") for char in word)
    return caseless and not any(word[:k] == word[-k:] for k in range(1, len(word)))


def _matched_in_sql(
    connection: Connection,
    words: tuple[str, ...],
    weights: Weights,
    where: str,
    params: dict[str, Any],
) -> Matched:
    """`matched` for plain words without folding: the candidates' texts read in one join
    and counted as they are (no lowercasing: measured cheaper than counting in SQL)."""
    sql = (
        f"SELECT a.id, a.title, a.text, d.sz FROM {FTS} JOIN articles a ON a.id = {FTS}.rowid "
        f"JOIN {DOCSIZE} d ON d.id = a.id WHERE {FTS} MATCH :candidates {where} ORDER BY a.id"
    )
    bound = params | {"candidates": candidates_match(words)}
    kept: list[int] = []
    sizes: list[int] = []
    freqs: list[list[float]] = [[] for _ in words]
    title_weight, body_weight = weights[0], weights[1]
    for key, title, body, blob in connection.execute(typed_text(sql, params), bound).all():
        found = []
        for word in words:
            f = 0.0
            f += title_weight * (title.count(word) if title else 0)
            f += body_weight * (body.count(word) if body else 0)
            if f == 0.0:
                break
            found.append(f)
        else:
            kept.append(int(key))
            sizes.append(sum(varints(blob)))
            for column, f in zip(freqs, found, strict=True):
                column.append(f)
    return Matched(
        np.asarray(kept, dtype=np.int64),
        [np.asarray(f, dtype=np.float64) for f in freqs],
        np.asarray(sizes, dtype=np.float64),
    )


def bm25(found: Matched, idfs: list[float], avgdl: float) -> np.ndarray:
    """FTS5's bm25 (its sign flipped: higher is better), the operations in its order."""
    from corpus.search.ranking import K1, B

    norm = K1 * (1 - B + B * found.lengths / avgdl)
    total = np.zeros(found.ids.size, dtype=np.float64)
    for f, weight in zip(found.freqs, idfs, strict=True):
        total = total + weight * ((f * (K1 + 1.0)) / (f + norm))
    return total


HitsOf = Callable[[str], int | None]  # n_i from elsewhere (the posting arrays), or None


def ranked(
    connection: Connection,
    words: tuple[str, ...],
    fold: bool,
    weights: Weights,
    limit: int,
    where: str = "",
    params: dict[str, Any] | None = None,
    hits_of: HitsOf | None = None,
) -> list[tuple[int, float]]:
    """The best `limit` (article id, bm25 score) holding every word, as FTS5 ranked them
    with positions; ties to the lower id."""
    from corpus.search.ranking import best, idf

    found = matched(connection, words, fold, weights, where, params)
    if not found.ids.size:
        return []
    rows, tokens = totals(connection, FTS)
    idfs = [idf(rows, hits(connection, word, fold, found, words, where, hits_of)) for word in words]
    return best(found.ids, bm25(found, idfs, tokens / rows), limit)


def hits(
    connection: Connection,
    word: str,
    fold: bool,
    found: Matched,
    words: tuple[str, ...],
    where: str,
    hits_of: HitsOf | None,
) -> int:
    """n_i: the rows holding `word` in the searched columns (FTS5's count of the phrase):
    from the posting arrays where they have it, the hits themselves for a query of one word
    and no filter, or counted over the word's own candidates."""
    given = None if (fold or hits_of is None) else hits_of(word)
    if given is not None:
        return given
    if words == (word,) and not where:
        return int(found.ids.size)
    if len(word) <= 2 and not folded_columns(connection, FTS):
        # its tokens are exactly the rows holding it when no row has a simplified copy
        sql = f"SELECT count(*) FROM {FTS} WHERE {FTS} MATCH ?"
        return int(connection.exec_driver_sql(sql, (candidates_match((word,)),)).scalar_one())
    if plain(word) and not fold:
        sql = (
            f"SELECT count(*) FROM {FTS} JOIN articles a ON a.id = {FTS}.rowid WHERE {FTS} "
            "MATCH ? AND (instr(a.title, ?) > 0 OR instr(a.text, ?) > 0)"
        )
        found_rows = connection.exec_driver_sql(sql, (candidates_match((word,)), word, word))
        return int(found_rows.scalar_one())
    return int(matched(connection, (word,), fold, (1.0, 1.0, 1.0, 1.0)).ids.size)
