"""What the crawl-health defaults (corpus/health/config.py) meet on real pages: the share of
article pages per site with a date, an author and a text of 200+ characters, on the shared
extraction benchmarks (real Chinese pages, many sites), and how many sites each default
share would flag on a healthy crawl.

    .venv/bin/python bench/health_defaults.py ../shared/benchmarks/extraction-zh \
        ../shared/benchmarks/extraction-zh-news
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cleaning.pipeline import clean_page
from corpus.extraction_bench import load_index
from corpus.health.config import HealthSettings

MIN_PAGES = 3  # sites with fewer article pages are too small to give a share
MARGIN = 0.05
STEP = 0.05


def site_shares(folders: list[Path]) -> dict[str, list[tuple[bool, bool, bool]]]:
    """site -> (has a date, has an author, has a long text) of each article page."""
    seen: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    for folder in folders:
        for entry in load_index(folder):
            if entry.get("page_type", "article") != "article":
                continue
            body = (folder / "pages" / f"{entry['id']}.html").read_bytes()
            url = entry.get("url") or f"http://{entry.get('domain', 'unknown')}/"
            result = clean_page(body, url, "text/html", datetime.now(UTC))
            article = result.article
            if article is None:
                continue
            site = entry.get("domain") or urlsplit(url).hostname or "unknown"
            dated = article.published is not None and article.published.value is not None
            seen[site].append((dated, bool(article.author), len(article.text) >= 200))
    return {site: flags for site, flags in seen.items() if len(flags) >= MIN_PAGES}


def chosen_minimum(shares: list[float]) -> float:
    """The rule the defaults come from: the lowest share seen on healthy sites, less a margin,
    rounded down to a step (0 when that leaves nothing)."""
    value = math.floor((min(shares) - MARGIN) / STEP + 1e-9) * STEP
    return round(max(value, 0.0), 2)


def held_out(shares: list[float]) -> int:
    """Leave one site out: choose the minimum on the others, count held-out sites it flags."""
    flagged = 0
    for index, share in enumerate(shares):
        rest = shares[:index] + shares[index + 1 :]
        minimum = chosen_minimum(rest)
        flagged += minimum > 0 and share < minimum
    return flagged


def main(argv: list[str]) -> None:
    sites = site_shares([Path(arg) for arg in argv])
    defaults = HealthSettings()
    limits = {
        "date": defaults.min_date_share,
        "author": defaults.min_author_share,
        "text200": defaults.min_text_share,
    }
    pages = sum(map(len, sites.values()))
    print(f"{len(sites)} sites with {MIN_PAGES}+ article pages, {pages} pages")
    for index, (what, limit) in enumerate(limits.items()):
        shares = [sum(flags[index] for flags in pages) / len(pages) for pages in sites.values()]
        flagged = sum(share < limit for share in shares) if limit > 0 else 0
        print(
            f"{what:<8} median {sorted(shares)[len(shares) // 2]:.0%}, lowest {min(shares):.0%}; "
            f"rule on all sites: {chosen_minimum(shares):.2f}; held out: "
            f"{held_out(shares)} of {len(shares)} healthy sites flagged; "
            f"current default {limit:.2f} flags {flagged}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
