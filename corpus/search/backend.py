"""Which back end serves a connection: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from corpus.errors import ConfigError
from corpus.search import postgres, sqlite

SEARCH_TABLE_PREFIX = "search_"


def backend_for(bind: Connection | Session) -> ModuleType:
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgresql":
        return postgres
    raise ConfigError(f"search supports SQLite and PostgreSQL, not {dialect}")


def is_search_table(name: str | None) -> bool:
    """Tables the search index owns (FTS5 and its shadow tables, or the PostgreSQL tables):
    not models, so schema comparisons leave them out."""
    return bool(name) and str(name).startswith(SEARCH_TABLE_PREFIX)


def alembic_include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic's include_name filter: autogenerate comparisons leave the index's tables out."""
    return not (type_ == "table" and is_search_table(name))
