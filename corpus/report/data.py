"""The dedup report's data: totals, per-site figures, who copies whom, clusters, templates.

Rendering lives in corpus/report_render.py (Markdown, CSV) and corpus/report_html.py (HTML).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup import (
    METHOD_EXACT,
    METHOD_NEAR,
    REPRESENTATIVE_RULE,
    TemplateParagraph,
    find_templates,
    host_of,
)
from corpus.models import Article, DuplicateCluster
from corpus.store import Store


@dataclass(frozen=True)
class MemberRow:
    article_id: int
    site: str
    url: str
    title: str
    published_at: datetime | None
    source_url: str | None
    text_length: int
    similarity: float
    representative: bool


@dataclass(frozen=True)
class ClusterRow:
    id: int
    method: str
    params: dict[str, Any]
    rule: str
    representative_id: int
    members: tuple[MemberRow, ...]

    @property
    def sites(self) -> list[str]:
        return sorted({member.site for member in self.members})

    @property
    def copies(self) -> list[MemberRow]:
        return [member for member in self.members if not member.representative]


@dataclass(frozen=True)
class SyndicationEdge:
    source_site: str
    copier_site: str
    count: int
    # how the direction was decided: {"source link": n, "earlier date": n, "rule": n}
    evidence: dict[str, int]


@dataclass
class SiteRow:
    site: str
    articles: int = 0
    characters: int = 0
    duplicates: int = 0
    duplicate_characters: int = 0
    representatives: int = 0

    @property
    def duplicated_share(self) -> float:
        return self.duplicate_characters / self.characters if self.characters else 0.0


@dataclass
class DedupReport:
    articles: int
    characters: int
    clusters: dict[str, list[ClusterRow]]
    sites: list[SiteRow]
    syndication: list[SyndicationEdge]
    templates: list[TemplateParagraph]
    rule: str = REPRESENTATIVE_RULE
    texts: dict[int, str] = field(default_factory=dict)
    gaps: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def duplicate_characters(self, method: str) -> int:
        return sum(m.text_length for c in self.clusters.get(method, []) for m in c.copies)

    def duplicated_share(self, method: str) -> float:
        return self.duplicate_characters(method) / self.characters if self.characters else 0.0

    def duplicate_articles(self, method: str) -> int:
        return sum(len(cluster.copies) for cluster in self.clusters.get(method, []))


def build_report(store: Store, config: FingerprintConfig, with_texts: bool = True) -> DedupReport:
    """Everything the report shows, read from the stored clusters."""
    with store.session() as session:
        articles, characters = session.execute(
            select(func.count(Article.id), func.coalesce(func.sum(func.length(Article.text)), 0))
        ).one()
        clusters = _clusters(session)
        sites = _site_rows(session, clusters.get(METHOD_NEAR, []))
        texts, gaps = _texts(session, clusters) if with_texts else ({}, {})
    return DedupReport(
        articles=articles,
        characters=characters,
        clusters=clusters,
        sites=sites,
        syndication=syndication_edges(clusters.get(METHOD_NEAR, [])),
        templates=find_templates(store, config),
        texts=texts,
        gaps=gaps,
    )


def _clusters(session: Any) -> dict[str, list[ClusterRow]]:
    found: dict[str, list[ClusterRow]] = {METHOD_EXACT: [], METHOD_NEAR: []}
    query = select(DuplicateCluster).order_by(DuplicateCluster.id)
    for cluster in session.scalars(query):
        ids = [member.article_id for member in cluster.members]
        articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
        members = tuple(
            _member_row(articles[m.article_id], m.similarity, cluster.representative_id)
            for m in sorted(cluster.members, key=lambda m: (-m.similarity, m.article_id))
        )
        members = tuple(sorted(members, key=lambda m: not m.representative))
        row = ClusterRow(
            cluster.id, cluster.method, cluster.params, cluster.rule or "",
            cluster.representative_id, members,
        )  # fmt: skip
        found.setdefault(cluster.method, []).append(row)
    return found


def _member_row(article: Article, similarity: float, representative_id: int) -> MemberRow:
    return MemberRow(
        article_id=article.id,
        site=article.site or host_of(article.url),
        url=article.url,
        title=article.title or "",
        published_at=article.published_at,
        source_url=article.source_url,
        text_length=len(article.text),
        similarity=similarity,
        representative=article.id == representative_id,
    )


def _site_rows(session: Any, near: list[ClusterRow]) -> list[SiteRow]:
    rows: dict[str, SiteRow] = {}
    query = select(Article.site, Article.url, func.length(Article.text))
    for site, url, length in session.execute(query):
        row = rows.setdefault(site or host_of(url), SiteRow(site or host_of(url)))
        row.articles += 1
        row.characters += length or 0
    for cluster in near:
        for member in cluster.members:
            row = rows[member.site]
            if member.representative:
                row.representatives += 1
            else:
                row.duplicates += 1
                row.duplicate_characters += member.text_length
    return sorted(rows.values(), key=lambda row: (-row.duplicates, row.site))


def _texts(
    session: Any, clusters: dict[str, list[ClusterRow]]
) -> tuple[dict[int, str], dict[int, list[dict[str, Any]]]]:
    ids = {m.article_id for rows in clusters.values() for c in rows for m in c.members}
    texts: dict[int, str] = {}
    gaps: dict[int, list[dict[str, Any]]] = {}
    query = select(Article.id, Article.text, Article.masked_gaps).where(Article.id.in_(ids))
    for article_id, text, masked in session.execute(query):
        texts[article_id] = text
        gaps[article_id] = list(masked or [])
    return texts, gaps


def source_of(copy: MemberRow, cluster: ClusterRow) -> tuple[MemberRow, str]:
    """Whom a member copied, and why we think so: the member its source link names, else the
    representative (earlier date when both are dated, else the representative rule)."""
    cited = host_of(copy.source_url)
    for member in cluster.members:
        if cited and member.article_id != copy.article_id and host_of(member.url) == cited:
            return member, "source link"
    representative = next(m for m in cluster.members if m.representative)
    dated = representative.published_at and copy.published_at
    if dated and representative.published_at < copy.published_at:  # type: ignore[operator]
        return representative, "earlier date"
    return representative, "rule"


def syndication_edges(near: list[ClusterRow]) -> list[SyndicationEdge]:
    """Counts of (source site -> copying site) over the non-representative members."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for cluster in near:
        for copy in cluster.copies:
            source, evidence = source_of(copy, cluster)
            counts[(source.site, copy.site)][evidence] += 1
    edges = [
        SyndicationEdge(source, copier, sum(evidence.values()), dict(evidence))
        for (source, copier), evidence in counts.items()
    ]
    return sorted(edges, key=lambda edge: (-edge.count, edge.source_site, edge.copier_site))
