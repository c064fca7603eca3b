"""Search speed on a generated corpus: the index against a LIKE scan, side by side in one run.

    .venv/bin/python bench/search_speed.py --articles 100000

Articles come from the sample site's generator (samplesite/generate.py: paragraphs of the
hand-written articles, lenders and days varied), every tenth with a comment, written straight
into a fresh SQLite corpus; then the index is built (timed) and each two-word query is answered
by `corpus.search.search` (top 20, snippets included) and by a LIKE scan of the same table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from corpus.models import Article, Comment
from corpus.search import reindex, search
from corpus.store import open_store
from samplesite.content import load_articles
from samplesite.generate import GeneratedSite

QUERIES = ("上门 催收", "逾期 协商", "微粒贷 起诉", "征信 家人", "律师 报警", "借呗 分期")
ROUNDS = 5
LIKE_ROUNDS = 3
BATCH = 2000


def generate(db: str, count: int) -> None:
    site = GeneratedSite(count, views={})
    comments = [c.text for a in load_articles() for c in a.comments]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    store = open_store(db)
    with store.engine.begin() as connection:
        for first in range(1, count + 1, BATCH):
            rows, notes = [], []
            for i in range(first, min(first + BATCH, count + 1)):
                article = site.article(i)
                body = "\n".join(block.text for block in article.blocks)
                published = datetime.fromisoformat(article.published).replace(tzinfo=UTC)
                rows.append(
                    {"id": i, "url": f"https://gen.example/{i}.html", "site": article.site,
                     "title": article.title, "text": body, "text_sha256": str(i),
                     "extractor_version": "bench", "published_at": published,
                     "first_seen_at": now, "last_seen_at": now}
                )  # fmt: skip
                if i % 10 == 0:
                    notes.append({"article_id": i, "position": 0, "text": comments[i % 20]})
            connection.execute(insert(Article), rows)
            connection.execute(insert(Comment), notes)
    store.dispose()


def median_ms(function: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def like_scan(connection: object, query: str) -> list[int]:
    words = query.split()
    where = " AND ".join(f"(title LIKE :w{i} OR text LIKE :w{i})" for i in range(len(words)))
    params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
    sql = text(f"SELECT id FROM articles WHERE {where}")
    return list(connection.execute(sql, params).scalars())  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, default=None, help="keep the corpus here")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="search-bench-"))
    db = str(folder / "bench.db")
    started = time.perf_counter()
    generate(db, args.articles)
    print(f"generated {args.articles} articles in {time.perf_counter() - started:.1f} s")
    store = open_store(db)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = Path(db).stat().st_size
    started = time.perf_counter()
    counts = reindex(store)
    build_s = time.perf_counter() - started
    with store.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    index_mb = (Path(db).stat().st_size - before) / 1e6
    per_10k = 10_000 / counts["articles"]
    print(f"index: {counts}, build {build_s:.1f} s ({build_s * per_10k:.1f} s per 10k articles)")
    print(f"index size {index_mb:.0f} MB ({index_mb * per_10k:.1f} MB per 10k articles); "
          f"corpus without it {before / 1e6:.0f} MB")  # fmt: skip
    ratios = []
    with store.session() as session, store.engine.connect() as connection:
        for query in QUERIES:
            hits = search(session, query, limit=20)
            indexed = median_ms(lambda q=query: search(session, q, limit=20), ROUNDS)
            scanned = median_ms(lambda q=query: like_scan(connection, q), LIKE_ROUNDS)
            matches = len(like_scan(connection, query))
            ratios.append(scanned / indexed)
            print(f"{query}: {matches} matching articles, index {indexed:.1f} ms (top 20 with "
                  f"snippets, {len(hits)} hits), LIKE scan {scanned:.0f} ms, "
                  f"{scanned / indexed:.0f}x")  # fmt: skip
    medians = [median_ms(lambda q=q: search(session, q, limit=20), 1) for q in QUERIES]
    store.dispose()
    print(f"median two-word search {statistics.median(medians):.1f} ms; "
          f"LIKE/index ratio median {statistics.median(ratios):.0f}x, min {min(ratios):.0f}x")


if __name__ == "__main__":
    main()
