"""Read the articles an export keeps, in id order and in batches, as plain row dicts."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Row as DbRow
from sqlalchemy.orm import Session

from corpus.derived import derived_fields
from corpus.export.filters import ExportFilters
from corpus.export.schema import ARTICLE_COLUMNS, CLAIM_COLUMNS, COMMENT_COLUMNS, Column
from corpus.models import Article, Claim, Comment, DuplicateCluster, DuplicateMember

Row = dict[str, Any]
# Rows are read with Core selects of whole tables: same attribute names as the ORM models,
# without the cost of building ORM objects.
ArticleRow = DbRow[Any]
BATCH_SIZE = 500


def utc(moment: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite hands them back without an offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_text(value: Any) -> str:
    """A JSON column as canonical text (sorted keys), so re-exports are byte-identical."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def count_articles(session: Session, filters: ExportFilters) -> int:
    query = select(func.count(Article.id)).where(filters.article_condition())
    return session.scalar(query) or 0


def iter_article_batches(
    session: Session, filters: ExportFilters, batch_size: int = BATCH_SIZE
) -> Iterator[list[ArticleRow]]:
    """Articles in id order, fetched by keyset pages so memory stays flat."""
    last_id = 0
    while True:
        query = (
            select(Article.__table__)
            .where(filters.article_condition(), Article.id > last_id)
            .order_by(Article.id)
            .limit(batch_size)
        )
        batch = list(session.connection().execute(query))
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


# `debtcorpus dedup` names its methods "exact" and, for near duplicates, "minhash"; any
# method other than exact fills `near_cluster_id`.
EXACT_METHOD = "exact"


@dataclass(frozen=True)
class Membership:
    cluster_id: int
    is_representative: bool


def cluster_memberships(
    session: Session, article_ids: Sequence[int]
) -> dict[int, dict[str, Membership]]:
    """article_id -> {method: Membership} for the given articles."""
    query = (
        select(
            DuplicateMember.article_id,
            DuplicateMember.method,
            DuplicateCluster.id,
            DuplicateCluster.representative_id,
        )
        .join(DuplicateCluster, DuplicateCluster.id == DuplicateMember.cluster_id)
        .where(DuplicateMember.article_id.in_(article_ids))
    )
    found: dict[int, dict[str, Membership]] = defaultdict(dict)
    for article_id, method, cluster_id, representative_id in session.execute(query):
        found[article_id][method] = Membership(cluster_id, representative_id == article_id)
    return found


def stored_claims() -> Select[Any]:
    """A select of the claims table with its derived fields (the sentence), by name."""
    return select(Claim.__table__, *(expression for _, expression, _ in derived_fields(Claim)))


def claim_rows(
    session: Session, filters: ExportFilters, article_ids: Sequence[int]
) -> dict[int, list[Row]]:
    """Kept claims of the given articles, grouped by article, each group in id order."""
    query = (
        stored_claims()
        .where(Claim.article_id.in_(article_ids), filters.claim_condition())
        .order_by(Claim.article_id, Claim.id)
    )
    grouped: dict[int, list[Row]] = defaultdict(list)
    for claim in session.connection().execute(query):
        grouped[claim.article_id].append(claim_row(claim))
    return grouped


def comment_rows(session: Session, article_ids: Sequence[int]) -> dict[int, list[Row]]:
    query = (
        select(Comment.__table__)
        .where(Comment.article_id.in_(article_ids))
        .order_by(Comment.article_id, Comment.id)
    )
    grouped: dict[int, list[Row]] = defaultdict(list)
    for comment in session.connection().execute(query):
        grouped[comment.article_id].append(comment_row(comment))
    return grouped


def export_value(column: Column, value: Any) -> Any:
    """A stored value as its exported column holds it (corpus/schema.py gives the types)."""
    data_type = column.type
    value = column.fallback if value is None else value
    if pa.types.is_timestamp(data_type):
        return utc(value)
    if pa.types.is_boolean(data_type):
        return None if value is None else bool(value)
    if pa.types.is_list(data_type):
        return list_value(data_type.value_type, value or [])
    return json_text(value) if isinstance(value, list | dict) else value


def list_value(item_type: pa.DataType, items: list[Any]) -> list[Any]:
    if pa.types.is_struct(item_type):
        names = [item.name for item in item_type]
        kept = [item for item in items if isinstance(item, dict)]
        return [{name: item.get(name) for name in names} for item in kept]
    return [str(item) for item in items]


def stored_row(columns: tuple[Column, ...], row: DbRow[Any]) -> Row:
    """The exported values of one stored row, for the columns read from storage."""
    return {
        column.name: export_value(column, getattr(row, column.stored))
        for column in columns
        if column.stored is not None
    }


def claim_row(claim: DbRow[Any]) -> Row:
    return stored_row(CLAIM_COLUMNS, claim)


def comment_row(comment: DbRow[Any]) -> Row:
    return stored_row(COMMENT_COLUMNS, comment)


def article_row(article: ArticleRow, memberships: dict[str, Membership]) -> Row:
    exact = memberships.get(EXACT_METHOD)
    near_ids = [m.cluster_id for method, m in memberships.items() if method != EXACT_METHOD]
    return stored_row(ARTICLE_COLUMNS, article) | {
        "exact_cluster_id": exact.cluster_id if exact else None,
        "near_cluster_id": min(near_ids) if near_ids else None,
        "is_representative": all(m.is_representative for m in memberships.values()),
    }


@dataclass(frozen=True)
class RowBatch:
    """One batch of kept articles with their kept claims and comments."""

    articles: list[Row]
    claims: dict[int, list[Row]]
    comments: dict[int, list[Row]]

    def table(self, name: str, nested: bool) -> list[Row]:
        if name == "articles":
            return self.nested_articles() if nested else self.articles
        children = self.claims if name == "claims" else self.comments
        return [row for article in self.articles for row in children.get(article["article_id"], [])]

    def nested_articles(self) -> list[Row]:
        return [
            {
                **article,
                "claims": self.claims.get(article["article_id"], []),
                "comments": self.comments.get(article["article_id"], []),
            }
            for article in self.articles
        ]


def read_batch(session: Session, filters: ExportFilters, articles: list[ArticleRow]) -> RowBatch:
    ids = [article.id for article in articles]
    memberships = cluster_memberships(session, ids)
    return RowBatch(
        articles=[article_row(a, memberships.get(a.id, {})) for a in articles],
        claims=claim_rows(session, filters, ids),
        comments=comment_rows(session, ids),
    )
