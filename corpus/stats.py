"""Corpus counts for `debtcorpus stats`: per site, per crawl run, rejects by reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from cleaning.outcomes import Outcome
from corpus.models import Article, Claim, Comment, CrawlRun, Page, SkippedUrlRow
from corpus.store import Store


@dataclass(frozen=True)
class SiteCounts:
    site: str
    articles: int
    comments: int
    claims: int
    masked_gaps: int
    mean_relevance: float


@dataclass(frozen=True)
class CorpusStats:
    sites: list[SiteCounts]
    runs: list[CrawlRun]
    outcomes: list[tuple[str, str, int]]  # (outcome, reason, URLs): pages and skipped URLs
    pages: int
    articles: int


def _per_site(session: Any) -> list[SiteCounts]:
    comments = (
        select(Comment.article_id, func.count().label("n")).group_by(Comment.article_id).subquery()
    )
    claims = select(Claim.article_id, func.count().label("n")).group_by(Claim.article_id).subquery()
    rows = session.execute(
        select(
            func.coalesce(Article.site, "(none)"),
            func.count(Article.id),
            func.coalesce(func.sum(comments.c.n), 0),
            func.coalesce(func.sum(claims.c.n), 0),
            func.coalesce(func.sum(Article.masked_gap_count), 0),
            func.coalesce(func.avg(Article.relevance), 0.0),
        )
        .outerjoin(comments, comments.c.article_id == Article.id)
        .outerjoin(claims, claims.c.article_id == Article.id)
        .group_by(Article.site)
        .order_by(Article.site)
    ).all()
    # PostgreSQL's sum() of integers is numeric (Decimal), which JSON cannot hold: ints here
    return [
        SiteCounts(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), round(float(r[5]), 3))
        for r in rows
    ]


def _outcomes(session: Any) -> list[tuple[str, str, int]]:
    rows = session.execute(
        select(Page.outcome, func.coalesce(Page.reason, ""), func.count())
        .group_by(Page.outcome, Page.reason)
        .order_by(Page.outcome, func.count().desc())
    ).all()
    skipped = session.execute(
        select(SkippedUrlRow.reason, func.count())
        .group_by(SkippedUrlRow.reason)
        .order_by(func.count().desc())
    ).all()
    fetched = [(outcome, reason, count) for outcome, reason, count in rows]
    return fetched + [(Outcome.NOT_FETCHED.value, reason, count) for reason, count in skipped]


def corpus_stats(store: Store, last_runs: int = 10) -> CorpusStats:
    with store.session() as session:
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(last_runs)))
        return CorpusStats(
            sites=_per_site(session),
            runs=runs,
            outcomes=_outcomes(session),
            pages=session.scalar(select(func.count(Page.id))) or 0,
            articles=session.scalar(select(func.count(Article.id))) or 0,
        )


def get_run(store: Store, run_id: int) -> CrawlRun | None:
    with store.session() as session:
        return session.get(CrawlRun, run_id)
