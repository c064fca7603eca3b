"""`run_dedup`: fingerprints, verified pairs, clusters and containment edges, stored in the corpus.

Three steps. `corpus.dedup.scan` fingerprints the articles without a fingerprint in committed
batches (signatures, band keys); `corpus.dedup.pairing` finds the candidates of the articles
not yet paired in the indexed band-key table, verifies them and stores the pairs near enough or
contained in `duplicate_pairs`, also in committed batches: an interrupted run resumes, and a run
after new articles verifies only their candidates. Then clusters and containment edges are
rebuilt from the stored pairs (a few per copied article; the corpus and its band keys are never
held in memory).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup import clusters_store
from corpus.dedup.normal_cache import NormalCache
from corpus.dedup.normal_pool import Workers, default_workers
from corpus.dedup.pairing import pair_new
from corpus.dedup.scan import QUERY_CHUNK, chunks, fingerprint_new
from corpus.errors import ConfigError
from corpus.models import (
    Article,
    ArticleFingerprint,
    DuplicateCluster,
    DuplicatePair,
    dedup_unpaired,
    lsh_band_keys,
)
from corpus.progress import phase
from corpus.store import Store


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


def run_dedup(
    store: Store, config: FingerprintConfig, rebuild: bool = False, workers: int | None = None
) -> DedupSummary:
    """Fingerprint and pair new and changed articles, then rebuild clusters from the pairs."""
    summary = DedupSummary(rebuilt=rebuild)
    with store.session() as session:
        _check_params(session, config, rebuild)
        summary.changed = _drop_stale(session)
    # no pooled connection is carried into the forked workers (they never use the database)
    store.engine.dispose()
    count = default_workers() if workers is None else workers
    with Workers(count) as pool, NormalCache() as cache:
        with phase("fingerprinting articles"):
            summary.fingerprinted = fingerprint_new(store, config, pool, cache)
        with phase("verifying candidate pairs"):
            summary.candidate_pairs = pair_new(store, config, pool, cache).candidate_pairs
    with phase("writing clusters"):
        with store.session() as session:
            clusters_store.clear(session)
        clusters_store.write_exact(store, config)
        near = clusters_store.write_near(store, config)
    summary.near_pairs, summary.containments = near
    with store.session() as session:
        summary.articles = session.scalar(select(func.count(Article.id))) or 0
        summary.clusters = clusters_store.counts(session)
    return summary


def _forget_all(session: Session) -> None:
    session.execute(delete(DuplicatePair))
    session.execute(delete(dedup_unpaired))
    session.execute(delete(lsh_band_keys))
    session.execute(delete(ArticleFingerprint))


def _check_params(session: Session, config: FingerprintConfig, rebuild: bool) -> None:
    stored_key = session.scalar(select(ArticleFingerprint.params_key).limit(1))
    if stored_key and stored_key != config.signature_key() and not rebuild:
        raise ConfigError(
            "the stored signatures were made with other fingerprint parameters "
            "(n-gram, slots, bands, seed, scheme or normalisation); "
            "run `debtcorpus dedup --rebuild`"
        )
    cluster = session.scalar(
        select(DuplicateCluster).where(DuplicateCluster.method == clusters_store.METHOD_NEAR)
    )
    if cluster and cluster.params != clusters_store.cluster_params(config) and not rebuild:
        raise ConfigError(
            f"the stored near-duplicate clusters used {cluster.params}; to use other parameters "
            "run `debtcorpus dedup --rebuild`"
        )
    if rebuild:  # the stored pairs were kept by the old thresholds: everything again
        _forget_all(session)


def _drop_stale(session: Session) -> int:
    """Forget the fingerprints, band keys and pairs of articles whose text changed since."""
    stale = list(
        session.scalars(
            select(ArticleFingerprint.article_id)
            .join(Article, Article.id == ArticleFingerprint.article_id)
            .where(ArticleFingerprint.text_sha256 != Article.text_sha256)
        )
    )
    for chunk in chunks(stale, QUERY_CHUNK):
        session.execute(
            delete(DuplicatePair).where(
                or_(DuplicatePair.first_id.in_(chunk), DuplicatePair.second_id.in_(chunk))
            )
        )
        session.execute(delete(lsh_band_keys).where(lsh_band_keys.c.article_id.in_(chunk)))
        session.execute(delete(dedup_unpaired).where(dedup_unpaired.c.article_id.in_(chunk)))
        session.execute(delete(ArticleFingerprint).where(ArticleFingerprint.article_id.in_(chunk)))
    return len(stale)
