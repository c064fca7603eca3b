"""Bulk writes for dedup: Core tables of the models and plain-tuple executemany."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def table_of(model: type[Any]) -> Table:
    """The Core table of a model (Core inserts skip the ORM's per-row bookkeeping)."""
    table: Table = model.__table__
    return table


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """One DBAPI executemany of plain tuples: for the band keys, 64 rows an article, the ORM's
    and Core's per-row parameter dictionaries cost more than the database's own insert."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    connection.exec_driver_sql(statement, [tuple(row) for row in rows])
