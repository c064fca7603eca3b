"""Bulk writes for dedup: Core tables of the models, plain-tuple executemany, COPY on
PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session


def table_of(model: type[Any]) -> Table:
    """The Core table of a model (Core inserts skip the ORM's per-row bookkeeping)."""
    table: Table = model.__table__
    return table


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Many rows of plain values at once, in the session's transaction: `COPY ... FROM STDIN`
    on PostgreSQL (psycopg), one DBAPI executemany of tuples elsewhere. For the band keys (65
    values an article) the ORM's and Core's per-row parameter dictionaries cost more than the
    database's own insert."""
    if not rows:
        return
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column) for column in columns)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        raw: Any = connection.connection.driver_connection
        sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    )
    connection.exec_driver_sql(statement, [tuple(row) for row in rows])


def fetch_rows(connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
    """The rows of a plain SQL query as DBAPI tuples, in the connection's transaction:
    SQLAlchemy's Row objects cost more than the query for the hundred thousands of
    (key, id) rows of the band passes. `sql` uses `?` (SQLite) or `%s` (psycopg) marks."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(parameters))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def fetch_ints(
    connection: Connection, sql: str, width: int, block: int = 20_000
) -> NDArray[np.int64]:
    """The integer rows of a plain SQL query as an (n, width) array, fetched a block at a time
    (no list of row tuples for the whole result)."""
    cursor = connection.connection.cursor()
    parts = [np.empty((0, width), dtype=np.int64)]
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(block):
            flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width)
            parts.append(flat.reshape(-1, width))
    finally:
        cursor.close()
    return np.concatenate(parts)
