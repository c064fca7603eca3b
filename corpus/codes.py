"""Codes of repeated values: a claim's type, subtype, modality, polarity, lender, lender as
written, trigger and checks, and a page's request, are stored as a small integer, the id of
the value's row in `value_codes` (id, sha256, value), since migration 0016 (docs/storage.md).

A value's code is its `value_codes` row, whatever the field: no list of codes to keep in step
with the cleaner's vocabulary (a new subtype or trigger gets a row the first time it is
written). Readers see the values: each coded column has a derived field of the value's name
(corpus/derived.py `decoded`), and the view `claims_view` decodes them for raw SQL.

Writers (`encode_rows`, in the bulk write paths and before an ORM insert) turn the rows'
values into codes: `INSERT ... ON CONFLICT (sha256) DO NOTHING` then a SELECT, so writers in
several processes (cleaners, PostgreSQL workers) that meet a new value at once end with one
row and one code. Each process keeps the codes it has seen committed (per engine), so a
value costs a query only the first time; a code drawn in a transaction joins that cache only
when the transaction commits (a rollback takes the row back, and its code with it).
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Pool, Table, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import PendingRollbackError

from corpus.fields import Coding, declared_columns

VALUE_CODES = "value_codes"
_PENDING = "value_codes_pending"
# engine -> value text -> code, for codes committed (see the module docstring)
_COMMITTED: weakref.WeakKeyDictionary[Engine, dict[str, int]] = weakref.WeakKeyDictionary()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_text(coding: Coding, value: Any) -> str | None:
    """The text a value is coded as (JSON for a JSON field); None when stored as NULL."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False) if coding.json else str(value)
    return None if text == coding.empty else text


@cache
def coded_columns(table: Table) -> tuple[tuple[str, str, Coding], ...]:
    """(value key, code column key, coding) of each coded column of a table."""
    return tuple(
        (info.coding.value, column.key, info.coding)
        for column, info in declared_columns(table)
        if info.coding is not None
    )


def encode_rows(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows with each coded field's value replaced by its code, in place (the write
    paths hand over rows of their own: a retried transaction builds them again)."""
    columns = coded_columns(table)
    if not columns or not rows:
        return list(rows)
    coded: list[tuple[str, list[Any]]] = []
    for value, code, coding in columns:
        if value not in rows[0]:
            continue
        if coding.json:  # the empty value ([] checks) compared before any serialising
            blank = None if coding.empty is None else json.loads(coding.empty)
            texts = [
                None if (v := row.pop(value)) is None or v == blank else stored_text(coding, v)
                for row in rows
            ]
        else:
            empty = coding.empty
            texts = [None if (v := row.pop(value)) == empty else v for row in rows]
        coded.append((code, texts))
    codes = codes_for(connection, {t for _, texts in coded for t in texts if t is not None})
    for code, texts in coded:
        for row, text in zip(rows, texts, strict=True):
            row[code] = None if text is None else codes[text]
    return list(rows)


def codes_for(connection: Connection, texts: Iterable[str]) -> dict[str, int]:
    """The code of each text, its `value_codes` row created when new."""
    committed = _COMMITTED.setdefault(connection.engine, {})
    pending: dict[str, int] = connection.info.setdefault(_PENDING, {})
    wanted = set(texts)
    missing = sorted(text for text in wanted if text not in committed and text not in pending)
    if missing:
        pending.update(_draw(connection, missing))
    return {text: committed[text] if text in committed else pending[text] for text in wanted}


def _draw(connection: Connection, texts: list[str]) -> dict[str, int]:
    table = value_codes_table(connection)
    digests = {sha256(text): text for text in texts}
    inserts: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
    statement: Any = inserts[connection.dialect.name](table)
    statement = statement.on_conflict_do_nothing(index_elements=["sha256"])
    connection.execute(statement, [{"sha256": key, "value": text} for key, text in digests.items()])
    query = select(table.c.sha256, table.c.id).where(table.c.sha256.in_(list(digests)))
    return {digests[key]: code for key, code in connection.execute(query)}


def value_codes_table(connection: Connection) -> Table:
    from corpus.models import Base

    return Base.metadata.tables[VALUE_CODES]


def forget() -> None:
    """Drop every cached code (a migration that rebuilt `value_codes` calls it)."""
    _COMMITTED.clear()


@event.listens_for(Engine, "commit")
def _promote(connection: Connection) -> None:
    pending = connection.info.pop(_PENDING, None) if connection.info else None
    if pending:
        _COMMITTED.setdefault(connection.engine, {}).update(pending)


@event.listens_for(Engine, "rollback")
def _drop(connection: Connection) -> None:
    _forget_pending(connection)


@event.listens_for(Engine, "rollback_savepoint")
def _drop_savepoint(connection: Connection, name: Any, context: Any) -> None:
    _forget_pending(connection)


def _forget_pending(connection: Connection) -> None:
    try:
        info = connection.info
    except PendingRollbackError:
        # A statement was interrupted (Ctrl-C): the connection cannot commit any more, and the
        # pool's reset (below) drops its pending codes; raising here would hide the interrupt.
        return
    info.pop(_PENDING, None)


@event.listens_for(Pool, "reset")
def _drop_on_reset(dbapi_connection: Any, record: Any, reset_state: Any = None) -> None:
    record.info.pop(_PENDING, None)


def encode_instance(mapper: Any, connection: Connection, target: Any) -> None:
    """Before an ORM insert: the values set on a Page or Claim (`Claim(type=...)`) coded."""
    table = mapper.local_table
    state = target.__dict__
    row = {value: state[value] for value, _, _ in coded_columns(table) if value in state}
    for code, item in encode_rows(connection, table, [row])[0].items():
        setattr(target, code, item)
