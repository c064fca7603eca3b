"""Dedup: the articles still to pair are a queue table (`dedup_unpaired`), not a `paired` flag
on each fingerprint. Setting the flag updated every fingerprint row once, which on PostgreSQL
left a dead row version per article until VACUUM; a queue row is inserted with the fingerprint
and deleted when the article's pairs are stored.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedup_unpaired",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.execute(
        "INSERT INTO dedup_unpaired (article_id) "
        "SELECT article_id FROM article_fingerprints WHERE NOT paired"
    )
    with op.batch_alter_table("article_fingerprints", schema=None) as batch_op:
        batch_op.drop_index("ix_article_fingerprints_paired")
        batch_op.drop_column("paired")


def downgrade() -> None:
    with op.batch_alter_table("article_fingerprints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paired", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.create_index("ix_article_fingerprints_paired", ["paired"])
    op.execute(
        "UPDATE article_fingerprints SET paired = false "
        "WHERE article_id IN (SELECT article_id FROM dedup_unpaired)"
    )
    op.drop_table("dedup_unpaired")
