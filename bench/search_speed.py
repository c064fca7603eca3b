"""Search speed on a generated corpus: the index against a LIKE scan, side by side in one run.

    .venv/bin/python bench/search_speed.py --articles 100000 --folder /tmp/sb   # SQLite
    .venv/bin/python bench/search_speed.py --articles 100000 --postgres URL    # PostgreSQL
    .venv/bin/python bench/search_speed.py --folder /tmp/sb --revise 200 --only-revise

Articles come from the sample site's generator (samplesite/generate.py: paragraphs of the
hand-written articles, lenders and days varied) plus one paragraph of words drawn by their
frequency from jieba's dictionary (real Chinese word frequencies: the sample paragraphs alone
are some 100 paragraphs repeated, with no long tail of vocabulary). Every tenth article has a
comment. They are written straight into a fresh SQLite corpus; then the index is built
(timed) and each two-word query is answered by `corpus.search.search` (top 20, snippets
included) and by a LIKE scan of the same table. Two query sets: TOPIC, the corpus's own
words (each in 7-99% of the articles: the worst case for an index), and SAMPLED, pairs of
2-4 character content words (dictionary rank 500 or more) found together in one article
picked at random (seeded), so each has hits.

A corpus already there is reused (a --folder holding bench.db with the articles, or a
PostgreSQL database holding them): no generation, no index build. `--postgres` wants an
empty database otherwise. Times are wall-clock medians; on SQLite the process's CPU time too
(everything runs in the process), the steadier figure on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jieba
from sqlalchemy import Connection, insert, text

from corpus.models import Article, Comment
from corpus.search import postings, reindex, search, sqlite
from corpus.search.backend import backend_for
from corpus.search.matching import parse_query
from corpus.store import open_store
from samplesite.content import load_articles
from samplesite.generate import GeneratedSite

TOPIC = ("上门 催收", "逾期 协商", "微粒贷 起诉", "征信 家人", "律师 报警", "借呗 分期")
SAMPLED_QUERIES = 20
QUERY_MIN_RANK = 500
FILLER_WORDS = (30, 90)
ROUNDS = 5
LIKE_ROUNDS = 3
BATCH = 2000


def dictionary() -> list[tuple[str, int]]:
    """jieba's dictionary: (word, frequency), most frequent first."""
    path = Path(jieba.__file__).parent / "dict.txt"
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, frequency, *_ = line.split(" ")
        entries.append((word, int(frequency)))
    return sorted(entries, key=lambda entry: -entry[1])


class Vocabulary:
    """Dictionary words with cumulative frequencies, for drawing by frequency."""

    def __init__(self, entries: list[tuple[str, int]]) -> None:
        self.words = [word for word, _ in entries]
        self.cumulative = list(itertools.accumulate(frequency for _, frequency in entries))
        self.rank = {word: rank for rank, word in enumerate(self.words)}

    def filler_words(self, index: int) -> list[str]:
        rng = random.Random(f"filler:{index}")
        return rng.choices(self.words, cum_weights=self.cumulative, k=rng.randint(*FILLER_WORDS))


def filler(words: list[str]) -> str:
    """A paragraph of the words, with commas and a full stop."""
    return "，".join("".join(words[i : i + 6]) for i in range(0, len(words), 6)) + "。"


def sampled_queries(vocabulary: Vocabulary, count: int) -> list[str]:
    """Two content words (2-4 characters, dictionary rank >= QUERY_MIN_RANK) from the filler
    of a random article, so every query has at least one hit."""
    rng = random.Random(20261201)
    queries: list[str] = []
    while len(queries) < SAMPLED_QUERIES:
        drawn = vocabulary.filler_words(rng.randint(1, count))
        content = sorted(
            {w for w in drawn if 2 <= len(w) <= 4 and vocabulary.rank[w] >= QUERY_MIN_RANK}
        )
        if len(content) >= 2:
            queries.append(" ".join(rng.sample(content, 2)))
    return queries


def generate(db: str, count: int, vocabulary: Vocabulary) -> None:
    site = GeneratedSite(count, views={})
    comments = [c.text for a in load_articles() for c in a.comments]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    store = open_store(db)
    with store.engine.begin() as connection:
        drop_index(connection)  # written without it, then built at once (timed)
        for first in range(1, count + 1, BATCH):
            rows, notes = [], []
            for i in range(first, min(first + BATCH, count + 1)):
                article = site.article(i)
                blocks = [block.text for block in article.blocks]
                blocks.insert(len(blocks) // 2, filler(vocabulary.filler_words(i)))
                body = "\n".join(blocks)
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


def drop_index(connection: Connection) -> None:
    backend_for(connection).drop(connection)


def median_ms(function: object, rounds: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of this process over `rounds` calls."""
    wall, cpu = [], []
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        function()  # type: ignore[operator]
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def like_scan(connection: object, query: str) -> list[int]:
    words = query.split()
    where = " AND ".join(f"(title LIKE :w{i} OR text LIKE :w{i})" for i in range(len(words)))
    params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
    sql = text(f"SELECT id FROM articles WHERE {where}")
    return list(connection.execute(sql, params).scalars())  # type: ignore[attr-defined]


def ranked_by(session: Any, query: str) -> str:
    """Which ranker answers: the posting arrays (NumPy) or the candidates confirmed on the
    text (corpus.search.verified)."""
    if session.get_bind().dialect.name != "sqlite":
        return "PostgreSQL"
    parsed = parse_query(query)
    found = sqlite.ranked_by_arrays(session, parsed.words, 1)
    return "verified" if found is None else "arrays"


def measure(session: Any, connection: Connection, queries: list[str], cpu: bool) -> None:
    """Print each query's figures, then the medians (wall ms; CPU ms where `cpu`)."""
    walls, cpus, ratios, cpu_ratios = [], [], [], []
    for query in queries:
        hits = search(session, query, limit=20)
        indexed, indexed_cpu = median_ms(lambda q=query: search(session, q, limit=20), ROUNDS)
        scanned, scanned_cpu = median_ms(lambda q=query: like_scan(connection, q), LIKE_ROUNDS)
        matches = len(like_scan(connection, query))
        walls.append(indexed)
        ratios.append(scanned / indexed)
        cpus.append(indexed_cpu)
        cpu_ratios.append(scanned_cpu / max(indexed_cpu, 0.01))
        shown = f" (CPU {indexed_cpu:.1f} / {scanned_cpu:.0f} ms)" if cpu else ""
        speed = f"{scanned / indexed:.0f}x{shown}"
        print(f"  {query}: {matches} articles match; index {indexed:.1f} ms ({len(hits)} hits "
              f"with snippets, {ranked_by(session, query)}), LIKE scan {scanned:.0f} ms: "
              f"{speed}")  # fmt: skip
    print(
        f"  median {statistics.median(walls):.1f} ms; LIKE/index median "
        f"{statistics.median(ratios):.0f}x (min {min(ratios):.0f}x, max {max(ratios):.0f}x)"
    )
    if cpu:
        print(f"  CPU: median {statistics.median(cpus):.1f} ms; LIKE/index median "
              f"{statistics.median(cpu_ratios):.0f}x (min {min(cpu_ratios):.0f}x)")  # fmt: skip


def prepare(db: str, count: int, vocabulary: Vocabulary) -> None:
    """Generate the corpus and build its index (timed), unless `db` holds it already."""
    store = open_store(db)
    with store.engine.connect() as connection:
        present = connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
    store.dispose()
    if present == count:
        print(f"reusing the {count} articles (and their index) in {store.url}")
        add_arrays(db)
        return
    if present:
        raise SystemExit(f"{db} holds {present} articles, not {count}: give an empty database")
    started = time.perf_counter()
    generate(db, count, vocabulary)
    print(f"generated {count} articles in {time.perf_counter() - started:.1f} s")
    store = open_store(db)
    before = stored_size(store, db)
    started = time.perf_counter()
    counts = reindex(store)
    build_s = time.perf_counter() - started
    index_mb = (stored_size(store, db) - before) / 1e6
    per_10k = 10_000 / counts["articles"]
    print(f"index: {counts}, build {build_s:.1f} s ({build_s * per_10k:.1f} s per 10k articles)")
    print(f"index size {index_mb:.0f} MB ({index_mb * per_10k:.1f} MB per 10k articles); "
          f"corpus without it {before / 1e6:.0f} MB")  # fmt: skip
    store.dispose()
    print_arrays(db, count)


ARRAYS_SIZE = f"""SELECT count(*), coalesce(sum(length(ids) + length(body_tf) + length(title_ids)
+ length(title_tf) + length(term)), 0) FROM {postings.POSTINGS}"""


def print_arrays(db: str, count: int) -> None:
    """How many tokens have posting arrays and the bytes they take (payload)."""
    store = open_store(db)
    with store.engine.connect() as connection:
        terms, size = connection.execute(text(ARRAYS_SIZE)).one()
        lengths = connection.execute(text(f"SELECT length(lengths) FROM {postings.STATE}"))
        size += lengths.scalar_one()
    store.dispose()
    print(f"posting arrays: {terms} tokens, {size / 1e6:.0f} MB "
          f"({size / 1e6 * 10_000 / count:.1f} MB per 10k articles)")  # fmt: skip


def add_arrays(db: str) -> None:
    """A SQLite corpus indexed before the posting arrays gets them (timed), as `db upgrade`
    (migration 0014) gives them."""
    store = open_store(db)
    if store.engine.dialect.name != "sqlite":
        store.dispose()
        return
    with store.engine.connect() as connection:
        built = connection.execute(text(f"SELECT count(*) FROM {postings.STATE}")).scalar_one()
    if built:
        store.dispose()
        print_arrays(db, count_articles(db))
        return
    before = stored_size(store, db)
    started, used = time.perf_counter(), time.process_time()
    with store.engine.begin() as connection:
        sqlite.refresh_arrays(connection)
    wall, cpu = time.perf_counter() - started, time.process_time() - used
    grown = (stored_size(store, db) - before) / 1e6
    store.dispose()
    count = count_articles(db)
    per_10k = 10_000 / count
    print(f"posting arrays built in {wall:.1f} s, {cpu:.1f} s CPU ({wall * per_10k:.1f} s, "
          f"{cpu * per_10k:.1f} s CPU per 10k articles); file grew {grown:.0f} MB")  # fmt: skip
    print_arrays(db, count)


REVISION = "（更新：催收人员再次上门，逾期协商未果，律师建议报警。）"


def revise(db: str, count: int) -> None:
    """`count` older articles revised (as a re-crawl changes them: a sentence appended, spread
    over the ids) by SQL, so nothing folds them into the arrays; the TOPIC queries measured
    with their entries re-counted, checked against FTS5's ranking; then the fold timed
    and the queries measured again."""
    store = open_store(db)
    with store.engine.begin() as connection:
        high = connection.execute(text(f"SELECT max_id FROM {postings.STATE}")).scalar_one()
        step = max(high // count, 1)
        connection.execute(
            text("UPDATE articles SET text = text || :more WHERE id % :step = 0 AND id <= :top"),
            {"more": REVISION, "step": step, "top": step * count},
        )
    with store.session() as session, store.engine.connect() as connection:
        logged = connection.execute(text(f"SELECT count(*) FROM {postings.DIRTY}")).scalar_one()
        print(f"TOPIC after revising {logged} older articles (re-counted from their text):")
        for query in TOPIC:
            parsed = parse_query(query)
            by_arrays = sqlite.ranked_by_arrays(session, parsed.words, 20)
            exact = by_arrays is None or by_arrays == sqlite.ranked_articles(
                session, parsed.words, False, "", {}, 20
            )
            print(f"  {query}: top 20 equal to the text's count: {exact}")
        measure(session, connection, list(TOPIC), cpu=True)
    started, used = time.perf_counter(), time.process_time()
    with store.engine.begin() as connection:
        folded = sqlite.fold_changes(connection)
    wall, cpu = time.perf_counter() - started, time.process_time() - used
    print(f"folded {folded} revised articles into the arrays in {wall:.1f} s, {cpu:.1f} s CPU")
    with store.session() as session, store.engine.connect() as connection:
        measure(session, connection, list(TOPIC), cpu=True)
    store.dispose()


def count_articles(db: str) -> int:
    store = open_store(db)
    with store.engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM articles")).scalar_one())
    store.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, default=None, help="keep the corpus here")
    parser.add_argument("--postgres", default=None, help="run on this (empty) PostgreSQL URL")
    parser.add_argument(
        "--revise", type=int, default=0, help="then revise this many older articles (SQLite)"
    )
    parser.add_argument("--only-revise", action="store_true", help="skip the first measures")
    args = parser.parse_args()
    if args.postgres:
        db = args.postgres
    else:
        folder = args.folder or Path(tempfile.mkdtemp(prefix="search-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        db = str(folder / "bench.db")
    vocabulary = Vocabulary(dictionary())
    prepare(db, args.articles, vocabulary)
    store = open_store(db)
    with store.session() as session, store.engine.connect() as connection:
        sampled = sampled_queries(vocabulary, args.articles)
        for name, queries in (("TOPIC", list(TOPIC)), ("SAMPLED", sampled)):
            if args.only_revise:
                break
            print(f"{name} two-word queries:")
            measure(session, connection, queries, cpu=not args.postgres)
    store.dispose()
    if args.revise and not args.postgres:
        revise(db, args.revise)


PG_SIZE = """SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM pg_class
WHERE relkind = 'r' AND relname IN ('articles', 'comments', 'search_articles', 'search_comments')"""


def stored_size(store: Any, db: str) -> int:
    """Bytes the corpus takes: the SQLite file after a WAL checkpoint, or on PostgreSQL the
    articles, comments and index tables with their indexes and TOAST."""
    with store.engine.begin() as connection:
        if connection.dialect.name != "sqlite":
            return int(connection.execute(text(PG_SIZE)).scalar_one())
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(db).stat().st_size


if __name__ == "__main__":
    main()
