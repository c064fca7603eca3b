"""A skipped URL has a row per run, profile and URL, not per run and URL: two profiles of one
host that both meet a URL (one leaves it out by its `follow` rules, the other finds robots.txt
forbids it) each record their own reason. With one row per run and URL, which profile's
reason was kept depended on which reached the URL first.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("skipped_urls", schema=None) as batch_op:
        batch_op.drop_constraint("uq_skipped_run_url", type_="unique")
        batch_op.create_unique_constraint(
            "uq_skipped_run_site_url", ["crawl_run_id", "site", "url"]
        )


def downgrade() -> None:
    # one row per run and URL again: the first recorded is kept
    op.execute(
        "DELETE FROM skipped_urls WHERE id NOT IN "
        "(SELECT min(id) FROM skipped_urls GROUP BY crawl_run_id, url)"
    )
    with op.batch_alter_table("skipped_urls", schema=None) as batch_op:
        batch_op.drop_constraint("uq_skipped_run_site_url", type_="unique")
        batch_op.create_unique_constraint("uq_skipped_run_url", ["crawl_run_id", "url"])
