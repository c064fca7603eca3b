"""The SQLite back end: two FTS5 tables of bigram tokens (see corpus.search.tokens).

`search_articles_fts` (rowid = article id): title, body, and their simplified copies (empty
unless OpenCC changes the text). `search_comments_fts` (rowid = comment id): the same columns
(title empty, so one query fits both tables) and `article` holding the token `a<article id>`, so an article's comments are found (and
replaced) through the index itself. BM25 is the table's rank, the title weighted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from corpus.search.statements import typed_text
from corpus.search.tokens import folded_or_none, token_text

ARTICLES_FTS = "search_articles_fts"
COMMENTS_FTS = "search_comments_fts"
# BM25 weight of a title hit against a body hit: a word in the title says more about what the
# article is about. A convention (as in Lucene/Elasticsearch field boosts), not fitted: the
# corpus has no relevance judgements to fit it on. The result set does not depend on it.
TITLE_WEIGHT = 4.0
TOKENIZER = "unicode61 remove_diacritics 0"


def create(connection: Connection) -> None:
    """Create both FTS5 tables (empty) and set their ranking."""
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {ARTICLES_FTS} USING fts5("
        f"title, body, title_fold, body_fold, tokenize = '{TOKENIZER}')"
    )
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {COMMENTS_FTS} USING fts5("
        f"title, body, title_fold, body_fold, article, tokenize = '{TOKENIZER}')"
    )
    weights = f"{TITLE_WEIGHT}, 1.0, {TITLE_WEIGHT}, 1.0"
    connection.exec_driver_sql(
        f"INSERT INTO {ARTICLES_FTS}({ARTICLES_FTS}, rank) VALUES ('rank', 'bm25({weights})')"
    )
    connection.exec_driver_sql(
        f"INSERT INTO {COMMENTS_FTS}({COMMENTS_FTS}, rank) VALUES ('rank', 'bm25(0, 1.0, 0, 1.0, 0)')"
    )


def drop(connection: Connection) -> None:
    for table in (ARTICLES_FTS, COMMENTS_FTS):
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def exists(connection: Connection) -> bool:
    query = "SELECT count(*) FROM sqlite_master WHERE name IN (:a, :c)"
    return connection.execute(text(query), {"a": ARTICLES_FTS, "c": COMMENTS_FTS}).scalar() == 2


def article_row(article_id: int, title: str | None, body: str) -> dict[str, Any]:
    return {
        "id": article_id,
        "title": token_text(title),
        "body": token_text(body),
        "title_fold": token_text(folded_or_none(title)),
        "body_fold": token_text(folded_or_none(body)),
    }


def comment_row(comment_id: int, article_id: int, body: str) -> dict[str, Any]:
    return {
        "id": comment_id,
        "body": token_text(body),
        "body_fold": token_text(folded_or_none(body)),
        "article": f"a{article_id}",
    }


def write_articles(connection: Connection | Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    connection.execute(
        text(
            f"INSERT INTO {ARTICLES_FTS}(rowid, title, body, title_fold, body_fold) "
            "VALUES (:id, :title, :body, :title_fold, :body_fold)"
        ),
        list(rows),
    )


def write_comments(connection: Connection | Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    connection.execute(
        text(
            f"INSERT INTO {COMMENTS_FTS}(rowid, title, body, title_fold, body_fold, article) "
            "VALUES (:id, '', :body, '', :body_fold, :article)"
        ),
        list(rows),
    )


def replace_article(
    session: Session, article_id: int, title: str | None, body: str, comments: Iterable[Any]
) -> None:
    """Index an article's current title, text and comments in place of what was indexed."""
    session.execute(text(f"DELETE FROM {ARTICLES_FTS} WHERE rowid = :id"), {"id": article_id})
    write_articles(session, [article_row(article_id, title, body)])
    old = session.execute(
        text(f"SELECT rowid FROM {COMMENTS_FTS} WHERE {COMMENTS_FTS} MATCH :article"),
        {"article": f'article : "a{article_id}"'},
    ).scalars()
    for comment_id in list(old):
        session.execute(text(f"DELETE FROM {COMMENTS_FTS} WHERE rowid = :id"), {"id": comment_id})
    write_comments(session, [comment_row(c.id, article_id, c.text) for c in comments])


def ranked(
    session: Session, match: str, comments: bool, where: str, params: dict[str, Any], limit: int
) -> list[tuple[int, float]]:
    """(row id, score) of the best `limit` rows matching `match` and the filters."""
    table = COMMENTS_FTS if comments else ARTICLES_FTS
    joins = (
        f"JOIN comments c ON c.id = {table}.rowid JOIN articles a ON a.id = c.article_id"
        if comments
        else f"JOIN articles a ON a.id = {table}.rowid"
    )
    sql = (
        f"SELECT {table}.rowid, -{table}.rank FROM {table} {joins} "
        f"WHERE {table} MATCH :match {where} ORDER BY {table}.rank LIMIT :limit"
    )
    rows = session.execute(typed_text(sql, params), params | {"match": match, "limit": limit})
    return [(int(row[0]), float(row[1])) for row in rows]
