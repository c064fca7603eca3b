"""Search (SQLite): the articles' FTS5 index without positions (`detail=none`: which rows hold
each bigram, 0.9 KB per page instead of 5.6). Phrases and column filters are confirmed on the
article text (corpus.search.verified); the ranking is the same bm25. The comments' index and
the posting arrays are rebuilt with it. PostgreSQL: nothing changes.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _rebuild(detail: str) -> None:
    from corpus.search import sqlite

    connection = op.get_bind()
    if connection.dialect.name == "sqlite" and sqlite.exists(connection):
        sqlite.drop(connection)
        sqlite.create(connection, detail=detail)
        sqlite.rebuild(connection)


def upgrade() -> None:
    _rebuild("none")


def downgrade() -> None:
    """The index with positions again, as 0014's code queries it (phrases, column filters)."""
    _rebuild("full")
