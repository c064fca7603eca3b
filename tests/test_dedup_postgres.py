"""`debtcorpus dedup` on PostgreSQL: the same clusters and edges as on SQLite, band keys as
one row per article with an indexed BIGINT column per band."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup import scan
from corpus.dedup.run import run_dedup
from corpus.models import ContainmentEdge, DuplicateCluster
from corpus.store import Store, open_store
from tests.dedup_corpus import add_article, build_corpus
from tests.test_postgres import pg_db, postgres_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.services


def _result(store: Store) -> tuple[set[tuple[int, frozenset[int]]], set[tuple[int, int]]]:
    with store.session() as session:
        clusters = {
            (c.representative_id, frozenset(m.article_id for m in c.members))
            for c in session.scalars(select(DuplicateCluster))
        }
        edges = {(e.source_id, e.container_id) for e in session.scalars(select(ContainmentEdge))}
    return clusters, edges


def test_dedup_on_postgres_matches_sqlite(
    pg_db: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sqlite_store, _ = build_corpus(tmp_path / "corpus.db")
    run_dedup(sqlite_store, FingerprintConfig())
    pg_store = open_store(pg_db)
    with sqlite_store.session() as session:
        from corpus.models import Article as Stored

        sqlite_texts = [session.get_one(Stored, 1).text]
    with sqlite_store.session() as source, pg_store.session() as target:
        from corpus.models import Article

        for article in source.scalars(select(Article).order_by(Article.id)):
            columns = {c.name: getattr(article, c.name) for c in Article.__table__.columns}
            target.add(Article(**columns))
    monkeypatch.setattr(scan, "BULK_MIN", 0)  # the bulk load: band indexes dropped, rebuilt
    summary = run_dedup(pg_store, FingerprintConfig())
    assert summary.fingerprinted == 25
    assert _result(pg_store) == _result(sqlite_store)
    assert_band_keys_are_indexed_bigints(pg_db)
    # a few new articles: index lookups (= ANY) on PostgreSQL; the copy joins its family
    copy = sqlite_texts[0] + "\n新段落"
    add_article(pg_store, 900, copy, "late.com")
    assert run_dedup(pg_store, FingerprintConfig()).fingerprinted == 1
    clusters, _ = _result(pg_store)
    assert any({1, 900} <= members for _, members in clusters)
    pg_store.dispose()


def assert_band_keys_are_indexed_bigints(url: str) -> None:
    """lsh_band_keys on PostgreSQL: keyed by article_id, bigint band keys, one index a band."""
    engine = create_engine(url)
    with engine.connect() as connection:
        primary = connection.scalar(
            text(
                "SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) "
                "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = 'lsh_band_keys'::regclass AND i.indisprimary"
            )
        )
        key_type = connection.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'lsh_band_keys' AND column_name = 'b07'"
            )
        )
    engine.dispose()
    assert primary == "article_id" and key_type == "bigint"
    with engine.connect() as connection:
        indexes = connection.scalar(
            text("SELECT count(*) FROM pg_indexes WHERE tablename = 'lsh_band_keys'")
        )
    assert indexes == 1 + FingerprintConfig().bands
