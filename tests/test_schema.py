"""The one schema (corpus/schema.py): every field a record carries reaches its row and its
exported column with the declared name, type and description; the script and length of an
article are computed and backfilled for corpora made before they existed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text

from cleaning.pipeline import clean_page
from cleaning.records import (
    ArticleRecord,
    ClaimRecord,
    CleanResult,
    CommentRecord,
    DateFinding,
    MaskedGap,
)
from cleaning.script import OTHER, SIMPLIFIED, TRADITIONAL, text_script
from corpus import migrate
from corpus.derived import derived_fields
from corpus.export.card import WrittenTable, columns_section
from corpus.export.rows import article_row, claim_row, comment_row, stored_claims
from corpus.export.schema import ARTICLE_COLUMNS, CLAIM_COLUMNS, COMMENT_COLUMNS, file_schema
from corpus.fields import STORE, declared_columns, plain
from corpus.ingest import FetchedPage, store_fetch
from corpus.models import Article, Claim, Comment
from corpus.store import open_store

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/wp/1.html"
SIMPLIFIED_TEXT = "微粒贷逾期以后，催收员会不会上门？后果严重吗？"
TRADITIONAL_TEXT = "微粒貸逾期以後，催收員會不會上門？後果嚴重嗎？"
# record fields stored as rows of their own (comments, claims), read through a path
# (published.value ...) or made into the article's key (url, with the page's final URL)
RECORD_ONLY = {"comments", "claims", "published", "url"}


def full_record() -> ArticleRecord:
    """An article record whose every field differs from its default."""
    published = DateFinding(T0, "2026-11-01 08:00", 0.9, ({"raw": "2026-11-01", "score": 1},))
    claim = ClaimRecord(
        "CHANNEL", "visit", TRADITIONAL_TEXT[:17], 0, 17, "claims-2.0", "上门", "微粒贷",
        "微众银行", "certain", "negative", 30, 5000.0, True, {"days_overdue": 30}, "民法典",
        ({"rule_id": "r1"},),
    )  # fmt: skip
    return ArticleRecord(
        url=URL, title="逾期", text=TRADITIONAL_TEXT, extractor="t", extractor_version="1",
        script=TRADITIONAL, author="张三", editor="李四", source="某网", source_url=URL + "?s",
        byline="作者：张三 2026-11-01", published=published, site_name="某网", icp="京ICP备1号",
        category="法律", tags=("催收", "逾期"), language="zh", canonical_url=URL, relevance=0.8,
        comments=(CommentRecord("好", "网友", "律师", T0, "11-01"),),
        masked_gaps=(MaskedGap(1, 2, "space", "微 贷"),), boilerplate_removed={"rule": 2},
        claims=(claim,), claim_rule_version="claims-2.0",
    )  # fmt: skip


def stored_and_exported(tmp_path: Path) -> tuple[Any, dict[str, Any], Any, Any]:
    store = open_store(str(tmp_path / "corpus.db"))
    fetched = FetchedPage(URL, URL, 200, {"content-type": "text/html"}, b"<html/>", T0, "wp")
    store_fetch(store, fetched, CleanResult("utf-8", article=full_record()))
    with store.session() as session:
        connection = session.connection()
        article = connection.execute(select(Article.__table__)).one()
        claim = connection.execute(stored_claims()).one()
        comment = connection.execute(select(Comment.__table__)).one()
    store.dispose()
    return article, article_row(article, {}), claim, comment


def test_every_record_field_reaches_its_row_and_export(tmp_path: Path) -> None:
    record = full_record()
    article, row, claim, comment = stored_and_exported(tmp_path)
    sources = {c.key for c, info in declared_columns(Article.__table__) if info.source is None}
    fields = {f.name for f in dataclasses.fields(ArticleRecord)}
    assert fields - sources - RECORD_ONLY == set(), "record fields the schema does not store"
    for name in sources:
        assert getattr(article, name) == plain(getattr(record, name)), name
    assert (row["script"], row["byline"], row["author"]) == (TRADITIONAL, record.byline, "张三")
    assert row["text_length"] == len(TRADITIONAL_TEXT)
    assert row["published_raw"] == "2026-11-01 08:00" and row["published_confidence"] == 0.9
    assert row["tags"] == ["催收", "逾期"] and row["masked_gap_count"] == 1
    assert row["masked_gaps"] == [{"start": 1, "end": 2, "kind": "space", "context": "微 贷"}]
    assert row["boilerplate_removed"] == '{"rule": 2}'
    exported_claim = claim_row(claim)
    renamed = {"start": "char_start", "end": "char_end"}
    json_fields = {"conditions": '{"days_overdue": 30}', "checks": '[{"rule_id": "r1"}]'}
    for name, value in dataclasses.asdict(record.claims[0]).items():
        expected = json_fields.get(name, value)
        assert exported_claim[renamed.get(name, name)] == expected, name
    assert "start" not in exported_claim
    exported_comment = comment_row(comment)
    assert exported_comment["author"] == "网友" and exported_comment["posted_raw"] == "11-01"


def test_export_columns_follow_the_declarations() -> None:
    for model, columns in ((Article, ARTICLE_COLUMNS), (Claim, CLAIM_COLUMNS)):
        declared = {c.key: info for c, info in declared_columns(model.__table__)}
        declared |= {name: info for name, _, info in derived_fields(model)}
        for column in columns:
            if column.stored is not None:
                assert column.description == declared[column.stored].description
    names = [c.name for c in ARTICLE_COLUMNS]
    assert "last_page_id" not in names, "a field declared NOT_EXPORTED is exported"
    assert names[:3] == ["article_id", "url", "site"] and names[-1] == "is_representative"
    assert file_schema(ARTICLE_COLUMNS, "parquet").field("script").type == pa.string()
    claim_names = [c.name for c in CLAIM_COLUMNS][-5:-1]
    assert claim_names == ["sentence", "char_start", "char_end", "rule_version"]
    assert COMMENT_COLUMNS[0].name == "comment_id"


def test_card_column_table_lists_the_new_fields() -> None:
    schema = file_schema(ARTICLE_COLUMNS, "parquet")
    table = WrittenTable("articles", "articles.parquet", ARTICLE_COLUMNS, schema, 1, 1)
    section = columns_section(table, "parquet")
    assert "| `script` | `string` | Script of `text`: zh-Hans (simplified)" in section
    assert "| `byline` | `string` |" in section


def test_store_fields_are_not_read_from_the_record() -> None:
    store_only = {c.key for c, info in declared_columns(Article.__table__) if info.source == STORE}
    assert {"id", "url", "first_seen_at", "text_sha256", "warc_file"} <= store_only


@pytest.mark.parametrize(
    ("sample", "script"),
    [
        (SIMPLIFIED_TEXT, SIMPLIFIED),
        (TRADITIONAL_TEXT, TRADITIONAL),
        ("Debt collection in China", OTHER),
        ("", OTHER),
        # characters both scripts share: nothing says traditional
        ("你好，我们", SIMPLIFIED),
        # mostly traditional with one simplified-only form quoted
        ("臺灣的銀行說，逾期會產生費用（简体：费用）。", TRADITIONAL),
    ],
)
def test_text_script(sample: str, script: str) -> None:
    assert text_script(sample) == script


def test_clean_page_sets_the_script() -> None:
    paragraph = "<p>" + TRADITIONAL_TEXT * 6 + "</p>"
    html = f"<html><head><title>逾期</title></head><body><article><h1>逾期</h1>{paragraph * 4}"
    result = clean_page((html + "</article></body></html>").encode(), URL, "text/html", T0)
    assert result.article is not None, result.reject_reason
    assert result.article.script == TRADITIONAL


def test_migration_0010_backfills_script_and_length(empty_db: str) -> None:
    engine = create_engine(empty_db)
    migrate.upgrade(engine, "0009")
    insert = text(
        "INSERT INTO articles (id, url, text, text_sha256, extractor_version, relevance,"
        " masked_gap_count, masked_gaps, date_candidates, tags, boilerplate_removed,"
        " first_seen_at, last_seen_at, revision_count)"
        " VALUES (:id, :url, :text, '', '1', 0, 0, '[]', '[]', '[]', '{}', :t, :t, 0)"
    )
    samples = [SIMPLIFIED_TEXT, TRADITIONAL_TEXT, "plain English"]
    with engine.begin() as connection:
        for i, sample in enumerate(samples, 1):
            connection.execute(insert, {"id": i, "url": f"{URL}?{i}", "text": sample, "t": T0})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT script, text_length FROM articles ORDER BY id"))
        assert [tuple(r) for r in rows] == [
            (SIMPLIFIED, len(SIMPLIFIED_TEXT)),
            (TRADITIONAL, len(TRADITIONAL_TEXT)),
            (OTHER, len("plain English")),
        ]
        assert not migrate.model_differences(connection)
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0009")
    columns = {c["name"] for c in inspect(engine).get_columns("articles")}
    assert not columns & {"script", "text_length", "byline"}
    engine.dispose()
