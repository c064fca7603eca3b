"""The labelled farm set: built from ../shared, ingested through the cleaner, scored against the
issue's targets with the defaults; `eval dedup` prints it beside datasketch."""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path

import jieba
import pytest
from click.testing import CliRunner

from cleaning.fingerprint import FingerprintConfig
from corpus.cli import cli
from corpus.dedup import evaluate
from corpus.dedup.farmpages import ingest_farm_set
from corpus.dedup.farmset import KINDS, SHARED, FarmSet, build_farm_set
from corpus.dedup.rewrite import rewrite_synonyms, synonym_table
from corpus.dedup.run import run_dedup
from corpus.store import Store, open_store

pytestmark = pytest.mark.skipif(
    not (SHARED / "benchmarks").is_dir(), reason=f"needs the shared benchmarks at {SHARED}"
)
ORIGINALS = 45


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, FarmSet, dict[str, int]]:
    farm = build_farm_set(seed=13, limit=ORIGINALS)
    store = open_store(str(tmp_path_factory.mktemp("farm") / "farm.db"))
    ids = ingest_farm_set(farm, store)
    run_dedup(store, FingerprintConfig())
    return store, farm, ids


def test_the_set_is_seeded_and_has_every_transformation() -> None:
    first, second = build_farm_set(seed=3, limit=8), build_farm_set(seed=3, limit=8)
    assert first.pages == second.pages and first.pairs == second.pairs
    full = build_farm_set(seed=13, limit=ORIGINALS)
    labels = {pair.label for pair in full.pairs}
    assert set(KINDS) | {"hard-negative", "unrelated"} <= labels


def test_synonym_rewrites_swap_the_share_of_words_asked() -> None:
    assert len(synonym_table()) > 10_000
    text = "借款人逾期以后，催收人员通常会打电话提醒，建议主动联系平台协商还款，避免影响征信。" * 4
    words = [w for w in jieba.lcut(text, HMM=False) if re.search(r"[\u4e00-\u9fff]", w)]
    rewritten = rewrite_synonyms(text, 0.2, random.Random(1))
    kept = difflib.SequenceMatcher(None, text, rewritten, autojunk=False).ratio()
    assert rewritten != text and 0.3 < kept < 0.95, kept
    assert len(words) > 20


def test_defaults_meet_the_targets(ingested: tuple[Store, FarmSet, dict[str, int]]) -> None:
    store, farm, ids = ingested
    assert len(ids) == len(farm.pages)  # every page went through the cleaner into the corpus
    found = evaluate.stored_predictions(store)
    scores = evaluate.score_pairs(farm.pairs, ids, found)
    assert scores["all"].precision >= 0.95 and scores["all"].recall >= 0.90, scores["all"]
    for kind in KINDS:
        assert scores[kind].recall >= 0.90, (kind, scores[kind])
    assert scores["hard-negative"].false_positives == 0
    assert scores["unrelated"].false_positives == 0
    assert evaluate.global_precision(found, farm, ids).precision >= 0.95
    right, total = evaluate.direction(store, farm, ids)
    assert total > 50 and right / total >= 0.95


def test_datasketch_misses_what_content_farms_do(
    ingested: tuple[Store, FarmSet, dict[str, int]],
) -> None:
    store, farm, ids = ingested
    article_ids, texts = evaluate.article_texts(store)
    reference = evaluate.score_pairs(
        farm.pairs, ids, evaluate.datasketch_predictions(article_ids, texts)
    )
    ours = evaluate.score_pairs(farm.pairs, ids, evaluate.stored_predictions(store))
    assert reference["traditional"].recall < 0.5 < ours["traditional"].recall
    assert reference["all"].recall < ours["all"].recall


def test_eval_dedup_command_prints_both_and_the_sweep(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["eval", "dedup", "--limit", "12", "--db", str(tmp_path / "farm.db"), "--top", "3"]
    )
    assert result.exit_code == 0, result.output
    for text in ("ours, test originals", "datasketch MinHashLSH", "copy direction",
                 "sweep on dev pairs", "mean of held-out dev folds", "| synonym20 |"):  # fmt: skip
        assert text in result.output, text
    again = CliRunner().invoke(cli, ["eval", "dedup", "--db", str(tmp_path / "farm.db")])
    assert again.exit_code != 0 and "exists" in again.output
