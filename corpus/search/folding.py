"""Fold the articles changed since the posting arrays were built back into them.

Searches stay exact without this (`ranking` masks the changed rows' stale entries out of the
arrays and counts them from their current text), but the changed rows cost each search
their texts read and counted (26 ms of CPU at 200 rows, 100k articles); folding makes the
arrays current again at a fraction of a rebuild's cost. For every token with arrays, the
logged rows' entries are replaced by their counts in the current title and text (counted
with the tokenizer that feeds FTS5: `bigrams`), their lengths are read from FTS5's `docsize`,
the arrays grow to the highest article id, and the log is emptied. `index_article` (ingest,
reprocess, revisions) does it when the log passes `FOLD_SHARE` of the articles.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import Connection

from corpus.search import bigrams
from corpus.search.postings import DIRTY, POSTINGS, STATE, varints
from corpus.search.postings import _row as stored_row
from corpus.search.ranking import Posting, load

# Folded when the log holds more than this share of the articles (and at least FOLD_MIN rows).
# A trade-off, measured at 100k articles: 200 changed rows cost a search about 26 ms of CPU;
# a fold costs 4-7 s of CPU however long the log.
FOLD_SHARE = 0.002
FOLD_MIN = 50
BATCH = 2000


def logged(connection: Connection) -> int:
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM {DIRTY}").scalar_one())


def due(connection: Connection) -> bool:
    """The log is long enough to fold (the arrays exist)."""
    found = connection.exec_driver_sql(f"SELECT max_id FROM {STATE}").scalar()
    if found is None:
        return False
    count = logged(connection)
    return count >= FOLD_MIN and count > FOLD_SHARE * max(int(found), 1)


def _changed(connection: Connection, ids: list[int]) -> Iterator[list[bigrams.Row]]:
    for start in range(0, len(ids), BATCH):
        listed = ", ".join(str(key) for key in ids[start : start + BATCH])
        rows = connection.exec_driver_sql(
            f"SELECT id, title, text FROM articles WHERE id IN ({listed}) ORDER BY id"
        ).all()
        yield [(row[0], row[1], row[2]) for row in rows]


def _lengths(connection: Connection, fts: str, old: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The lengths with the changed rows' read again (-1: deleted), grown to cover them."""
    size = max(old.size, int(ids.max()) + 1)
    found = np.full(size, -1, dtype=np.int64)
    found[: old.size] = old
    found[ids] = -1
    listed = ", ".join(str(int(key)) for key in ids)
    for key, blob in connection.exec_driver_sql(
        f"SELECT id, sz FROM {fts}_docsize WHERE id IN ({listed})"
    ):
        found[key] = sum(varints(blob))
    return found


def _grown(values: np.ndarray | None, size: int, dtype: type = np.int64) -> np.ndarray:
    grown: np.ndarray = np.zeros(size, dtype=dtype)
    if values is not None:
        grown[: values.size] = values
    return grown


def _folded(
    posting: Posting, found: bigrams.Found | None, ids: np.ndarray, size: int
) -> bigrams.Found:
    """The token's rows and counts with the changed rows' entries replaced by `found`."""
    body, title = _grown(posting.body, size), _grown(posting.title, size)
    body[ids] = 0
    title[ids] = 0
    if found is not None:
        body[found.ids] = found.body
        title[found.title_ids] = found.title
    present = _grown(posting.present, size, bool)
    present[ids] = False
    if found is not None:
        present[found.ids] = True
    rows = np.flatnonzero(present)
    in_title = np.flatnonzero(title)
    return bigrams.Found(rows, body[rows], in_title, title[in_title])


def fold(connection: Connection, fts: str) -> int:
    """Fold the logged articles into the arrays; returns how many were folded."""
    raw: Any = connection.connection.dbapi_connection
    state = raw.execute(f"SELECT lengths FROM {STATE}").fetchone()
    ids = np.asarray(
        [row[0] for row in raw.execute(f"SELECT id FROM {DIRTY} ORDER BY id")], dtype=np.int64
    )
    if state is None or not ids.size:
        return 0
    old = np.frombuffer(state[0], dtype=np.int32)
    sizes = _lengths(connection, fts, old, ids)
    terms = [row[0] for row in raw.execute(f"SELECT term FROM {POSTINGS}")]
    current = bigrams.collect(_changed(connection, ids.tolist()), terms)
    for term in terms:
        posting = load(connection, term, old.size, 1.0)
        assert posting is not None
        found = current.get(term)
        now = found if found is not None and found.ids.size else None
        folded = _folded(posting, now, ids, sizes.size)
        connection.exec_driver_sql(f"DELETE FROM {POSTINGS} WHERE term = ?", (term,))
        if folded.ids.size:
            insert = f"INSERT INTO {POSTINGS} VALUES (?, ?, ?, ?, ?, ?, ?)"
            connection.exec_driver_sql(insert, stored_row(term, folded, sizes.size))
    lengths = sizes.astype(np.int32).tobytes()
    connection.exec_driver_sql(
        f"UPDATE {STATE} SET max_id = ?, lengths = ?", (sizes.size - 1, lengths)
    )
    connection.exec_driver_sql(f"DELETE FROM {DIRTY}")
    return int(ids.size)
