"""The SQLite back end: FTS5 over bigram tokens (see corpus.search.tokens), kept by triggers.

`search_articles_fts` (rowid = article id) indexes title, body and their simplified copies
(empty unless OpenCC changes the text); `search_comments_fts` (rowid = comment id) the same
columns, title empty, so one query fits both. Both are external-content tables over views
that compute the tokens with the SQL function `search_tokens` (corpus.search.sqlfunctions):
the index holds no copy of the text. Triggers on `articles` and `comments` remove a row's old
tokens before it changes and add the new ones after, for every writer (ingest, reprocess,
revisions, WARC, SQL); every SQLite connection debtcorpus opens registers the functions.
BM25 is the tables' rank, the title weighted.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from corpus.search import folding, postings, ranking, verified
from corpus.search.statements import typed_text

ARTICLES_FTS = "search_articles_fts"
COMMENTS_FTS = "search_comments_fts"
# BM25 weight of a title hit against a body hit: a word in the title says more about what the
# article is about. A convention (as in Lucene/Elasticsearch field boosts), not fitted: the
# corpus has no relevance judgements to fit it on. The result set does not depend on it.
TITLE_WEIGHT = 4.0
TOKENIZER = "unicode61 remove_diacritics 0"
COLUMNS = "title, body, title_fold, body_fold"
# The articles' index keeps no positions (migration 0015): which rows hold each token, 0.9 KB
# per page against 5.6 with positions. Phrases and column filters are checked on the text
# (corpus.search.verified). The comments' index keeps them (a few hundred bytes per page).
ARTICLES_DETAIL = "none"

# (fts table, source table, its title expression, its text column)
_SOURCES = (
    (ARTICLES_FTS, "articles", "{row}.title", "text"),
    (COMMENTS_FTS, "comments", "''", "text"),
)


def _values(row: str, title: str, body: str, named: bool = False) -> str:
    """The four column values of a source row (named as the FTS columns, for the view)."""
    title = title.format(row=row)
    values: tuple[str, ...] = (
        f"search_tokens({title})",
        f"search_tokens({row}.{body})",
        f"search_fold_tokens({title})",
        f"search_fold_tokens({row}.{body})",
    )
    if named:
        values = tuple(f"{v} AS {c}" for v, c in zip(values, COLUMNS.split(", "), strict=True))
    return ", ".join(values)


def _ddl(fts: str, source: str, title: str, body: str, detail: str | None = None) -> list[str]:
    view = f"{fts}_source"
    remove = f"DELETE FROM {fts} WHERE rowid = old.id;"
    add = f"INSERT INTO {fts}(rowid, {COLUMNS}) VALUES (new.id, {_values('new', title, body)});"
    if fts == ARTICLES_FTS:  # the posting arrays learn which articles changed
        remove, add = remove + postings.mark_dirty("old"), add + postings.mark_dirty("new")
    watched = "title, text" if source == "articles" else "text"
    if detail is None:
        detail = ARTICLES_DETAIL if fts == ARTICLES_FTS else "full"
    return [
        f"CREATE VIEW IF NOT EXISTS {view} AS SELECT id, {_values(source, title, body, True)} "
        f"FROM {source}",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({COLUMNS}, content='{view}', "
        f"content_rowid='id', tokenize='{TOKENIZER}', detail={detail})",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {source} BEGIN {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_bd BEFORE DELETE ON {source} BEGIN {remove} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_bu BEFORE UPDATE OF {watched} ON {source} "
        f"BEGIN {remove} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {watched} ON {source} "
        f"BEGIN {add} END",
    ]


# bm25() column weights: title, body, and their simplified copies
ARTICLE_WEIGHTS: verified.Weights = (TITLE_WEIGHT, 1.0, TITLE_WEIGHT, 1.0)
WEIGHTS = {
    ARTICLES_FTS: f"{TITLE_WEIGHT}, 1.0, {TITLE_WEIGHT}, 1.0",
    COMMENTS_FTS: "0.0, 1.0, 0.0, 1.0",
}


def _rank_settings() -> list[str]:
    """The same BM25 as the tables' `rank`, for SQL users (`ORDER BY rank`)."""
    return [
        f"INSERT INTO {fts}({fts}, rank) VALUES ('rank', 'bm25({w})')" for fts, w in WEIGHTS.items()
    ]


TRIGGER_NAMES = tuple(f"{fts}_{kind}" for fts, *_ in _SOURCES for kind in ("ai", "bd", "bu", "au"))


def register_functions(connection: Connection) -> None:
    """The tokens functions the views and triggers call, on this connection (any engine:
    migrations also run on engines debtcorpus did not make)."""
    from corpus.search.sqlfunctions import register

    raw = connection.connection.dbapi_connection
    try:
        raw.execute("SELECT search_tokens('')")  # type: ignore[union-attr]
    except sqlite3.OperationalError:  # not registered (re-registering fails mid-statement)
        register(raw)


def create(connection: Connection, detail: str | None = None) -> None:
    """Create the views, FTS5 tables, triggers and ranking (the index is empty until build);
    `detail` for the articles' index (the migrations make the earlier `full` one)."""
    register_functions(connection)
    postings.create(connection)
    for source in _SOURCES:
        for statement in _ddl(*source, detail=detail if source[0] == ARTICLES_FTS else None):
            connection.exec_driver_sql(statement)
    for statement in _rank_settings():
        connection.exec_driver_sql(statement)


def rebuild(connection: Connection) -> None:
    """Index every row of the sources (FTS5 reads them through the views)."""
    register_functions(connection)
    for fts, *_ in _SOURCES:
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    postings.build(connection, ARTICLES_FTS)


def drop(connection: Connection) -> None:
    for name in TRIGGER_NAMES:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for fts, *_ in _SOURCES:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {fts}")
        connection.exec_driver_sql(f"DROP VIEW IF EXISTS {fts}_source")
    postings.drop(connection)


def exists(connection: Connection) -> bool:
    query = "SELECT count(*) FROM sqlite_master WHERE name IN (:a, :c)"
    return connection.execute(text(query), {"a": ARTICLES_FTS, "c": COMMENTS_FTS}).scalar() == 2


def triggers_present(connection: Connection) -> bool:
    query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'"
    return connection.execute(text(query)).scalar() == len(TRIGGER_NAMES)


def replace_article(session: Session, *_: Any) -> None:
    """The triggers index every write (see index_rows)."""
    index_rows(session.connection())


def index_rows(connection: Connection, *_: Any) -> None:
    """The triggers index every write. A table rebuilt by a migration (SQLite copies it and
    drops its triggers) gets them back here, with a full rebuild for what it missed; the
    posting arrays take in the changed articles when enough have changed."""
    if not triggers_present(connection):
        drop(connection)
        create(connection)
        rebuild(connection)
    elif folding.due(connection):
        fold_changes(connection)


def fold_changes(connection: Connection) -> int:
    """Fold the articles changed since the posting arrays were built into them (see
    corpus.search.folding); returns how many."""
    return folding.fold(connection, ARTICLES_FTS)


def ranked(
    session: Session, match: str, comments: bool, where: str, params: dict[str, Any], limit: int
) -> list[tuple[int, float]]:
    """(row id, score) of the best `limit` comments matching `match` and the filters (FTS5's
    own bm25(): the comments' index keeps positions)."""
    table = COMMENTS_FTS
    # Joined only for filters: the triggers keep the index to existing rows, and the join
    # costs more than the ranking on a common word (260 -> 420 ms at 90k matches, measured).
    joins = ""
    if where:
        joins = f"JOIN comments c ON c.id = {table}.rowid JOIN articles a ON a.id = c.article_id"
    # bm25() spelled out, ordered by its alias: computed once per row
    sql = (
        f"SELECT {table}.rowid, -bm25({table}, {WEIGHTS[table]}) AS score FROM {table} {joins} "
        f"WHERE {table} MATCH :match {where} ORDER BY score DESC LIMIT :limit"
    )
    rows = session.execute(typed_text(sql, params), params | {"match": match, "limit": limit})
    return [(int(row[0]), float(row[1])) for row in rows]


def ranked_articles(
    session: Session,
    words: tuple[str, ...],
    fold: bool,
    where: str,
    params: dict[str, Any],
    limit: int,
) -> list[tuple[int, float]]:
    """(article id, score) of the best `limit` articles holding every word, among those the
    filters allow: candidates from the detail=none index, confirmed and counted on the text,
    ranked by FTS5's bm25 as with positions (corpus.search.verified)."""
    connection = session.connection()

    def hits_of(word: str) -> int | None:
        return ranking.array_hits(connection, word, TITLE_WEIGHT)

    return verified.ranked(connection, words, fold, ARTICLE_WEIGHTS, limit, where, params, hits_of)


def ranked_by_arrays(
    session: Session,
    words: tuple[str, ...],
    limit: int,
    where: str = "",
    params: dict[str, Any] | None = None,
) -> list[tuple[int, float]] | None:
    """`ranked_articles` from the posting arrays (corpus.search.ranking), or None where they
    cannot answer; `where` (over the articles alias `a`) filters the best rows."""
    query = ranking.Query(ARTICLE_WEIGHTS)

    def allowed(ids: list[int]) -> set[int]:
        listed = ", ".join(str(int(key)) for key in ids) or "NULL"
        sql = f"SELECT a.id FROM articles a WHERE a.id IN ({listed}) {where}"
        return set(session.execute(typed_text(sql, params or {}), params or {}).scalars())

    connection = session.connection()
    return ranking.ranked(connection, words, query, TITLE_WEIGHT, limit, allowed if where else None)


def refresh_arrays(connection: Connection) -> None:
    """On an index made before the posting arrays: triggers that log changed articles, and
    the arrays (FTS5's own index is kept as it is)."""
    register_functions(connection)
    for name in TRIGGER_NAMES:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    create(connection)
    postings.build(connection, ARTICLES_FTS)
