"""The claim extractor meets its targets on the hand-labelled gold set, and `eval claims` runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaning.claims import ClaimConfig
from cleaning.claims_eval import EvalReport, evaluate, load_gold
from corpus.cli import cli

GOLD = Path(__file__).parent / "data" / "claims_gold.jsonl"


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(load_gold(GOLD), ClaimConfig(checks=False))


def test_gold_set_is_large_and_varied() -> None:
    gold = load_gold(GOLD)
    assert len(gold) >= 300
    assert len({item.id for item in gold}) == len(gold)
    assert sum(1 for item in gold if not item.claims) >= 60  # negatives
    types = Counter(claim["type"] for item in gold for claim in item.claims)
    assert set(types) == {"CHANNEL", "TIMING", "CONSEQUENCE", "PROHIBITION", "ADVICE", "CITATION"}
    assert Counter(c["polarity"] for item in gold for c in item.claims)["partial"] >= 4


def test_type_precision_and_recall(report: EvalReport) -> None:
    overall = report.overall(report.by_type)
    assert overall.precision >= 0.85
    assert overall.recall >= 0.75


def test_fields(report: EvalReport) -> None:
    assert report.accuracy("lender") >= 0.95
    assert report.accuracy("modality") >= 0.85


def test_eval_claims_command(tmp_path: Path) -> None:
    small = tmp_path / "gold.jsonl"
    small.write_text("\n".join(GOLD.read_text("utf-8").splitlines()[:20]) + "\n", "utf-8")
    result = CliRunner().invoke(cli, ["eval", "claims", str(small)])
    assert result.exit_code == 0, result.output
    assert "20 gold sentences" in result.output
    assert "precision" in result.output and "modality" in result.output


def test_eval_claims_missing_gold_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "claims", str(tmp_path / "none.jsonl")])
    assert result.exit_code != 0
    assert "not found" in result.output
