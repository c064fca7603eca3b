"""The only module that opens database connections and sessions."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from corpus.errors import ConfigError

DB_ENV_VAR = "DEBTCORPUS_DB"
DEFAULT_DB = "./corpus.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def resolve_db_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from `--db`, `DEBTCORPUS_DB` or the default; a plain path means SQLite."""
    value = db or os.environ.get(DB_ENV_VAR) or DEFAULT_DB
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    try:
        make_url(value)
    except ArgumentError as exc:
        raise ConfigError(
            f"--db {value!r} is not a database URL or a file path; "
            "use e.g. sqlite:///corpus.db, postgresql+psycopg://user@host/db or corpus.db"
        ) from exc
    return value


def dumps_readable(value: Any) -> str:
    """JSON columns as readable UTF-8 (Chinese as itself, not \\uXXXX escapes)."""
    return json.dumps(value, ensure_ascii=False)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _register_sql_functions(dbapi_connection: Any, _record: Any) -> None:
    """The search index's triggers call these; SQL users get search and page previews."""
    from corpus.search.sqlfunctions import register  # corpus.search imports this module

    register(dbapi_connection)


def make_engine(db: str | None = None) -> Engine:
    url = resolve_db_url(db)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).parent.exists():
            raise ConfigError(
                f"the folder for the database {path!r} does not exist; create it first"
            )
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            json_serializer=dumps_readable,
        )
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "connect", _register_sql_functions)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, json_serializer=dumps_readable)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"cannot open {url!r}: {exc}; supported are sqlite:///PATH and "
            "postgresql+psycopg://USER@HOST/DB"
        ) from exc


class Store:
    """An engine plus a session factory; build one per process."""

    def __init__(self, db: str | None = None) -> None:
        self.url = resolve_db_url(db)
        self.engine = make_engine(db)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Migrate to the newest schema (Alembic, corpus/migrations); see corpus.migrate."""
        from corpus.migrate import check_models_migrated, upgrade  # alembic loads slowly

        upgrade(self.engine)
        check_models_migrated(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back whole on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(db: str | None = None) -> Store:
    """Open the corpus and make sure its schema exists."""
    store = Store(db)
    store.create_schema()
    return store
