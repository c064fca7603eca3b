"""How a field of the one schema (corpus/schema.py) is declared, read and copied.

`field` declares a column with its `FieldInfo` (description, export name and Arrow type,
where ingest reads it); `declared_columns`, `arrow_type` and `column_default` read the
declarations back for the export; `record_values` copies a cleaner's record to a row.
May import SQLAlchemy and pyarrow; nothing of `corpus`.

Arrow types are declared as functions returning them, called by the export only: pyarrow
(and numpy, which it loads) costs every process that imports it about 30 MB, and the crawl's
processes (its parent, Scrapy's, the cleaners) import the schema but never export.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Dialect, Float, ForeignKey, Integer
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import pyarrow as pa

# an Arrow type, built when the export asks for it (see the module docstring)
ArrowType = Callable[[], "pa.DataType"]


def _arrow() -> Any:
    import pyarrow

    return pyarrow


def TIMESTAMP() -> pa.DataType:  # named as the constants it stands for
    return _arrow().timestamp("us", tz="UTC")


def STRING() -> pa.DataType:
    return _arrow().string()


def STRING_LIST() -> pa.DataType:
    return _arrow().list_(STRING())


def MASKED_GAPS() -> pa.DataType:
    arrow = _arrow()
    gap = [("start", arrow.int64()), ("end", arrow.int64()), ("kind", STRING())]
    return arrow.list_(arrow.struct([*gap, ("context", STRING())]))


def NOT_EXPORTED() -> pa.DataType:  # `export` of a field kept out of datasets
    return _arrow().null()


class EmptyObjectAsNull(TypeDecorator[Any]):
    """A JSON object column that stores {} as NULL (most claims' `conditions`) and reads
    NULL as {}."""

    impl = JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value or None

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return {} if value is None else value


# `source` of a field the store fills itself (ids, times, what the page did), not the record
STORE = ""

Source = str | Callable[[Any], Any] | None


@dataclass(frozen=True)
class Coding:
    """A stored column that holds a code (`value_codes.id`, corpus/codes.py) of a repeated
    value instead of the value: `value` names the field readers see (derived, decoded on
    read); `empty` is the value (its JSON text when `json`) stored as NULL."""

    value: str
    empty: str | None = None
    json: bool = False


@dataclass(frozen=True)
class FieldInfo:
    """What the schema says about a field beyond its SQL type."""

    description: str
    # the exported column's name (None: the field's own) and Arrow type (None: from the SQL type)
    export_name: str | None = None
    export_type: ArrowType | None = None
    # where ingest reads it: None for the record's attribute of the same name, a dotted path
    # ("published.value"), a function of the record, or STORE
    source: Source = None
    # a derived field: the stored (or derived) field it is shown (and exported) before
    before: str | None = None
    # a column of codes: which value it codes (corpus/codes.py)
    coding: Coding | None = None


def field(
    *args: Any,
    doc: str,
    export: ArrowType | None = None,
    name: str | None = None,
    source: Source = None,
    coding: Coding | None = None,
    **column: Any,
) -> MappedColumn[Any]:
    """A mapped column with its description, export and ingest source."""
    info = FieldInfo(doc, export_name=name, export_type=export, source=source, coding=coding)
    return mapped_column(*args, info={"field": info}, **column)


def coded(value: str, empty: str | None = None, json: bool = False) -> MappedColumn[Any]:
    """The column of codes of the field `value` (ingest copies the record's `value` to the
    row's key `value`; the writers turn it into the code: corpus/codes.py)."""
    doc = f"Code of `{value}`: the id of its row in `value_codes` (decoded: docs/storage.md)"
    coding = Coding(value, empty, json)
    return field(Integer, doc=doc, export=NOT_EXPORTED, source=value, coding=coding, nullable=True)


def row_id(table: str, export_name: str) -> MappedColumn[Any]:
    """The primary key of an exported table: a stable id, exported as `export_name`."""
    doc = f"Stable id: `{table}.id` in the corpus database"
    return field(primary_key=True, doc=doc, name=export_name, source=STORE)


def article_key(doc: str) -> MappedColumn[Any]:
    """The article a comment or claim belongs to."""
    return field(ForeignKey("articles.id"), index=True, doc=doc, source=STORE)


def field_info(column: Column[Any]) -> FieldInfo | None:
    info = column.info.get("field")
    return info if isinstance(info, FieldInfo) else None


def declared_columns(table: Any) -> list[tuple[Column[Any], FieldInfo]]:
    """The stored columns of a table that the schema declares, in declaration order."""
    return [(c, info) for c in table.columns if (info := field_info(c)) is not None]


def arrow_type(column: Column[Any], info: FieldInfo) -> pa.DataType:
    """The exported Arrow type: declared, else the SQL type's (JSON is exported as text)."""
    if info.export_type is not None:
        return info.export_type()
    sql_type = column.type
    arrow = _arrow()
    kinds: tuple[tuple[type[Any], pa.DataType], ...] = (
        (Boolean, arrow.bool_()),
        (Integer, arrow.int64()),
        (Float, arrow.float64()),
        (DateTime, TIMESTAMP()),
    )
    return next((t for kind, t in kinds if isinstance(sql_type, kind)), STRING())


def column_default(column: Column[Any]) -> Any:
    """The Python-side default of a column (a fresh list for `default=list`), else None."""
    default = column.default
    if default is None or not hasattr(default, "arg"):
        return None
    return default.arg(None) if callable(default.arg) else default.arg


def record_values(table: Any, record: Any) -> dict[str, Any]:
    """The row values a cleaner's record gives a table: the copy from record to row."""
    keys, read, columns = _copies(table)
    values: dict[str, Any] = {}
    for key, value, column in zip(keys, read(record), columns, strict=True):
        if value is None:
            values[key] = column_default(column)
        elif type(value) in _SCALARS:
            values[key] = value
        else:
            value = plain(value)
            values[key] = column_default(column) if value is None else value
    return values


Reader = Callable[[Any], tuple[Any, ...]]


@functools.cache
def _copies(table: Any) -> tuple[tuple[str, ...], Reader, tuple[Column[Any], ...]]:
    """The declared columns a record fills: their keys, how to read their values from a
    record (one call: ingest copies every claim of every article with it), the columns."""
    keys: list[str] = []
    sources: list[str | Callable[[Any], Any]] = []
    columns: list[Column[Any]] = []
    for column, info in declared_columns(table):
        if info.source == STORE:
            continue
        keys.append(info.coding.value if info.coding else column.key)
        sources.append(info.source or column.key)
        columns.append(column)
    return tuple(keys), _reader(sources), tuple(columns)


def _reader(sources: list[str | Callable[[Any], Any]]) -> Reader:
    """All the sources read at once: one attrgetter when each is a plain attribute."""
    names = [s for s in sources if isinstance(s, str) and "." not in s]
    if sources and len(names) == len(sources):
        getter = operator.attrgetter(*names)
        return getter if len(sources) > 1 else lambda record: (getter(record),)
    reads = [functools.partial(read_source, source=source) for source in sources]
    return lambda record: tuple(read(record) for read in reads)


def read_source(record: Any, source: str | Callable[[Any], Any]) -> Any:
    if callable(source):
        return source(record)
    value = record
    for part in source.split("."):
        value = getattr(value, part) if value is not None else None
    return value


def plain(value: Any) -> Any:
    """Record values as JSON columns hold them: tuples as lists, dataclasses as dicts; an
    aware datetime in UTC (SQLite drops the offset, so a +08:00 date kept as given would be
    stored as Beijing wall time under the schema's "UTC")."""
    kind = type(value)
    if value is None or kind in _SCALARS:  # first: most of the 15 values a claim copies
        return value
    if kind is datetime:
        return value.astimezone(UTC) if value.utcoffset() is not None else value
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return dict(value)
    return value


_SCALARS = frozenset({str, int, float, bool})
