"""Stored clusters on a real SQLite file: normalisation, no chaining, containment, direction,
incremental and resumed runs, the CLI."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cleaning.fingerprint import FingerprintConfig
from corpus.cli import cli
from corpus.dedup import scan as dedup_scan
from corpus.dedup.direction import registrable_domain, site_label
from corpus.dedup.run import run_dedup
from corpus.errors import ConfigError
from corpus.models import (
    ArticleFingerprint,
    ContainmentEdge,
    DuplicateCluster,
    DuplicateMember,
    LshBandKey,
)
from corpus.store import Store
from tests.dedup_corpus import BASE_TIME, add_article, build_corpus, real_texts

CONFIG = FingerprintConfig()


def near_clusters(store: Store) -> dict[int, set[int]]:
    """Representative -> members of each near cluster."""
    with store.session() as session:
        rows = session.scalars(select(DuplicateCluster).where(DuplicateCluster.method == "minhash"))
        return {c.representative_id: {m.article_id for m in c.members} for c in rows}


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Store, dict[str, int]]:
    return build_corpus(tmp_path / "corpus.db")


def test_families_cluster_with_their_original_as_representative(
    corpus: tuple[Store, dict[str, int]],
) -> None:
    store, ids = corpus
    summary = run_dedup(store, CONFIG)
    clusters = near_clusters(store)
    for group in range(6):
        family = {ids[f"g{group}{suffix}"] for suffix in ("", "-copy1", "-copy2", "-trad")}
        # the traditional copy is found (t2s is on by default); the copies were seen first
        assert clusters[ids[f"g{group}"]] >= family
    assert summary.clusters["minhash"] == 6


def test_a_stitched_page_is_containment_never_a_bridge(
    corpus: tuple[Store, dict[str, int]],
) -> None:
    store, ids = corpus
    run_dedup(store, CONFIG)
    clusters = near_clusters(store)
    first, second = clusters[ids["g0"]], clusters[ids["g1"]]
    assert not first & second
    for members in clusters.values():  # every member is similar to its representative
        assert not ({ids["g0"], ids["g1"]} <= members)
    with store.session() as session:
        edges = {
            (e.source_id, e.container_id): e
            for e in session.scalars(select(ContainmentEdge))
            if e.container_id == ids["stitched"]
        }
        assert (ids["g0"], ids["stitched"]) in edges and (ids["g1"], ids["stitched"]) in edges
        assert not any(source == ids["stitched"] for source, _ in edges)
        edge = edges[(ids["g0"], ids["stitched"])]
        assert 0.3 < edge.share < 0.8 and edge.spans and edge.spans[0][0] == 0


def test_representative_evidence_and_members_similarity(
    corpus: tuple[Store, dict[str, int]],
) -> None:
    store, ids = corpus
    run_dedup(store, CONFIG)
    with store.session() as session:
        cluster = session.scalars(
            select(DuplicateCluster).where(DuplicateCluster.representative_id == ids["g2"])
        ).one()
        assert cluster.evidence and cluster.evidence["rule"] == "earliest reliable date"
        assert cluster.evidence["published_at"].startswith("2024-01-03")
        assert "t2s" in cluster.params["normalisation"]
        assert "boilerplate-lines" in cluster.params["normalisation"]
        similarity = {m.article_id: m.similarity for m in cluster.members}
    assert similarity[ids["g2"]] == 1.0
    assert all(value >= CONFIG.threshold for value in similarity.values())


def test_an_unconfident_early_date_does_not_make_a_copy_the_source(tmp_path: Path) -> None:
    store, ids = build_corpus(tmp_path / "c.db", groups=1)
    original = real_texts(1)[0]
    add_article(
        store, 99, original + "\n补充", "early.com",
        published_at=BASE_TIME - timedelta(days=300), published_confidence=0.6,
    )  # fmt: skip
    run_dedup(store, CONFIG)
    assert 99 in near_clusters(store)[ids["g0"]]


def test_site_names_not_host_and_port() -> None:
    assert registrable_domain("https://news.source3.com.cn:8080/x.html") == "source3.com.cn"
    assert registrable_domain("http://127.0.0.1:8000/a") == "127.0.0.1"
    assert site_label("  ", "https://m.farm2.net/a") == "farm2.net"
    assert site_label("源站", "https://m.farm2.net/a") == "源站"


def test_new_articles_are_fingerprinted_alone_and_join(
    corpus: tuple[Store, dict[str, int]],
) -> None:
    store, ids = corpus
    run_dedup(store, CONFIG)
    add_article(store, 500, real_texts(1, skip=3)[0] + "\n新段落", "late.com")
    summary = run_dedup(store, CONFIG)
    assert summary.fingerprinted == 1
    assert 500 in near_clusters(store)[ids["g3"]]


def test_an_interrupted_run_resumes(
    corpus: tuple[Store, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus
    monkeypatch.setattr(dedup_scan, "BATCH", 5)
    calls = {"n": 0}
    real = dedup_scan.store_batch

    def failing(*args: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(dedup_scan, "store_batch", failing)
    with pytest.raises(KeyboardInterrupt):
        run_dedup(store, CONFIG)
    with store.session() as session:
        assert session.scalar(select(func.count(ArticleFingerprint.article_id))) == 10
    monkeypatch.setattr(dedup_scan, "store_batch", real)
    summary = run_dedup(store, CONFIG)
    assert summary.fingerprinted == 25 - 10
    with store.session() as session:
        rows = session.scalar(select(func.count()).select_from(LshBandKey))
        assert rows == 25


def test_changed_text_is_fingerprinted_again(corpus: tuple[Store, dict[str, int]]) -> None:
    store, ids = corpus
    run_dedup(store, CONFIG)
    with store.session() as session:
        from corpus.models import Article

        article = session.get_one(Article, ids["g4-copy1"])
        article.text = real_texts(1, skip=40)[0]
        article.text_sha256 = "changed"
    summary = run_dedup(store, CONFIG)
    assert summary.changed == 1 and summary.fingerprinted == 1
    assert ids["g4-copy1"] not in near_clusters(store)[ids["g4"]]


def test_other_parameters_need_rebuild(corpus: tuple[Store, dict[str, int]]) -> None:
    store, _ = corpus
    run_dedup(store, CONFIG)
    with pytest.raises(ConfigError, match="--rebuild"):
        run_dedup(store, dataclasses.replace(CONFIG, threshold=0.9))
    with pytest.raises(ConfigError, match="--rebuild"):
        run_dedup(store, dataclasses.replace(CONFIG, to_simplified=False))
    run_dedup(store, dataclasses.replace(CONFIG, ngram=4), rebuild=True)
    with store.session() as session:
        keys = set(session.scalars(select(ArticleFingerprint.params_key)))
        members = session.scalar(select(func.count(DuplicateMember.id)))
    assert keys == {dataclasses.replace(CONFIG, ngram=4).signature_key()} and members


def test_dedup_command(corpus: tuple[Store, dict[str, int]], tmp_path: Path) -> None:
    db = str(tmp_path / "corpus.db")
    result = CliRunner().invoke(cli, ["dedup", "--db", db])
    assert result.exit_code == 0, result.output
    assert "6 near" in result.output and "containment edges" in result.output
    bad = CliRunner().invoke(cli, ["dedup", "--db", db, "--threshold", "0.9"])
    assert bad.exit_code != 0 and "--rebuild" in bad.output and "Traceback" not in bad.output
    wrong = CliRunner().invoke(cli, ["dedup", "--db", db, "--containment", "2"])
    assert wrong.exit_code != 0 and "--containment" in wrong.output
