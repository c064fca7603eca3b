"""Stored clusters on a real SQLite file: exact and near, representative rule, incremental runs."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cleaning.fingerprint import FingerprintConfig
from corpus.cli import cli
from corpus.commands.eval_dedup import jaccard_score, label_score
from corpus.dedup import ArticleFacts, choose_representative, run_dedup
from corpus.dedup_pairs import build_labelled_set, generate_article, read_jsonl, write_jsonl
from corpus.errors import ConfigError
from corpus.models import ArticleFingerprint, DuplicateCluster, DuplicateMember
from corpus.store import Store, open_store
from tests.dedup_corpus import BASE_TIME, add_article

CONFIG = FingerprintConfig()


def clusters(store: Store, method: str) -> list[tuple[int, set[int]]]:
    with store.session() as session:
        rows = session.scalars(select(DuplicateCluster).where(DuplicateCluster.method == method))
        return [(c.representative_id, {m.article_id for m in c.members}) for c in rows]


def test_default_config_meets_targets_on_the_labelled_set() -> None:
    labelled = build_labelled_set()
    by_label = label_score(labelled, CONFIG)
    by_jaccard = jaccard_score(labelled, CONFIG)
    for result in (by_label, by_jaccard):
        assert result.precision >= 0.95 and result.recall >= 0.95, result


def test_labelled_set_round_trips_through_jsonl(tmp_path: Path) -> None:
    labelled = build_labelled_set(originals=3)
    write_jsonl(labelled, tmp_path / "pairs.jsonl")
    assert read_jsonl(tmp_path / "pairs.jsonl") == labelled


def test_representative_rule_date_then_cited_source_then_length() -> None:
    day = BASE_TIME
    facts = [
        ArticleFacts(1, "https://a.cn/1", "a.cn", day, None, 100),
        ArticleFacts(2, "https://b.cn/2", "b.cn", day, "https://www.a.cn/x", 900),
        ArticleFacts(3, "https://c.cn/3", "c.cn", None, None, 5000),
    ]
    assert choose_representative(facts).id == 1  # same day; the others cite a.cn
    assert choose_representative([facts[1], facts[2]]).id == 2  # dated beats undated
    earlier = dataclasses.replace(facts[1], published_at=day - timedelta(days=1))
    assert choose_representative([facts[0], earlier]).id == 2


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(str(tmp_path / "corpus.db"))
    original = generate_article(1, "微粒贷")
    add_article(store, 1, original, "law.cn", published_at=BASE_TIME)
    add_article(
        store,
        2,
        original.replace("微粒贷", "借呗"),
        "farm.com",
        published_at=BASE_TIME + timedelta(days=2),
        source_url="https://www.law.cn/",
    )
    add_article(
        store,
        3,
        "  " + original.replace("。", "。\n"),
        "copy.net",
        published_at=BASE_TIME + timedelta(days=1),
    )
    add_article(store, 4, generate_article(2, "微粒贷"), "other.cn", published_at=BASE_TIME)
    return store


def test_clusters_members_similarity_and_representative(store: Store) -> None:
    summary = run_dedup(store, CONFIG)
    assert summary.fingerprinted == 4
    assert clusters(store, "exact") == [(1, {1, 3})]
    assert clusters(store, "minhash") == [(1, {1, 2, 3})]
    with store.session() as session:
        similarity = {
            m.article_id: m.similarity
            for m in session.scalars(
                select(DuplicateMember).where(DuplicateMember.method == "minhash")
            )
        }
        cluster = session.scalars(select(DuplicateCluster)).first()
        assert cluster is not None and "earliest published_at" in (cluster.rule or "")
    assert similarity[1] == similarity[3] == 1.0
    assert 0.45 <= similarity[2] < 1.0


def test_new_articles_join_existing_clusters_incrementally(store: Store) -> None:
    run_dedup(store, CONFIG)
    original = generate_article(1, "微粒贷")
    add_article(
        store,
        5,
        original.replace("微粒贷", "花呗"),
        "new.com",
        published_at=BASE_TIME - timedelta(days=3),
    )
    add_article(store, 6, generate_article(2, "安逸花"), "new2.com")
    summary = run_dedup(store, CONFIG)
    assert summary.fingerprinted == 2  # the first four are not fingerprinted again
    near = sorted(clusters(store, "minhash"), key=lambda c: min(c[1]))
    assert near == [(5, {1, 2, 3, 5}), (4, {4, 6})]  # 5 is the earliest now


def test_changed_text_leaves_its_cluster(store: Store) -> None:
    run_dedup(store, CONFIG)
    with store.session() as session:
        from corpus.models import Article

        article = session.get_one(Article, 2)
        article.text = generate_article(77, "度小满")
        article.text_sha256 = "changed"
    summary = run_dedup(store, CONFIG)
    assert summary.changed == 1
    assert clusters(store, "minhash") == [(1, {1, 3})]


def test_other_parameters_need_rebuild(store: Store) -> None:
    run_dedup(store, CONFIG)
    with pytest.raises(ConfigError, match="--rebuild"):
        run_dedup(store, dataclasses.replace(CONFIG, threshold=0.99))
    run_dedup(store, dataclasses.replace(CONFIG, threshold=0.99), rebuild=True)
    assert clusters(store, "minhash") == [(1, {1, 3})]
    run_dedup(store, dataclasses.replace(CONFIG, ngram=4), rebuild=True)
    with store.session() as session:
        keys = set(session.scalars(select(ArticleFingerprint.params_key)))
    assert keys == {dataclasses.replace(CONFIG, ngram=4).signature_key()}


def test_dedup_command_prints_clusters_and_templates(store: Store, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["dedup", "--db", str(tmp_path / "corpus.db")])
    assert result.exit_code == 0, result.output
    assert "clusters: 1 exact, 1 near" in result.output
    assert "repeated paragraphs" in result.output
    bad = CliRunner().invoke(
        cli, ["dedup", "--db", str(tmp_path / "corpus.db"), "--threshold", "0.9"]
    )
    assert bad.exit_code != 0 and "--rebuild" in bad.output
