"""Keep the search index current: one article at a time (ingest), or the whole corpus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from corpus.models import Article, Comment
from corpus.progress import progress
from corpus.search.backend import backend_for
from corpus.store import Store

BATCH = 500


def index_article(session: Session, article: Article) -> None:
    """Index an article's title, text and comments as they are now (call after a flush).

    A database whose schema predates the index (tables made without migrations) is skipped;
    `debtcorpus db upgrade` or `search --reindex` builds it there."""
    backend = backend_for(session)
    if not backend.exists(session.connection()):
        return
    backend.replace_article(session, article.id, article.title, article.text, article.comments)


def _batches(connection: Connection, model: Any, columns: tuple[str, ...]) -> Iterator[list[Any]]:
    fields = [getattr(model, c) for c in columns]
    rows = connection.execute(select(*fields).order_by(model.id)).yield_per(BATCH)
    for part in rows.partitions(BATCH):
        yield list(part)


def build(connection: Connection) -> dict[str, int]:
    """Drop and rebuild the index from the articles and comments tables."""
    backend = backend_for(connection)
    backend.drop(connection)
    backend.create(connection)
    counts = {"articles": 0, "comments": 0}
    total = connection.execute(select(func.count()).select_from(Article)).scalar_one()
    batches = _batches(connection, Article, ("id", "title", "text"))
    for part in progress(batches, total // BATCH + 1, "indexing articles"):
        rows = [backend.article_row(i, title, body) for i, title, body in part]
        backend.write_articles(connection, rows)
        counts["articles"] += len(rows)
    for part in _batches(connection, Comment, ("id", "article_id", "text")):
        comments = [backend.comment_row(i, article_id, body) for i, article_id, body in part]
        backend.write_comments(connection, comments)
        counts["comments"] += len(comments)
    return counts


def reindex(store: Store) -> dict[str, int]:
    """Rebuild the whole index in one transaction; returns how many rows it indexed."""
    with store.engine.begin() as connection:
        return build(connection)
