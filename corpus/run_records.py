"""crawl_runs rows: opened when a crawl starts, closed with counts taken from its page rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cleaning.outcomes import Outcome
from corpus.models import CrawlRun, Page, SkippedUrlRow
from corpus.store import Store


def start_run(
    store: Store,
    site: str | None,
    start_urls: list[str],
    settings: dict[str, Any],
    schedule_id: int | None = None,
    stats: dict[str, Any] | None = None,
) -> int:
    with store.session() as session:
        run = CrawlRun(
            site=site,
            start_urls=start_urls,
            settings=settings,
            schedule_id=schedule_id,
            stats=stats or {},
            started_at=datetime.now(UTC),
        )
        session.add(run)
        session.flush()
        return run.id


def finish_run(store: Store, run_id: int, status: str, stats: dict[str, Any]) -> None:
    """Close a run: its counts come from the page rows, so they are right even after a kill."""
    with store.session() as session:
        run = session.get_one(CrawlRun, run_id)
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.stats = {**run.stats, **stats}
        _count_run(session, run)


def refresh_counts(store: Store, run_id: int, live: dict[str, Any]) -> None:
    """While a run crawls: its counts from its rows so far, and the crawl's live figures
    (queue, pages per second) in stats["live"], so `runs` shows a running crawl truly."""
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        if run is None or run.status != "running":
            return
        run.stats = {**run.stats, "live": live}
        _count_run(session, run)


def _count_run(session: Session, run: CrawlRun) -> None:
    pages = select(Page).where(Page.crawl_run_id == run.id).subquery()
    run.pages_fetched = session.scalar(select(func.count()).select_from(pages)) or 0
    run.bytes_fetched = session.scalar(select(func.coalesce(func.sum(pages.c.body_size), 0))) or 0
    changes: dict[str, int] = dict(
        session.execute(
            select(pages.c.change, func.count())
            .where(pages.c.change.is_not(None))
            .group_by(pages.c.change)
        ).all()
    )
    run.articles_new = changes.get("new", 0)
    run.articles_changed = changes.get("changed", 0)
    run.articles_unchanged = changes.get("unchanged", 0)
    run.rejects = _reasons(session, pages, Outcome.REJECTED)
    run.errors = _reasons(session, pages, Outcome.ERROR)
    skipped = session.execute(
        select(SkippedUrlRow.reason, func.count())
        .where(SkippedUrlRow.crawl_run_id == run.id)
        .group_by(SkippedUrlRow.reason)
    ).all()
    run.not_fetched = {str(reason): count for reason, count in skipped}


def _reasons(session: Session, pages: Any, outcome: str) -> dict[str, int]:
    rows = session.execute(
        select(pages.c.reason, func.count())
        .where(pages.c.outcome == outcome)
        .group_by(pages.c.reason)
    ).all()
    return {str(reason): count for reason, count in rows}
