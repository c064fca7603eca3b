"""Search: on the sample-site corpus, the hits of each query are exactly the articles (or
comments) that hold every word as a substring, on SQLite and on PostgreSQL; ranking, snippets,
script folding, keeping the index current, the CLI and the migration of old corpora."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from corpus.ingest import FetchedPage, clean_fetched, store_fetch
from corpus.models import Article, Comment
from corpus.search import index_article, reindex, search
from corpus.search.query import SearchFilters
from corpus.search.tokens import FOLDER, query_words, word_matches
from corpus.store import Store, open_store
from samplesite.content import load_articles

# one character, two, three, four, two words, a Latin word (any case), a word in comments only
QUERIES = ("上", "催收", "上门催", "暴力催收", "上门 逾期", "App", "法院 起诉", "微粒贷")
COMMENT_ONLY = "追账"
EVERYTHING = 100_000


def fetch(url: str) -> FetchedPage:
    with urllib.request.urlopen(url, timeout=10) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = response.read()
    now = datetime.now(UTC)
    return FetchedPage(
        url=url, final_url=url, status=200, headers=headers, body=body, fetched_at=now
    )


def ingest_sample_site(db: str, base_url: str) -> None:
    store = open_store(db)
    for article in load_articles():
        try:
            fetched = replace(fetch(base_url + article.path), site=article.site)
        except urllib.error.HTTPError:  # the sample site's deliberately failing pages
            continue
        store_fetch(store, fetched, clean_fetched(fetched))
    store.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus_db(
    request: pytest.FixtureRequest, sample_site: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("search") / "corpus.db")
    else:
        from tests.test_postgres import PG_URL, create_database_if_missing, reset_database

        create_database_if_missing(PG_URL)
        reset_database(PG_URL)
        db = PG_URL
    ingest_sample_site(db, sample_site)
    yield db


def hit_ids(db: str, query: str, **options: object) -> set[int]:
    store = Store(db)
    with store.session() as session:
        hits = search(session, query, limit=EVERYTHING, **options)  # type: ignore[arg-type]
    store.dispose()
    key = "comment_id" if options.get("comments") else "article_id"
    return {getattr(hit, key) for hit in hits}


def scan(db: str, query: str, comments: bool = False, fold: bool = False) -> set[int]:
    """The reference: a substring scan of the same table in Python."""
    words = query_words(FOLDER.fold(query) if fold else query)
    prepare = FOLDER.fold if fold else (lambda value: value)
    store = Store(db)
    with store.session() as session:
        if comments:
            rows = [(c.id, c.text, None) for c in session.scalars(select(Comment))]
        else:
            rows = [(a.id, a.title, a.text) for a in session.scalars(select(Article))]
    store.dispose()
    return {
        key
        for key, first, second in rows
        if all(word_matches(w, prepare(first or ""), prepare(second or "")) for w in words)
    }


@pytest.mark.parametrize("query", QUERIES)
def test_hits_are_exactly_the_articles_holding_every_word(corpus_db: str, query: str) -> None:
    expected = scan(corpus_db, query)
    assert expected, f"{query!r} should occur in the sample corpus"
    assert hit_ids(corpus_db, query) == expected


def test_latin_words_ignore_case(corpus_db: str) -> None:
    assert hit_ids(corpus_db, "APP") == hit_ids(corpus_db, "app") == scan(corpus_db, "aPp")


def test_a_word_only_in_comments_is_found_in_the_comments(corpus_db: str) -> None:
    assert not scan(corpus_db, COMMENT_ONLY) and not hit_ids(corpus_db, COMMENT_ONLY)
    expected = scan(corpus_db, COMMENT_ONLY, comments=True)
    assert expected
    assert hit_ids(corpus_db, COMMENT_ONLY, comments=True) == expected
    for query in ("上门", "录音"):
        assert hit_ids(corpus_db, query, comments=True) == scan(corpus_db, query, comments=True)


def test_hits_are_ranked_and_highlighted(corpus_db: str) -> None:
    store = Store(corpus_db)
    with store.session() as session:
        hits = search(session, "上门 逾期", limit=5)
    store.dispose()
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True) and len(hits) == 5
    assert all("<mark>" in hit.snippet for hit in hits)
    assert "<mark>上门</mark>" in " ".join(hit.snippet for hit in hits)


def test_filters_keep_only_matching_articles(corpus_db: str) -> None:
    store = Store(corpus_db)
    with store.session() as session:
        law = search(session, "催收", SearchFilters(site="law"), limit=EVERYTHING)
        since = datetime(2025, 3, 1, tzinfo=UTC)
        recent = search(session, "催收", SearchFilters(since=since), limit=EVERYTHING)
        articles = {a.id: a for a in session.scalars(select(Article))}
    store.dispose()
    assert law and {hit.site for hit in law} == {"law"}
    assert recent and len(recent) < len(hit_ids(corpus_db, "催收"))
    for hit in recent:
        article = articles[hit.article_id]
        when = article.published_at or article.first_seen_at
        assert when.replace(tzinfo=UTC) >= since


def test_title_hits_rank_above_body_hits(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "rank.db"))
    body = "借款人逾期以后，平台一般会先发短信提醒，再打电话沟通还款事宜。" * 3
    with store.session() as session:
        for title, text_ in (("还款提醒", body + "家访"), ("家访须知", body + "通知")):
            add_article(session, title, text_)
    with store.session() as session:
        hits = search(session, "家访")
    store.dispose()
    assert [hit.title for hit in hits] == ["家访须知", "还款提醒"]


def add_article(session: object, title: str, body: str, comments: tuple[str, ...] = ()) -> None:
    now = datetime.now(UTC)
    article = Article(
        url=f"https://example.invalid/{title}",
        title=title,
        text=body,
        text_sha256=title,
        extractor_version="test",
        first_seen_at=now,
        last_seen_at=now,
    )
    article.comments = [Comment(position=i, text=c) for i, c in enumerate(comments)]
    session.add(article)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    index_article(session, article)  # type: ignore[arg-type]


def test_fold_script_finds_traditional_and_simplified(corpus_db: str) -> None:
    store = Store(corpus_db)
    with store.session() as session:
        body = "第三方機構上門催收，須事先通知。"
        add_article(session, "催收人員上門怎麼辦", body, ("上門錄影",))
    store.dispose()
    traditional = hit_ids(corpus_db, "上門")
    assert traditional == scan(corpus_db, "上門") and len(traditional) == 1
    assert not hit_ids(corpus_db, "上门") & traditional
    for query in ("上门", "上門", "機構 上门"):
        assert hit_ids(corpus_db, query, fold=True) == scan(corpus_db, query, fold=True)
    assert traditional < hit_ids(corpus_db, "上门", fold=True)
    assert hit_ids(corpus_db, "录影", comments=True, fold=True)


def test_index_follows_changed_and_reindexed_articles(corpus_db: str, sample_site: str) -> None:
    path = next(a.path for a in load_articles() if a.site == "wp")
    fetched = fetch(sample_site + path)
    page = fetched.body.decode("utf-8")
    word = next(w for w in ("逾期", "催收", "还款") if w in page)
    changed = replace(fetched, body=page.replace(word, "鹦鹉螺").encode("utf-8"))
    store = Store(corpus_db)
    stored = store_fetch(store, changed, clean_fetched(changed))
    assert stored.change == "changed"
    assert stored.article_id in hit_ids(corpus_db, "鹦鹉螺")
    assert stored.article_id not in hit_ids(corpus_db, word)
    before = {q: hit_ids(corpus_db, q) for q in QUERIES}
    counts = reindex(store)
    with store.session() as session:
        assert counts["articles"] == len(session.scalars(select(Article.id)).all())
        assert counts["comments"] == len(session.scalars(select(Comment.id)).all())
    store.dispose()
    assert {q: hit_ids(corpus_db, q) for q in QUERIES} == before


def test_reprocess_keeps_the_index_current(corpus_db: str) -> None:
    """`reprocess` rewrites texts from the stored pages; the index follows on both back ends
    (here an article's text was overwritten in SQL and indexed so)."""
    from sqlalchemy import text

    from corpus.reprocess import reprocess

    store = Store(corpus_db)
    with store.session() as session:
        article = session.scalars(select(Article).where(Article.text.contains("催收"))).first()
        assert article is not None
        session.execute(
            text("UPDATE articles SET text = '章鱼' WHERE id = :id"), {"id": article.id}
        )
    reindex(store)  # the index holds the overwritten text: reprocess must replace it
    assert hit_ids(corpus_db, "章鱼") == scan(corpus_db, "章鱼") == {article.id}
    reprocess(store)
    store.dispose()
    assert not scan(corpus_db, "章鱼") and not hit_ids(corpus_db, "章鱼")
    assert article.id in scan(corpus_db, "催收")
    for query in QUERIES:
        assert hit_ids(corpus_db, query) == scan(corpus_db, query), query


def test_runs_split_exactly_at_non_letters_and_non_digits() -> None:
    from corpus.search.tokens import is_word_char, runs, tokens

    sample = "".join(chr(c) for c in range(0x20, 0x3100)) + "微粒贷APP_x１２３①Ⅻ"
    expected: list[str] = []
    current = ""
    for char in sample.lower():
        if is_word_char(char):
            current += char
        elif current:
            expected, current = [*expected, current], ""
    if current:
        expected.append(current)
    assert runs(sample) == expected
    assert tokens("上门催收 APP") == ["上门", "门催", "催收", "收", "ap", "pp", "p"]


def test_sqlite_index_agrees_with_its_content_after_every_kind_of_write(tmp_path: Path) -> None:
    """Triggers index every writer's changes (here plain ORM updates and deletes); a table
    rebuilt without its triggers (as SQLite migrations do) gets them and a rebuild back."""
    db = small_db(tmp_path)
    store = Store(db)
    with store.session() as session:
        article = session.scalars(select(Article).where(Article.title == "家访须知")).one()
        article.text = "改写后的正文：鹦鹉螺。"
        article.comments = [Comment(position=0, text="新的评论：海星")]
    assert hit_ids(db, "鹦鹉螺") == {article.id} and not hit_ids(db, "事先告知")
    assert hit_ids(db, "海星", comments=True) and not hit_ids(db, "保留", comments=True)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER search_articles_fts_au")
        connection.exec_driver_sql("UPDATE articles SET text = '章鱼' WHERE id = 1")
    with store.session() as session:
        index_article(session, session.get_one(Article, 1))
    assert hit_ids(db, "章鱼") == {1}
    with store.engine.begin() as connection:
        for table in ("search_articles_fts", "search_comments_fts"):
            connection.exec_driver_sql(
                f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"
            )
    store.dispose()


def small_db(tmp_path: Path) -> str:
    db = str(tmp_path / "small.db")
    store = open_store(db)
    with store.session() as session:
        add_article(session, "还款提醒", "平台一般会先发短信提醒。", ("电话录音",))
        add_article(session, "家访须知", "家访须事先告知。", ("保留录音",))
    store.dispose()
    return db


def test_sql_functions_answer_odd_input_without_failing() -> None:
    import zlib

    from corpus.search.sqlfunctions import page_preview, search_holds, search_match, search_snippet

    assert search_match("") == search_match("，。！") == '""'
    # the candidates in the detail=none index; search_holds confirms them on the text
    assert search_match("上门 App，上") == '"上门" AND "ap" AND "pp" AND "上" *'
    assert search_holds("App 上门", "", "上门 App，上") == 1
    assert search_holds("上门", "pa pp", "上门 App") == 0  # app is not a substring
    assert search_holds(None, None, "，") == 0
    assert search_snippet("催收人员上门", "") == "催收人员上门"
    assert search_snippet("催收人员上門", "上门") == "催收人员上門"  # literal without folding
    page = "<html><head><style>p{}</style><script>x=1</script></head><body><p>催收 上门</p>"
    assert page_preview(zlib.compress(page.encode("utf-8")), "text/html") == "催收 上门"
    assert page_preview(b"not zlib") is None and page_preview(None) is None


def test_snippets_mark_every_word_around_the_first_hit() -> None:
    from corpus.search.matching import parse_query
    from corpus.search.snippets import snippet

    text = "开头" * 100 + "催收人员上门家访，上门前应当告知。" + "结尾" * 100
    shown = snippet(text, parse_query("上门 告知"))
    assert shown.startswith("…") and shown.endswith("…")
    assert shown.count("<mark>上门</mark>") == 2 and "<mark>告知</mark>" in shown
    folded = snippet("第三方機構上門催收", parse_query("上门", fold=True))
    assert folded == "第三方機構<mark>上門</mark>催收"
