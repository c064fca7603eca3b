"""Schema migrations with Alembic, configured in code so they run from any directory.

`upgrade` brings a database to the newest revision in `corpus/migrations/versions/`. A corpus
made before migrations existed (tables from `create_all`, no `alembic_version`) is adopted
first: it is stamped with the newest revision whose tables and columns it already has, then
upgraded from there, so its rows stay where they are.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from corpus.errors import ConfigError
from corpus.models import Base

MIGRATIONS = "corpus:migrations"
VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
# Any constant works; two processes migrating one PostgreSQL database take turns on it.
PG_MIGRATION_LOCK = 7_310_245
SQLITE_RETRY_DELAY_S = 0.5

Schema = dict[str, frozenset[str]]


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


@cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    if head is None:
        raise ConfigError("corpus/migrations/versions holds no revisions; reinstall debtcorpus")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision_of(connection)


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Migrate to `target`; returns the revision before and after."""
    try:
        return _upgrade_once(engine, target)
    except DBAPIError:
        if engine.dialect.name != "sqlite":
            raise
        # Another process created the same SQLite schema at the same moment; look again.
        time.sleep(SQLITE_RETRY_DELAY_S)
        return _upgrade_once(engine, target)


def _upgrade_once(engine: Engine, target: str) -> tuple[str | None, str | None]:
    with engine.begin() as connection:
        _lock_for_migration(connection)
        before = adopt_unversioned(connection)
        wanted = head_revision() if target == "head" else target
        if before != wanted:
            command.upgrade(alembic_config(connection), target)
        after = _revision_of(connection)
    return before, after


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})


def adopt_unversioned(connection: Connection) -> str | None:
    """Stamp a pre-migration corpus with the revision it matches; returns its revision."""
    revision = _revision_of(connection)
    if revision is not None:
        return revision
    existing = table_columns(connection)
    if not set(existing) & set(Base.metadata.tables):
        return None
    matched = matching_revision(existing)
    if matched is None:
        raise ConfigError(
            f"the database has tables {sorted(existing)} but matches no debtcorpus schema "
            "revision; point --db at a debtcorpus corpus or an empty database"
        )
    command.stamp(alembic_config(connection), matched)
    return matched


def matching_revision(existing: Schema) -> str | None:
    """The newest revision whose every model table and column the database already has
    (tables no model declares, such as the search index, are not a model's to create)."""
    for script in script_directory().walk_revisions():
        wanted = {
            table: columns
            for table, columns in schema_at(script.revision).items()
            if table in Base.metadata.tables
        }
        if all(columns <= existing.get(table, frozenset()) for table, columns in wanted.items()):
            return script.revision
    return None


@cache
def schema_at(revision: str) -> Schema:
    """Tables and columns a database has at `revision` (built once in an in-memory SQLite)."""
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
        schema = table_columns(connection)
    engine.dispose()
    return schema


def table_columns(connection: Connection) -> Schema:
    inspector = inspect(connection)
    return {
        table: frozenset(column["name"] for column in inspector.get_columns(table))
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


def missing_from_database(connection: Connection) -> list[str]:
    """Model tables and columns the database lacks: models changed without a migration."""
    existing = table_columns(connection)
    missing: list[str] = []
    for name, table in Base.metadata.tables.items():
        if name not in existing:
            missing.append(f"table {name}")
            continue
        missing += [
            f"column {name}.{c.name}" for c in table.columns if c.name not in existing[name]
        ]
    return missing


def check_models_migrated(engine: Engine) -> None:
    with engine.connect() as connection:
        missing = missing_from_database(connection)
    if missing:
        raise ConfigError(
            f"corpus/models.py has {', '.join(missing)}, which no migration creates; add one "
            "with `debtcorpus db revision -m 'what changed'` (see docs/distributed.md)"
        )


def model_differences(connection: Connection) -> list[Any]:
    """Alembic's autogenerate diff between the database and corpus/models.py ([] = agree)."""
    from corpus.search.backend import alembic_include_name

    opts = {"compare_type": True, "include_name": alembic_include_name}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


def next_revision_id() -> str:
    numbers = [int(m.group(1)) for p in VERSIONS_DIR.glob("*.py") if (m := _REV.match(p.name))]
    return f"{max(numbers, default=0) + 1:04d}"


_REV = re.compile(r"^(\d{4})_")


def new_revision(message: str) -> Path:
    """Autogenerate a revision from the models' difference to head (for developers)."""
    with _scratch_database() as engine, engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        if not model_differences(connection):
            raise ConfigError("corpus/models.py and the migrations agree; nothing to add")
        rev_id = next_revision_id()
        command.revision(
            alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id
        )
    script_directory.cache_clear()
    return next(VERSIONS_DIR.glob(f"{rev_id}_*.py"))


@contextmanager
def _scratch_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/scratch.db")
        try:
            yield engine
        finally:
            engine.dispose()
