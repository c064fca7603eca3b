"""The health checks of one site in one run, from the rows the run stored.

Shares (dates, authors, long texts) are of the articles the run saw: pages of the run that
point at an article, fetched anew or found not modified. Counts (articles, errors, rejects
by reason) are compared with the mean of the site's previous finished runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import mean
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cleaning.outcomes import Outcome, base_reason
from corpus.crawl_contract import RunStatus
from corpus.health.config import HealthSettings
from corpus.models import Article, CrawlRun, Page


@dataclass(frozen=True)
class SiteFigures:
    """What one run did on one site."""

    pages: int
    articles: int
    with_date: int
    with_author: int
    long_text: int
    errors: int
    rejects: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    site: str
    check: str
    ok: bool
    value: float | None
    limit: float | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def site_figures(session: Session, run_id: int, site: str, min_text_chars: int) -> SiteFigures:
    pages = select(Page).where(Page.crawl_run_id == run_id, Page.site == site).subquery()
    total = session.scalar(select(func.count()).select_from(pages)) or 0
    seen = select(pages.c.article_id).where(pages.c.article_id.is_not(None)).distinct()
    articles = select(Article).where(Article.id.in_(seen)).subquery()

    def count(*where: Any) -> int:
        return session.scalar(select(func.count()).select_from(articles).where(*where)) or 0

    reasons = session.execute(
        select(pages.c.outcome, pages.c.reason, func.count())
        .where(pages.c.outcome.in_((Outcome.ERROR, Outcome.REJECTED)))
        .group_by(pages.c.outcome, pages.c.reason)
    ).all()
    rejects: dict[str, int] = {}
    for outcome, reason, number in reasons:
        if outcome == Outcome.REJECTED:
            key = str(base_reason(str(reason)) or reason)
            rejects[key] = rejects.get(key, 0) + number
    return SiteFigures(
        pages=total,
        articles=count(),
        with_date=count(articles.c.published_at.is_not(None)),
        with_author=count(articles.c.author.is_not(None), articles.c.author != ""),
        long_text=count(func.length(articles.c.text) >= min_text_chars),
        errors=sum(n for outcome, _, n in reasons if outcome == Outcome.ERROR),
        rejects=rejects,
    )


def previous_runs(session: Session, run_id: int, site: str, limit: int) -> list[int]:
    """The site's last `limit` finished runs before `run_id`, newest first."""
    query = (
        select(Page.crawl_run_id)
        .join(CrawlRun, CrawlRun.id == Page.crawl_run_id)
        .where(Page.site == site, Page.crawl_run_id < run_id)
        .where(CrawlRun.status == RunStatus.FINISHED)
        .distinct()
        .order_by(Page.crawl_run_id.desc())
        .limit(limit)
    )
    return [found for found in session.scalars(query) if found is not None]


def check_site(
    session: Session, run_id: int, site: str, settings: HealthSettings
) -> tuple[SiteFigures, list[CheckResult]]:
    now = site_figures(session, run_id, site, settings.min_text_chars)
    before = [
        site_figures(session, previous, site, settings.min_text_chars)
        for previous in previous_runs(session, run_id, site, settings.previous_runs)
    ]
    return now, [*share_checks(site, now, settings), *trend_checks(site, now, before, settings)]


def share_checks(site: str, now: SiteFigures, settings: HealthSettings) -> list[CheckResult]:
    if now.articles < settings.min_articles:
        return []  # too few to judge shares; the article trend check still runs
    wanted = (
        ("date-share", now.with_date, settings.min_date_share, "have a publication date"),
        ("author-share", now.with_author, settings.min_author_share, "have an author"),
        (
            "text-share",
            now.long_text,
            settings.min_text_share,
            f"have a text of {settings.min_text_chars}+ characters",
        ),
    )
    results = []
    for check, number, minimum, what in wanted:
        if minimum <= 0:
            continue
        share = number / now.articles
        ok = share >= minimum
        message = f"{share:.0%} of {now.articles} articles {what} (at least {minimum:.0%})"
        results.append(CheckResult(site, check, ok, round(share, 4), minimum, message))
    return results


def trend_checks(
    site: str, now: SiteFigures, before: list[SiteFigures], settings: HealthSettings
) -> list[CheckResult]:
    """Articles, errors and reject reasons against the mean of the previous runs."""
    if not before:
        return []
    runs = f"the mean of the last {len(before)} run(s)"
    usual = mean(b.articles for b in before)
    floor = usual * (1 - settings.max_article_drop)
    results = [
        CheckResult(
            site,
            "articles",
            now.articles >= floor,
            now.articles,
            round(floor, 2),
            f"{now.articles} articles against {usual:.1f} for {runs} "
            f"(a drop of at most {settings.max_article_drop:.0%})",
        )
    ]
    usual_errors = mean(b.errors for b in before)
    ceiling = max(usual_errors * (1 + settings.max_error_rise), settings.min_errors)
    results.append(
        CheckResult(
            site,
            "errors",
            now.errors <= ceiling,
            now.errors,
            round(ceiling, 2),
            f"{now.errors} errors against {usual_errors:.1f} for {runs} (at most {ceiling:.1f})",
        )
    )
    return results + reject_checks(site, now, before, settings, runs)


def reject_checks(
    site: str, now: SiteFigures, before: list[SiteFigures], settings: HealthSettings, runs: str
) -> list[CheckResult]:
    results = []
    for reason in sorted({r for figures in (now, *before) for r in figures.rejects}):
        share = now.rejects.get(reason, 0) / max(now.pages, 1)
        usual = mean(b.rejects.get(reason, 0) / max(b.pages, 1) for b in before)
        if share - usual > settings.max_reject_rise:
            message = (
                f"{share:.0%} of {now.pages} pages rejected as {reason} against {usual:.0%} "
                f"for {runs} (a rise of at most {settings.max_reject_rise * 100:.0f} points)"
            )
            limit = round(usual + settings.max_reject_rise, 4)
            check = f"rejects:{reason}"
            results.append(CheckResult(site, check, False, round(share, 4), limit, message))
    if not results:
        rise = settings.max_reject_rise * 100
        message = f"no reject reason's share of the pages rose by more than {rise:.0f} points"
        results.append(CheckResult(site, "rejects", True, None, settings.max_reject_rise, message))
    return results
