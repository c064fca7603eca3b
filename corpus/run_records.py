"""crawl_runs rows: opened when a crawl starts, closed with counts taken from its page rows."""

from __future__ import annotations

from collections.abc import Iterable
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


def hold_run(store: Store, run_id: int, pid: int, host: str) -> None:
    """Mark the run as held by the crawl process `pid` on `host`, so `crawl --resume`
    refuses while it lives."""
    with store.session() as session:
        run = session.get_one(CrawlRun, run_id)
        run.holder_pid, run.holder_host = pid, host


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
    """The run's counts, from one grouped pass over its page rows (the live refresh does this
    every few seconds, on rows that grow all along) and one over its skipped URLs."""
    groups = session.execute(
        select(
            Page.outcome,
            Page.reason,
            Page.change,
            func.count(),
            func.coalesce(func.sum(Page.body_size), 0),
        )
        .where(Page.crawl_run_id == run.id)
        .group_by(Page.outcome, Page.reason, Page.change)
        .order_by(Page.outcome, Page.reason, Page.change)
    ).all()
    run.pages_fetched = sum(count for *_, count, _size in groups)
    run.bytes_fetched = sum(size for *_, size in groups)
    changes = _tally((change, count) for _, _, change, count, _ in groups if change is not None)
    run.articles_new = changes.get("new", 0)
    run.articles_changed = changes.get("changed", 0)
    run.articles_unchanged = changes.get("unchanged", 0)
    run.rejects = _tally((r, n) for o, r, _, n, _ in groups if o == Outcome.REJECTED)
    run.errors = _tally((r, n) for o, r, _, n, _ in groups if o == Outcome.ERROR)
    skipped = session.execute(
        select(SkippedUrlRow.reason, func.count())
        .where(SkippedUrlRow.crawl_run_id == run.id)
        .group_by(SkippedUrlRow.reason)
    ).all()
    run.not_fetched = {str(reason): count for reason, count in skipped}


def _tally(pairs: Iterable[tuple[Any, int]]) -> dict[str, int]:
    """Counts summed by key (str: a NULL reason counts as "None", as it always has)."""
    counts: dict[str, int] = {}
    for key, count in pairs:
        counts[str(key)] = counts.get(str(key), 0) + count
    return counts
