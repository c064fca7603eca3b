"""The exported tables: columns, Arrow types, descriptions, and their Hugging Face features.

The columns of stored fields come from corpus/schema.py (declared once there); the export adds
the duplicate-cluster columns. One list of columns per table is the single source for the
Parquet schema, the CSV header, the JSONL keys, the dataset card's `dataset_info.features`
and its column tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy import JSON

from corpus.derived import derived_fields
from corpus.fields import NOT_EXPORTED, arrow_type, column_default, declared_columns
from corpus.models import Article, Claim, Comment


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    # the stored column it is read from (None: one the export computes), and the value a
    # null there is exported as (a JSON column's empty list or object)
    stored: str | None = None
    fallback: Any = None


def stored_columns(model: Any) -> tuple[Column, ...]:
    """The exported columns of a stored table, as corpus/schema.py declares them: its stored
    fields, each derived one (read from its SQL expression) before the field it names (a
    stored field, or another derived one)."""
    derived: dict[str, list[Column]] = {}
    for name, expression, info in derived_fields(model):
        made = Column(name, arrow_type(expression, info), info.description, name)
        derived.setdefault(info.before or "", []).append(made)

    def before(key: str) -> list[Column]:
        return [c for d in derived.get(key, []) for c in (*before(d.name), d)]

    columns: list[Column] = []
    for column, info in declared_columns(model.__table__):
        columns += before(column.key)
        if (data_type := arrow_type(column, info)) != NOT_EXPORTED():
            fallback = column_default(column) if isinstance(column.type, JSON) else None
            columns.append(
                Column(
                    info.export_name or column.key,
                    data_type,
                    info.description,
                    column.key,
                    fallback,
                )
            )
    return tuple(columns)


ARTICLE_COLUMNS: tuple[Column, ...] = (
    *stored_columns(Article),
    Column("exact_cluster_id", pa.int64(), "Exact-duplicate cluster (`debtcorpus dedup`)"),
    Column(
        "near_cluster_id",
        pa.int64(),
        "Near-duplicate cluster (`debtcorpus dedup`, minhash; the lowest id if in several)",
    ),
    Column(
        "is_representative",
        pa.bool_(),
        "False when the article is a non-representative member of a duplicate cluster; true "
        "otherwise (also when in no cluster or dedup has not run)",
    ),
)
CLAIM_COLUMNS = stored_columns(Claim)
COMMENT_COLUMNS = stored_columns(Comment)

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "articles": ARTICLE_COLUMNS,
    "claims": CLAIM_COLUMNS,
    "comments": COMMENT_COLUMNS,
}

NESTED_COLUMNS: tuple[Column, ...] = (
    Column("claims", pa.list_(pa.struct([(c.name, c.type) for c in CLAIM_COLUMNS])), "Claims"),
    Column(
        "comments", pa.list_(pa.struct([(c.name, c.type) for c in COMMENT_COLUMNS])), "Comments"
    ),
)


def table_columns(table: str, nested: bool) -> tuple[Column, ...]:
    """Columns of one exported table; nested articles carry their claims and comments."""
    columns = TABLE_COLUMNS[table]
    return columns + NESTED_COLUMNS if nested and table == "articles" else columns


def csv_type(data_type: pa.DataType) -> pa.DataType:
    """CSV cells are flat: lists and structs are written as JSON strings."""
    if pa.types.is_list(data_type) or pa.types.is_struct(data_type):
        return pa.string()
    return data_type


def file_schema(columns: tuple[Column, ...], file_format: str) -> pa.Schema:
    """The schema of one table as stored in files of `file_format`."""
    if file_format == "csv":
        return pa.schema([(c.name, csv_type(c.type)) for c in columns])
    return pa.schema([(c.name, c.type) for c in columns])


def hf_dtype(data_type: pa.DataType) -> Any:
    """The YAML form Hugging Face `datasets` uses for one Arrow type (as Features._to_yaml_list)."""
    if pa.types.is_list(data_type):
        return {"list": hf_dtype(data_type.value_type)}
    if pa.types.is_struct(data_type):
        return [hf_feature(field.name, field.type) for field in data_type]
    if pa.types.is_string(data_type):
        return {"dtype": "string"}
    if pa.types.is_float64(data_type):
        return {"dtype": "float64"}
    return {"dtype": str(data_type)}


def hf_feature(name: str, data_type: pa.DataType) -> dict[str, Any]:
    dtype = hf_dtype(data_type)
    if isinstance(dtype, list):
        return {"name": name, "struct": dtype}
    return {"name": name, **_flatten_list_dtype(dtype)}


def _flatten_list_dtype(dtype: dict[str, Any]) -> dict[str, Any]:
    """`{"list": {"dtype": "string"}}` is written `list: string` in cards."""
    if "list" in dtype and isinstance(dtype["list"], dict):
        inner = dtype["list"]
        return {"list": inner["dtype"] if "dtype" in inner else _flatten_list_dtype(inner)}
    return dtype


def hf_features(schema: pa.Schema) -> list[dict[str, Any]]:
    """`dataset_info.features` for a dataset card."""
    return [hf_feature(field.name, field.type) for field in schema]
