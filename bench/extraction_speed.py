"""Extraction time per page: our `cleaning.extract.extract` beside trafilatura alone.

Usage: .venv/bin/python bench/extraction_speed.py [FOLDER ...] [--repeat N]
Defaults to the three folders under ../shared/benchmarks/. Pages are decoded once up front;
both extractors then run over the same decoded pages in this one process, in alternating
order, and the script prints the mean milliseconds per page for each and the ratio (target
<= 1.2, issue 18), and how much of ours is `cleaning.metadata` (dates, authors, ...), which
trafilatura.extract does not do by default.
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

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cleaning.decode import decode_html  # noqa: E402
from cleaning.extract.main_text import extract  # noqa: E402
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


def seconds(run: Callable[[str, str], object], pages: list[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for html, url in pages:
        run(html, url)
    return time.perf_counter() - start


def ours(html: str, url: str) -> object:
    return extract(html, url, FETCHED_AT)


def trafilatura_alone(html: str, url: str) -> object:
    return trafilatura.extract(html, url=url or None)


def metadata_alone(html: str, url: str) -> object:
    return extract_metadata(html, url, FETCHED_AT)


def measure(folder: Path, repeat: int) -> dict[str, float]:
    pages = load_pages(folder)
    totals = {"trafilatura": 0.0, "debtcorpus": 0.0, "metadata": 0.0}
    for round_number in range(repeat):
        order = [("trafilatura", trafilatura_alone), ("debtcorpus", ours)]
        for name, run in order if round_number % 2 == 0 else reversed(order):
            totals[name] += seconds(run, pages)
        totals["metadata"] += seconds(metadata_alone, pages)
    per_page = {name: 1000 * total / (repeat * len(pages)) for name, total in totals.items()}
    return {
        **per_page,
        "pages": len(pages),
        "ratio": per_page["debtcorpus"] / per_page["trafilatura"],
    }


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
            f"{folder.name}: {result['pages']:.0f} pages; trafilatura {result['trafilatura']:.1f} "
            f"ms/page, debtcorpus {result['debtcorpus']:.1f} ms/page, ratio {result['ratio']:.2f} "
            f"(of which metadata {result['metadata']:.1f} ms/page; without it, ratio "
            f"{(result['debtcorpus'] - result['metadata']) / result['trafilatura']:.2f})"
        )


if __name__ == "__main__":
    main()
