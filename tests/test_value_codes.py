"""Coded values (corpus/codes.py, migration 0016): a corpus of 0015 keeps every claim's and
page's values through the upgrade (ORM, export rows, `claims_view`) and the downgrade, row by
row, on SQLite and PostgreSQL; writers in two processes meeting one new value share its code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import MetaData, Table, create_engine, select, text

from cleaning.claims import ClaimConfig, extract_claims
from corpus import codes, migrate
from corpus.export.rows import claim_row, stored_claims
from corpus.fields import record_values
from corpus.models import Claim, Page, ValueCode
from corpus.store import Store

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
TEXT = (
    "微粒贷逾期90天后，催收员会上门。催收员不得在晚上十点后打电话。逾期5万元一般会被起诉。"
    "如果协商不成，建议向银保监会投诉。欠信用卡不还不会判刑。支付宝借呗逾期会上征信吗？"
)
OLD_CLAIM_FIELDS = (
    *("type", "subtype", "lender_raw", "lender", "modality", "polarity", "days_overdue"),
    *("amount", "severe", "conditions", "cited_law", "trigger", "start", "end", "checks"),
)
JSON_FIELDS = ("conditions", "checks")
CHECK = {"rule_id": "night-calls", "source": "《规范》第5条", "kind": "convention", "message": "不"}
REQUEST = {"method": "GET", "headers": {"User-Agent": "debtcorpus"}}


def claim_values() -> list[dict[str, Any]]:
    """The claims of TEXT as ingest writes them, and one with every field set."""
    rows = [record_values(Claim.__table__, c) for c in extract_claims(TEXT, ClaimConfig())]
    assert len(rows) >= 5 and {row["polarity"] for row in rows} >= {"positive", "negative"}
    extra = dict(
        rows[0], polarity="partial", checks=[CHECK], conditions={"if": "如果", "severe": True}
    )
    return [*rows, extra, dict(extra, lender=None, lender_raw=None, checks=[], conditions={})]


def fill_0015(url: str, claims: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    migrate.upgrade(engine, "0015")
    tables = MetaData()
    article = Table("articles", tables, autoload_with=engine)
    page = Table("pages", tables, autoload_with=engine)
    claim = Table("claims", tables, autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(
            article.insert().values(
                id=1, url="http://x/1", text=TEXT, text_sha256="", extractor_version="1",
                relevance=0, masked_gap_count=0, masked_gaps=[], date_candidates=[], tags=[],
                boilerplate_removed={}, first_seen_at=T0, last_seen_at=T0, revision_count=0,
                text_length=len(TEXT), claim_rule_version="claims-2.0",
            )
        )  # fmt: skip
        for key, request in ((1, REQUEST), (2, None), (3, REQUEST)):
            connection.execute(
                page.insert().values(
                    id=key, url="http://x/1", final_url="http://x/1", redirects=[], status=200,
                    headers={}, body_size=0, depth=0, fetched_at=T0, outcome="article",
                    article_id=1, request=request,
                )
            )  # fmt: skip
        connection.execute(
            claim.insert(), [{"id": n + 1, "article_id": 1, **row} for n, row in enumerate(claims)]
        )
    engine.dispose()


def raw_claims(url: str) -> list[dict[str, Any]]:
    """The claims as the 0015 columns hold them (JSON parsed)."""
    engine = create_engine(url)
    names = ", ".join(f'"{name}"' for name in OLD_CLAIM_FIELDS)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT {names} FROM claims ORDER BY id")).mappings()
        found = [dict(row) for row in rows]
    engine.dispose()
    for row in found:
        for name in JSON_FIELDS:
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
    return found


def test_0016_keeps_every_value_through_upgrade_and_downgrade(empty_db: str) -> None:
    claims = claim_values()
    fill_0015(empty_db, claims)
    before = raw_claims(empty_db)
    assert len(before) == len(claims)
    store = Store(empty_db)
    store.create_schema()
    with store.session() as session:
        orm = session.scalars(select(Claim).order_by(Claim.id)).all()
        assert [{k: getattr(c, k) for k in OLD_CLAIM_FIELDS} for c in orm] == before
        exported = [
            claim_row(row)
            for row in session.connection().execute(stored_claims().order_by(Claim.id))
        ]
        for row, old in zip(exported, before, strict=True):
            assert row["type"] == old["type"] and row["lender"] == old["lender"]
            assert json.loads(row["checks"]) == old["checks"]
            assert json.loads(row["conditions"]) == old["conditions"]
            assert row["sentence"] == TEXT[old["start"] : old["end"]]
        assert [p.request for p in session.scalars(select(Page).order_by(Page.id))] == [
            REQUEST,
            None,
            REQUEST,
        ]
        view = session.execute(text("SELECT * FROM claims_view ORDER BY id")).mappings().all()
        for row, old in zip(view, before, strict=True):
            for name in set(OLD_CLAIM_FIELDS) - set(JSON_FIELDS):
                assert row[name] == old[name] or (name == "severe" and bool(row[name]) == old[name])
            for name in JSON_FIELDS:
                value = row[name]
                assert (json.loads(value) if isinstance(value, str) else value) == old[name]
        stored = session.execute(text("SELECT polarity_code, checks_code FROM claims")).all()
        assert sum(p is None for p, _ in stored) == sum(c["polarity"] == "positive" for c in claims)
        distinct = {c[k] for c in claims for k in ("type", "subtype", "trigger") if c[k]}
        assert {v.value for v in session.query(ValueCode)} >= distinct
    with store.engine.begin() as connection:
        assert not migrate.model_differences(connection)
        command.downgrade(migrate.alembic_config(connection), "0015")
    store.dispose()
    assert raw_claims(empty_db) == before


def test_writers_in_two_processes_share_a_new_value_code(empty_db: str) -> None:
    """Two engines (two processes' caches) draw the code of one value: one row, one code;
    a rolled-back draw is not cached."""
    first, second = Store(empty_db), Store(empty_db)
    first.create_schema()
    with first.engine.begin() as connection:
        code = codes.codes_for(connection, ["新触发词"])["新触发词"]
    with second.engine.connect() as connection:
        drawn = codes.codes_for(connection, ["新触发词", "又一个"])
        connection.rollback()
    assert drawn["新触发词"] == code
    with second.engine.begin() as connection:
        again = codes.codes_for(connection, ["又一个"])["又一个"]
        assert connection.scalar(select(ValueCode.value).where(ValueCode.id == again)) == "又一个"
    with first.session() as session:
        assert session.query(ValueCode).filter(ValueCode.value == "新触发词").count() == 1
    first.dispose()
    second.dispose()


def test_rolling_back_an_interrupted_connection_raises_nothing_of_the_codes_own() -> None:
    """A Ctrl-C inside a statement leaves the connection invalid; rolling it back must not
    raise from the codes' rollback listener, which would replace the interrupt with a
    traceback (the dedup and crawl commands exit 130 on the interrupt)."""
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.begin()
        connection.execute(text("select 1"))
        connection.invalidate()
        connection.rollback()
    engine.dispose()
