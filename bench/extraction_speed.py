"""Extraction time per page: our `cleaning.extract.extract` beside trafilatura alone.

Usage: .venv/bin/python bench/extraction_speed.py [FOLDER ...] [--repeat N]
Defaults to the three folders under ../shared/benchmarks/. Pages are decoded once up front;
both extractors then run over the same decoded pages in this one process, in alternating
order, and the script prints the mean milliseconds per page for each, in CPU time (this
process's, the figure that holds on a loaded machine) and wall time, and the ratios (target
<= 1.2, issue 18), and how much of ours is `cleaning.metadata` (dates, authors, ...), which
trafilatura.extract does not do by default: the CPU time of the metadata call inside our
runs (on the tree the extractor parsed), not of a separate run that parses the page again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import cleaning.extract.main_text as main_text  # noqa: E402
from cleaning.decode import decode_html  # noqa: E402
from cleaning.metadata import extract_metadata  # noqa: E402

BENCHMARKS = REPO.parent / "shared" / "benchmarks"
FETCHED_AT = datetime(2025, 6, 1)


def load_pages(folder: Path) -> list[tuple[str, str]]:
    """(html, url) of every page in a benchmark folder, decoded as the crawler would."""
    rows = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines() if line]
    pages = []
    for row in rows:
        raw = (folder / "pages" / f"{row['id']}.html").read_bytes()
        pages.append((decode_html(raw, None).text, row.get("url") or ""))
    return pages


def seconds(run: Callable[[str, str], object], pages: list[tuple[str, str]]) -> tuple[float, float]:
    """CPU and wall seconds of one run over the pages."""
    cpu, wall = time.process_time(), time.perf_counter()
    for html, url in pages:
        run(html, url)
    return time.process_time() - cpu, time.perf_counter() - wall


class MetadataClock:
    """CPU seconds spent in `cleaning.metadata.extract_metadata` as `extract` calls it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.metadata = extract_metadata

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return self.metadata(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - start


METADATA_CLOCK = MetadataClock()
# the name `extract` calls: every call of ours is timed
main_text.extract_metadata = METADATA_CLOCK  # type: ignore[attr-defined]


def ours(html: str, url: str) -> object:
    return main_text.extract(html, url, FETCHED_AT)


def trafilatura_alone(html: str, url: str) -> object:
    return trafilatura.extract(html, url=url or None)


def measure(folder: Path, repeat: int) -> dict[str, float]:
    """ms/page per system, CPU (`name`) and wall (`name_wall`), and the two ratios."""
    pages = load_pages(folder)
    totals = dict.fromkeys(("trafilatura", "debtcorpus"), (0.0, 0.0))
    METADATA_CLOCK.seconds = 0.0
    for round_number in range(repeat):
        order = [("trafilatura", trafilatura_alone), ("debtcorpus", ours)]
        for name, run in order if round_number % 2 == 0 else reversed(order):
            cpu, wall = seconds(run, pages)
            totals[name] = (totals[name][0] + cpu, totals[name][1] + wall)
    totals["metadata"] = (METADATA_CLOCK.seconds, 0.0)
    scale = 1000 / (repeat * len(pages))
    result: dict[str, float] = {"pages": len(pages)}
    for name, (cpu, wall) in totals.items():
        result[name], result[f"{name}_wall"] = cpu * scale, wall * scale
    result["ratio"] = result["debtcorpus"] / result["trafilatura"]
    result["ratio_wall"] = result["debtcorpus_wall"] / result["trafilatura_wall"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    folders = args.folders or [
        BENCHMARKS / name for name in ("extraction-zh", "extraction-en", "extraction-zh-news")
    ]
    for folder in folders:
        result = measure(folder, args.repeat)
        print(
            f"{folder.name}: {result['pages']:.0f} pages; CPU: trafilatura "
            f"{result['trafilatura']:.1f} ms/page, debtcorpus {result['debtcorpus']:.1f} ms/page, "
            f"ratio {result['ratio']:.2f} (of which metadata {result['metadata']:.1f} ms/page; "
            f"without it, ratio "
            f"{(result['debtcorpus'] - result['metadata']) / result['trafilatura']:.2f}); wall: "
            f"{result['trafilatura_wall']:.1f} vs {result['debtcorpus_wall']:.1f} ms/page, "
            f"ratio {result['ratio_wall']:.2f}"
        )


if __name__ == "__main__":
    main()
