"""The posting arrays (SQLite): common two-character words ranked in NumPy give exactly FTS5's
bm25 ranking with positions (an index with them rebuilt beside the detail=none one): the same
ids, the same scores to the bit, the same order, for articles added since the build and older
articles changed since (re-counted from their text), and after the changes are folded into
the arrays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from corpus.models import Article
from corpus.search import postings as arrays
from corpus.search import reindex, search
from corpus.search.matching import ARTICLE_COLUMNS, fts5_match, parse_query
from corpus.search.sqlite import ARTICLES_FTS, ranked_by_arrays
from corpus.store import Store, open_store
from tests.test_search import add_article, ingest_sample_site, scan
from tests.test_search_verified import positional

# two-character words only (the arrays' tokens): common, rare, a Latin pair, a title word
QUERIES = ("上门", "催收 上门", "上门 逾期", "法院 起诉", "家访", "录音 催收", "ap")
QUERIES += ("逾期 协商 律师",)
EVERYTHING = 100_000


def build_arrays(store: Store) -> int:
    """Arrays for every two-character token (the default leaves rare ones to FTS5)."""
    with store.engine.begin() as connection:
        return arrays.build(connection, ARTICLES_FTS, min_rows=1)


def both(session: Session, query: str, limit: int) -> tuple[object, list[tuple[int, float]]]:
    parsed = parse_query(query)
    match = fts5_match(parsed, ARTICLE_COLUMNS)
    by_arrays = ranked_by_arrays(session, parsed.words, limit)
    return by_arrays, positional(session, match, "", {}, limit)


@pytest.fixture(scope="module")
def corpus(sample_site: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("arrays") / "corpus.db")
    ingest_sample_site(db, sample_site)
    store = open_store(db)
    with store.session() as session:  # simplified tokens in the folded columns too
        add_article(session, "催收人員上門怎麼辦", "第三方機構上門催收，須事先通知。上门")
    assert build_arrays(store) > 100
    store.dispose()
    return db


@pytest.mark.parametrize("query", QUERIES)
def test_arrays_rank_exactly_as_fts5(corpus: str, query: str) -> None:
    store = Store(corpus)
    with store.session() as session:
        for limit in (EVERYTHING, 5):
            by_arrays, by_fts5 = both(session, query, limit)
            assert by_arrays == by_fts5 and by_fts5, (query, limit)
    store.dispose()


def test_filters_on_the_arrays_agree_with_fts5(corpus: str) -> None:
    from corpus.search.query import SearchFilters, filter_sql

    store = Store(corpus)
    with store.session() as session:
        sites = [site for site in session.scalars(select(Article.site).distinct()) if site]
        since = SearchFilters(since=datetime(2025, 3, 1, tzinfo=UTC))
        for filters in [SearchFilters(site=site) for site in sites] + [since]:
            where, params = filter_sql(filters)
            for query in ("上门", "催收 上门", "法院 起诉"):
                parsed = parse_query(query)
                match = fts5_match(parsed, ARTICLE_COLUMNS)
                for limit in (EVERYTHING, 3):
                    by_arrays = ranked_by_arrays(session, parsed.words, limit, where, params)
                    assert by_arrays == positional(session, match, where, params, limit)
                    assert by_arrays is not None
    store.dispose()


def test_ties_are_cut_and_ordered_as_fts5_does(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "ties.db"))
    with store.session() as session:
        for i in range(12):
            body = "借款人逾期以后，催收人员上门。" if i % 3 else "逾期以后，催收人员多次上门。"
            add_article(session, f"第{i}篇", body)
    build_arrays(store)
    with store.session() as session:
        for limit in (1, 3, 5, 8, 12):
            by_arrays, by_fts5 = both(session, "上门 逾期", limit)
            assert by_arrays == by_fts5 and len(by_fts5) == limit
    store.dispose()


def agree_by_arrays(session: Session) -> None:
    """Every query: the arrays answer (not None: the arrays ranker ran) with FTS5's ranking."""
    for query in QUERIES:
        for limit in (EVERYTHING, 5):
            by_arrays, by_fts5 = both(session, query, limit)
            assert by_arrays is not None, (query, limit)
            assert by_arrays == by_fts5, (query, limit)


def revise_old_articles(session: Session) -> list[int]:
    """Re-crawl revisions of older articles: texts rewritten (a common word gone, another
    gained), a title changed, and one deleted (the first article of a title holding 上门 that
    nothing refers to); returns the ids touched."""
    ids = session.scalars(select(Article.id).order_by(Article.id)).all()
    touched = [ids[1], ids[3], ids[5]]
    first, second, third = (session.get(Article, key) for key in touched)
    assert first and second and third
    first.text = "章鱼"
    second.text = (second.text or "") + "上门催收，逾期协商，律师说上门催收违法。"
    third.title = "上门 上门 上门"
    gone = session.scalars(
        select(Article).where(Article.url.like("https://example.invalid/%上%")).order_by(Article.id)
    ).first()
    if gone is not None:
        touched.append(gone.id)
        session.delete(gone)
    session.commit()
    return touched


def test_revised_older_articles_keep_the_arrays_exact(corpus: str) -> None:
    """New articles (scored by FTS5) and revisions of older ones (re-counted from their text):
    the arrays still answer, with FTS5's ranking; folding them in keeps it so and empties
    the log."""
    store = Store(corpus)
    with store.session() as session:
        add_article(session, "上门催收新规", "新规：催收人员不得上门，逾期协商为先。")
        add_article(session, "另一篇", "律师说逾期后上门催收违法。")
    with store.session() as session:
        agree_by_arrays(session)
        touched = revise_old_articles(session)
        logged = session.execute(text(f"SELECT id FROM {arrays.DIRTY}")).scalars().all()
        assert set(touched) <= set(logged)
        agree_by_arrays(session)
        hits = {hit.article_id for hit in search(session, "上门 逾期", limit=EVERYTHING)}
    assert hits == scan(corpus, "上门 逾期")
    with store.engine.begin() as connection:
        from corpus.search.sqlite import fold_changes

        assert fold_changes(connection) == len(logged)
    with store.session() as session:
        assert not session.execute(text(f"SELECT * FROM {arrays.DIRTY}")).all()
        agree_by_arrays(session)
        revise_old_articles(session)  # and again after the fold
        agree_by_arrays(session)
    reindex(store)
    with store.session() as session:
        state = session.execute(text(f"SELECT count(*) FROM {arrays.STATE}")).scalar_one()
        assert state == 1 and not session.execute(text(f"SELECT * FROM {arrays.DIRTY}")).all()
    store.dispose()


def test_ingest_folds_the_log_once_it_is_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`index_article` (ingest, reprocess) folds the changed articles into the arrays once
    the log passes its share; the arrays stay exact."""
    from corpus.search import folding, index_article

    store = open_store(str(tmp_path / "fold.db"))
    with store.session() as session:
        for i in range(30):
            add_article(session, f"第{i}篇", "借款人逾期以后，催收人员上门。" * (1 + i % 4))
    build_arrays(store)
    monkeypatch.setattr(folding, "FOLD_MIN", 3)
    monkeypatch.setattr(folding, "FOLD_SHARE", 0.05)
    with store.session() as session:
        old = session.get(Article, 2)
        assert old is not None
        old.text = "上门，上门。"
        session.flush()
        index_article(session, old)  # one of 30 logged: below the share
        assert session.execute(text(f"SELECT count(*) FROM {arrays.DIRTY}")).scalar_one() == 1
        add_article(session, "新的", "逾期上门")  # it calls index_article
        new = session.scalars(select(Article).where(Article.title == "新的")).one()
        assert session.execute(text(f"SELECT count(*) FROM {arrays.DIRTY}")).scalar_one() == 2
        again = session.get(Article, 5)
        assert again is not None
        again.text = "逾期"
        session.flush()
        index_article(session, again)  # 3 of 30: folded
        assert session.execute(text(f"SELECT count(*) FROM {arrays.DIRTY}")).scalar_one() == 0
        assert session.execute(text(f"SELECT max_id FROM {arrays.STATE}")).scalar_one() == new.id
        session.commit()
        for query in ("上门", "上门 逾期", "催收"):
            for limit in (EVERYTHING, 3):
                by_arrays, by_fts5 = both(session, query, limit)
                assert by_arrays is not None and by_arrays == by_fts5
    store.dispose()


def test_tokens_of_many_texts_at_once_are_the_tokenizers() -> None:
    from corpus.search.bigrams import code, pairs
    from corpus.search.tokens import tokens

    texts = ["上门催收 APP，ＡＢ c", None, "", "微粒贷①Ⅻ x_y 𠀀𠀁 İstanbul", "a"]
    where, codes = pairs(texts)
    expected = [
        (i, code(token)) for i, t in enumerate(texts) for token in tokens(t) if len(token) == 2
    ]
    assert list(zip(where.tolist(), codes.tolist(), strict=True)) == expected


def test_db_upgrade_gives_an_index_made_before_the_arrays_its_arrays(tmp_path: Path) -> None:
    """Migration 0014 on an index made before it (no arrays, triggers that log nothing): the arrays
    are built and changed articles are logged."""
    from corpus import migrate
    from corpus.search import sqlite

    db = str(tmp_path / "old.db")
    store = open_store(db)
    with store.session() as session:
        add_article(session, "还款提醒", "催收人员上门。")
    with store.engine.begin() as connection:
        for name in sqlite.TRIGGER_NAMES:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
        arrays.drop(connection)
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0013'")
    migrate.upgrade(store.engine, "0015")  # the later migrations' tables are there already
    with store.session() as session:
        assert session.execute(text(f"SELECT max_id FROM {arrays.STATE}")).scalar_one() == 1
        session.execute(text("UPDATE articles SET text = '鹦鹉螺' WHERE id = 1"))
        assert session.execute(text(f"SELECT id FROM {arrays.DIRTY}")).scalars().all() == [1]
    store.dispose()
