"""Posting arrays for the frequent tokens of the SQLite article index, for `ranking`.

FTS5 computes bm25() for every match before it sorts (no top-k early termination): about
1.5 µs per match, so a pair of common words (the corpus's own subject: in most articles)
costs 100+ ms at 100k articles. `corpus.search.ranking` computes the same bm25 in NumPy from
these arrays instead. For every token in at least `MIN_ROWS` articles, `search_postings`
holds the articles it occurs in (a bitmap over row ids where that is smaller than a list of
int32 ids) and its counts in the title and in the text; `search_postings_state` holds each
article's length in tokens over all the index's columns (FTS5's own `docsize` figures) and
the highest article id at build time.

Kept exact: the arrays are built from the articles with the tokenizer that feeds FTS5, and a
token is left out unless its rows are FTS5's (fts5vocab; the detail=none index of migration
0015 keeps no instance counts, so the arrays' counts, from the text, are the reference).
The article triggers log every article they re-index in `search_dirty`; articles added since
the build are scored by FTS5 itself (a rowid range), and older articles changed since are
counted from their current text at each search (`ranking`), until `folding` takes them in.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sqlalchemy import Connection

from corpus.search import bigrams

POSTINGS = "search_postings"
STATE = "search_postings_state"
DIRTY = "search_dirty"
# Tokens in fewer articles stay with FTS5: a query with such a word has fewer matches than
# this, which bm25() ranks in about 1.5 ms (1.5 µs per match, measured at 100k articles).
MIN_ROWS = 1000
BATCH = 2000
PASS_ENTRIES = 20_000_000
_VOCAB = "temp.search_postings_vocab"

DDL = (
    f"CREATE TABLE IF NOT EXISTS {POSTINGS} (term TEXT PRIMARY KEY, rows INTEGER NOT NULL, "
    "bitmap INTEGER NOT NULL, ids BLOB NOT NULL, body_tf BLOB NOT NULL, "
    "title_ids BLOB NOT NULL, title_tf BLOB NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {STATE} (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "max_id INTEGER NOT NULL, lengths BLOB NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {DIRTY} (id INTEGER PRIMARY KEY)",
)
TABLES = (POSTINGS, STATE, DIRTY)


def mark_dirty(row: str) -> str:
    """The trigger statement that logs a re-indexed article (`row` is old or new)."""
    return f"INSERT OR IGNORE INTO {DIRTY}(id) VALUES ({row}.id);"


def create(connection: Connection) -> None:
    for statement in DDL:
        connection.exec_driver_sql(statement)


def drop(connection: Connection) -> None:
    for table in TABLES:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def varints(blob: bytes) -> list[int]:
    """The SQLite varints FTS5 packs its sizes in (docsize rows, the averages record)."""
    values, i = [], 0
    while i < len(blob):
        value = 0
        for k in range(9):
            byte = blob[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values


def totals(connection: Connection, fts: str) -> tuple[int, int]:
    """FTS5's row count and token count over all columns (what bm25() reads for avgdl)."""
    blob = connection.exec_driver_sql(f"SELECT block FROM {fts}_data WHERE id = 1").scalar()
    if not blob:
        return 0, 0
    row_count, *columns = varints(blob)
    return row_count, sum(columns)


def lengths(connection: Connection, fts: str) -> np.ndarray:
    """Each row's length in tokens over all columns, indexed by row id (-1: no such row)."""
    rows = connection.exec_driver_sql(f"SELECT id, sz FROM {fts}_docsize ORDER BY id").all()
    size = (rows[-1][0] + 1) if rows else 1
    found = np.full(size, -1, dtype=np.int64)
    for key, blob in rows:
        found[key] = sum(varints(blob))
    return found


def _fts_counts(connection: Connection, fts: str, min_rows: int) -> dict[str, int]:
    """FTS5's rows holding each two-character token, for those in at least `min_rows` rows
    (fts5vocab; any column: the detail=none index keeps no columns or instance counts)."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_VOCAB}")
    connection.exec_driver_sql(f"CREATE VIRTUAL TABLE {_VOCAB} USING fts5vocab(main, {fts}, row)")
    rows = connection.exec_driver_sql(
        f"SELECT term, doc FROM {_VOCAB} WHERE length(term) = 2 AND doc >= ?", (min_rows,)
    ).all()
    connection.exec_driver_sql(f"DROP TABLE {_VOCAB}")
    return {row[0]: int(row[1]) for row in rows}


def folded_columns(connection: Connection, fts: str) -> bool:
    """Some row has tokens in the simplified copies (FTS5's per-column totals)."""
    blob = connection.exec_driver_sql(f"SELECT block FROM {fts}_data WHERE id = 1").scalar()
    return isinstance(blob, bytes) and any(varints(blob)[3:5])


def _articles(connection: Connection) -> Iterator[list[tuple[int, str | None, str | None]]]:
    last = 0
    while True:
        batch = connection.exec_driver_sql(
            "SELECT id, title, text FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            (last, BATCH),
        ).all()
        if not batch:
            return
        yield [(row[0], row[1], row[2]) for row in batch]
        last = batch[-1][0]


def _passes(fts_counts: dict[str, int]) -> Iterator[list[str]]:
    """The tokens in groups of at most PASS_ENTRIES (row, token) pairs: memory stays bounded."""
    group: list[str] = []
    entries = 0
    for term, size in sorted(fts_counts.items()):
        if group and entries + size > PASS_ENTRIES:
            yield group
            group, entries = [], 0
        group.append(term)
        entries += size
    if group:
        yield group


def _narrow(values: np.ndarray) -> bytes:
    """Counts as the narrowest unsigned type that holds them."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if not values.size or values.max() <= np.iinfo(dtype).max:
            return values.astype(dtype).tobytes()
    raise ValueError("a token count beyond 32 bits")


def _row(term: str, found: bigrams.Found, size: int) -> tuple[object, ...]:
    """The stored row: ids as a bitmap where that is smaller than int32s, counts narrowed."""
    bitmap = found.ids.size * 32 > size
    if bitmap:
        flags = np.zeros(size, dtype=np.uint8)
        flags[found.ids] = 1
        stored = np.packbits(flags).tobytes()
    else:
        stored = found.ids.astype(np.int32).tobytes()
    title_ids = found.title_ids.astype(np.int32).tobytes()
    return (term, found.ids.size, int(bitmap), stored, _narrow(found.body), title_ids,
            _narrow(found.title))  # fmt: skip


def _agrees(found: bigrams.Found, fts_rows: int, folded: bool) -> bool:
    """The arrays find the rows FTS5 finds (all of them where no row has simplified copies;
    no more otherwise: a token may be in a copy only). The instance counts are the
    tokenizer's: the detail=none index has none to compare with."""
    return found.ids.size == fts_rows or (folded and found.ids.size < fts_rows)


def build(connection: Connection, fts: str, min_rows: int = MIN_ROWS) -> int:
    """Rebuild the arrays from the articles (after FTS5's own rebuild); returns the number of
    tokens given arrays."""
    create(connection)
    for table in TABLES:
        connection.exec_driver_sql(f"DELETE FROM {table}")
    fts_counts = _fts_counts(connection, fts, min_rows)
    folded = folded_columns(connection, fts)
    sizes = lengths(connection, fts)
    stored = 0
    for terms in _passes(fts_counts):
        collected = bigrams.collect(_articles(connection), terms)
        rows = [
            _row(term, found, sizes.size)
            for term, found in collected.items()
            if found.ids.size and _agrees(found, fts_counts[term], folded)
        ]
        if rows:
            insert = f"INSERT INTO {POSTINGS} VALUES (?, ?, ?, ?, ?, ?, ?)"
            connection.exec_driver_sql(insert, rows)
        stored += len(rows)
    connection.exec_driver_sql(
        f"INSERT INTO {STATE}(id, max_id, lengths) VALUES (1, ?, ?)",
        (sizes.size - 1, sizes.astype(np.int32).tobytes()),
    )
    return stored
