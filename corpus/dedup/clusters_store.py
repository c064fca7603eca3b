"""Writing clusters and containment edges: bulk inserts, one committed batch at a time.

Exact clusters group articles whose normal forms are equal. Near clusters come from the verified
pairs by leader clustering in representative order (corpus.dedup.pairs, corpus.dedup.direction):
every member is similar to its representative, and the representative is the earliest reliably
dated member, with the rule and the evidence stored on the cluster. Containment edges join
articles of different clusters and carry the copied spans of the container's text.

Both come from the stored pairs a chunk of connected components at a time (the pairs' ids
alone are read whole, to find the components): clustering and edges never cross a component,
so the result is that of all pairs at once, and memory holds one chunk's pairs and facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup.bulk import fetch_ints, table_of
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
# articles of the stored pairs taken at a time (whole connected components) to make clusters
CLUSTER_CHUNK = 5000
Ints = NDArray[np.int64]


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


def pairs_of(session: Session, articles: Sequence[int]) -> list[PairMeasure]:
    """The verified pairs whose first article is one of these (duplicates and containments)."""
    found: list[PairMeasure] = []
    for start in range(0, len(articles), QUERY_CHUNK):
        chunk = [int(a) for a in articles[start : start + QUERY_CHUNK]]
        rows = session.execute(
            select(
                DuplicatePair.first_id, DuplicatePair.second_id, DuplicatePair.jaccard,
                DuplicatePair.first_in_second, DuplicatePair.second_in_first,
                DuplicatePair.first_size, DuplicatePair.second_size,
                DuplicatePair.first_covered, DuplicatePair.second_covered,
            ).where(DuplicatePair.first_id.in_(chunk))
        )  # fmt: skip
        found.extend(PairMeasure(*row) for row in rows)
    return found


def components(pairs: Ints) -> tuple[Ints, Ints]:
    """The articles of these (n, 2) pairs, sorted, and for each the smallest article of its
    connected component: roots hooked to the smaller root of every pair, then pointer jumps."""
    ids, dense = np.unique(pairs, return_inverse=True)
    first, second = dense.reshape(-1, 2).T
    parent = np.arange(ids.size)
    while True:
        low, high = parent[first], parent[second]
        if np.array_equal(low, high):
            return ids, ids[parent]
        np.minimum.at(parent, np.maximum(low, high), np.minimum(low, high))
        while not np.array_equal(jumped := parent[parent], parent):
            parent = jumped


def component_chunks(store: Store, size: int) -> Iterator[Ints]:
    """The articles of the stored pairs, whole connected components at a time, about `size`
    articles a chunk (a larger component is a chunk of its own). A pair never spans two
    chunks, so clusters and edges come out as from all pairs at once."""
    with store.session() as session:
        sql = "SELECT first_id, second_id FROM duplicate_pairs"
        ids, roots = components(fetch_ints(session.connection(), sql, 2))
    order = np.argsort(roots, kind="stable")
    ids, roots = ids[order], roots[order]
    starts = np.flatnonzero(np.concatenate(([True], roots[1:] != roots[:-1])))
    begin = 0
    for start in [*starts[1:].tolist(), ids.size]:
        if start > begin and (start - begin >= size or start == ids.size):
            yield ids[begin:start]
            begin = start


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


def write_near(store: Store, config: FingerprintConfig) -> tuple[int, int]:
    """Near clusters and containment edges from the verified pairs, a chunk of connected
    components at a time (memory holds one chunk's pairs and facts); their numbers."""
    near = edges = 0
    for articles in component_chunks(store, CLUSTER_CHUNK):
        with store.session() as session:
            measures = pairs_of(session, articles.tolist())
            facts = load_facts(session, articles.tolist())
        copies, contained = _write_chunk(store, config, measures, facts)
        near, edges = near + copies, edges + contained
    return near, edges


def _write_chunk(
    store: Store,
    config: FingerprintConfig,
    measures: Sequence[PairMeasure],
    facts: dict[int, ArticleFacts],
) -> tuple[int, int]:
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
