"""PostgreSQL: every command runs on `--db postgresql+psycopg://...`, the migrations build the
models there too, and concurrent writers of one article keep exactly one row.

Needs PostgreSQL (and, for tests/test_distributed.py, Redis) on 127.0.0.1; the tests fail, not
skip, when they cannot reach them. Override the URLs with DEBTCORPUS_TEST_PG/_REDIS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from corpus import migrate
from corpus.ingest import FetchedPage, clean_fetched, store_batch, store_fetch
from corpus.models import Article, ArticleRevision, Claim, Page
from corpus.store import Store, open_store
from samplesite.content import load_articles

pytestmark = pytest.mark.services


def _per_test_process(pg_url: str, redis_url: str) -> tuple[str, str]:
    """Under pytest-xdist each test process (gw0, gw1, ...) gets its own PostgreSQL database
    and Redis database number, so tests that reset them never meet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return pg_url, redis_url
    number = int(worker[2:])
    pg = make_url(pg_url)
    pg = pg.set(database=f"{pg.database}_{worker}")
    base, _, db = redis_url.rpartition("/")
    redis_db = int(db) if db.isdigit() else 0
    return pg.render_as_string(hide_password=False), f"{base}/{redis_db + 1 + number}"


PG_URL, REDIS_URL = _per_test_process(
    os.environ.get(
        "DEBTCORPUS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/debtcorpus_test"
    ),
    os.environ.get("DEBTCORPUS_TEST_REDIS", "redis://127.0.0.1:6379/0"),
)
SERVICES_HINT = "start PostgreSQL/Redis: see .ci/services"
# Crawl the local sample site at full speed; politeness settings are for real sites.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "ERROR")
WRITERS = 8


def create_database_if_missing(url: str) -> None:
    """Create the test database through the server's `postgres` database when it is not
    there yet (a fresh server has the service running but not our database)."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        create_database_if_missing(PG_URL)
        engine = create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
    except OperationalError as exc:
        raise RuntimeError(f"cannot reach PostgreSQL at {PG_URL}: {exc}; {SERVICES_HINT}") from exc
    return PG_URL


@pytest.fixture(scope="session")
def redis_server() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise RuntimeError(f"cannot reach Redis at {REDIS_URL}: {exc}; {SERVICES_HINT}") from exc
    return REDIS_URL


def reset_database(url: str) -> None:
    """Drop every table (a fresh schema), so each test starts from an empty database."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def pg_db(postgres_server: str) -> str:
    reset_database(postgres_server)
    return postgres_server


def debtcorpus(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "corpus", *args], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"debtcorpus {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result


def test_migrations_build_exactly_the_models_on_postgres(pg_db: str) -> None:
    engine = create_engine(pg_db)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        differences = migrate.model_differences(connection)
    engine.dispose()
    assert not differences, f"models and migrations disagree on PostgreSQL: {differences}"


def test_every_command_runs_on_postgres(pg_db: str, sample_site: str, tmp_path: Path) -> None:
    db = ("--db", pg_db)
    debtcorpus("crawl", "--site", "sample-law", "--base-url", sample_site, *FAST, *db)
    law_paths = {a.path for a in load_articles() if a.site == "law"}
    store = Store(pg_db)
    with store.session() as session:
        urls = set(session.scalars(select(Article.url)))
    assert law_paths <= {url.removeprefix(sample_site) for url in urls}
    debtcorpus("reprocess", *db)
    debtcorpus("dedup", *db)
    debtcorpus("export", str(tmp_path / "out"), "--format", "jsonl", *db)
    assert (tmp_path / "out" / "manifest.json").is_file()
    debtcorpus("report", "dedup", "--format", "md", "--out", str(tmp_path / "dedup.md"), *db)
    debtcorpus(
        "schedule",
        "add",
        "nightly",
        "--site",
        "sample-law",
        "--every",
        "1d",
        "--base-url",
        sample_site,
        *db,
    )
    assert "nightly" in debtcorpus("schedule", "list", *db).stdout
    assert "up to date" in debtcorpus("db", "current", *db).stdout
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == len(urls)
    store.dispose()


def fetch_article_page(base_url: str) -> FetchedPage:
    url = f"{base_url}{next(a.path for a in load_articles() if a.site == 'wp')}"
    with urllib.request.urlopen(url, timeout=10) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = response.read()
    return FetchedPage(
        url=url, final_url=url, status=200, headers=headers, body=body, fetched_at=datetime.now(UTC)
    )


def store_concurrently(db: str, fetched: FetchedPage) -> list[str | None]:
    """WRITERS threads, each with its own engine, store the same new article at once."""
    result = clean_fetched(fetched)
    stores = [Store(db) for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    changes: list[str | None] = []

    def write(store: Store) -> None:
        barrier.wait()
        changes.append(store_fetch(store, fetched, result).change)

    threads = [threading.Thread(target=write, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for store in stores:
        store.dispose()
    return changes


@pytest.fixture(params=["postgresql", "sqlite"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "corpus.db")
    else:
        yield request.getfixturevalue("pg_db")


def test_concurrent_writers_keep_one_article(any_db: str, sample_site: str) -> None:
    open_store(any_db).dispose()
    changes = store_concurrently(any_db, fetch_article_page(sample_site))
    assert sorted(changes, key=str) == ["new"] + ["unchanged"] * (WRITERS - 1)
    store = Store(any_db)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        assert session.scalar(select(func.count()).select_from(Page)) == WRITERS
    store.dispose()


def test_a_batch_with_one_article_twice_keeps_both_fetches(any_db: str, sample_site: str) -> None:
    """One transaction, bulk statements: the second fetch of an article in a batch sees the
    first (a changed text keeps the first as a revision), the same on both databases."""
    store = open_store(any_db)
    first = fetch_article_page(sample_site)
    page = first.body.decode("utf-8")
    word = next(w for w in ("逾期", "催收", "还款") if w in page)
    second = replace(first, body=page.replace(word, "鹦鹉螺").encode("utf-8"))
    results = clean_fetched(first), clean_fetched(second)
    assert results[0] and results[0].article and results[1] and results[1].article
    stored = store_batch(store, [(first, results[0]), (second, results[1])])
    assert [s.change for s in stored] == ["new", "changed"]
    with store.session() as session:
        article = session.scalars(select(Article)).one()
        revision = session.scalars(select(ArticleRevision)).one()
        claims = session.scalar(select(func.count()).select_from(Claim))
    store.dispose()
    assert "鹦鹉螺" in article.text and "鹦鹉螺" not in revision.text
    assert article.last_page_id == stored[1].id and article.revision_count == 1
    assert len(revision.claims) == len(results[0].article.claims)
    assert claims == len(results[1].article.claims)


def test_no_statement_is_prepared_on_the_server(pg_db: str) -> None:
    """PgBouncer in transaction mode: a statement prepared on one server connection is gone on
    the next transaction's, so psycopg must prepare none (prepare_threshold=None)."""
    store = open_store(pg_db)
    with store.engine.connect() as connection:
        for _ in range(10):
            connection.execute(select(func.count()).select_from(Page)).scalar()
        prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar() == 0
    assert (store.engine.pool.size(), store.engine.pool._max_overflow) == (2, 2)  # type: ignore[attr-defined]
    store.dispose()


def test_stats_json_counts_are_integers_on_both_databases(any_db: str, sample_site: str) -> None:
    """PostgreSQL's sum() of counts is numeric (Decimal): `stats --json` must still write it."""
    store = open_store(any_db)
    fetched = fetch_article_page(sample_site)
    store_fetch(store, fetched, clean_fetched(fetched))
    store.dispose()
    record = json.loads(debtcorpus("stats", "--json", "--db", any_db).stdout)
    (site,) = record["sites"]
    assert site["articles"] == 1 and site["claims"] > 0
    for key in ("articles", "comments", "claims", "masked_gaps"):
        assert type(site[key]) is int, (key, site[key])


def test_published_at_is_the_same_utc_instant_on_both_databases(
    any_db: str, sample_site: str
) -> None:
    """A page's date is Beijing time (+08:00); both databases store it as UTC (the schema's
    "Publication time, UTC"), so SQLite does not keep the Beijing wall time as if it were UTC."""
    store = open_store(any_db)
    fetched = fetch_article_page(sample_site)
    result = clean_fetched(fetched)
    assert result and result.article and result.article.published.value
    published = result.article.published.value
    assert published.utcoffset() is not None and published.utcoffset().total_seconds() != 0
    store_fetch(store, fetched, result)
    with store.session() as session:
        stored = session.scalars(select(Article.published_at)).one()
    store.dispose()
    assert stored is not None
    stored = stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored
    assert stored == published
