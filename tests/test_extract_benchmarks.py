"""Pinned extraction scores on the shared benchmark folders, measured in site-grouped folds.

The floors live in tests/data/extraction_scores.json, each with the SHA-256 of the inputs it
was measured on (`corpus.extraction_bench.inputs_digest`): when ../shared/benchmarks
changes, the floors no longer say anything and the test says so instead of passing or
failing on other data. Floors move only up. The pages are read from ../shared at run time
(never copied into the repository).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus.extraction_bench import OURS, inputs_digest, score_folder
from corpus.extraction_report import report
from tests.conftest import BENCHMARKS

SCORES = json.loads((Path(__file__).parent / "data" / "extraction_scores.json").read_text())
FOLDERS = [name for name in SCORES if not name.startswith("_") and name != "folds"]
# "never worse than the best single extractor by a wide margin on any page kind"
WIDE_MARGIN = 0.05


def _checked_folder(name: str) -> Path:
    folder = BENCHMARKS / name
    if not (folder / "index.jsonl").is_file():
        pytest.fail(
            f"benchmark folder {folder} is missing: the extraction floors are checked against "
            "../shared/benchmarks/ beside the repository; put the shared folder back"
        )
    digest = inputs_digest(folder)
    pinned = SCORES[name]["inputs_sha256"]
    if digest != pinned:
        pytest.fail(
            f"{folder} changed (inputs SHA-256 {digest[:16]}…, the floors were measured on "
            f"{pinned[:16]}…): re-measure with `debtcorpus eval extraction {folder} --json` and "
            "update tests/data/extraction_scores.json (digest and floors) in one commit"
        )
    return folder


@pytest.fixture(scope="module", params=FOLDERS)
def benchmark(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    floors = SCORES[request.param]
    folder = _checked_folder(request.param)
    results = score_folder(folder, workers=2, title_first=floors["title_first"])
    return floors, report(folder, results, SCORES["folds"], floors["inputs_sha256"])


def _fold_means(data: dict[str, Any]) -> dict[str, float]:
    means: dict[str, float] = data["site_folds"]["mean_of_folds"]["mean_f1"]
    return means


@pytest.mark.slow
def test_mean_of_held_out_folds_stays_at_or_above_its_floor(
    benchmark: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    floors, data = benchmark
    ours = _fold_means(data)[OURS]
    assert ours >= floors["mean_of_folds_f1"], f"{data['folder']}: {ours:.4f} fell below the floor"


@pytest.mark.slow
def test_margin_over_the_better_single_extractor(
    benchmark: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    floors, data = benchmark
    means = _fold_means(data)
    margin = means[OURS] - max(means["trafilatura"], means["readability"])
    assert margin >= floors["min_margin_over_best_single"], f"{data['folder']}: {margin:.4f}"


@pytest.mark.slow
def test_no_page_kind_falls_far_behind_the_best_single_extractor(
    benchmark: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, data = benchmark
    for key in ("by_page_type", "by_lang", "by_source"):
        for name, group in data[key].items():
            best = max(group["mean_f1"]["trafilatura"], group["mean_f1"]["readability"])
            assert group["mean_f1"][OURS] >= best - WIDE_MARGIN, (key, name, group)


@pytest.mark.slow
def test_few_pages_fail_and_the_median_page_is_nearly_exact(
    benchmark: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    floors, data = benchmark
    ours = data["systems"][OURS]
    assert ours["median_f1"] >= floors["median_f1"], ours["median_f1"]
    assert len(ours["low_pages"]) <= floors["max_pages_below_half"], ours["low_pages"]
    assert len(data["rejected"]) <= floors["max_rejected"], data["rejected"]


@pytest.mark.slow
def test_dates_and_authors_beat_the_library_metadata_in_folds(
    benchmark: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    floors, data = benchmark
    if "date_accuracy" not in floors:
        pytest.skip(f"{data['folder']} has no gold dates or authors")
    means = data["site_folds"]["mean_of_folds"]
    dates, authors = means["date_accuracy"], means["author_accuracy"]
    assert dates[OURS] >= floors["date_accuracy"], dates
    assert authors[OURS] >= floors["author_accuracy"], authors
    assert dates[OURS] > max(dates["htmldate"], dates["trafilatura"]), dates
    assert authors[OURS] > authors["trafilatura"], authors
