"""Alembic environment: configured in code by corpus.migrate, which hands over a connection.

Batch mode is on so that column changes also work on SQLite (copy-and-move of the table).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from corpus.models import Base
from corpus.search.backend import alembic_include_name


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=alembic_include_name,
    )


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("corpus.migrate passes a connection or sqlalchemy.url")
    with create_engine(url).connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; use `debtcorpus db`")
run_migrations()
