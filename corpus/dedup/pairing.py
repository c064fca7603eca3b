"""The second step of `debtcorpus dedup`: the candidate pairs of the articles not yet paired,
verified, and the pairs near enough or contained stored in `duplicate_pairs`.

Candidates come from the indexed band-key table in one of two ways, whichever reads less:
- **lookup** (a few new articles): each batch's band keys looked up in the band indexes, one
  query per band for the whole batch; the band keys of the other articles are only reached
  through the index, never read into memory;
- **scan** (many new articles: a first run, a rebuild): per band, the keys that more than one
  article holds, from one grouped pass over the band's index; only shared keys come back. Each
  band's pairs go to scratch files by owner batch (`corpus.dedup.spill`), so memory holds one
  band's pairs or one batch's, never the whole corpus's.
A key held by more than `max_bucket` articles is common text and gives no candidates. Each pair
is verified once, by its owner: the later of its unpaired articles (by id). Owners go in
committed batches of `BATCH` (signatures for the MinHash estimate in one query per chunk, the
content codes of the texts that pass it from this run's fingerprinting (`normal_cache`), else
the texts read and normalised again, exact measures in the worker processes), their pairs
written in bulk and the owners taken off the `dedup_unpaired` queue in the same transaction:
an interrupted run resumes with the next batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup.bulk import fetch_rows, insert_rows, table_of
from corpus.dedup.normal_cache import NormalCache
from corpus.dedup.normal_pool import Workers, measure_part, split
from corpus.dedup.pairs import (
    PairMeasure,
    bucket_pairs,
    estimate_filter,
    pair_codes,
    pairs_of_codes,
    unique_pairs,
)
from corpus.dedup.scan import BATCH, QUERY_CHUNK, band_columns, chunks
from corpus.dedup.spill import Spill
from corpus.models import (
    Article,
    ArticleFingerprint,
    DuplicatePair,
    dedup_unpaired,
    lsh_band_keys,
)
from corpus.progress import progress
from corpus.store import Store

# scan the band indexes when the unpaired articles are more than 1/SCAN_SHARE of all: one
# grouped pass over an index costs about what SCAN_SHARE lookups an article cost (measured)
SCAN_SHARE = 7
# the articles whose texts and signatures one verification piece reads at most
PIECE_ARTICLES = 6000
PAIR_FIELDS = (
    "first", "second", "jaccard", "first_in_second", "second_in_first",
    "first_size", "second_size", "first_covered", "second_covered",
)  # fmt: skip
PAIR_COLUMNS = ("first_id", "second_id", *PAIR_FIELDS[2:])
Pairs = NDArray[np.int64]
Deferred = Callable[[], list[PairMeasure]]


@dataclass
class PairTotals:
    candidate_pairs: int = 0
    kept_pairs: int = 0
    mode: str = ""
    # band keys found common (more than max_bucket holders) in this run
    common: set[int] = field(default_factory=set)


def pair_new(
    store: Store, config: FingerprintConfig, workers: Workers, cache: NormalCache
) -> PairTotals:
    """Verify and store the pairs of every unpaired article (module docstring)."""
    totals = PairTotals()
    with store.session() as session:
        query = select(dedup_unpaired.c.article_id).order_by(dedup_unpaired.c.article_id)
        unpaired = np.array(session.scalars(query).all(), dtype=np.int64)
        stored = session.scalar(select(func.count(ArticleFingerprint.article_id))) or 0
    if not unpaired.size:
        return totals
    batch = BATCH
    batches = range(0, unpaired.size, batch)
    scan = unpaired.size * SCAN_SHARE > stored
    totals.mode = "scan" if scan else "lookup"
    writer = _Writer(store)
    with Spill() as spill:
        if scan:
            _scanned(store, config, unpaired, spill, batch)
        # the next piece's candidates and texts are read while the workers measure this one
        for start in progress(batches, len(batches), "verifying candidates"):
            owners = unpaired[start : start + batch]
            with store.session() as session:
                if scan:  # this batch's spilled pair codes, each pair once
                    pairs = pairs_of_codes(np.unique(spill.take(start // batch)))
                else:
                    pairs = _looked_up(session, owners, unpaired, config, totals.common)
            totals.candidate_pairs += len(pairs)
            parts = list(pieces(pairs, PIECE_ARTICLES))
            for index, piece in enumerate(parts):
                with store.session() as session:
                    measured = verify(session, piece, config, workers, cache)
                writer.queue(measured, owners if index == len(parts) - 1 else None)
    writer.flush()
    totals.kept_pairs = writer.kept
    return totals


def pieces(pairs: Pairs, most: int) -> Iterator[Pairs]:
    """Runs of the pairs, each holding at most `most` distinct articles (unless one pair is
    more): the texts and signatures read at once are bounded, whatever the number of a batch's
    candidates (it grows with the corpus). At least one run, maybe empty. Pairs that need
    splitting are taken by their later article (the owner, in a first run), so an owner's
    text is read for one run only."""
    if len(pairs) < 2 or np.unique(pairs).size <= most:
        yield pairs
        return
    pairs = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]
    start, seen = 0, set[int]()
    for index, (first, second) in enumerate(pairs.tolist()):
        if len(seen) + (first not in seen) + (second not in seen) > most and seen:
            yield pairs[start:index]
            start, seen = index, set()
        seen.update((first, second))
    yield pairs[start:]


class _Writer:
    """One piece measured while the next is read: `queue(measured, owners)` collects the piece
    queued before; a batch's pairs (all its pieces) are written with its owners taken off the
    queue, in one transaction, when its last piece (`owners` given) is collected."""

    def __init__(self, store: Store) -> None:
        self.store, self.kept = store, 0
        self.waiting: tuple[Deferred, Pairs | None] | None = None
        self.measures: list[PairMeasure] = []

    def queue(self, measured: Deferred, owners: Pairs | None) -> None:
        self.flush()
        self.waiting = (measured, owners)

    def flush(self) -> None:
        if self.waiting is None:
            return
        measured, owners = self.waiting
        self.waiting = None
        self.measures.extend(measured())
        if owners is not None:
            _write(self.store, owners, self.measures)
            self.kept += len(self.measures)
            self.measures = []


def _write(store: Store, owners: Pairs, measures: list[PairMeasure]) -> None:
    """A batch's kept pairs, and its owners off the queue, in one transaction."""
    with store.session() as session:
        rows = [tuple(getattr(m, name) for name in PAIR_FIELDS) for m in measures]
        insert_rows(session, table_of(DuplicatePair), PAIR_COLUMNS, rows)
        session.execute(
            delete(dedup_unpaired).where(
                dedup_unpaired.c.article_id.between(int(owners[0]), int(owners[-1]))
            )
        )


def _owned(pairs: Pairs, unpaired: Pairs, owners: Pairs) -> Pairs:
    """The pairs (a < b) this batch owns: b when b is unpaired, else a."""
    if not len(pairs):
        return pairs
    later_unpaired = np.isin(pairs[:, 1], unpaired)
    owner = np.where(later_unpaired, pairs[:, 1], pairs[:, 0])
    return pairs[np.isin(owner, owners)]


def _key_rows(connection: Connection, column: str, where: str, values: list[int]) -> Pairs:
    """(key, article id) rows of one band column, as an (n, 2) array (plain DBAPI: the
    ORM's row objects cost more than the query)."""
    parameters: tuple[Any, ...]
    if connection.dialect.name == "postgresql":
        statement, parameters = f"{where} = ANY(%s::bigint[])", (values,)
    else:
        statement, parameters = f"{where} IN ({','.join('?' * len(values))})", tuple(values)
    sql = f"SELECT {column}, article_id FROM lsh_band_keys WHERE {statement}"
    return int_rows(fetch_rows(connection, sql, parameters), 2)


def int_rows(rows: Sequence[Sequence[int]], width: int) -> Pairs:
    """Database rows of integers as an (n, width) array (NumPy would probe every row object
    for the array protocols first)."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width)
    return flat.reshape(-1, width)


def _scanned(
    store: Store, config: FingerprintConfig, unpaired: Pairs, spill: Spill, batch: int
) -> None:
    """Every pair sharing a band key held by 2..max_bucket articles, one of them unpaired,
    spilled (as its code) to the batch of its owner: memory holds one band's pairs at a time,
    and a batch's are made distinct when it is verified."""
    with store.session() as session:
        connection = session.connection()
        for column in band_columns(config):
            name = column.name
            shared = (
                f"SELECT {name}, article_id FROM lsh_band_keys WHERE {name} IN "
                f"(SELECT {name} FROM lsh_band_keys GROUP BY {name} "
                f"HAVING count(*) > 1 AND count(*) <= {int(config.max_bucket)})"
            )
            rows = int_rows(fetch_rows(connection, shared), 2)
            if not rows.size:
                continue
            pairs = np.sort(rows[bucket_pairs(rows[:, :1], config.max_bucket), 1], axis=1)
            later = np.isin(pairs[:, 1], unpaired)
            mine = later | np.isin(pairs[:, 0], unpaired)
            owner = np.where(later, pairs[:, 1], pairs[:, 0])[mine]
            spill.add(np.searchsorted(unpaired, owner) // batch, pair_codes(pairs[mine]))


def _looked_up(
    session: Session,
    owners: Pairs,
    unpaired: Pairs,
    config: FingerprintConfig,
    common: set[int],
) -> Pairs:
    """The batch's pairs from index lookups of its band keys: one query per band."""
    connection = session.connection()
    table = lsh_band_keys
    query = select(table).where(table.c.article_id.between(int(owners[0]), int(owners[-1])))
    rows = int_rows(connection.execute(query).fetchall(), len(table.columns))
    rows = rows[np.isin(rows[:, 0], owners)]
    found: list[Pairs] = []
    for band, column in enumerate(band_columns(config)):
        keys = rows[:, band + 1]
        wanted = [int(k) for k in np.unique(keys) if int(k) not in common]
        if not wanted:
            continue
        stored = _key_rows(connection, column.name, column.name, wanted)
        values, inverse, held = np.unique(stored[:, 0], return_inverse=True, return_counts=True)
        common.update(int(k) for k in values[held > config.max_bucket])
        stored = stored[held[inverse] <= config.max_bucket]
        order = np.argsort(keys, kind="stable")
        left = np.searchsorted(keys[order], stored[:, 0], "left")
        counts = np.searchsorted(keys[order], stored[:, 0], "right") - left
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        mine = rows[order[np.repeat(left, counts) + offsets], 0]
        found.append(np.stack((np.repeat(stored[:, 1], counts), mine), axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = unique_pairs(np.concatenate(found))
    return _owned(pairs[pairs[:, 0] != pairs[:, 1]], unpaired, owners)


def verify(
    session: Session,
    pairs: Pairs,
    config: FingerprintConfig,
    workers: Workers,
    cache: NormalCache | None = None,
) -> Deferred:
    """The candidates near enough or contained, measured (see `measure_pair`): the MinHash
    estimate of all at once, then exact measures on the shingles of those that pass it, by the
    worker processes; returns at once with a callable that waits for them."""
    if not len(pairs):
        return lambda: []
    ids = np.unique(pairs)
    matrix = _signatures_of(session, ids.tolist(), config)
    local = estimate_filter(np.searchsorted(ids, pairs), matrix, config.estimate_floor)
    if config.verify == "estimate":
        agree = (matrix[local[:, 0]] == matrix[local[:, 1]]).mean(axis=1)
        kept = [
            PairMeasure(int(ids[a]), int(ids[b]), float(s), float(s), float(s))
            for (a, b), s in zip(local, agree, strict=True)
            if s >= config.threshold
        ]
        return lambda: kept
    found = [(int(a), int(b)) for a, b in ids[local]]
    wanted = ids[np.unique(local)].tolist()
    packed = cache.get(wanted) if cache is not None else {}
    texts: dict[int, str] = {}
    for chunk in chunks([i for i in wanted if i not in packed], QUERY_CHUNK):
        query = select(Article.id, Article.text).where(Article.id.in_(chunk))
        texts.update((row[0], row[1]) for row in session.execute(query))
    parts = []
    for part in split(found, workers.count):
        members = {i for pair in part for i in pair}
        parts.append((
            part, {i: texts[i] for i in members if i in texts},
            {i: packed[i] for i in members if i in packed},
        ))  # fmt: skip
    results = workers.submit(measure_part, parts, config)
    return lambda: [m for kept in results() for m in kept]


def _signatures_of(
    session: Session, ids: list[int], config: FingerprintConfig
) -> NDArray[np.uint32]:
    found: dict[int, bytes] = {}
    for chunk in chunks(ids, QUERY_CHUNK):
        query = select(ArticleFingerprint.article_id, ArticleFingerprint.signature)
        found.update(session.execute(query.where(ArticleFingerprint.article_id.in_(chunk))).all())
    if not ids:
        return np.empty((0, config.num_perm), dtype=np.uint32)
    return np.stack([np.frombuffer(found[i], dtype=np.uint32) for i in ids])
