"""Extraction time per page of two checkouts and trafilatura alone, interleaved in one process.

Usage: .venv/bin/python bench/extraction_ab.py BASELINE_TREE [FOLDER ...] [--passes N] [--tree DIR]
Loads `cleaning` from BASELINE_TREE (e.g. /work/main) and again from DIR (default this
file's own tree), each copy with its own modules and caches (readability's functions that
`readability_speed` replaces are set to each copy's before each of its calls), then times
the three systems page by page, rotating which runs first, in CPU time. On a loaded
machine `bench/extraction_speed.py` run once per tree varies by +-0.1 in its ratio from one
run to the next (a burst of load lands on one pass of one tree); here a burst falls on all
three alike, and the quotient of the two trees held to 0.01 from run to run. The copy loaded
second came out 1-2% slower with the same code in both (this tree as its own baseline):
run both orders (`--tree` names the second) and take the mean.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType

import readability.readability
import trafilatura

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO.parent / "shared" / "benchmarks"
FOLDERS = ("extraction-zh", "extraction-en", "extraction-zh-news")
FETCHED_AT = datetime(2025, 6, 1)
# what readability_speed sets on readability's module at import
PATCHED = ("clean", "describe")


def load_tree(tree: Path) -> Callable[[str, str], object]:
    """`extract` of the checkout at `tree`, as a function of (html, url)."""
    for name in [name for name in sys.modules if name.split(".")[0] == "cleaning"]:
        del sys.modules[name]
    sys.path.insert(0, str(tree))
    try:
        main_text: ModuleType = importlib.import_module("cleaning.extract.main_text")
    finally:
        sys.path.remove(str(tree))
    if not str(main_text.__file__).startswith(str(tree)):
        sys.exit(f"error: {tree} has no cleaning package of its own")
    patched = {name: getattr(readability.readability, name) for name in PATCHED}

    def run(html: str, url: str) -> object:
        for name, value in patched.items():
            setattr(readability.readability, name, value)
        return main_text.extract(html, url, FETCHED_AT)

    return run


def load_pages(folder: Path) -> list[tuple[str, str]]:
    from cleaning.decode import decode_html

    rows = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines() if line]
    return [
        (
            decode_html((folder / "pages" / f"{row['id']}.html").read_bytes(), None).text,
            row.get("url") or "",
        )
        for row in rows
    ]


def measure(
    systems: list[tuple[str, Callable[[str, str], object]]],
    pages: list[tuple[str, str]],
    passes: int,
) -> dict[str, float]:
    """CPU seconds per system over `passes` passes (after one warm-up pass), the order of
    the systems rotating from page to page."""
    for html, url in pages:
        for _, run in systems:
            run(html, url)
    totals = dict.fromkeys((name for name, _ in systems), 0.0)
    for number in range(passes):
        for index, (html, url) in enumerate(pages):
            first = (index + number) % len(systems)
            for name, run in systems[first:] + systems[:first]:
                start = time.process_time()
                run(html, url)
                totals[name] += time.process_time() - start
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--tree", type=Path, default=REPO)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    baseline = load_tree(args.baseline.resolve())
    ours = load_tree(args.tree.resolve())  # loaded last: its modules stay in sys.modules
    systems = [
        ("trafilatura", lambda html, url: trafilatura.extract(html, url=url or None)),
        ("baseline", baseline),
        ("this tree", ours),
    ]
    for folder in args.folders or [BENCHMARKS / name for name in FOLDERS]:
        pages = load_pages(folder)
        totals = measure(systems, pages, args.passes)
        scale, alone = 1000 / (args.passes * len(pages)), totals["trafilatura"]
        print(
            f"{folder.name}: {len(pages)} pages, {args.passes} passes; CPU ms/page: trafilatura "
            f"{alone * scale:.1f}, baseline {totals['baseline'] * scale:.1f} "
            f"({totals['baseline'] / alone:.3f}x), this tree {totals['this tree'] * scale:.1f} "
            f"({totals['this tree'] / alone:.3f}x); this tree / baseline "
            f"{totals['this tree'] / totals['baseline']:.3f}"
        )


if __name__ == "__main__":
    main()
