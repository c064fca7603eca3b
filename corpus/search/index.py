"""Keep the search index current (ingest calls `index_article`), or rebuild it whole."""

from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from corpus.models import Article, Comment
from corpus.search.backend import backend_for
from corpus.store import Store


def index_article(session: Session, article: Article) -> None:
    """Index an article's title, text and comments as they are now (call after a flush).

    On SQLite, triggers have done it already (this only restores them if a migration dropped
    them). A database whose schema predates the index (tables made without migrations) is
    skipped; `debtcorpus db upgrade` or `search --reindex` builds it there."""
    backend = backend_for(session)
    if not backend.exists(session.connection()):
        return
    backend.replace_article(session, article.id, article.title, article.text, article.comments)


def build(connection: Connection) -> dict[str, int]:
    """Drop and rebuild the index from the articles and comments tables; returns row counts."""
    backend = backend_for(connection)
    backend.drop(connection)
    backend.create(connection)
    backend.rebuild(connection)
    count = select(func.count())
    return {
        "articles": connection.execute(count.select_from(Article)).scalar_one(),
        "comments": connection.execute(count.select_from(Comment)).scalar_one(),
    }


def reindex(store: Store) -> dict[str, int]:
    """Rebuild the whole index in one transaction."""
    with store.engine.begin() as connection:
        return build(connection)
