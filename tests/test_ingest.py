"""corpus.ingest on a real SQLite file: pages kept raw, articles upserted, writes all-or-nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cleaning.records import ArticleRecord, CleanResult, CommentRecord
from corpus.bodies import zstd
from corpus.ingest import FetchedPage, store_fetch
from corpus.models import Article, ArticleRevision, Comment, CrawlRun, Page
from corpus.run_records import finish_run, start_run
from corpus.store import Store, open_store

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/wp/1.html"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "corpus.db"))


def fetched(body: bytes = b"<html>x</html>", status: int = 200, **kw: object) -> FetchedPage:
    defaults: dict[str, object] = {
        "url": URL,
        "final_url": URL,
        "status": status,
        "headers": {"content-type": "text/html; charset=utf-8"},
        "body": body,
        "fetched_at": T0,
        "site": "sample-wp",
    }
    return FetchedPage(**(defaults | kw))  # type: ignore[arg-type]


def article(text: str, comments: tuple[CommentRecord, ...] = ()) -> CleanResult:
    record = ArticleRecord(
        url=URL, title="逾期", text=text, extractor="t", extractor_version="1", comments=comments
    )
    return CleanResult(encoding="utf-8", article=record)


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_raw_body_is_kept_compressed(store: Store) -> None:
    store_fetch(store, fetched(body="<html>催收</html>".encode()), article("正文"))
    with store.session() as session:
        page = session.scalars(select(Page)).one()
    assert page.body is not None and page.body_codec == "zstd"
    assert zstd.decompress(page.body).decode() == "<html>催收</html>"
    assert page.outcome == "article" and page.change == "new"


def test_recrawl_updates_and_keeps_a_revision(store: Store) -> None:
    store_fetch(store, fetched(), article("第一版", (CommentRecord(text="好"),)))
    later = T0 + timedelta(days=1)
    store_fetch(store, fetched(fetched_at=later), article("第一版", (CommentRecord(text="好"),)))
    store_fetch(store, fetched(fetched_at=later + timedelta(days=1)), article("第二版"))
    assert count(store, Article) == 1
    assert count(store, Page) == 3
    assert count(store, Comment) == 0
    with store.session() as session:
        revision = session.scalars(select(ArticleRevision)).one()
        changes = session.scalars(select(Page.change).order_by(Page.id)).all()
        current = session.scalars(select(Article)).one()
    assert revision.text == "第一版" and current.text == "第二版"
    assert changes == ["new", "unchanged", "changed"]


def test_failed_fetches_and_rejects_keep_their_reason(store: Store) -> None:
    store_fetch(store, fetched(status=404), None)
    store_fetch(store, fetched(status=0, body=b"", error="fetch-error:TimeoutError"), None)
    store_fetch(store, fetched(), CleanResult(encoding="utf-8", reject_reason="list-page"))
    with store.session() as session:
        rows = session.execute(select(Page.outcome, Page.reason).order_by(Page.id)).all()
    assert rows == [
        ("error", "http-404"),
        ("error", "fetch-error:TimeoutError"),
        ("rejected", "list-page"),
    ]


def test_a_failing_write_leaves_no_half_rows(store: Store) -> None:
    broken = article("正文")
    assert broken.article is not None
    bad = CleanResult(
        encoding="utf-8",
        article=ArticleRecord(
            url=URL,
            title=None,
            text=None,  # type: ignore[arg-type]  (fails after the page row was added)
            extractor="t",
            extractor_version="1",
        ),
    )
    with pytest.raises(TypeError):
        store_fetch(store, fetched(), bad)
    assert count(store, Page) == 0
    assert count(store, Article) == 0


def test_run_counts_come_from_pages(store: Store) -> None:
    run_id = start_run(store, "sample-wp", ["/wp/"], {})
    store_fetch(store, fetched(crawl_run_id=run_id), article("正文"))
    store_fetch(store, fetched(crawl_run_id=run_id, status=500), None)
    finish_run(store, run_id, "finished", {})
    with store.session() as session:
        run = session.get_one(CrawlRun, run_id)
    assert (run.pages_fetched, run.articles_new, run.errors) == (2, 1, {"http-500": 1})
    assert run.status == "finished" and run.finished_at is not None
