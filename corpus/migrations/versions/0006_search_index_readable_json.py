"""Search: the Chinese full-text index over articles and comments (FTS5 on SQLite, tsvector +
GIN on PostgreSQL), built from the rows already there; JSON columns rewritten readable (no
\\uXXXX escapes); views for browse (SQLite): `page_previews`, `claims_in_context`.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from corpus.store import dumps_readable

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 1000
PAGE_PREVIEWS = """CREATE VIEW IF NOT EXISTS page_previews AS
SELECT id, url, final_url, site, status, outcome, reason, change, article_id, fetched_at,
       content_type, encoding, body_size, headers, page_preview(body, content_type) AS text_preview
FROM pages"""
CLAIMS_IN_CONTEXT = """CREATE VIEW IF NOT EXISTS claims_in_context AS
SELECT c.id, c.article_id, a.title, a.site, substr(a.published_at, 1, 7) AS month, c.type,
       c.subtype, c.lender, c.modality, c.polarity, c.days_overdue, c.amount, c.cited_law,
       c.sentence
FROM claims c JOIN articles a ON a.id = c.article_id"""


def _json_columns(connection: sa.Connection) -> list[tuple[str, str, str]]:
    """(table, primary key, column) of every JSON column the database has."""
    inspector = sa.inspect(connection)
    found = []
    for table in inspector.get_table_names():
        keys = inspector.get_pk_constraint(table)["constrained_columns"]
        for column in inspector.get_columns(table):
            if isinstance(column["type"], sa.JSON) and len(keys) == 1:
                found.append((table, keys[0], column["name"]))
    return found


def _rewrite_escaped(connection: sa.Connection, table: str, key: str, column: str) -> None:
    escaped = (
        f"strpos(CAST({column} AS text), '\\u') > 0"
        if connection.dialect.name == "postgresql"
        else f"instr({column}, '\\u') > 0"
    )
    last = None
    while True:
        after = "" if last is None else f" AND {key} > :last"
        rows = connection.execute(
            sa.text(
                f"SELECT {key}, CAST({column} AS text) FROM {table} WHERE {escaped}{after} "
                f"ORDER BY {key} LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        updates = [{"k": k, "v": dumps_readable(json.loads(v))} for k, v in rows]
        connection.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"), updates)
        last = rows[-1][0]


def upgrade() -> None:
    # imported here: Alembic loads every migration to find the head, in every process that
    # opens the store, and the index (with NumPy) is needed only by this upgrade
    from corpus.search.index import build

    connection = op.get_bind()
    for table, key, column in _json_columns(connection):
        _rewrite_escaped(connection, table, key, column)
    build(connection)
    if connection.dialect.name == "sqlite":
        # PostgreSQL has no zlib in SQL, and `browse` (Datasette) reads SQLite only.
        op.execute(PAGE_PREVIEWS)
        op.execute(CLAIMS_IN_CONTEXT)


def downgrade() -> None:
    from corpus.search.backend import backend_for

    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        op.execute("DROP VIEW IF EXISTS page_previews")
        op.execute("DROP VIEW IF EXISTS claims_in_context")
    backend_for(connection).drop(connection)
