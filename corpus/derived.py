"""Derived fields: computed in SQL from stored ones on every read, never written (the claim's
sentence, from its article's text and its offsets, and its rule version, its article's:
docs/storage.md). Declared in
corpus/schema.py with `derived`; the export reads them through `derived_fields`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Dialect, Text, func, inspect, literal, select, type_coerce
from sqlalchemy.orm import MappedColumn, MappedSQLExpression, column_property
from sqlalchemy.types import TypeDecorator

from corpus.fields import STORE, STRING, ArrowType, FieldInfo, field_info


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


class DecodedValue(TypeDecorator[Any]):
    """The text of a code (`value_codes.value`) as the field held it: a JSON value parsed,
    a NULL code read as the field's empty value (its JSON text)."""

    impl = Text
    cache_ok = True

    def __init__(self, as_json: bool = False, empty: str | None = None) -> None:
        super().__init__()
        self.as_json, self.empty = as_json, empty

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None if self.empty is None else json.loads(self.empty)
        return json.loads(value) if self.as_json and isinstance(value, str) else value


def decoded(model: Any, code: str, doc: str, before: str | None = None) -> MappedSQLExpression[Any]:
    """The field a column of codes (corpus.fields.coded) holds, decoded on read: a correlated
    subquery on `value_codes`; a NULL code is the field's empty value."""
    column = getattr(model, code)  # the mapped class's copy of the mixin's column
    info = field_info(column.column if isinstance(column, MappedColumn) else column)
    assert info is not None and info.coding is not None, f"{code} is not a coded column"
    codes = model.metadata.tables["value_codes"]
    value: Any = (
        select(codes.c.value).where(codes.c.id == column).correlate_except(codes).scalar_subquery()
    )
    spec = info.coding
    if spec.empty is not None and not spec.json:
        value = func.coalesce(value, literal(spec.empty))
    return derived(
        type_coerce(value, DecodedValue(spec.json, spec.empty)), doc=doc, before=before or code
    )


def derived_fields(model: Any) -> list[tuple[str, Any, FieldInfo]]:
    """(name, labelled SQL expression, info) of each derived field of a mapped class."""
    found = []
    for attribute in inspect(model).column_attrs:
        info = attribute.info.get("field")
        if isinstance(info, FieldInfo) and not isinstance(attribute.expression, Column):
            found.append((attribute.key, attribute.expression.label(attribute.key), info))
    return found
