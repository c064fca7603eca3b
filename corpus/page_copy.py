"""PostgreSQL's bulk writes for corpus.page_writes: COPY ... FROM STDIN, and ids drawn ahead.

A batch's many small rows (a page's claims, about 50 of them; its comments) cost the server
a statement each through an executemany, however pipelined; COPY streams them into the table
as one statement. The rows are the ones an INSERT would have written: each value goes
through its column's SQLAlchemy bind processor (JSON serialised as the store's engine does),
a column left out of a row takes its Python-side default as SQLAlchemy would give it, and
an id left out takes the table's sequence in row order. COPY is one statement of the
caller's transaction: the batch is committed (and acknowledged) with everything else, or
not at all.

Text COPY: the server parses each value as it parses an INSERT's, so a value the driver
would have sent with another type is converted the same way (a naive `posted_at` into a
timestamptz column takes the session's time zone, as the INSERT's cast does). Binary COPY
was no faster in the bench (BENCHMARKS.md) and would need the session's time-zone rules on
this side. Nothing is prepared on the server: the store's `prepare_threshold=None`
(PgBouncer in transaction mode) holds here, and COPY passes through PgBouncer in
transaction mode like any statement of the transaction.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.exc import DBAPIError

from corpus.fields import column_default


def next_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` values of the table's id sequence, in the order an INSERT of `count` rows
    would have taken them (one round trip)."""
    if count <= 0:
        return []
    sql = (
        "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) "
        "FROM generate_series(1, %(count)s) ORDER BY 1"
    )
    with _driver_cursor(connection, sql) as cursor:
        cursor.execute(sql, {"table": table.name, "count": count})
        return [row[0] for row in cursor.fetchall()]


def copy_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Write the rows, in order, into the table with one COPY (one per run of rows with
    the same keys)."""
    start = 0
    for end in range(1, len(rows) + 1):
        if end == len(rows) or rows[end].keys() != rows[start].keys():
            _copy(connection, table, tuple(rows[start]), list(rows[start:end]))
            start = end


def _copy(
    connection: Connection, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    defaults = [c for c in table.columns if c.key not in keys and _has_default(c)]
    columns = [table.c[key] for key in keys] + defaults
    names = ", ".join(f'"{column.name}"' for column in columns)
    statement = f"COPY {table.name} ({names}) FROM STDIN"
    values = _bound_values(connection, columns, keys, rows)
    with _driver_cursor(connection, statement) as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


def _bound_values(
    connection: Connection,
    columns: list[Column[Any]],
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
) -> list[list[Any]]:
    """Each row's values as COPY takes them: the keys' values, then the defaults of the
    columns left out, each through its column's bind processor (where it has one)."""
    processors = [_processor(connection, column) for column in columns]
    read = operator.itemgetter(*keys)
    one = len(keys) == 1
    values = [[read(row)] if one else list(read(row)) for row in rows]
    for row_values in values if len(columns) > len(keys) else ():  # a default each (fresh)
        row_values += [column_default(column) for column in columns[len(keys) :]]
    for index, process in enumerate(processors):
        if process is not None:
            for row_values in values:
                row_values[index] = process(row_values[index])
    return values


@contextmanager
def _driver_cursor(connection: Connection, statement: str) -> Iterator[Any]:
    """A cursor of the connection's driver (in its transaction) whose errors are raised as
    SQLAlchemy raises a statement's: IntegrityError, OperationalError (a lost server: the
    connection invalidated, so the pool does not hand it out again), ..., so that the
    callers' retries (corpus.ingest, corpus.pool_writes) treat COPY like any statement."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        yield cursor
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, dbapi_connection, cursor)
        error = DBAPIError.instance(
            statement, None, exc, dialect.loaded_dbapi.Error, True, lost, dialect
        )
        if lost:
            connection.invalidate(exc)
        raise error from exc
    finally:
        cursor.close()


def _has_default(column: Column[Any]) -> bool:
    default = column.default
    return default is not None and hasattr(default, "arg") and not column.primary_key


def _processor(connection: Connection, column: Column[Any]) -> Callable[[Any], Any] | None:
    dialect = connection.dialect
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect
    )
    return processor
