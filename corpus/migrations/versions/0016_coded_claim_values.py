"""Claims and pages keep their repeated values as codes: a claim's type, subtype, lender_raw,
lender, modality, polarity, trigger and checks, and a page's request, become `<name>_code`,
the id of the value's row in `value_codes` (id, sha256, value: the text, JSON text for checks
and requests). A positive polarity and an empty checks list are stored as a NULL code, an
empty `conditions` object as NULL. Readers see the same values (corpus/codes.py, the derived
fields of corpus/schema.py); raw SQL reads them decoded from the view `claims_view`
(docs/storage.md). SQLite's views `claims_in_context` and `page_previews` are rebuilt.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# (table, field, its type before 0016, nullable then, the value stored as a NULL code, JSON)
CODED = (
    ("claims", "type", sa.String(30), False, None, False),
    ("claims", "subtype", sa.String(50), True, None, False),
    ("claims", "lender_raw", sa.Text(), True, None, False),
    ("claims", "lender", sa.Text(), True, None, False),
    ("claims", "modality", sa.String(30), True, None, False),
    ("claims", "polarity", sa.String(10), False, "positive", False),
    ("claims", "trigger", sa.Text(), True, None, False),
    ("claims", "checks", sa.JSON(), False, "[]", True),
    ("pages", "request", sa.JSON(), True, None, True),
)
SENTENCE = 'substr(a.text, c.start + 1, c."end" - c.start)'
CLAIMS_VIEW = f"""CREATE VIEW claims_view AS
SELECT c.id, c.article_id, vt.value AS type, vs.value AS subtype, vr.value AS lender_raw,
       vl.value AS lender, vm.value AS modality, coalesce(vp.value, 'positive') AS polarity,
       c.days_overdue, c.amount, c.severe, coalesce(c.conditions, {{empty}}) AS conditions,
       c.cited_law, vg.value AS "trigger", {SENTENCE} AS sentence, c.start, c."end",
       a.claim_rule_version AS rule_version, coalesce(vc.value, '[]') AS checks
FROM claims c JOIN articles a ON a.id = c.article_id
LEFT JOIN value_codes vt ON vt.id = c.type_code
LEFT JOIN value_codes vs ON vs.id = c.subtype_code
LEFT JOIN value_codes vr ON vr.id = c.lender_raw_code
LEFT JOIN value_codes vl ON vl.id = c.lender_code
LEFT JOIN value_codes vm ON vm.id = c.modality_code
LEFT JOIN value_codes vp ON vp.id = c.polarity_code
LEFT JOIN value_codes vg ON vg.id = c.trigger_code
LEFT JOIN value_codes vc ON vc.id = c.checks_code"""
CLAIMS_IN_CONTEXT = """CREATE VIEW claims_in_context AS
SELECT c.id, c.article_id, a.title, a.site, substr(a.published_at, 1, 7) AS month, c.type,
       c.subtype, c.lender, c.modality, c.polarity, c.days_overdue, c.amount, c.cited_law,
       c.sentence
FROM claims_view c JOIN articles a ON a.id = c.article_id"""
OLD_CLAIMS_IN_CONTEXT = f"""CREATE VIEW claims_in_context AS
SELECT c.id, c.article_id, a.title, a.site, substr(a.published_at, 1, 7) AS month, c.type,
       c.subtype, c.lender, c.modality, c.polarity, c.days_overdue, c.amount, c.cited_law,
       {SENTENCE} AS sentence
FROM claims c JOIN articles a ON a.id = c.article_id"""
PAGE_PREVIEWS = """CREATE VIEW page_previews AS
SELECT id, url, final_url, site, status, outcome, reason, change, article_id, fetched_at,
       content_type, encoding, body_size, headers,
       page_preview(body, content_type, body_codec,
                    (SELECT d.data FROM body_dictionaries d WHERE d.id = body_dictionary_id))
         AS text_preview
FROM pages"""


def _forget_codes() -> None:
    from corpus import codes

    codes.forget()


def _drop_views(sqlite: bool) -> None:
    op.execute("DROP VIEW IF EXISTS claims_view")
    if sqlite:
        op.execute("DROP VIEW IF EXISTS claims_in_context")
        op.execute("DROP VIEW IF EXISTS page_previews")


def _create_views(sqlite: bool) -> None:
    op.execute(CLAIMS_VIEW.format(empty="'{}'" if sqlite else "'{}'::json"))
    if sqlite:
        op.execute(CLAIMS_IN_CONTEXT)
        op.execute(PAGE_PREVIEWS)


def _canonical(text: str, as_json: bool) -> str:
    """A stored value's text as the writers code it (corpus.codes.stored_text)."""
    return json.dumps(json.loads(text), ensure_ascii=False) if as_json else text


def _fill_codes(connection: sa.Connection, sqlite: bool) -> None:
    """Every distinct stored value gets its row; each coded column its codes."""
    codes = sa.table("value_codes", sa.column("sha256"), sa.column("value"), sa.column("id"))
    mapping = []
    known: dict[str, int] = {}
    for table, name, _, _, empty, as_json in CODED:
        query = f'SELECT DISTINCT CAST("{name}" AS TEXT) FROM {table} WHERE "{name}" IS NOT NULL'
        for (text,) in connection.execute(sa.text(query)):
            value = _canonical(text, as_json)
            if value == empty or (as_json and value == "null"):
                continue
            if value not in known:
                digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
                connection.execute(sa.insert(codes).values(sha256=digest, value=value))
                known[value] = connection.execute(
                    sa.select(codes.c.id).where(codes.c.sha256 == digest)
                ).scalar_one()
            mapping.append({"field": name, "old": text, "code": known[value]})
    op.create_table(
        "value_code_map",
        sa.Column("field", sa.String(20)),
        sa.Column("old", sa.Text()),
        sa.Column("code", sa.Integer()),
    )
    using = "" if sqlite else " USING hash"
    op.execute(f"CREATE INDEX ix_value_code_map_old ON value_code_map{using} (old)")
    if mapping:
        op.bulk_insert(
            sa.table("value_code_map", *map(sa.column, ("field", "old", "code"))), mapping
        )
    for table, name, *_ in CODED:
        op.execute(
            f'UPDATE {table} SET "{name}_code" = (SELECT m.code FROM value_code_map m '
            f"WHERE m.old = CAST({table}.\"{name}\" AS TEXT) AND m.field = '{name}')"
        )
    op.drop_table("value_code_map")


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    _forget_codes()
    op.create_table(
        "value_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
        sqlite_autoincrement=True,
    )
    _drop_views(sqlite)
    for table, name, *_ in CODED:
        op.add_column(table, sa.Column(f"{name}_code", sa.Integer(), nullable=True))
    _fill_codes(connection, sqlite)
    with op.batch_alter_table("claims", recreate="always" if sqlite else "auto") as batch_op:
        for table, name, *_ in CODED:
            if table == "claims":
                batch_op.drop_column(name)
        batch_op.alter_column("conditions", existing_type=sa.JSON(), nullable=True)
    op.execute("UPDATE claims SET conditions = NULL WHERE CAST(conditions AS TEXT) = '{}'")
    op.drop_column("pages", "request")  # SQLite 3.35+ drops a column in place
    _create_views(sqlite)


def downgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    _forget_codes()
    _drop_views(sqlite)
    for table, name, kind, _, _, _ in CODED:
        op.add_column(table, sa.Column(name, kind, nullable=True))
    for table, name, _, _, empty, as_json in CODED:
        value = f'(SELECT v.value FROM value_codes v WHERE v.id = {table}."{name}_code")'
        if empty is not None:
            value = f"coalesce({value}, '{empty}')"
        if as_json and not sqlite:
            value = f"CAST({value} AS JSON)"
        op.execute(f'UPDATE {table} SET "{name}" = {value}')
    op.execute("UPDATE claims SET conditions = '{}' WHERE conditions IS NULL")
    with op.batch_alter_table("claims", recreate="always" if sqlite else "auto") as batch_op:
        for table, name, kind, nullable, _, _ in CODED:
            if table == "claims":
                batch_op.drop_column(f"{name}_code")
                if not nullable:
                    batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.alter_column("conditions", existing_type=sa.JSON(), nullable=False)
    op.drop_column("pages", "request_code")
    op.drop_table("value_codes")
    if sqlite:
        op.execute(OLD_CLAIMS_IN_CONTEXT)
        op.execute(PAGE_PREVIEWS)
