"""The dedup report's data: totals, sites, who copied whom, timelines, clusters, containment
edges and templates, read from what `debtcorpus dedup` stored.

Every string here is scraped text (titles, URLs, site names, article text): the renderers escape
it for their own syntax (corpus.report.escape).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup.clusters_store import METHOD_EXACT, METHOD_NEAR
from corpus.dedup.direction import REPRESENTATIVE_RULE, site_label
from corpus.dedup.templates import TemplateParagraph, find_templates
from corpus.models import Article, ContainmentEdge, DuplicateCluster
from corpus.store import Store


@dataclass(frozen=True)
class MemberRow:
    article_id: int
    site: str
    url: str
    title: str
    published_at: datetime | None
    first_seen_at: datetime | None
    text_length: int
    similarity: float
    representative: bool

    @property
    def appeared(self) -> datetime | None:
        """When the copy appeared: its published date, else when it was first seen."""
        return self.published_at or self.first_seen_at


@dataclass(frozen=True)
class ClusterRow:
    id: int
    method: str
    params: dict[str, Any]
    rule: str
    evidence: dict[str, Any]
    representative_id: int
    members: tuple[MemberRow, ...]

    @property
    def sites(self) -> list[str]:
        return sorted({member.site for member in self.members})

    @property
    def copies(self) -> list[MemberRow]:
        return [member for member in self.members if not member.representative]

    @property
    def representative(self) -> MemberRow:
        return next(member for member in self.members if member.representative)

    def timeline(self) -> list[tuple[MemberRow, float | None]]:
        """Members by when they appeared, with days after the representative."""
        start = self.representative.appeared
        ordered = sorted(self.members, key=lambda m: (m.appeared is None, m.appeared or 0))
        return [(m, _days(start, m.appeared)) for m in ordered]


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((_naive(end) - _naive(start)).total_seconds() / 86400, 1)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class ContainmentRow:
    """Page `container` holds `share` of article `source`, at `spans` of its text."""

    source: MemberRow
    container: MemberRow
    share: float
    spans: tuple[tuple[int, int], ...]
    excerpt: str


@dataclass(frozen=True)
class SyndicationEdge:
    source_site: str
    copier_site: str
    count: int
    # how the direction was decided: {"earliest reliable date": n, "first seen": n, ...}
    evidence: dict[str, int]


@dataclass
class SiteRow:
    site: str
    articles: int = 0
    characters: int = 0
    duplicates: int = 0
    duplicate_characters: int = 0
    representatives: int = 0
    # the crawl profiles its articles came from: the names `debtcorpus stats` lists them by
    profiles: set[str] = field(default_factory=set)

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
    containments: list[ContainmentRow]
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
    """Everything the report shows, read from the stored clusters and edges."""
    with store.session() as session:
        articles, characters = session.execute(
            select(func.count(Article.id), func.coalesce(func.sum(func.length(Article.text)), 0))
        ).one()
        clusters = _clusters(session)
        containments = _containments(session)
        sites = _site_rows(session, clusters.get(METHOD_NEAR, []))
        texts, gaps = _texts(session, clusters) if with_texts else ({}, {})
    return DedupReport(
        articles=articles,
        characters=characters,
        clusters=clusters,
        sites=sites,
        syndication=syndication_edges(clusters.get(METHOD_NEAR, []), containments),
        containments=containments,
        templates=find_templates(store, config),
        texts=texts,
        gaps=gaps,
    )


def _member_rows(session: Session, ids: set[int]) -> dict[int, MemberRow]:
    query = select(
        Article.id, Article.site_name, Article.url, Article.title, Article.published_at,
        Article.first_seen_at, func.length(Article.text),
    ).where(Article.id.in_(ids))  # fmt: skip
    return {
        row[0]: MemberRow(
            row[0],
            site_label(row[1], row[2]),
            row[2],
            row[3] or "",
            row[4],
            row[5],
            row[6] or 0,
            1.0,
            False,
        )
        for row in session.execute(query)
    }


def _clusters(session: Session) -> dict[str, list[ClusterRow]]:
    found: dict[str, list[ClusterRow]] = {METHOD_EXACT: [], METHOD_NEAR: []}
    for cluster in session.scalars(select(DuplicateCluster).order_by(DuplicateCluster.id)):
        rows = _member_rows(session, {m.article_id for m in cluster.members})
        members = [
            MemberRow(
                **{
                    **rows[m.article_id].__dict__,
                    "similarity": m.similarity,
                    "representative": m.article_id == cluster.representative_id,
                },
            )
            for m in cluster.members
        ]
        members.sort(key=lambda m: (not m.representative, -m.similarity, m.article_id))
        found.setdefault(cluster.method, []).append(
            ClusterRow(
                cluster.id,
                cluster.method,
                cluster.params,
                cluster.rule or "",
                cluster.evidence or {},
                cluster.representative_id,
                tuple(members),
            )
        )
    return found


def _containments(session: Session) -> list[ContainmentRow]:
    edges = list(session.scalars(select(ContainmentEdge).order_by(ContainmentEdge.share.desc())))
    ids = {e.source_id for e in edges} | {e.container_id for e in edges}
    rows = _member_rows(session, ids)
    texts = dict(session.execute(select(Article.id, Article.text).where(Article.id.in_(ids))).all())
    found = []
    for edge in edges:
        spans = tuple((int(a), int(b)) for a, b in edge.spans or [])
        text = texts.get(edge.container_id, "")
        excerpt = text[spans[0][0] : spans[0][1]][:160] if spans else ""
        found.append(
            ContainmentRow(
                rows[edge.source_id], rows[edge.container_id], edge.share, spans, excerpt
            )
        )
    return found


def _site_rows(session: Session, near: list[ClusterRow]) -> list[SiteRow]:
    rows: dict[str, SiteRow] = {}
    query = select(Article.site_name, Article.url, Article.site, func.length(Article.text))
    for site_name, url, profile, length in session.execute(query):
        name = site_label(site_name, url)
        row = rows.setdefault(name, SiteRow(name))
        row.profiles.add(profile or "(none)")
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
    session: Session, clusters: dict[str, list[ClusterRow]]
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
    """Whom a member copied, and why we think so: the representative, by its stored rule."""
    return cluster.representative, str(cluster.evidence.get("rule", "rule"))


def syndication_edges(
    near: list[ClusterRow], containments: list[ContainmentRow]
) -> list[SyndicationEdge]:
    """Counts of (source site -> copying site): copies point to their representative, and a
    page holding part of an article copies it; a site copying itself is no edge."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for cluster in near:
        for copy in cluster.copies:
            source, evidence = source_of(copy, cluster)
            if source.site != copy.site:
                counts[(source.site, copy.site)][evidence] += 1
    for edge in containments:
        if edge.source.site != edge.container.site:
            counts[(edge.source.site, edge.container.site)]["containment"] += 1
    edges = [
        SyndicationEdge(source, copier, sum(evidence.values()), dict(evidence))
        for (source, copier), evidence in counts.items()
    ]
    return sorted(edges, key=lambda edge: (-edge.count, edge.source_site, edge.copier_site))
