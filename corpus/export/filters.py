"""Export filters: parsing them from option text and turning them into portable SQL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, true

from corpus.errors import ConfigError
from corpus.models import Article, Claim, DuplicateCluster, DuplicateMember, Page

DATE_FORMAT_HELP = (
    "expected YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-01T08:00:00+08:00 "
    "(a time without offset is UTC)"
)


@dataclass(frozen=True)
class DateRange:
    """A half-open range [start, end) in UTC; either side may be open.

    Bounds are aware UTC datetimes: PostgreSQL compares them as timestamptz, and SQLite
    (which stores wall time without an offset) gets the UTC wall time it stores.
    """

    start: datetime | None = None
    end: datetime | None = None

    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def condition(self, column: Any) -> ColumnElement[bool]:
        parts = []
        if self.start is not None:
            parts.append(column >= self.start)
        if self.end is not None:
            parts.append(column < self.end)
        return and_(true(), *parts)

    def describe(self) -> dict[str, str | None]:
        return {
            "from_inclusive": self.start.isoformat() if self.start else None,
            "to_exclusive": self.end.isoformat() if self.end else None,
        }


def parse_date_bound(text: str, option: str, *, is_end: bool) -> datetime:
    """A UTC bound from `YYYY-MM-DD` or ISO 8601; a plain end date includes its whole day."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if is_end else moment
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{option} {text!r} is not a date: {DATE_FORMAT_HELP}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    # an end date-time is inclusive; the range is half-open, so step past it
    return moment + timedelta(microseconds=1) if is_end else moment


def parse_date_range(
    start_text: str | None, end_text: str | None, start_option: str, end_option: str
) -> DateRange:
    start = parse_date_bound(start_text, start_option, is_end=False) if start_text else None
    end = parse_date_bound(end_text, end_option, is_end=True) if end_text else None
    if start is not None and end is not None and start >= end:
        raise ConfigError(f"{start_option} {start_text} is after {end_option} {end_text}")
    return DateRange(start, end)


@dataclass(frozen=True)
class ExportFilters:
    """Which articles (and claims) an export keeps. Empty tuples mean "any"."""

    sites: tuple[str, ...] = ()
    published: DateRange = field(default_factory=DateRange)
    crawled: DateRange = field(default_factory=DateRange)
    lenders: tuple[str, ...] = ()
    claim_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    representatives_only: bool = False
    min_length: int | None = None
    # crawl runs (crawl_runs.id): articles a page of these runs yielded; pages of these runs
    runs: tuple[int, ...] = ()

    def claim_condition(self) -> ColumnElement[bool]:
        """Claims kept: matching every claim filter (lender and type) at once."""
        parts = []
        if self.lenders:
            parts.append(Claim.lender.in_(self.lenders))
        if self.claim_types:
            parts.append(Claim.type.in_(self.claim_types))
        return and_(true(), *parts)

    def filters_claims(self) -> bool:
        return bool(self.lenders or self.claim_types)

    def article_condition(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.sites:
            parts.append(Article.site.in_(self.sites))
        if self.languages:
            parts.append(Article.language.in_(self.languages))
        if not self.published.is_open():
            parts.append(self.published.condition(Article.published_at))
        if not self.crawled.is_open():
            parts.append(self.crawled.condition(Article.first_seen_at))
        if self.min_length is not None:
            parts.append(func.length(Article.text) >= self.min_length)
        if self.filters_claims():
            claim_match = select(Claim.id).where(Claim.article_id == Article.id)
            parts.append(exists(claim_match.where(self.claim_condition())))
        if self.representatives_only:
            parts.append(~exists(non_representative_membership()))
        if self.runs:
            run_page = select(Page.id).where(Page.article_id == Article.id)
            parts.append(exists(run_page.where(Page.crawl_run_id.in_(self.runs))))
        return and_(true(), *parts)

    def page_condition(self) -> ColumnElement[bool]:
        """Fetches kept by a WARC export: site, run and the crawl date range (fetched_at) pick
        pages; any article filter keeps the pages of the articles it keeps."""
        parts: list[ColumnElement[bool]] = []
        if self.sites:
            parts.append(Page.site.in_(self.sites))
        if self.runs:
            parts.append(Page.crawl_run_id.in_(self.runs))
        if not self.crawled.is_open():
            parts.append(self.crawled.condition(Page.fetched_at))
        by_article = replace(self, sites=(), crawled=DateRange(), runs=())
        if by_article != ExportFilters():
            kept = select(Article.id).where(by_article.article_condition())
            parts.append(Page.article_id.in_(kept))
        return and_(true(), *parts)

    def describe(self) -> dict[str, Any]:
        """The exact filters, for the manifest and the card."""
        return {
            "site": list(self.sites),
            "published_at": self.published.describe(),
            "first_seen_at": self.crawled.describe(),
            "lender": list(self.lenders),
            "claim_type": list(self.claim_types),
            "language": list(self.languages),
            "representatives_only": self.representatives_only,
            "min_length": self.min_length,
            "crawl_run": list(self.runs),
        }


def non_representative_membership() -> Any:
    """Memberships that make an article a non-representative copy in some cluster."""
    return (
        select(DuplicateMember.id)
        .join(DuplicateCluster, DuplicateCluster.id == DuplicateMember.cluster_id)
        .where(DuplicateMember.article_id == Article.id)
        .where(DuplicateCluster.representative_id != Article.id)
    )
