"""A compact store: claims keep offsets into their article's text and no sentence, and their
rule version once per article (`articles.claim_rule_version`); raw bodies record their codec
(zstd from now on, with a dictionary trained per site: `body_dictionaries`).

Claims: a claim whose sentence is `text[start:end]` of its article (every claim ingest
wrote) only loses the copy. One whose sentence is elsewhere in the text gets the offsets of the
occurrence nearest its old start. One whose sentence is not in the text at all (a text changed
without its claims, which ingest never does) is moved, whole, to `unplaced_claims`.
Rule versions: an article whose claims name another rule version than its
`claim_rule_version` (ingest writes them alike) takes its claims' (the newest, if they differ).
Bodies: the stored ones stay zlib (`body_codec` = zlib) and readable, as they are: bodies
written from now on are zstd, and `debtcorpus db compact` recompresses the old ones with their
site's dictionary (optional; 18.5 s for 3,150 pages) and VACUUMs, which SQLite needs to give
the freed space back to the file.
SQLite views `claims_in_context` and `page_previews` derive the sentence and read the codec.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 1000
SENTENCE = 'substr(a.text, c.start + 1, c."end" - c.start)'
PAGE_PREVIEWS = """CREATE VIEW page_previews AS
SELECT id, url, final_url, site, status, outcome, reason, change, article_id, fetched_at,
       content_type, encoding, body_size, headers,
       page_preview(body, content_type, body_codec,
                    (SELECT d.data FROM body_dictionaries d WHERE d.id = body_dictionary_id))
         AS text_preview
FROM pages"""
CLAIMS_IN_CONTEXT = f"""CREATE VIEW claims_in_context AS
SELECT c.id, c.article_id, a.title, a.site, substr(a.published_at, 1, 7) AS month, c.type,
       c.subtype, c.lender, c.modality, c.polarity, c.days_overdue, c.amount, c.cited_law,
       {SENTENCE} AS sentence
FROM claims c JOIN articles a ON a.id = c.article_id"""
OLD_PAGE_PREVIEWS = """CREATE VIEW page_previews AS
SELECT id, url, final_url, site, status, outcome, reason, change, article_id, fetched_at,
       content_type, encoding, body_size, headers, page_preview(body, content_type) AS text_preview
FROM pages"""
OLD_CLAIMS_IN_CONTEXT = """CREATE VIEW claims_in_context AS
SELECT c.id, c.article_id, a.title, a.site, substr(a.published_at, 1, 7) AS month, c.type,
       c.subtype, c.lender, c.modality, c.polarity, c.days_overdue, c.amount, c.cited_law,
       c.sentence
FROM claims c JOIN articles a ON a.id = c.article_id"""
CLAIM_COLUMNS = (
    *("type", "subtype", "lender_raw", "lender", "modality", "polarity", "days_overdue"),
    *("amount", "severe", "conditions", "cited_law", "trigger", "start", "end"),
    *("rule_version", "checks"),
)


def _drop_views() -> None:
    op.execute("DROP VIEW IF EXISTS claims_in_context")
    op.execute("DROP VIEW IF EXISTS page_previews")


def nearest(text: str, sentence: str, start: int) -> int | None:
    """The offset of the occurrence of `sentence` in `text` nearest `start`, None if none."""
    found, position = None, text.find(sentence)
    while position >= 0:
        if found is None or abs(position - start) < abs(found - start):
            found = position
        position = text.find(sentence, position + 1)
    return found


def _misplaced(connection: sa.Connection, after: int) -> list[Any]:
    """Claims (from id `after` on) whose sentence is not their article's text[start:end]."""
    columns = ", ".join(f'c."{name}"' for name in CLAIM_COLUMNS)
    query = (
        f"SELECT c.id, c.article_id, c.sentence, a.text, {columns} FROM claims c "
        f"JOIN articles a ON a.id = c.article_id WHERE c.id > :after "
        f"AND {SENTENCE} != c.sentence "
        f"ORDER BY c.id LIMIT {BATCH}"
    )
    return list(connection.execute(sa.text(query), {"after": after}))


def _as_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def place_claims(connection: sa.Connection) -> tuple[int, int]:
    """(claims re-placed, claims moved to unplaced_claims)."""
    placed = moved = 0
    after = 0
    now = datetime.now(UTC)
    unplaced = sa.table(
        "unplaced_claims",
        *(sa.column(n) for n in ("id", "article_id", "sentence", "claim", "moved_at")),
    )
    while rows := _misplaced(connection, after):
        for row in rows:
            start = nearest(row.text, row.sentence, row.start or 0)
            if start is not None:
                connection.execute(
                    sa.text('UPDATE claims SET start = :s, "end" = :e WHERE id = :id'),
                    {"s": start, "e": start + len(row.sentence), "id": row.id},
                )
                placed += 1
                continue
            claim = {name: _as_json(getattr(row, name)) for name in CLAIM_COLUMNS}
            values = {"id": row.id, "article_id": row.article_id, "sentence": row.sentence}
            connection.execute(
                sa.insert(unplaced).values(
                    **values, claim=json.dumps(claim, default=str), moved_at=now
                )
            )
            connection.execute(sa.text("DELETE FROM claims WHERE id = :id"), {"id": row.id})
            moved += 1
        after = rows[-1].id
    return placed, moved


def rule_versions_to_articles(connection: sa.Connection) -> int:
    """Articles whose `claim_rule_version` was not their claims' one, set to it (the newest
    when their claims differ): the number set."""
    newest = "(SELECT max(c.rule_version) FROM claims c WHERE c.article_id = articles.id)"
    differs = (
        "EXISTS (SELECT 1 FROM claims c WHERE c.article_id = articles.id AND "
        "(articles.claim_rule_version IS NULL OR c.rule_version != articles.claim_rule_version))"
    )
    query = f"UPDATE articles SET claim_rule_version = {newest} WHERE {differs}"
    return connection.execute(sa.text(query)).rowcount or 0


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    op.create_table(
        "body_dictionaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("codec", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_body_dictionaries_site", "body_dictionaries", ["site"])
    op.create_table(
        "unplaced_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("claim", sa.JSON(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unplaced_claims_article_id", "unplaced_claims", ["article_id"])
    if sqlite:
        _drop_views()
    # plain ADD COLUMN (the foreign key inline): no copy of the pages table on SQLite
    op.add_column("pages", sa.Column("body_codec", sa.String(length=10), nullable=True))
    if sqlite:
        op.execute(
            "ALTER TABLE pages ADD COLUMN body_dictionary_id INTEGER "
            "REFERENCES body_dictionaries (id)"
        )
    else:
        dictionary = sa.ForeignKey("body_dictionaries.id", name="fk_pages_body_dictionary_id")
        op.add_column("pages", sa.Column("body_dictionary_id", sa.Integer(), dictionary))
    op.execute("UPDATE pages SET body_codec = 'zlib' WHERE body IS NOT NULL")
    placed, moved = place_claims(connection)
    if placed or moved:
        print(f"0012: {placed} claims re-placed in their article's text, {moved} unplaced")
    versions = rule_versions_to_articles(connection)
    if versions:
        print(f"0012: {versions} articles took their claims' rule version")
    with op.batch_alter_table("claims") as batch_op:
        batch_op.drop_column("sentence")
        batch_op.drop_column("rule_version")
    if sqlite:
        op.execute(PAGE_PREVIEWS)
        op.execute(CLAIMS_IN_CONTEXT)


def _zlib_bodies(connection: sa.Connection) -> None:
    """Bodies written with zstd, rewritten with zlib (what the code before 0012 reads)."""
    from corpus.bodies import decompress

    query = sa.text(
        "SELECT p.id, p.body, p.body_codec, d.data FROM pages p "
        "LEFT JOIN body_dictionaries d ON d.id = p.body_dictionary_id "
        f"WHERE p.body_codec = 'zstd' AND p.id > :after ORDER BY p.id LIMIT {BATCH}"
    )
    after = 0
    while rows := list(connection.execute(query, {"after": after})):
        updates = [
            {"id": r.id, "b": zlib.compress(decompress(r.body, r.body_codec, r.data))} for r in rows
        ]
        connection.execute(sa.text("UPDATE pages SET body = :b WHERE id = :id"), updates)
        after = rows[-1].id


def _restore_unplaced(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text("SELECT id, article_id, sentence, claim FROM unplaced_claims")
    )
    claims = sa.table(
        "claims", *(sa.column(n) for n in ("id", "article_id", "sentence", *CLAIM_COLUMNS))
    )
    for row in rows:
        fields = json.loads(row.claim) if isinstance(row.claim, str) else row.claim
        for name in ("conditions", "checks"):
            fields[name] = json.dumps(fields.get(name), ensure_ascii=False)
        values = {"id": row.id, "article_id": row.article_id, "sentence": row.sentence}
        connection.execute(sa.insert(claims).values(**values, **fields))


def downgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    _zlib_bodies(connection)
    if sqlite:
        _drop_views()
    with op.batch_alter_table("claims") as batch_op:
        batch_op.add_column(sa.Column("sentence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("rule_version", sa.String(length=50), nullable=True))
    op.execute(
        "UPDATE claims SET sentence = (SELECT substr(a.text, claims.start + 1, "
        'claims."end" - claims.start) FROM articles a WHERE a.id = claims.article_id), '
        "rule_version = (SELECT coalesce(a.claim_rule_version, '') FROM articles a "
        "WHERE a.id = claims.article_id)"
    )
    _restore_unplaced(connection)
    with op.batch_alter_table("claims") as batch_op:
        batch_op.alter_column("sentence", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("rule_version", existing_type=sa.String(length=50), nullable=False)
    if sqlite:
        # SQLite drops a column with an inline foreign key only by copying the table
        with op.batch_alter_table("pages", recreate="always") as batch_op:
            batch_op.drop_column("body_dictionary_id")
            batch_op.drop_column("body_codec")
    else:
        op.drop_constraint("fk_pages_body_dictionary_id", "pages", type_="foreignkey")
        op.drop_column("pages", "body_dictionary_id")
        op.drop_column("pages", "body_codec")
    op.drop_index("ix_unplaced_claims_article_id", table_name="unplaced_claims")
    op.drop_table("unplaced_claims")
    op.drop_index("ix_body_dictionaries_site", table_name="body_dictionaries")
    op.drop_table("body_dictionaries")
    if sqlite:
        op.execute(OLD_PAGE_PREVIEWS)
        op.execute(OLD_CLAIMS_IN_CONTEXT)
