"""Dedup: containment edges, representative evidence, band keys as one row per article with an
indexed BIGINT column per band.

The old band keys (hex strings with a surrogate id) are dropped: they are recomputed from the
texts by `debtcorpus dedup --rebuild`, which the new fingerprint parameters need anyway.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
BANDS = 64


def upgrade() -> None:
    op.drop_table("lsh_band_keys")
    op.create_table(
        "lsh_band_keys",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(f"b{band:02d}", sa.BigInteger(), nullable=True) for band in range(BANDS)),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("article_id"),
    )
    for band in range(BANDS):
        op.create_index(f"ix_lsh_band_keys_b{band:02d}", "lsh_band_keys", [f"b{band:02d}"])
    op.create_table(
        "containment_edges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("container_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["container_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["source_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "container_id"),
    )
    op.create_index("ix_containment_edges_source_id", "containment_edges", ["source_id"])
    op.create_index("ix_containment_edges_container_id", "containment_edges", ["container_id"])
    with op.batch_alter_table("duplicate_clusters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
    op.execute("DELETE FROM article_fingerprints")


def downgrade() -> None:
    with op.batch_alter_table("duplicate_clusters", schema=None) as batch_op:
        batch_op.drop_column("evidence")
    op.drop_table("containment_edges")
    op.drop_table("lsh_band_keys")
    op.create_table(
        "lsh_band_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_lsh_band_keys_article_id", "lsh_band_keys", ["article_id"])
    op.create_index("ix_lsh_band_keys_key", "lsh_band_keys", ["key", "band"])
