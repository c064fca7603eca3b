"""`run_dedup`: fingerprints, candidates, clusters and containment edges, stored in the corpus.

Streams: articles are read in id batches of `BATCH` (keyset pagination), their signatures and
band keys written with one bulk insert per batch, and each batch committed on its own, so an
interrupted run resumes where it stopped (fingerprinted articles are not fingerprinted again).
Candidates come from the database: band-key rows of a batch of articles joined with the table
on the key (an index lookup), keys held by more than `max_bucket` articles left out. Each batch
of candidates is filtered by the MinHash estimate at once and verified exactly on shingles of
texts fetched in one query per chunk. Only the verified pairs (duplicates and containments) are
held in memory; the corpus never is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import (
    FingerprintConfig,
    band_keys,
    exact_key,
    shingle_sequence,
)
from cleaning.fingerprint import signatures as make_signatures
from corpus.dedup import clusters_store
from corpus.dedup.bulk import insert_rows, table_of
from corpus.dedup.pairs import PairMeasure, estimate_filter, measure, measure_pair, unique_pairs
from corpus.errors import ConfigError
from corpus.models import (
    BAND_COLUMNS,
    Article,
    ArticleFingerprint,
    DuplicateCluster,
    lsh_band_keys,
)
from corpus.progress import Advance, phase, progress
from corpus.store import Store

BATCH = 2000
QUERY_CHUNK = 900


@dataclass
class DedupSummary:
    articles: int = 0
    fingerprinted: int = 0
    changed: int = 0
    candidate_pairs: int = 0
    near_pairs: int = 0
    containments: int = 0
    clusters: dict[str, int] = field(default_factory=dict)
    rebuilt: bool = False


def run_dedup(store: Store, config: FingerprintConfig, rebuild: bool = False) -> DedupSummary:
    """Fingerprint new and changed articles, then cluster every verified pair again."""
    summary = DedupSummary(rebuilt=rebuild)
    with store.session() as session:
        _check_params(session, config, rebuild)
        summary.changed = _drop_stale(session)
    summary.fingerprinted = fingerprint_all(store, config)
    measures = verified_pairs(store, config, summary)
    with phase("writing clusters"):
        with store.session() as session:
            clusters_store.clear(session)
        clusters_store.write_exact(store, config)
        near = clusters_store.write_near(store, config, measures)
    summary.near_pairs, summary.containments = near
    with store.session() as session:
        summary.articles = session.scalar(select(func.count(Article.id))) or 0
        summary.clusters = clusters_store.counts(session)
    return summary


def _check_params(session: Session, config: FingerprintConfig, rebuild: bool) -> None:
    stored_key = session.scalar(select(ArticleFingerprint.params_key).limit(1))
    if stored_key and stored_key != config.signature_key():
        if not rebuild:
            raise ConfigError(
                "the stored signatures were made with other fingerprint parameters "
                "(n-gram, slots, bands, seed, scheme or normalisation); "
                "run `debtcorpus dedup --rebuild`"
            )
        session.execute(delete(lsh_band_keys))
        session.execute(delete(ArticleFingerprint))
    cluster = session.scalar(
        select(DuplicateCluster).where(DuplicateCluster.method == clusters_store.METHOD_NEAR)
    )
    if cluster and cluster.params != clusters_store.cluster_params(config) and not rebuild:
        raise ConfigError(
            f"the stored near-duplicate clusters used {cluster.params}; to use other parameters "
            "run `debtcorpus dedup --rebuild` (signatures are reused when they still fit)"
        )


def _drop_stale(session: Session) -> int:
    """Forget the fingerprints of articles whose text changed since they were made."""
    stale = list(
        session.scalars(
            select(ArticleFingerprint.article_id)
            .join(Article, Article.id == ArticleFingerprint.article_id)
            .where(ArticleFingerprint.text_sha256 != Article.text_sha256)
        )
    )
    for chunk in chunks(stale, QUERY_CHUNK):
        session.execute(delete(lsh_band_keys).where(lsh_band_keys.c.article_id.in_(chunk)))
        session.execute(delete(ArticleFingerprint).where(ArticleFingerprint.article_id.in_(chunk)))
    return len(stale)


def chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def fingerprint_all(store: Store, config: FingerprintConfig) -> int:
    """Signatures and band keys of every article without one, a committed batch at a time."""
    with store.session() as session:
        todo = session.scalar(
            select(func.count(Article.id))
            .outerjoin(ArticleFingerprint, ArticleFingerprint.article_id == Article.id)
            .where(ArticleFingerprint.article_id.is_(None))
        )
    with phase("fingerprinting articles", todo or 0) as advance:
        return _fingerprint_batches(store, config, advance)


def _fingerprint_batches(store: Store, config: FingerprintConfig, advance: Advance) -> int:
    done, after = 0, 0
    while True:
        with store.session() as session:
            rows = session.execute(
                select(Article.id, Article.text, Article.text_sha256)
                .outerjoin(ArticleFingerprint, ArticleFingerprint.article_id == Article.id)
                .where(ArticleFingerprint.article_id.is_(None), Article.id > after)
                .order_by(Article.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return done
            _store_fingerprints(session, rows, config)
        done += len(rows)
        advance(len(rows))
        after = rows[-1].id


def _store_fingerprints(session: Session, rows: Sequence[Any], config: FingerprintConfig) -> None:
    matrix = make_signatures([row.text for row in rows], config)
    keys = band_keys(matrix, config)
    now = clusters_store.now()
    params_key = config.signature_key()
    session.execute(
        insert(table_of(ArticleFingerprint)),
        [
            {
                "article_id": row.id,
                "params_key": params_key,
                "text_sha256": row.text_sha256,
                "exact_key": exact_key(row.text, config),
                "signature": matrix[index].tobytes(),
                "created_at": now,
            }
            for index, row in enumerate(rows)
        ],
    )
    ids = np.array([[row.id] for row in rows], dtype=np.int64)
    columns = ("article_id", *(f"b{band:02d}" for band in range(keys.shape[1])))
    insert_rows(session, lsh_band_keys, columns, np.hstack((ids, keys)).tolist())


def _band_columns(config: FingerprintConfig) -> list[Any]:
    if config.bands > BAND_COLUMNS:
        raise ConfigError(f"at most {BAND_COLUMNS} bands are stored, not {config.bands}")
    return [lsh_band_keys.c[f"b{band:02d}"] for band in range(config.bands)]


def _common_keys(session: Session, config: FingerprintConfig) -> set[int]:
    """Band keys shared by more than max_bucket articles: common text, not copying."""
    common: set[int] = set()
    for column in _band_columns(config):
        query = select(column).group_by(column).having(func.count() > config.max_bucket)
        common.update(key for key in session.scalars(query) if key is not None)
    return common


def verified_pairs(
    store: Store, config: FingerprintConfig, summary: DedupSummary
) -> list[PairMeasure]:
    """Every candidate pair, verified: those near enough or contained, with their measures."""
    kept: list[PairMeasure] = []
    with store.session() as session:
        common = _common_keys(session, config)
        top = session.scalar(select(func.max(Article.id))) or 0
    for low in progress(range(0, top + 1, BATCH), top // BATCH + 1, "verifying candidates"):
        with store.session() as session:
            pairs = _candidates(session, low, low + BATCH, common, config)
            summary.candidate_pairs += len(pairs)
            kept += _verify(session, pairs, config)
    return kept


def _candidates(
    session: Session, low: int, high: int, common: set[int], config: FingerprintConfig
) -> NDArray[np.int64]:
    """Pairs (a, b), a < b, a in [low, high), sharing a band key that is not common: one
    index lookup a band."""
    mine, other = lsh_band_keys.alias("mine"), lsh_band_keys.alias("other")
    rows: list[tuple[int, int]] = []
    for column in _band_columns(config):
        name = column.name
        query = (
            select(mine.c.article_id, other.c.article_id, mine.c[name])
            .join(other, other.c[name] == mine.c[name])
            .where(mine.c.article_id >= low, mine.c.article_id < high)
            .where(other.c.article_id > mine.c.article_id)
        )
        rows += [(a, b) for a, b, key in session.execute(query).all() if key not in common]
    return unique_pairs(np.array(rows, dtype=np.int64).reshape(-1, 2))


def _verify(
    session: Session, pairs: NDArray[np.int64], config: FingerprintConfig
) -> list[PairMeasure]:
    if not len(pairs):
        return []
    ids = np.unique(pairs)
    position = {int(article_id): index for index, article_id in enumerate(ids)}
    matrix = _signatures_of(session, [int(i) for i in ids])
    local = np.vectorize(position.__getitem__, otypes=[np.int64])(pairs)
    local = estimate_filter(local, matrix, config.estimate_floor)
    if config.verify == "estimate":
        return _estimated(local, ids, matrix, config)
    needed = sorted({int(ids[i]) for i in np.unique(local)})
    sequences = {key: shingle_sequence(text, config) for key, text in _texts_of(session, needed)}
    hashes = {key: np.unique(sequence) for key, sequence in sequences.items()}

    kept = []
    for first, second in local:
        a, b = int(ids[first]), int(ids[second])
        jaccard, forward, backward = measure(hashes[a], hashes[b])
        if jaccard >= config.threshold or max(forward, backward) >= config.containment:
            kept.append(
                measure_pair(a, b, hashes.__getitem__, sequences.__getitem__, config.threshold)
            )
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


def _signatures_of(session: Session, ids: list[int]) -> NDArray[np.uint32]:
    found: dict[int, bytes] = {}
    for chunk in chunks(ids, QUERY_CHUNK):
        query = select(ArticleFingerprint.article_id, ArticleFingerprint.signature)
        found.update(session.execute(query.where(ArticleFingerprint.article_id.in_(chunk))).all())
    return np.stack([np.frombuffer(found[i], dtype=np.uint32) for i in ids])


def _texts_of(session: Session, ids: list[int]) -> Iterator[tuple[int, str]]:
    for chunk in chunks(ids, QUERY_CHUNK):
        yield from session.execute(select(Article.id, Article.text).where(Article.id.in_(chunk)))
