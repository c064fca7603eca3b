"""The only module that opens database connections and sessions."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
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
        return create_engine(url, json_serializer=dumps_readable, **pool_settings())
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"cannot open {url!r}: {exc}; supported are sqlite:///PATH and "
            "postgresql+psycopg://USER@HOST/DB"
        ) from exc


def pool_settings() -> dict[str, Any]:
    """How one process keeps its PostgreSQL connections (docs/storage.md, "Connections").

    A pool of DEBTCORPUS_PG_POOL_SIZE connections (default 2) kept open, up to
    DEBTCORPUS_PG_MAX_OVERFLOW more (default 2) opened at a peak and closed after; each
    checked with a ping before use (a server restart costs no failed write) and replaced
    after DEBTCORPUS_PG_POOL_RECYCLE seconds (default 1800). A crawl's Scrapy process opens
    none (its store calls run in the cleaner workers: corpus.store_calls), each cleaner
    worker 1 (it stores its own batches), the parent 2. psycopg prepares no
    statement on the server (DEBTCORPUS_PG_PREPARE_THRESHOLD, default none): PgBouncer in
    transaction mode, which may give each transaction another server connection, works in
    front of it."""
    threshold = os.environ.get("DEBTCORPUS_PG_PREPARE_THRESHOLD", "")
    return {
        "pool_size": int(os.environ.get("DEBTCORPUS_PG_POOL_SIZE", "2")),
        "max_overflow": int(os.environ.get("DEBTCORPUS_PG_MAX_OVERFLOW", "2")),
        "pool_recycle": int(os.environ.get("DEBTCORPUS_PG_POOL_RECYCLE", "1800")),
        "pool_pre_ping": True,
        "connect_args": {"prepare_threshold": int(threshold) if threshold else None},
    }


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


def ensure_schema(store: Store) -> None:
    """Migrate a store's corpus to the newest schema (run in a crawl's store process)."""
    store.create_schema()


def open_store(db: str | None = None) -> Store:
    """Open the corpus and make sure its schema exists."""
    store = Store(db)
    store.create_schema()
    return store


CREATE_HINT = "`debtcorpus crawl ...` or `debtcorpus db upgrade --db {db}`"


def open_corpus(db: str | None = None) -> Store:
    """Open an existing corpus for a command that reads one (every command but `crawl`,
    `ingest-warc`, `db upgrade` and `sample-site`): a mistyped --db is refused in one line
    instead of becoming a new, empty corpus. An older schema is migrated."""
    store = existing_corpus(db)
    store.create_schema()
    return store


def existing_corpus(db: str | None = None) -> Store:
    """A Store on the corpus at `db`, as it is (not migrated); ConfigError when there is none.
    Nothing is written while looking: a file that is no corpus is left as it was."""
    url = resolve_db_url(db)
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    shown = parsed.database if sqlite else _shown(url)
    hint = "create one with " + CREATE_HINT.format(db=db or shown)
    try:
        tables = _sqlite_tables(url, hint) if sqlite else _server_tables(url)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        reason = _reason(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
        if not sqlite and server_unreachable(exc):
            raise ConfigError(unreachable_message(url, exc)) from exc
        if "does not exist" in reason:
            reason = reason.removesuffix(" (is the database server running?)")
            hint = f"createdb {parsed.database}, then " + CREATE_HINT.format(db=db or shown)
        if "not a database" in reason:
            hint = "give the path of a corpus, or a new file for a new one"
        raise ConfigError(f"cannot open the corpus at {shown}: {reason}; {hint}") from exc
    if not tables & CORPUS_TABLES:
        raise ConfigError(f"{shown} holds no debtcorpus corpus; {hint}")
    return Store(db)


def _sqlite_tables(url: str, hint: str) -> set[str]:
    """The tables of a SQLite corpus file, read without writing (no WAL switch, no file)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        raise ConfigError("an in-memory database holds no corpus; give its file with --db")
    path = Path(database)
    if not path.is_file():
        raise ConfigError(f"there is no corpus at {database}; {hint}")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}
    finally:
        connection.close()


def _server_tables(url: str) -> set[str]:
    engine = make_engine(url)  # an unsupported driver is refused there, in one line
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


# A database with one of these is a corpus (crawl_runs is in every revision).
CORPUS_TABLES = frozenset({"alembic_version", "crawl_runs"})


def open_store_for_crawl(db: str | None = None) -> Store:
    """Open a corpus a crawl can write to, or say in one line why this one cannot: checked
    before the crawl starts, so that no page is fetched into nothing."""
    url = resolve_db_url(db)
    _refuse_in_memory(url)
    try:
        store = open_store(db)
        with store.session() as session:
            # takes the write lock: fails on a read-only file, folder or server
            session.execute(text("UPDATE crawl_runs SET id = id WHERE 1 = 0"))
    except SQLAlchemyError as exc:
        if not url.startswith("sqlite") and server_unreachable(exc):
            raise ConfigError(unreachable_message(url, exc)) from exc
        raise ConfigError(f"cannot write to the corpus at {_shown(url)}: {_reason(exc)}") from exc
    return store


def _refuse_in_memory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        raise ConfigError(
            f"--db {url!r} is an in-memory database, gone when the crawl ends; "
            "give a file path such as corpus.db"
        )


def server_unreachable(exc: BaseException) -> bool:
    """A connection to a database server that never reached it (refused, no such host, timed
    out), as opposed to a server that answered no (no such database or role, a bad password):
    libpq prefixes every answer of the server with its severity."""
    message = str(getattr(exc, "orig", None) or exc)
    answered = any(level in message for level in ("FATAL:", "ERROR:"))
    connecting = "connection" in message.lower() or "could not" in message.lower()
    return isinstance(exc, OperationalError) and connecting and not answered


def unreachable_message(url: str, exc: BaseException) -> str:
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    cause = detail.rpartition("failed: ")[2] or detail
    return (
        f"the database server at {where} is unreachable ({cause}); "
        f"start it, or fix the host and port in --db {_shown(url)}"
    )


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _reason(exc: SQLAlchemyError) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = message[0] if message else type(exc).__name__
    if "readonly" in first or "read-only" in first or "unable to open" in first:
        return f"{first} (is the file or its folder read-only? choose another --db)"
    if "connect" in first.lower() or "refused" in first.lower():
        return f"{first} (is the database server running?)"
    return first
