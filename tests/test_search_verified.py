"""The articles' index without positions (migration 0015, corpus.search.verified): the hits,
their scores and their order are exactly what FTS5 gives with positions (a `detail=full`
index built beside it from the same view): for words of one to four characters, several
words, script folding, filters, common words mixed with rare ones, rows added and changed
since the posting arrays were built. And 0015's upgrade and downgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from corpus import migrate
from corpus.search import postings, search
from corpus.search.matching import ARTICLE_COLUMNS, fts5_match, parse_query
from corpus.search.query import SearchFilters, filter_sql, ranked_ids
from corpus.search.sqlite import ARTICLES_FTS, COLUMNS, TOKENIZER, WEIGHTS
from corpus.search.statements import typed_text
from corpus.search.verified import candidates_match, occurrences
from corpus.store import Store, open_store
from tests.test_search import add_article, ingest_sample_site, scan

REFERENCE = "search_reference_fts"  # search_*: not a model table
QUERIES = ("上", "催", "催收", "上门催", "暴力催收", "上门 逾期", "App", "法院 起诉", "微粒贷")
QUERIES += ("催收 鹦鹉螺", "上门 微粒贷 律师", "收上", "人员上门", "哈哈哈", "哈哈")
EVERYTHING = 100_000


def positional(
    session: Session, match: str, where: str, params: dict, limit: int
) -> list[tuple[int, float]]:
    """FTS5's own ranking with positions (ties by id), from an index rebuilt now beside the
    detail=none one, over the same view."""
    raw = session.connection().connection.dbapi_connection
    options = f"content='{ARTICLES_FTS}_source', content_rowid='id', tokenize='{TOKENIZER}'"
    create = f"CREATE VIRTUAL TABLE IF NOT EXISTS {REFERENCE} USING fts5({COLUMNS}, {options})"
    raw.execute(create)  # type: ignore[union-attr]
    raw.execute(f"INSERT INTO {REFERENCE}({REFERENCE}) VALUES ('rebuild')")  # type: ignore[union-attr]
    join = f"JOIN articles a ON a.id = {REFERENCE}.rowid" if where else ""
    sql = (
        f"SELECT {REFERENCE}.rowid, -bm25({REFERENCE}, {WEIGHTS[ARTICLES_FTS]}) AS score "
        f"FROM {REFERENCE} {join} WHERE {REFERENCE} MATCH :match {where} "
        f"ORDER BY score DESC, {REFERENCE}.rowid LIMIT :limit"
    )
    rows = session.execute(typed_text(sql, params), {"match": match, "limit": limit} | params)
    return [(int(key), float(score)) for key, score in rows]


def reference(session: Session, query: str, fold: bool, where: str = "", **params: object) -> list:
    match = fts5_match(parse_query(query, fold), ARTICLE_COLUMNS)
    return positional(session, match, where, params, EVERYTHING)


def mine(session: Session, query: str, fold: bool, filters: SearchFilters | None = None) -> list:
    parsed = parse_query(query, fold)
    return ranked_ids(session, parsed, filters or SearchFilters(), False, EVERYTHING)


@pytest.fixture(scope="module")
def corpus(sample_site: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("verified") / "corpus.db")
    ingest_sample_site(db, sample_site)
    store = open_store(db)
    with store.session() as session:  # traditional script: simplified copies in the index
        add_article(session, "催收人員上門怎麼辦", "第三方機構上門催收，須事先通知。上门 哈哈哈哈")
        add_article(session, "哈哈", "收上收上收上 人员上门")
    with store.engine.begin() as connection:
        assert postings.build(connection, ARTICLES_FTS, min_rows=5) > 10
    with store.session() as session:  # after the build: a new row, a changed one
        add_article(session, "鹦鹉螺催收", "催收员上门 上门催收 微粒贷 律师")
        session.execute(text("UPDATE articles SET text = text || '上门催收律师' WHERE id = 3"))
    store.dispose()
    return db


def test_the_index_keeps_no_positions(corpus: str) -> None:
    store = Store(corpus)
    with store.engine.connect() as connection:
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": ARTICLES_FTS}
        ).scalar_one()
    store.dispose()
    assert "detail=none" in sql


@pytest.mark.parametrize("fold", [False, True])
@pytest.mark.parametrize("query", QUERIES)
def test_ranked_exactly_as_fts5_with_positions(corpus: str, query: str, fold: bool) -> None:
    store = Store(corpus)
    with store.session() as session:
        expected = reference(session, query, fold)
        assert mine(session, query, fold) == expected, query
        top = search(session, query, limit=3, fold=fold)
        assert [(h.article_id, h.score) for h in top] == [(k, round(s, 4)) for k, s in expected[:3]]
    if not fold:
        assert {key for key, _ in expected} == scan(corpus, query)
    store.dispose()


def test_filters_rank_exactly_as_fts5_with_positions(corpus: str) -> None:
    store = Store(corpus)
    with store.session() as session:
        site = session.execute(text("SELECT site FROM articles WHERE site IS NOT NULL")).scalar()
        for filters in (SearchFilters(site=site), SearchFilters(lender="微粒贷")):
            where, params = filter_sql(filters)
            for query in ("上门", "上门催", "催收 上门"):
                expected = reference(session, query, False, where, **params)
                assert mine(session, query, False, filters) == expected, (query, filters)
    store.dispose()


def test_candidates_and_occurrences() -> None:
    assert candidates_match(("上门催", "门催", "上")) == '"上门" AND "门催" AND "上" *'
    assert [occurrences(w, "哈哈哈哈 abab") for w in ("哈哈", "哈哈哈", "ab", "ba")] == [3, 2, 2, 1]


def test_migration_0015_down_and_up(tmp_path: Path) -> None:
    from alembic import command

    db = str(tmp_path / "c.db")
    store = open_store(db)
    with store.session() as session:
        add_article(session, "催收上门", "上门催收的人")
        add_article(session, "上门", "催收员上门催收，上门催")
        add_article(session, "门上", "催上门的收")
    detail = f"SELECT sql FROM sqlite_master WHERE name = '{ARTICLES_FTS}'"
    ranking = (
        f"SELECT rowid, -bm25({ARTICLES_FTS}, {WEIGHTS[ARTICLES_FTS]}) AS score FROM "
        f"{ARTICLES_FTS} WHERE {ARTICLES_FTS} MATCH :m ORDER BY score DESC, rowid"
    )
    with store.engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0014")
        assert "detail=full" in connection.execute(text(detail)).scalar_one()
        phrase = fts5_match(parse_query("上门催"), ARTICLE_COLUMNS)
        before = [tuple(row) for row in connection.execute(text(ranking), {"m": phrase})]
        assert [key for key, _ in before] == [2, 1]
    migrate.upgrade(store.engine)
    with store.session() as session:
        assert "detail=none" in session.execute(text(detail)).scalar_one()
        after = [(h.article_id, h.score) for h in search(session, "上门催")]
        assert after == [(key, round(score, 4)) for key, score in before]
        assert [h.article_id for h in search(session, "门上")] == [3]
    with store.engine.connect() as connection:
        assert not migrate.model_differences(connection)
    store.dispose()
