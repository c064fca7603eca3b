"""Articles: their script (zh-Hans | zh-Hant | other), text length and raw byline.

The script and length of existing articles are computed from their stored text here; the
byline needs the page again, so it stays null until `debtcorpus reprocess`.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
BATCH = 500


def upgrade() -> None:
    # Plain ADD COLUMN: a batch (copy and rename) would trip over the search index's views.
    op.add_column(
        "articles", sa.Column("text_length", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("articles", sa.Column("script", sa.String(length=10), nullable=True))
    op.add_column("articles", sa.Column("byline", sa.Text(), nullable=True))
    op.execute("UPDATE articles SET text_length = length(text)")
    _backfill_script(op.get_bind())
    if op.get_bind().dialect.name != "sqlite":
        # SQLite cannot drop a column default in place; the models never rely on it
        op.alter_column("articles", "text_length", server_default=None)


def _backfill_script(connection: sa.Connection) -> None:
    from cleaning.script import text_script

    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    update = sa.text("UPDATE articles SET script = :script WHERE id = :id")
    last = 0
    while True:
        query = sa.select(articles.c.id, articles.c.text).where(articles.c.id > last)
        rows = connection.execute(query.order_by(articles.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(update, [{"id": i, "script": text_script(t or "")} for i, t in rows])
        last = rows[-1][0]


def downgrade() -> None:
    for column in ("byline", "script", "text_length"):
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")
