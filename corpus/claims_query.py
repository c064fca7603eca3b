"""Queries behind `debtcorpus claims`: counts of claims by a dimension, the sentences, and
the article texts that `claims mine` reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from corpus.errors import ConfigError
from corpus.models import Article, Claim
from corpus.store import Store

DIMENSIONS = ("type", "lender", "modality", "site", "subtype", "polarity")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class ClaimFilter:
    """Exact-match filters; None means any."""

    type: str | None = None
    lender: str | None = None
    site: str | None = None
    modality: str | None = None
    subtype: str | None = None


@dataclass(frozen=True)
class ClaimRow:
    type: str
    subtype: str | None
    lender: str | None
    modality: str | None
    polarity: str
    days_overdue: int | None
    severe: bool
    sentence: str
    start: int
    end: int
    url: str
    site: str | None
    checks: list[dict[str, object]]


def _column(dimension: str) -> InstrumentedAttribute[str | None]:
    if dimension not in DIMENSIONS:
        raise ConfigError(f"--by {dimension!r} is not one of {', '.join(DIMENSIONS)}")
    if dimension == "site":
        return Article.site
    column: InstrumentedAttribute[str | None] = getattr(Claim, dimension)
    return column


def _filtered(query: Select[*Ts], where: ClaimFilter) -> Select[*Ts]:
    query = query.join(Article, Claim.article_id == Article.id)
    for name in ("type", "lender", "modality", "subtype"):
        value = getattr(where, name)
        if value is not None:
            query = query.where(getattr(Claim, name) == value)
    if where.site is not None:
        query = query.where(Article.site == where.site)
    return query


def count_claims(store: Store, by: str, where: ClaimFilter) -> list[tuple[str | None, int, int]]:
    """(value, claims, articles) per value of `by`, most claims first."""
    column = _column(by)
    query = select(column, func.count(Claim.id), func.count(func.distinct(Claim.article_id)))
    query = _filtered(query, where).group_by(column).order_by(func.count(Claim.id).desc(), column)
    with store.session() as session:
        return [(value, int(n), int(a)) for value, n, a in session.execute(query).all()]


def list_claims(store: Store, where: ClaimFilter, limit: int = 50) -> list[ClaimRow]:
    """The claims behind a count, with the article URL, in article then text order."""
    query = _filtered(select(Claim, Article.url, Article.site), where)
    query = query.order_by(Article.url, Claim.start).limit(limit)
    with store.session() as session:
        return [_row(claim, url, site) for claim, url, site in session.execute(query).all()]


def _row(claim: Claim, url: str, site: str | None) -> ClaimRow:
    """The claim's stored fields that ClaimRow shows (by name), with its article's URL."""
    names = {item.name for item in fields(ClaimRow)} - {"url", "site", "checks"}
    values = {name: getattr(claim, name) for name in names}
    return ClaimRow(**values, url=url, site=site, checks=list(claim.checks or []))


def article_texts(store: Store, batch: int = 500) -> Iterator[str]:
    """Every article's text, in id order, read in batches."""
    last = 0
    while True:
        query = select(Article.id, Article.text).where(Article.id > last).order_by(Article.id)
        with store.session() as session:
            rows = session.execute(query.limit(batch)).all()
        if not rows:
            return
        for _, text in rows:
            yield text
        last = rows[-1][0]
