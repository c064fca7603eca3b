"""Where an export's articles came from, read from the run records for the dataset card.

The crawl runs whose pages yielded the exported articles; per site: what its profile says it
is, the runs and their dates, pages fetched, pages rejected by reason, URLs not
fetched by reason (robots.txt among them, from `skipped_urls`); and how many articles each of
the export's filters kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cleaning.outcomes import Reason
from corpus.errors import DebtcorpusError
from corpus.export.filters import ExportFilters
from corpus.export.rows import utc
from corpus.models import Article, CrawlRun, Page, SkippedUrlRow
from corpus.profiles import load_profile

ROBOTS_SETTING = "ROBOTSTXT_OBEY"
# Scrapy's robots.txt stats, kept in crawl_runs.stats["scrapy"] (crawler.robots adds the
# disallow_all ones for robots.txt files that answered 5xx or could not be reached).
ROBOTS_STATS = (
    "robotstxt/request_count",
    "robotstxt/forbidden",
    "robotstxt/disallow_all/server_error",
    "robotstxt/disallow_all/unreachable",
)


def iso(moment: datetime | None) -> str | None:
    found = utc(moment)
    return found.isoformat() if found else None


@dataclass
class SiteRecord:
    """One site of the export, summed over the runs that fetched its exported articles."""

    name: str
    description: str = ""
    runs: list[int] = field(default_factory=list)
    first_started: datetime | None = None
    last_finished: datetime | None = None
    pages_fetched: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    not_fetched: Counter[str] = field(default_factory=Counter)

    def describe(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "runs": sorted(self.runs),
            "first_run_started_at": iso(self.first_started),
            "last_run_finished_at": iso(self.last_finished),
            "pages_fetched": self.pages_fetched,
            "rejected_pages": dict(sorted(self.rejects.items())),
            "failed_fetches": dict(sorted(self.errors.items())),
            "not_fetched_urls": dict(sorted(self.not_fetched.items())),
            "robots_forbidden_urls": self.not_fetched.get(Reason.ROBOTS_FORBIDDEN, 0),
        }


def profile_description(site: str) -> str:
    """The profile's own description, when the site is a profile that can still be read."""
    try:
        return load_profile(site).description
    except (DebtcorpusError, ValueError, OSError):
        return ""


def run_ids(session: Session, filters: ExportFilters) -> list[int]:
    """The crawl runs with a page that yielded an exported article."""
    kept = select(Article.id).where(filters.article_condition())
    query = (
        select(Page.crawl_run_id)
        .where(Page.article_id.in_(kept), Page.crawl_run_id.is_not(None))
        .distinct()
    )
    return sorted(run_id for run_id in session.scalars(query) if run_id is not None)


def robots_override(run: CrawlRun) -> str | None:
    """A `-s ROBOTSTXT_OBEY=...` the run was started with, as written."""
    for setting in run.settings.get("settings") or []:
        key, _, value = str(setting).partition("=")
        if key.strip() == ROBOTS_SETTING:
            return value.strip()
    return None


def run_record(run: CrawlRun) -> dict[str, Any]:
    scrapy = (run.stats or {}).get("scrapy") or {}
    return {
        "id": run.id,
        "site": run.site,
        "status": run.status,
        "source": run.settings.get("source") or "crawl",
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "pages_fetched": run.pages_fetched,
        "articles_new": run.articles_new,
        "articles_changed": run.articles_changed,
        "robots_obey_setting": robots_override(run),
        "robots_stats": {name: scrapy[name] for name in ROBOTS_STATS if name in scrapy},
        "contact": run.settings.get("contact"),
    }


def not_fetched_by_site(session: Session, ids: list[int]) -> dict[str, Counter[str]]:
    query = (
        select(SkippedUrlRow.site, SkippedUrlRow.reason, func.count())
        .where(SkippedUrlRow.crawl_run_id.in_(ids))
        .group_by(SkippedUrlRow.site, SkippedUrlRow.reason)
    )
    found: dict[str, Counter[str]] = {}
    for site, reason, count in session.execute(query):
        found.setdefault(site or "(none)", Counter())[str(reason)] += count
    return found


def pages_by_site(session: Session, ids: list[int]) -> list[tuple[str, int, str, str | None, int]]:
    """(site, run, outcome, reason, pages) for the pages of these runs."""
    query = (
        select(Page.site, Page.crawl_run_id, Page.outcome, Page.reason, func.count())
        .where(Page.crawl_run_id.in_(ids))
        .group_by(Page.site, Page.crawl_run_id, Page.outcome, Page.reason)
    )
    rows = session.execute(query)
    return [(site or "(none)", int(run or 0), out, why, n) for site, run, out, why, n in rows]


def site_records(session: Session, runs: dict[int, CrawlRun]) -> dict[str, SiteRecord]:
    ids = sorted(runs)
    sites: dict[str, SiteRecord] = {}
    for site, run_id, outcome, reason, pages in pages_by_site(session, ids):
        record = sites.setdefault(site, SiteRecord(site))
        run = runs[run_id]
        if run_id not in record.runs:
            record.runs.append(run_id)
            record.first_started = min(filter(None, (record.first_started, utc(run.started_at))))
            finished = utc(run.finished_at)
            if finished is not None:
                record.last_finished = max(filter(None, (record.last_finished, finished)))
        record.pages_fetched += pages
        if outcome == "rejected":
            record.rejects[reason or "?"] += pages
        elif outcome == "error":
            record.errors[reason or "?"] += pages
    for site, reasons in not_fetched_by_site(session, ids).items():
        sites.setdefault(site, SiteRecord(site)).not_fetched.update(reasons)
    for record in sites.values():
        record.description = profile_description(record.name)
    return sites


def filter_counts(session: Session, filters: ExportFilters) -> list[dict[str, Any]]:
    """Articles in the corpus, then after each active filter in turn (field order)."""

    def count(condition_filters: ExportFilters) -> int:
        query = select(func.count(Article.id)).where(condition_filters.article_condition())
        return session.scalar(query) or 0

    steps = [{"filter": "(corpus)", "articles": count(ExportFilters())}]
    applied = ExportFilters()
    for spec in fields(ExportFilters):
        value = getattr(filters, spec.name)
        if value == getattr(ExportFilters(), spec.name):
            continue
        applied = replace(applied, **{spec.name: value})
        steps.append({"filter": spec.name, "articles": count(applied)})
    return steps


def export_provenance(session: Session, filters: ExportFilters) -> dict[str, Any]:
    ids = run_ids(session, filters)
    runs = {run.id: run for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids)))}
    sites = site_records(session, runs)
    if filters.sites:
        sites = {name: record for name, record in sites.items() if name in filters.sites}
    return {
        "runs": [run_record(runs[run_id]) for run_id in ids],
        "sites": {name: sites[name].describe() for name in sorted(sites)},
        "filter_counts": filter_counts(session, filters),
    }
