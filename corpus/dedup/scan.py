"""The batched pass of `debtcorpus dedup`: fingerprint new articles, find and verify their
candidates, store fingerprints, band keys and verified pairs, one committed batch at a time.

Per batch of `BATCH` articles without a fingerprint (keyset pagination, one query):
1. content codes (the normal form) from the worker processes (`normal_pool`), the next
   batch's normalised while this one goes on;
2. signatures, exact keys and band keys in NumPy;
3. candidates: the batch's keys looked up in the indexed band-key table (one query per band
   for the whole batch: earlier articles), and pairs inside the batch (in memory); a key held
   by more than `max_bucket` articles is common text and gives no more candidates;
4. the MinHash estimate of every candidate at once (signatures of the earlier articles in one
   query per chunk), then exact measures on shingles: the batch's from the codes already made,
   the earlier articles' texts fetched in one query per chunk and normalised once;
5. fingerprints, band keys and verified pairs written in bulk (COPY on PostgreSQL) and
   committed together: an interrupted run resumes with the next batch.
Each pair is verified once, when the later of its two articles is fingerprinted; the band keys
of earlier articles are only read through the index, never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import (
    FingerprintConfig,
    band_keys,
    content_codes,
    exact_key_of_codes,
    sequence_of_codes,
    signatures_of_codes,
)
from corpus.dedup.bulk import insert_rows, table_of
from corpus.dedup.normal_pool import Codes, Normaliser
from corpus.dedup.pairs import PairMeasure, bucket_pairs, estimate_filter, measure_pair
from corpus.errors import ConfigError
from corpus.models import BAND_COLUMNS, Article, ArticleFingerprint, DuplicatePair, lsh_band_keys
from corpus.progress import progress
from corpus.store import Store

BATCH = 2000
QUERY_CHUNK = 900
PAIR_COLUMNS = (
    "first_id", "second_id", "jaccard", "first_in_second", "second_in_first",
    "first_size", "second_size", "first_covered", "second_covered",
)  # fmt: skip


@dataclass
class ScanTotals:
    fingerprinted: int = 0
    candidate_pairs: int = 0
    kept_pairs: int = 0
    # band keys found common (held by more than max_bucket articles) in this run
    common: set[int] = field(default_factory=set)


@dataclass
class Batch:
    ids: NDArray[np.int64]
    shas: list[str]
    codes: Codes


def now() -> Any:
    from corpus.dedup.clusters_store import now as stamp

    return stamp()


def scan(store: Store, config: FingerprintConfig, workers: int) -> ScanTotals:
    """Every article without a fingerprint, a batch at a time (see the module's docstring)."""
    totals = ScanTotals()
    with store.session() as session:
        todo = session.scalar(_unfingerprinted(select(func.count(Article.id)))) or 0
    with Normaliser(config, workers) as normaliser:
        batches = _read_batches(store)
        queued = _queue(next(batches, None), normaliser)
        for _ in progress(range(-(-todo // BATCH)), -(-todo // BATCH), "fingerprinting"):
            if queued is None:
                break
            rows, codes_of = queued
            queued = _queue(next(batches, None), normaliser)
            batch = Batch(np.array([r[0] for r in rows], dtype=np.int64), [r[2] for r in rows],
                          codes_of())  # fmt: skip
            with store.session() as session:
                store_batch(session, batch, config, totals)
            totals.fingerprinted += len(rows)
    return totals


def _queue(
    rows: list[Any] | None, normaliser: Normaliser
) -> tuple[list[Any], Callable[[], Codes]] | None:
    return None if rows is None else (rows, normaliser.submit([row[1] for row in rows]))


def _unfingerprinted(query: Any) -> Any:
    return query.outerjoin(
        ArticleFingerprint, ArticleFingerprint.article_id == Article.id
    ).where(ArticleFingerprint.article_id.is_(None))


def _read_batches(store: Store) -> Iterator[list[Any]]:
    after = 0
    while True:
        with store.session() as session:
            query = _unfingerprinted(select(Article.id, Article.text, Article.text_sha256))
            rows = session.execute(
                query.where(Article.id > after).order_by(Article.id).limit(BATCH)
            ).all()
        if not rows:
            return
        yield list(rows)
        after = rows[-1][0]


def store_batch(
    session: Session, batch: Batch, config: FingerprintConfig, totals: ScanTotals
) -> None:
    """Signatures, candidates, verified pairs and writes of one batch (one transaction)."""
    matrix = signatures_of_codes(batch.codes, config)
    keys = band_keys(matrix, config)
    stored = _stored_candidates(session, batch.ids, keys, config, totals.common)
    inside = batch.ids[bucket_pairs(keys, config.max_bucket)]
    pairs = np.concatenate((stored, inside)) if len(inside) else stored
    totals.candidate_pairs += len(pairs)
    measures = _verify(session, pairs, batch, matrix, config)
    totals.kept_pairs += len(measures)
    _write(session, batch, matrix, keys, measures, config)


def band_columns(config: FingerprintConfig) -> list[Any]:
    if config.bands > BAND_COLUMNS:
        raise ConfigError(f"at most {BAND_COLUMNS} bands are stored, not {config.bands}")
    return [lsh_band_keys.c[f"b{band:02d}"] for band in range(config.bands)]


def _stored_candidates(
    session: Session,
    ids: NDArray[np.int64],
    keys: NDArray[np.int64],
    config: FingerprintConfig,
    common: set[int],
) -> NDArray[np.int64]:
    """(stored article, batch article) pairs sharing a band key: one indexed query per band."""
    found: list[NDArray[np.int64]] = []
    for band, column in enumerate(band_columns(config)):
        wanted = [int(k) for k in np.unique(keys[:, band]) if int(k) not in common]
        if not wanted:
            continue
        rows = session.execute(
            select(column, lsh_band_keys.c.article_id).where(column.in_(wanted))
        ).all()
        if rows:
            table = np.array(rows, dtype=np.int64)
            found.append(_matches(table[:, 0], table[:, 1], keys[:, band], ids, config, common))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(found)


def _matches(
    stored_keys: NDArray[np.int64],
    stored_ids: NDArray[np.int64],
    batch_keys: NDArray[np.int64],
    ids: NDArray[np.int64],
    config: FingerprintConfig,
    common: set[int],
) -> NDArray[np.int64]:
    """Pairs (stored id, batch id) of equal keys, keys held by too many articles left out."""
    order = np.argsort(batch_keys, kind="stable")
    ordered = batch_keys[order]
    left = np.searchsorted(ordered, stored_keys, "left")
    right = np.searchsorted(ordered, stored_keys, "right")
    values, inverse, held = np.unique(stored_keys, return_inverse=True, return_counts=True)
    in_batch = np.searchsorted(ordered, values, "right") - np.searchsorted(ordered, values, "left")
    too_many = held + in_batch > config.max_bucket
    common.update(int(k) for k in values[too_many])
    counts = np.where(too_many[inverse], 0, right - left)
    stored_index = np.repeat(np.arange(stored_keys.size), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    batch_index = order[np.repeat(left, counts) + offsets]
    return np.stack((stored_ids[stored_index], ids[batch_index]), axis=1)


def _verify(
    session: Session,
    pairs: NDArray[np.int64],
    batch: Batch,
    matrix: NDArray[np.uint32],
    config: FingerprintConfig,
) -> list[PairMeasure]:
    """The candidates near enough or contained, measured (see `measure_pair`)."""
    if not len(pairs):
        return []
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    earlier = sorted(set(np.unique(pairs).tolist()) - set(batch.ids.tolist()))
    ids = np.concatenate((batch.ids, np.array(earlier, dtype=np.int64)))
    order = np.argsort(ids)
    local = order[np.searchsorted(ids[order], pairs)]
    every = np.vstack((matrix, _signatures_of(session, earlier, config)))
    local = estimate_filter(local, every, config.estimate_floor)
    if config.verify == "estimate":
        return _estimated(local, ids, every, config)
    needed = set(ids[np.unique(local)].tolist())
    codes = {int(i): c for i, c in zip(batch.ids, batch.codes, strict=True) if int(i) in needed}
    for article_id, text in _texts_of(session, sorted(needed - set(codes))):
        codes[article_id] = content_codes(text, config)
    sequences = {key: sequence_of_codes(value, config) for key, value in codes.items()}
    hashes = {key: np.unique(sequence) for key, sequence in sequences.items()}
    kept = []
    for first, second in ids[local].tolist():
        pair = measure_pair(first, second, hashes.__getitem__, sequences.__getitem__,
                            config.threshold)  # fmt: skip
        if pair.jaccard >= config.threshold or max(
            pair.first_in_second, pair.second_in_first
        ) >= config.containment:
            kept.append(pair)
    return kept


def _estimated(
    local: NDArray[np.int64],
    ids: NDArray[np.int64],
    matrix: NDArray[np.uint32],
    config: FingerprintConfig,
) -> list[PairMeasure]:
    agree = (matrix[local[:, 0]] == matrix[local[:, 1]]).mean(axis=1)
    return [
        PairMeasure(int(ids[a]), int(ids[b]), float(s), float(s), float(s))
        for (a, b), s in zip(local, agree, strict=True)
        if s >= config.threshold
    ]


def chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


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


def _texts_of(session: Session, ids: list[int]) -> Iterator[tuple[int, str]]:
    for chunk in chunks(ids, QUERY_CHUNK):
        yield from session.execute(select(Article.id, Article.text).where(Article.id.in_(chunk)))


def _write(
    session: Session,
    batch: Batch,
    matrix: NDArray[np.uint32],
    keys: NDArray[np.int64],
    measures: list[PairMeasure],
    config: FingerprintConfig,
) -> None:
    stamp, params_key = now(), config.signature_key()
    session.execute(
        insert(table_of(ArticleFingerprint)),
        [
            {
                "article_id": int(article_id), "params_key": params_key,
                "text_sha256": sha, "exact_key": exact_key_of_codes(codes),
                "signature": matrix[index].tobytes(), "created_at": stamp,
            }  # fmt: skip
            for index, (article_id, sha, codes) in enumerate(
                zip(batch.ids, batch.shas, batch.codes, strict=True)
            )
        ],
    )
    columns = ("article_id", *(f"b{band:02d}" for band in range(keys.shape[1])))
    insert_rows(session, lsh_band_keys, columns, np.hstack((batch.ids[:, None], keys)).tolist())
    rows = [tuple(getattr(m, name) for name in _MEASURE_FIELDS) for m in measures]
    insert_rows(session, table_of(DuplicatePair), PAIR_COLUMNS, rows)


_MEASURE_FIELDS = (
    "first", "second", "jaccard", "first_in_second", "second_in_first",
    "first_size", "second_size", "first_covered", "second_covered",
)  # fmt: skip
