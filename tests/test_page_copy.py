"""PostgreSQL's COPY write path (corpus.page_copy) stores exactly the rows its INSERT
statements store (DEBTCORPUS_PG_COPY=0): new articles with comments and claims, re-fetches
unchanged and changed (revisions, comments and claims replaced), one article twice in a batch,
failed and rejected fetches, `reprocess` rewriting stored pages; search index included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from corpus import page_writes
from corpus.codes import encode_rows
from corpus.ingest import FetchedPage, clean_fetched, store_batch
from corpus.page_copy import copy_rows
from corpus.page_writes import COPY_SETTING
from corpus.reprocess import reprocess
from corpus.search import postgres
from corpus.store import open_store
from samplesite.pages import build_pages
from tests.test_postgres import pg_db, postgres_server, reset_database  # noqa: F401  (fixtures)

pytestmark = pytest.mark.services

BASE = "http://127.0.0.1:8765"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TABLES = ("pages", "articles", "comments", "claims", "article_revisions", "body_dictionaries")
# a dictionary's row but its creation time (the clock when it was trained)
NOT_CLOCK = {"body_dictionaries": "(t.id, t.site, t.codec, t.data, t.sha256, t.samples)"}
Batch = list[tuple[FetchedPage, Any]]


def fetched(path: str, body: bytes, at: datetime, status: int = 200) -> FetchedPage:
    url = BASE + path
    return FetchedPage(url, url, status, {"content-type": "text/html; charset=utf-8"}, body, at)


def batches() -> list[Batch]:
    """Every sample article page; then again: unchanged, changed, one twice, a 500, a reject."""
    pages, _ = build_pages(BASE)
    articles = sorted(path for path in pages if path.endswith(".html") and "/private/" not in path)
    first = [fetched(path, pages[path].body, T0) for path in articles]
    later = T0 + timedelta(days=1)
    second = []
    for number, page in enumerate(first[:12]):
        body = page.body
        if number % 2:
            body = body.replace("。".encode(), "；".encode(), 3)
        second.append(replace(page, body=body, fetched_at=later))
    second.append(replace(second[1], fetched_at=later + timedelta(hours=1)))
    second.append(replace(first[0], status=500, fetched_at=later))
    second.append(fetched("/offtopic.html", b"<html><body>404</body></html>", later))
    cleaned = [[(page, clean_fetched(page)) for page in batch] for batch in (first, second)]
    with_comments = [r for _, r in cleaned[0] if r and r.article and r.article.comments]
    changed = [r for _, r in cleaned[1][1:12:2] if r and r.article]
    assert with_comments and changed, "the sample site has articles with comments"
    return cleaned


def stored_rows(db: str) -> dict[str, list[str]]:
    """Each table's rows as PostgreSQL prints them (a JSON null is not an SQL NULL)."""
    store = open_store(db)
    try:
        with store.engine.connect() as connection:
            return {
                table: list(
                    connection.execute(
                        text(f"SELECT {NOT_CLOCK.get(table, 't')}::text FROM {table} t ORDER BY 1")
                    ).scalars()
                )
                for table in (*TABLES, postgres.ARTICLES, postgres.COMMENTS)
            }
    finally:
        store.dispose()


def ingest(db: str, cleaned: list[Batch], copy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COPY_SETTING, "1" if copy else "0")
    reset_database(db)
    store = open_store(db)
    try:
        first, second = cleaned
        store_batch(store, first[:9])
        store_batch(store, first[9:])
        store_batch(store, second)  # one article twice
        reprocess(store)
        with store.engine.connect() as connection:  # PgBouncer: nothing prepared
            prepared = text("SELECT count(*) FROM pg_prepared_statements")
            assert connection.execute(prepared).scalar_one() == 0
    finally:
        store.dispose()


def test_copy_stores_the_rows_the_inserts_store(
    pg_db: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cleaned = batches()
    copied: list[str] = []

    def spy(connection: Any, table: Any, rows: Any) -> None:
        copied.append(table.name)
        copy_rows(connection, table, rows)

    monkeypatch.setattr(page_writes, "copy_rows", spy)
    ingest(pg_db, cleaned, copy=False, monkeypatch=monkeypatch)
    assert copied == []
    with_inserts = stored_rows(pg_db)
    ingest(pg_db, cleaned, copy=True, monkeypatch=monkeypatch)
    assert {"pages", "comments", "claims"} <= set(copied)
    with_copy = stored_rows(pg_db)
    assert all(with_inserts[table] for table in TABLES[:-1])
    for table, rows in with_inserts.items():
        assert with_copy[table] == rows, table


def test_copy_takes_python_defaults_and_sequence_ids(
    pg_db: str,  # noqa: F811
) -> None:
    """A column a row leaves out takes SQLAlchemy's Python-side default (`default=dict` for
    JSON), an id left out the sequence, in row order; values as an INSERT stores them."""
    store = open_store(pg_db)
    article = {"text": "t", "text_sha256": "0" * 64, "relevance": 1.0, "text_length": 1}
    article |= {"masked_gap_count": 0, "extractor_version": "x", "revision_count": 0}
    article |= {"first_seen_at": T0, "last_seen_at": datetime(2026, 12, 1, 9, 30)}
    claim = {"type": "催收", "polarity": "+", "severe": False, "amount": 0.1 + 0.2}
    claim |= {"checks": {"词": [1, "二", None]}, "lender_raw": "a\tb\\n"}
    with store.engine.begin() as connection:
        copy_rows(connection, page_writes.ARTICLES, [article | {"url": "copy"}])
        connection.execute(insert(page_writes.ARTICLES), [article | {"url": "insert"}])
        ids = dict(connection.execute(text("SELECT url, id FROM articles")).all())
        rows = [claim | {"start": start, "end": start + 1} for start in range(3)]
        rows = encode_rows(connection, page_writes.CLAIMS, rows)  # the stored row: codes
        copy_rows(connection, page_writes.CLAIMS, [r | {"article_id": ids["copy"]} for r in rows])
        connection.execute(
            insert(page_writes.CLAIMS), [r | {"article_id": ids["insert"]} for r in rows]
        )
        stored = printed(connection, page_writes.CLAIMS, ("id", "article_id"))
        keys = connection.execute(text("SELECT id, article_id FROM claims ORDER BY id")).all()
        articles = printed(connection, page_writes.ARTICLES, ("id", "url"))
    store.dispose()
    assert [key for key, _ in keys] == list(range(keys[0][0], keys[0][0] + 6))
    assert [owner for _, owner in keys] == [ids["copy"]] * 3 + [ids["insert"]] * 3
    assert stored[:3] == stored[3:] and articles[0] == articles[1]
    assert "09:30:00" in articles[0]  # conditions: default {}, stored as NULL both ways


def printed(connection: Any, table: Any, leave_out: tuple[str, ...]) -> list[str]:
    """The rows (in id order) as PostgreSQL prints them, without the given columns."""
    columns = ", ".join(f't."{c.name}"' for c in table.columns if c.name not in leave_out)
    query = f"SELECT ROW({columns})::text FROM {table.name} t ORDER BY t.id"
    return list(connection.execute(text(query)).scalars())


def test_a_copy_error_is_raised_as_sqlalchemy_raises_a_statements(
    pg_db: str,  # noqa: F811
) -> None:
    """corpus.ingest retries an IntegrityError, corpus.pool_writes any SQLAlchemyError: a
    failed COPY raises the same as a failed INSERT would."""
    store = open_store(pg_db)
    claim = {"article_id": 12345, "type": "催收", "polarity": "+", "severe": False}
    with (
        pytest.raises(IntegrityError, match="claims_article_id_fkey"),
        store.engine.begin() as connection,
    ):
        rows = encode_rows(connection, page_writes.CLAIMS, [claim | {"start": 0, "end": 1}])
        copy_rows(connection, page_writes.CLAIMS, rows)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM claims")).scalar_one() == 0
    store.dispose()


TOKEN_LISTS: list[list[str] | None] = [
    None,
    [],
    ["a"],
    ["债务", "催收", "1", "ab"],
    ['"', "\\", 'a"b', "a\\b", "{", "}", ",", " ", "NULL", "null", "a b", "'", "\t", "\\\\"],
]


@pytest.mark.parametrize("items", TOKEN_LISTS)
def test_token_lists_bound_as_literals_are_the_driver_arrays(
    pg_db: str,  # noqa: F811
    items: Any,
) -> None:
    """The search upsert binds its token lists as text[] literals (postgres.array_literal):
    the server reads each as the array psycopg would have sent."""
    store = open_store(pg_db)
    sql = "SELECT array_to_tsvector(CAST(:a AS text[]))::text, CAST(:a AS text[])"
    with store.engine.connect() as connection:
        driver = connection.execute(text(sql), {"a": items}).one()
        literal = connection.execute(text(sql), {"a": postgres.array_literal(items)}).one()
    store.dispose()
    assert tuple(literal) == tuple(driver)
    assert driver[1] == items
