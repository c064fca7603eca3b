"""Crawl scope: skipped_urls (found, not fetched, with the reason), not-fetched counts and the
process holding a run, the redirect hops of each page.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skipped_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["crawl_run_id"], ["crawl_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("crawl_run_id", "url", name="uq_skipped_run_url"),
    )
    with op.batch_alter_table("skipped_urls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skipped_urls_crawl_run_id"), ["crawl_run_id"], unique=False
        )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redirects", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_fetched", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(sa.Column("holder_pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holder_host", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("holder_host")
        batch_op.drop_column("holder_pid")
        batch_op.drop_column("not_fetched")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("redirects")
    with op.batch_alter_table("skipped_urls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skipped_urls_crawl_run_id"))
    op.drop_table("skipped_urls")
