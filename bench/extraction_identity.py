"""Every `extract()` result on the three benchmark folders, dumped to JSON, and two dumps compared.

Usage:
  .venv/bin/python bench/extraction_identity.py dump OUT.json [--tree DIR]
  .venv/bin/python bench/extraction_identity.py compare A.json B.json
`dump` runs the code of DIR (a checkout of this repository; default this file's own tree).
To check a speed-up, dump once with --tree /work/main and once without, then compare:
every field of every record (text, title, authors, dates, page type, comments, rejections)
must match on all pages, or the differing pages are listed (exit 1).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO.parent / "shared" / "benchmarks"
FOLDERS = ("extraction-zh", "extraction-en", "extraction-zh-news")
FETCHED_AT = datetime(2025, 6, 1)


def plain(result: object) -> Any:
    """A record as JSON-ready data, its class name kept."""
    return {"class": type(result).__name__, **dataclasses.asdict(result)}  # type: ignore[call-overload]


def dump(out: Path, tree: Path) -> None:
    sys.path.insert(0, str(tree.resolve()))
    from cleaning.decode import decode_html
    from cleaning.extract.main_text import extract

    results: dict[str, Any] = {}
    for name in FOLDERS:
        folder = BENCHMARKS / name
        for line in (folder / "index.jsonl").read_text().splitlines():
            row = json.loads(line)
            raw = (folder / "pages" / f"{row['id']}.html").read_bytes()
            html = decode_html(raw, None).text
            results[f"{name}/{row['id']}"] = plain(extract(html, row.get("url") or "", FETCHED_AT))
    out.write_text(json.dumps(results, ensure_ascii=False, default=str, sort_keys=True, indent=1))
    print(f"{len(results)} results of {sys.modules['cleaning'].__file__} -> {out}")


def compare(first: Path, second: Path) -> int:
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    differing = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    for key in differing:
        fields = sorted(
            f for f in (a.get(key) or {}) if (a.get(key) or {}).get(f) != (b.get(key) or {}).get(f)
        )
        print(f"differs: {key} {fields}")
    print(f"{len(a)} vs {len(b)} results, {len(differing)} differing")
    return 1 if differing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("dump", "compare"))
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--tree", type=Path, default=REPO)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.command == "dump":
        dump(args.paths[0], args.tree)
    else:
        sys.exit(compare(*args.paths[:2]))


if __name__ == "__main__":
    main()
