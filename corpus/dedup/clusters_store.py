"""Writing clusters and containment edges: bulk inserts, one committed batch at a time.

Exact clusters group articles whose normal forms are equal. Near clusters come from the verified
pairs by leader clustering in representative order (corpus.dedup.pairs, corpus.dedup.direction):
every member is similar to its representative, and the representative is the earliest reliably
dated member, with the rule and the evidence stored on the cluster. Containment edges join
articles of different clusters and carry the copied spans of the container's text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup.bulk import table_of
from corpus.dedup.direction import (
    REPRESENTATIVE_RULE,
    ArticleFacts,
    evidence,
    representative_order,
    site_label,
)
from corpus.dedup.pairs import PairMeasure, containments, copied_spans, leader_clusters
from corpus.models import (
    Article,
    ArticleFingerprint,
    ContainmentEdge,
    DuplicateCluster,
    DuplicateMember,
    DuplicatePair,
)
from corpus.store import Store

METHOD_EXACT = "exact"
METHOD_NEAR = "minhash"
WRITE_BATCH = 500
QUERY_CHUNK = 900


def now() -> datetime:
    return datetime.now(UTC)


def cluster_params(config: FingerprintConfig) -> dict[str, Any]:
    return {
        **config.signature_params(),
        "normalisation": config.normalisation,
        "threshold": config.threshold,
        "containment": config.containment,
        "verify": config.verify,
        "clustering": "leader: similarity to the representative only",
    }


def clear(session: Session) -> None:
    session.execute(delete(ContainmentEdge))
    session.execute(delete(DuplicateMember))
    session.execute(delete(DuplicateCluster))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(DuplicateCluster.method, func.count(DuplicateCluster.id)).group_by(
            DuplicateCluster.method
        )
    )
    return dict(rows.all())


def stored_pairs(store: Store) -> list[PairMeasure]:
    """Every verified pair (duplicates and containments: a few per copied article)."""
    with store.session() as session:
        rows = session.execute(
            select(
                DuplicatePair.first_id, DuplicatePair.second_id, DuplicatePair.jaccard,
                DuplicatePair.first_in_second, DuplicatePair.second_in_first,
                DuplicatePair.first_size, DuplicatePair.second_size,
                DuplicatePair.first_covered, DuplicatePair.second_covered,
            ).execution_options(yield_per=10_000)
        )  # fmt: skip
        return [PairMeasure(*row) for row in rows]


def load_facts(session: Session, article_ids: Iterable[int]) -> dict[int, ArticleFacts]:
    facts: dict[int, ArticleFacts] = {}
    ordered = sorted(set(article_ids))
    for start in range(0, len(ordered), QUERY_CHUNK):
        query = select(
            Article.id, Article.url, Article.site_name, Article.published_at,
            Article.published_confidence, Article.first_seen_at,
        ).where(Article.id.in_(ordered[start : start + QUERY_CHUNK]))  # fmt: skip
        for row in session.execute(query):
            facts[row[0]] = ArticleFacts(
                row[0], row[1], site_label(row[2], row[1]), row[3], row[4], row[5]
            )
    return facts


def write_exact(store: Store, config: FingerprintConfig) -> None:
    """One cluster per exact key that more than one article has."""
    with store.session() as session:
        shared = (
            select(ArticleFingerprint.exact_key)
            .group_by(ArticleFingerprint.exact_key)
            .having(func.count(ArticleFingerprint.article_id) > 1)
        )
        rows = session.execute(
            select(ArticleFingerprint.exact_key, ArticleFingerprint.article_id).where(
                ArticleFingerprint.exact_key.in_(shared)
            )
        ).all()
        groups: dict[str, list[int]] = defaultdict(list)
        for key, article_id in rows:
            groups[key].append(article_id)
    params = {"normalisation": config.normalisation}
    _write_groups(store, METHOD_EXACT, list(groups.values()), params, {})


def write_near(
    store: Store, config: FingerprintConfig, measures: Sequence[PairMeasure]
) -> tuple[int, int]:
    """Near clusters and containment edges from the verified pairs; their numbers."""
    involved = {pair.first for pair in measures} | {pair.second for pair in measures}
    with store.session() as session:
        facts = load_facts(session, involved)
    order = [member.id for member in representative_order(list(facts.values()))]
    leader_of = leader_clusters(order, measures, config)
    similarity = {(p.first, p.second): p.jaccard for p in measures}
    groups: dict[int, list[int]] = defaultdict(list)
    for article, leader in leader_of.items():
        groups[leader].append(article)
    member_similarity = {
        article: similarity.get((min(article, leader), max(article, leader)), 1.0)
        for article, leader in leader_of.items()
    }
    clusters = [sorted(g, key=lambda a: (a != leader, a)) for leader, g in groups.items()]
    clusters = [group for group in clusters if len(group) > 1]
    _write_groups(store, METHOD_NEAR, clusters, cluster_params(config), member_similarity, facts)
    edges = containments(measures, leader_of, order, config)
    _write_edges(store, edges, config)
    return sum(len(g) - 1 for g in clusters), len(edges)


def _write_groups(
    store: Store,
    method: str,
    groups: list[list[int]],
    params: dict[str, Any],
    similarity: dict[int, float],
    facts: dict[int, ArticleFacts] | None = None,
) -> None:
    for start in range(0, len(groups), WRITE_BATCH):
        with store.session() as session:
            batch = groups[start : start + WRITE_BATCH]
            known = facts or load_facts(session, (a for g in batch for a in g))
            ordered = [representative_order([known[a] for a in group]) for group in batch]
            _add_clusters(session, method, ordered, params, similarity)


def _add_clusters(
    session: Session,
    method: str,
    groups: list[list[ArticleFacts]],
    params: dict[str, Any],
    similarity: dict[int, float],
) -> None:
    """One insert of the clusters (their ids returned in order), one of their members."""
    stamp = now()
    clusters = [
        {
            "method": method,
            "params": params,
            "representative_id": members[0].id,
            "rule": REPRESENTATIVE_RULE,
            "evidence": evidence(members[0], members),
            "created_at": stamp,
            "updated_at": stamp,
        }
        for members in groups
    ]
    table = table_of(DuplicateCluster)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.scalars(statement, clusters))
    rows = [
        {
            "cluster_id": cluster_id,
            "method": method,
            "article_id": member.id,
            "similarity": round(similarity.get(member.id, 1.0), 4),
        }
        for cluster_id, members in zip(ids, groups, strict=True)
        for member in members
    ]
    session.execute(insert(table_of(DuplicateMember)), rows)


def _write_edges(store: Store, edges: list[Any], config: FingerprintConfig) -> None:
    params = {"containment": config.containment, "normalisation": config.normalisation}
    for start in range(0, len(edges), WRITE_BATCH):
        batch = edges[start : start + WRITE_BATCH]
        with store.session() as session:
            ids = {e.source for e in batch} | {e.container for e in batch}
            texts = dict(
                session.execute(select(Article.id, Article.text).where(Article.id.in_(ids))).all()
            )
            rows = [
                {
                    "source_id": edge.source,
                    "container_id": edge.container,
                    "share": edge.share,
                    "spans": copied_spans(texts[edge.source], texts[edge.container], config),
                    "params": params,
                    "created_at": now(),
                }
                for edge in batch
            ]
            session.execute(insert(table_of(ContainmentEdge)), rows)
