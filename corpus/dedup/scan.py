"""The first step of `debtcorpus dedup`: fingerprint the articles without one.

Per batch of `BATCH` articles (keyset pagination, one query): content codes (the normal form)
from the worker processes (`normal_pool`; the next batch is normalised while this one is
written), signatures, exact keys and band keys in NumPy, then fingerprints and band keys
written in bulk (COPY on PostgreSQL) and committed: an interrupted run resumes with the next
batch. A load of more new articles than are stored (a first run, a rebuild) goes in with the
band-key indexes dropped, and they are built once at the end: one sort per band instead of an
index insert per band and article. The pairs come next (`corpus.dedup.pairing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup.bulk import insert_rows, table_of
from corpus.dedup.normal_cache import NormalCache
from corpus.dedup.normal_pool import Fingerprints, Workers, fingerprint_part, split
from corpus.errors import ConfigError
from corpus.models import (
    BAND_COLUMNS,
    Article,
    ArticleFingerprint,
    dedup_unpaired,
    lsh_band_keys,
)
from corpus.progress import progress
from corpus.store import Store

BATCH = 2000
QUERY_CHUNK = 900
# a load of more new articles than this (and than are stored) goes in without band indexes
BULK_MIN = 5000


@dataclass
class Batch:
    ids: NDArray[np.int64]
    shas: list[str]
    signatures: NDArray[np.uint32]
    keys: NDArray[np.int64]
    exact_keys: list[str]


def now() -> Any:
    from corpus.dedup.clusters_store import now as stamp

    return stamp()


def chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def band_columns(config: FingerprintConfig) -> list[Any]:
    if config.bands > BAND_COLUMNS:
        raise ConfigError(f"at most {BAND_COLUMNS} bands are stored, not {config.bands}")
    return [lsh_band_keys.c[f"b{band:02d}"] for band in range(config.bands)]


def fingerprint_new(
    store: Store, config: FingerprintConfig, workers: Workers, cache: NormalCache
) -> int:
    """Every article without a fingerprint, a committed batch at a time (module docstring)."""
    with store.session() as session:
        todo = session.scalar(_unfingerprinted(select(func.count(Article.id)))) or 0
        stored = session.scalar(select(func.count(ArticleFingerprint.article_id))) or 0
    if todo > max(stored, BULK_MIN):
        band_indexes(store, config, create=False)
    done = 0
    batches = _read_batches(store)
    queued = _queue(next(batches, None), workers, config)
    for _ in progress(range(-(-todo // BATCH)), -(-todo // BATCH), "fingerprinting"):
        if queued is None:
            break
        rows, results = queued
        queued = _queue(next(batches, None), workers, config)
        parts = results()
        batch = Batch(
            np.array([r[0] for r in rows], dtype=np.int64), [r[2] for r in rows],
            np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts]),
            [key for p in parts for key in p[2]],
        )  # fmt: skip
        with store.session() as session:
            store_batch(session, batch, config)
        cache.put(batch.ids.tolist(), [blob for p in parts for blob in p[3]])
        done += len(rows)
    band_indexes(store, config, create=True)
    return done


def band_indexes(store: Store, config: FingerprintConfig, create: bool) -> None:
    """Create (where missing) or drop the band-key indexes; a run interrupted during a bulk
    load builds them when it is run again."""
    with store.session() as session:
        connection = session.connection()
        quote = connection.dialect.identifier_preparer.quote
        for column in band_columns(config):
            name = quote(f"ix_lsh_band_keys_{column.name}")
            connection.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {name} ON lsh_band_keys ({column.name})"
                if create
                else f"DROP INDEX IF EXISTS {name}"
            )


def _queue(
    rows: list[Any] | None, workers: Workers, config: FingerprintConfig
) -> tuple[list[Any], Callable[[], list[Fingerprints]]] | None:
    if rows is None:
        return None
    parts = split([row[1] for row in rows], workers.count)
    return rows, workers.submit(fingerprint_part, parts, config)


def _unfingerprinted(query: Any) -> Any:
    return query.outerjoin(ArticleFingerprint, ArticleFingerprint.article_id == Article.id).where(
        ArticleFingerprint.article_id.is_(None)
    )


def _read_batches(store: Store) -> Iterator[list[Any]]:
    query = _unfingerprinted(select(Article.id, Article.text, Article.text_sha256))
    return article_batches(store, query)


def article_batches(store: Store, query: Any) -> Iterator[list[Any]]:
    """The rows of `query` (selecting Article.id first) in id order, BATCH at a time, each
    batch read in a short session of its own (keyset pages: memory stays flat)."""
    after = 0
    while True:
        with store.session() as session:
            rows = session.execute(
                query.where(Article.id > after).order_by(Article.id).limit(BATCH)
            ).all()
        if not rows:
            return
        yield list(rows)
        after = rows[-1][0]


def store_batch(session: Session, batch: Batch, config: FingerprintConfig) -> None:
    """Signatures, exact keys and band keys of one batch, written in bulk (one transaction)."""
    matrix, keys = batch.signatures, batch.keys
    stamp, params_key = now(), config.signature_key()
    session.execute(
        insert(table_of(ArticleFingerprint)),
        [
            {
                "article_id": int(article_id),
                "params_key": params_key,
                "text_sha256": sha,
                "exact_key": exact_key,
                "signature": matrix[index].tobytes(),
                "created_at": stamp,
            }
            for index, (article_id, sha, exact_key) in enumerate(
                zip(batch.ids, batch.shas, batch.exact_keys, strict=True)
            )
        ],
    )
    columns = ("article_id", *(f"b{band:02d}" for band in range(keys.shape[1])))
    insert_rows(session, lsh_band_keys, columns, np.hstack((batch.ids[:, None], keys)).tolist())
    insert_rows(session, dedup_unpaired, ("article_id",), batch.ids[:, None].tolist())
