"""Dedup: the verified candidate pairs, stored, so a run after new articles verifies only the
new articles' candidates and rebuilds clusters from the stored pairs; each fingerprint says
whether its article's pairs are stored (`paired`).

Stored fingerprints are dropped: the pairs of the articles they cover were never stored, and a
run fingerprints (and pairs) every article without one.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("jaccard", sa.Float(), nullable=False),
        sa.Column("first_in_second", sa.Float(), nullable=False),
        sa.Column("second_in_first", sa.Float(), nullable=False),
        sa.Column("first_size", sa.Integer(), nullable=False),
        sa.Column("second_size", sa.Integer(), nullable=False),
        sa.Column("first_covered", sa.Float(), nullable=False),
        sa.Column("second_covered", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["first_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["second_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("first_id", "second_id"),
    )
    op.create_index("ix_duplicate_pairs_second_id", "duplicate_pairs", ["second_id"])
    with op.batch_alter_table("article_fingerprints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paired", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_article_fingerprints_paired", ["paired"])
    op.execute("DELETE FROM lsh_band_keys")
    op.execute("DELETE FROM article_fingerprints")


def downgrade() -> None:
    with op.batch_alter_table("article_fingerprints", schema=None) as batch_op:
        batch_op.drop_index("ix_article_fingerprints_paired")
        batch_op.drop_column("paired")
    op.drop_index("ix_duplicate_pairs_second_id", table_name="duplicate_pairs")
    op.drop_table("duplicate_pairs")
