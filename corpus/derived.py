"""Derived fields: computed in SQL from stored ones on every read, never written (the claim's
sentence, from its article's text and its offsets, and its rule version, its article's:
docs/storage.md). Declared in
corpus/schema.py with `derived`; the export reads them through `derived_fields`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, func, inspect, select
from sqlalchemy.orm import MappedSQLExpression, column_property

from corpus.fields import STORE, STRING, ArrowType, FieldInfo


def derived(
    expression: Any, doc: str, before: str, export: ArrowType | None = None
) -> MappedSQLExpression[Any]:
    """A field computed in SQL from stored ones on every read (never written by ingest),
    shown and exported before the stored field `before`."""
    info = FieldInfo(doc, export_type=export or STRING, source=STORE, before=before)
    return column_property(expression, info={"field": info})


def sentence_sql(text: Any, start: Any, end: Any) -> Any:
    """SQL for `text[start:end]` (offsets in characters, as Python counts them)."""
    return func.substr(text, start + 1, end - start)


def claim_sentence(claims: Any) -> Any:
    """A claim's sentence, from its article's text: a correlated scalar subquery."""
    articles = claims.metadata.tables["articles"]
    return (
        select(sentence_sql(articles.c.text, claims.start, claims.end))
        .where(articles.c.id == claims.article_id)
        .correlate_except(articles)  # its own articles, also in a query that joins them
        .scalar_subquery()
    )


def claim_rule_version(claims: Any) -> Any:
    """A claim's rule version: its article's `claim_rule_version` (one per article)."""
    articles = claims.metadata.tables["articles"]
    return (
        select(articles.c.claim_rule_version)
        .where(articles.c.id == claims.article_id)
        .correlate_except(articles)
        .scalar_subquery()
    )


def derived_fields(model: Any) -> list[tuple[str, Any, FieldInfo]]:
    """(name, labelled SQL expression, info) of each derived field of a mapped class."""
    found = []
    for attribute in inspect(model).column_attrs:
        info = attribute.info.get("field")
        if isinstance(info, FieldInfo) and not isinstance(attribute.expression, Column):
            found.append((attribute.key, attribute.expression.label(attribute.key), info))
    return found
