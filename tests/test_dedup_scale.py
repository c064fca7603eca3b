"""The scaled dedup run on a real SQLite file: both candidate modes (grouped index scan, index
lookups) find the same pairs, worker processes change nothing, a run after new articles
verifies only their candidates, an interrupted pairing step resumes, bulk loads rebuild the
band indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import inspect, select

from cleaning.fingerprint import FingerprintConfig, content_codes
from corpus.dedup import clusters_store, normal_cache, pairing, scan
from corpus.dedup.normal_cache import pack_codes, unpack_codes
from corpus.dedup.run import run_dedup
from corpus.models import ContainmentEdge, DuplicateCluster, DuplicatePair
from corpus.store import Store
from tests.dedup_corpus import add_article, build_corpus, real_texts

CONFIG = FingerprintConfig()


def stored(store: Store) -> tuple[set[tuple[int, int, float]], set[tuple[int, frozenset[int]]]]:
    """The stored pairs (with Jaccard) and the clusters (representative, members)."""
    with store.session() as session:
        pairs = {
            (p.first_id, p.second_id, round(p.jaccard, 6))
            for p in session.scalars(select(DuplicatePair))
        }
        clusters = {
            (c.representative_id, frozenset(m.article_id for m in c.members))
            for c in session.scalars(select(DuplicateCluster))
        }
    return pairs, clusters


def test_scan_and_lookup_find_the_same_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanned, _ = build_corpus(tmp_path / "scan.db")
    assert run_dedup(scanned, CONFIG, workers=1).candidate_pairs
    looked_up, _ = build_corpus(tmp_path / "lookup.db")
    monkeypatch.setattr(pairing, "SCAN_SHARE", 0)  # never scan
    run_dedup(looked_up, CONFIG, workers=1)
    pairs, clusters = stored(scanned)
    assert pairs and clusters
    assert stored(looked_up) == (pairs, clusters)


def test_worker_processes_change_nothing(tmp_path: Path) -> None:
    one, _ = build_corpus(tmp_path / "one.db")
    run_dedup(one, CONFIG, workers=1)
    two, _ = build_corpus(tmp_path / "two.db")
    run_dedup(two, CONFIG, workers=2)
    assert stored(one) == stored(two)


def test_verifying_in_pieces_and_clustering_in_chunks_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch verified in pieces of a few articles, clusters made a component or two at a
    time: the same pairs, clusters and containment edges as all at once."""
    whole, _ = build_corpus(tmp_path / "whole.db")
    run_dedup(whole, CONFIG, workers=1)
    split_up, _ = build_corpus(tmp_path / "split.db")
    monkeypatch.setattr(pairing, "PIECE_ARTICLES", 5)
    monkeypatch.setattr(clusters_store, "CLUSTER_CHUNK", 3)
    run_dedup(split_up, CONFIG, workers=1)
    assert stored(whole)[1] and stored(split_up) == stored(whole)
    assert edges(split_up) and edges(split_up) == edges(whole)
    pairs = np.array([[1, 9], [2, 9], [3, 8], [1, 8], [4, 7], [5, 7], [6, 7]], dtype=np.int64)
    runs = list(pairing.pieces(pairs, 4))
    assert len(runs) > 1 and all(np.unique(run).size <= 4 for run in runs)
    assert sorted(map(tuple, np.concatenate(runs).tolist())) == sorted(map(tuple, pairs.tolist()))


def edges(store: Store) -> set[tuple[int, int, float, str]]:
    with store.session() as session:
        return {
            (e.source_id, e.container_id, e.share, str(e.spans))
            for e in session.scalars(select(ContainmentEdge))
        }


def test_kept_normal_forms_measure_as_the_texts_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verification from the content codes fingerprinting kept, and from the texts read and
    normalised again (a cache that keeps nothing), store the same pairs and clusters."""
    kept, _ = build_corpus(tmp_path / "kept.db")
    run_dedup(kept, CONFIG, workers=1)
    monkeypatch.setattr(normal_cache, "MAX_BYTES", 0)
    read, _ = build_corpus(tmp_path / "read.db")
    run_dedup(read, CONFIG, workers=1)
    assert stored(kept)[0] and stored(kept) == stored(read)


def test_packed_content_codes_come_back_equal() -> None:
    for text in ("欠款催收 ABC 123", "生僻字𠀀在此", ""):
        codes = content_codes(text, CONFIG)
        assert np.array_equal(unpack_codes(pack_codes(codes)), codes)
    assert pack_codes(content_codes("催收", CONFIG))[:1] == b"\x02"  # 2 bytes a character
    with normal_cache.NormalCache(max_bytes=10) as cache:
        cache.put([1, 2], [b"\x02ab", b"\x02cd"])
        cache.put([3], [b"\x02" + bytes(20)])  # past the bound: not kept
        assert cache.get([1, 2, 3]) == {1: b"\x02ab", 2: b"\x02cd"}


def test_a_run_after_new_articles_looks_up_only_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = build_corpus(tmp_path / "corpus.db")
    run_dedup(store, CONFIG)
    before, _ = stored(store)
    add_article(store, 500, real_texts(1, skip=3)[0] + "\n新段落", "late.com")

    def no_scan(*args: Any) -> None:
        raise AssertionError("a few new articles must not scan the band indexes")

    verified: list[int] = []
    real_verify = pairing.verify

    def counting(session: Any, pairs: Any, *args: Any) -> Any:
        verified.extend(int(i) for pair in pairs for i in pair)
        return real_verify(session, pairs, *args)

    monkeypatch.setattr(pairing, "_scanned", no_scan)
    monkeypatch.setattr(pairing, "verify", counting)
    summary = run_dedup(store, CONFIG)
    after, clusters = stored(store)
    assert summary.fingerprinted == 1 and summary.candidate_pairs >= 1
    assert 500 in verified and set(verified) <= {500} | {i for i in ids.values()}
    assert all(500 in pair for pair in zip(verified[::2], verified[1::2], strict=True))
    assert before < after and all(500 in p[:2] for p in after - before)
    assert any(500 in members for _, members in clusters)


def test_an_interrupted_pairing_step_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, _ = build_corpus(tmp_path / "whole.db")
    run_dedup(whole, CONFIG, workers=1)
    store, _ = build_corpus(tmp_path / "corpus.db")
    monkeypatch.setattr(pairing, "BATCH", 4)
    calls = {"n": 0}
    real_verify = pairing.verify

    def failing(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_verify(*args)

    monkeypatch.setattr(pairing, "verify", failing)
    with pytest.raises(KeyboardInterrupt):
        run_dedup(store, CONFIG, workers=1)
    monkeypatch.setattr(pairing, "verify", real_verify)
    summary = run_dedup(store, CONFIG, workers=1)
    assert summary.fingerprinted == 0
    assert stored(store) == stored(whole)


def test_a_bulk_load_builds_the_band_indexes_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = build_corpus(tmp_path / "corpus.db")
    monkeypatch.setattr(scan, "BULK_MIN", 0)
    monkeypatch.setattr(scan, "BATCH", 5)
    real_store = scan.store_batch
    calls = {"n": 0}

    def failing(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real_store(*args)

    monkeypatch.setattr(scan, "store_batch", failing)
    with pytest.raises(KeyboardInterrupt):
        run_dedup(store, CONFIG, workers=1)
    assert not _band_indexes(store)  # dropped for the load, which stopped half way
    monkeypatch.setattr(scan, "store_batch", real_store)
    run_dedup(store, CONFIG, workers=1)
    assert len(_band_indexes(store)) == CONFIG.bands
    fresh, _ = build_corpus(tmp_path / "fresh.db")
    run_dedup(fresh, CONFIG, workers=1)
    assert stored(store) == stored(fresh)


def _band_indexes(store: Store) -> list[str]:
    with store.session() as session:
        indexes = inspect(session.connection()).get_indexes("lsh_band_keys")
    return [index["name"] for index in indexes if index["name"]]


DISCLAIMER = (
    "本文仅代表作者个人观点，与本站立场无关。投资有风险，借贷需谨慎，请读者自行核实相关内容。"
)


def test_templates_are_streamed_and_told_from_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus.dedup import templates

    store, ids = build_corpus(tmp_path / "corpus.db")
    variant = DISCLAIMER.replace("自行核实", "自行仔细核实")
    for number, (text, footer) in enumerate(
        zip(real_texts(3, skip=20), (DISCLAIMER, DISCLAIMER, variant), strict=True)
    ):
        add_article(store, 700 + number, f"{text}\n{footer}", f"farm{number}.com")
    run_dedup(store, CONFIG)
    monkeypatch.setattr(scan, "BATCH", 7)  # several batches in both passes (scan reads them)
    found = templates.find_templates(store, CONFIG)
    disclaimer = [t for t in found if "本站立场无关" in t.text]
    assert len(disclaimer) == 1 and set(disclaimer[0].article_ids) == {700, 701, 702}
    assert disclaimer[0].variants == 2 and disclaimer[0].kind == "cross-site template"
    copied = {ids["g0"], ids["g0-copy1"], ids["g0-copy2"]}
    assert not any(set(t.article_ids) <= copied | {ids["g0-trad"]} for t in found)
