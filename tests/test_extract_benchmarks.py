"""Pinned extraction scores on the shared benchmark folders: they may only go up.

The floors live in tests/data/extraction_scores.json. The pages are read from
../shared/benchmarks at run time (never copied into the repository).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus.commands.eval_extraction import OURS, report, score_folder
from tests.conftest import BENCHMARKS

FLOORS = json.loads((Path(__file__).parent / "data" / "extraction_scores.json").read_text())


@pytest.fixture(scope="module", params=["extraction-zh", "extraction-en"])
def benchmark_report(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    folder = BENCHMARKS / request.param
    if not (folder / "index.jsonl").is_file():
        pytest.fail(
            f"benchmark folder {folder} is missing: the extraction floors are checked against "
            "../shared/benchmarks/ beside the repository; put the shared folder back"
        )
    return request.param, report(folder, score_folder(folder, workers=2))


@pytest.mark.slow
def test_mean_f1_stays_at_or_above_its_floor(benchmark_report: tuple[str, dict[str, Any]]) -> None:
    name, data = benchmark_report
    ours = data["systems"][OURS]["mean_f1"]
    assert ours >= FLOORS[name]["mean_f1"], f"{name}: mean F1 {ours:.4f} fell below the floor"


@pytest.mark.slow
def test_we_beat_trafilatura_alone(benchmark_report: tuple[str, dict[str, Any]]) -> None:
    name, data = benchmark_report
    margin = data["systems"][OURS]["mean_f1"] - data["systems"]["trafilatura"]["mean_f1"]
    assert margin >= FLOORS[name]["min_margin_over_trafilatura"], f"{name}: margin {margin:.4f}"


@pytest.mark.slow
def test_report_has_medians_low_pages_and_metadata_accuracy(
    benchmark_report: tuple[str, dict[str, Any]],
) -> None:
    name, data = benchmark_report
    for system in data["systems"].values():
        assert 0.0 <= system["median_f1"] <= 1.0
        assert isinstance(system["low_pages"], list)
    if name == "extraction-zh":
        assert data["date_accuracy"]["pages"] > 0
        assert data["author_accuracy"]["pages"] > 0
