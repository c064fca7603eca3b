"""Search (SQLite): posting arrays of the frequent tokens, so that common word pairs are ranked
in NumPy with FTS5's exact bm25 (corpus.search.ranking), and article triggers that log which
articles changed since the arrays were built. PostgreSQL: nothing changes.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from corpus.search import sqlite

    connection = op.get_bind()
    if connection.dialect.name == "sqlite" and sqlite.exists(connection):
        sqlite.refresh_arrays(connection)


def downgrade() -> None:
    """Nothing to undo: the arrays and the log the triggers write are unknown to, and harmless
    to, the code of 0011 (which never reads them)."""
