"""Ingest alone: the crawl's write path vs a raw DBAPI `executemany` of the same rows.

N generated sample-site article pages (default 1,000) are cleaned first (in 2 processes, not
timed), then stored into a fresh, migrated corpus (search index and its triggers included)
  write path: corpus.ingest.store_batch, batches of --batch pages (default 16, the crawl's
              DEBTCORPUS_WRITE_BATCH), one transaction each, as a cleaner worker stores them
              (PostgreSQL: with COPY, corpus.page_copy);
  raw:        the rows that path writes (pages, articles, comments, claims; built before the
              clock starts), inserted with the driver's executemany in the same batches.
PostgreSQL also runs, for context,
  INSERT path: the write path with DEBTCORPUS_PG_COPY=0 (its INSERT statements, as SQLite);
  raw COPY:    the raw rows with one text-format COPY per table and batch.
on SQLite (a temporary file) and, with --pg, on PostgreSQL (a database the bench creates and
drops: --pg postgresql+psycopg://postgres@127.0.0.1:5432/debtcorpus_bench_ingest). Prints
pages/s (wall) and CPU ms per page of this process for each, the ratio write path / raw, and
on PostgreSQL the ratio to the INSERT path and whether the two paths stored identical rows
(a digest of every table they write, search index included; the bench fails if not).

  .venv/bin/python bench/ingest.py [--pages 1000] [--batch 32] [--pg URL] [--cache FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cleaning.records import CleanResult
from corpus.codes import encode_rows
from corpus.ingest import FetchedPage, clean_fetched, plan_page, store_batch
from corpus.page_writes import CLAIMS, COPY_SETTING, PAGES
from corpus.pool_writes import DEFAULT_MAX_BATCH
from corpus.search import postgres
from corpus.store import Store, open_store
from samplesite.content import load_articles
from samplesite.generate import GeneratedSite
from samplesite.pages import site_views

BASE = "http://127.0.0.1:8765"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
Items = list[tuple[FetchedPage, CleanResult | None]]


def generated_pages(count: int) -> list[FetchedPage]:
    site = GeneratedSite(count, site_views(BASE, load_articles()))
    pages = []
    for index in range(1, count + 1):
        page = site.article_page(index)
        url = f"{BASE}/gen/{index}.html"
        headers = {"content-type": page.content_type}
        pages.append(FetchedPage(url, url, 200, headers, page.body, T0, "sample-gen", 1))
    return pages


def cleaned(pages: list[FetchedPage]) -> Items:
    with get_context("forkserver").Pool(2) as pool:
        results = pool.map(clean_fetched, pages, chunksize=16)
    return list(zip(pages, results, strict=True))


def load_or_clean(count: int, cache: str | None) -> Items:
    path = Path(cache) if cache else None
    if path is not None and path.exists():
        items: Items = pickle.loads(path.read_bytes())
        if len(items) == count:
            return items
    items = cleaned(generated_pages(count))
    if path is not None:
        path.write_bytes(pickle.dumps(items))
    return items


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def timed(run: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def write_path(db: str, items: Items, size: int, copy: bool = True) -> tuple[float, float]:
    """corpus.ingest.store_batch; on PostgreSQL with COPY, or (not `copy`) its INSERTs."""
    os.environ[COPY_SETTING] = "1" if copy else "0"
    store = open_store(db)

    def run() -> None:
        for batch in batches(items, size):
            store_batch(store, batch)

    try:
        return timed(run)
    finally:
        DUMPS.setdefault(copy, set()).add(dump(store))
        store.dispose()
        os.environ.pop(COPY_SETTING)


# the stored rows of each run of the write path, by whether it used COPY
DUMPS: dict[bool, set[str]] = {}
DUMPED = ("pages", "articles", "comments", "claims", "article_revisions", "body_dictionaries")
# a dictionary's row but its creation time (the clock when it was trained)
NOT_CLOCK = {"body_dictionaries": "(t.id, t.site, t.codec, t.data, t.sha256, t.samples)"}


def dump(store: Store) -> str:
    """PostgreSQL: a digest of every row the write path stores (search index included), as
    the server prints them (a JSON null is not an SQL NULL), in order."""
    digest = hashlib.sha256()
    if store.engine.dialect.name != "postgresql":
        return ""
    with store.engine.connect() as connection:
        for table in (*DUMPED, postgres.ARTICLES, postgres.COMMENTS):
            query = f"SELECT {NOT_CLOCK.get(table, 't')}::text FROM {table} t ORDER BY 1"
            for (row,) in connection.exec_driver_sql(query):
                digest.update(row.encode() + b"\n")
    return digest.hexdigest()


def plain(value: Any, sqlite: bool) -> Any:
    """A row value as the driver takes it (as SQLAlchemy's types would bind it)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if sqlite and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def raw_rows(
    items: Items, sqlite: bool, first: int, connection: Any
) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table, ids given (articles are new), values as the driver binds: the
    coded values as their codes (corpus.codes, drawn here, before the clock), an empty
    `conditions` as NULL, as the write path stores them."""
    tables: dict[str, list[dict[str, Any]]] = {"articles": [], "pages": []}
    tables |= {"comments": [], "claims": []}
    for number, (fetched, result) in enumerate(items, first):
        plan = plan_page(fetched, result)
        article_id = number if plan.article else None
        tables["pages"].append(plan.page | {"id": number, "article_id": article_id})
        tables["pages"][-1]["change"] = "new" if plan.article else None
        if plan.article:
            extra = {"id": number, "last_page_id": number, "revision_count": 0}
            tables["articles"].append(plan.article | extra)
            tables["comments"] += [
                row | {"id": number * 1000 + row["position"], "article_id": number}
                for row in plan.comments
            ]
            tables["claims"] += [
                row | {"article_id": number, "conditions": row["conditions"] or None}
                for row in plan.claims
            ]
    tables["pages"] = encode_rows(connection, PAGES, tables["pages"])
    tables["claims"] = encode_rows(connection, CLAIMS, tables["claims"])
    return {
        name: [{k: plain(v, sqlite) for k, v in row.items()} for row in rows]
        for name, rows in tables.items()
    }


def search_rows(part: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[Any]]]:
    """PostgreSQL's search rows of a batch, with the statements the write path runs."""
    upsert = re.sub(r":(\w+)", r"%(\1)s", postgres._UPSERT)
    articles = [postgres.article_row(a["id"], a["title"], a["text"]) for a in part["articles"]]
    comments = [postgres.comment_row(c["id"], c["article_id"], c["text"]) for c in part["comments"]]
    article_sql = upsert.format(
        table=postgres.ARTICLES, key="article_id", extra="", extra_values=""
    )
    comment_sql = upsert.format(
        table=postgres.COMMENTS,
        key="comment_id",
        extra="article_id, ",
        extra_values="%(article_id)s, ",
    )
    return [(sql, rows) for sql, rows in ((article_sql, articles), (comment_sql, comments)) if rows]


def raw_copy(cursor: Any, table: str, names: str, values: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: rows with one COPY (text format: the server parses each value)."""
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def raw(db: str, items: Items, size: int, copy: bool = False) -> tuple[float, float]:
    """The same rows through the driver's executemany (`copy`: COPY), in the same batches."""
    store = open_store(db)
    sqlite = store.engine.dialect.name == "sqlite"
    with store.engine.begin() as coding:
        parts = [
            raw_rows(batch, sqlite, 1 + n * size, coding)
            for n, batch in enumerate(batches(items, size))
        ]
    connection = store.engine.raw_connection()  # SQLite: with the index's SQL functions

    def run() -> None:
        cursor = connection.cursor()
        for part in parts:
            for table in ("articles", "pages", "comments", "claims"):
                rows = part[table]
                if not rows:
                    continue
                keys = list(rows[0])
                names = ", ".join(f'"{key}"' for key in keys)
                values = [tuple(row[k] for k in keys) for row in rows]
                if copy:
                    raw_copy(cursor, table, names, values)
                    continue
                marks = ", ".join("?" if sqlite else "%s" for _ in keys)
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                cursor.executemany(sql, values)
            if not sqlite:  # PostgreSQL's index is rows the writer adds (no triggers)
                for sql, rows in search_rows(part):
                    cursor.executemany(sql, rows)
            connection.commit()

    try:
        return timed(run)
    finally:
        connection.close()
        store.dispose()


def fresh_pg(url: str) -> Callable[[], None]:
    """Create the bench's own PostgreSQL database; returns how to drop it."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = parsed.database
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return drop


def insert_path(db: str, items: Items, size: int) -> tuple[float, float]:
    return write_path(db, items, size, copy=False)


def copy_raw(db: str, items: Items, size: int) -> tuple[float, float]:
    return raw(db, items, size, copy=True)


def measure(name: str, new_db: Callable[[str], str], items: Items, size: int) -> None:
    results: dict[str, list[tuple[float, float]]] = {}
    DUMPS.clear()
    runs: list[tuple[str, Callable[[str, Items, int], tuple[float, float]]]]
    runs = [("write path", write_path), ("raw", raw)]
    if name == "PostgreSQL":  # COPY, and today's INSERTs for comparison
        runs += [("INSERT path", insert_path), ("raw COPY", copy_raw)]
    for kind, run in runs + runs[:1] + runs[2:3]:
        wall, cpu = run(new_db(kind), items, size)
        results.setdefault(kind, []).append((wall, cpu))
    pages = len(items)
    for kind, runs in results.items():
        wall, cpu = min(runs)
        print(
            f"{name:<11}{kind:<12}{pages / wall:>9.0f} pages/s"
            f"{1000 * cpu / pages:>9.1f} CPU ms/page  ({len(runs)} run(s), best)"
        )
    ratio = min(results["raw"])[0] / min(results["write path"])[0]
    print(f"{name:<11}ratio write path / raw: {ratio:.2f}")
    if "INSERT path" in results:
        ratio = min(results["INSERT path"])[0] / min(results["write path"])[0]
        print(f"{name:<11}ratio write path / INSERT path: {ratio:.2f}")
        same = len(DUMPS[True] | DUMPS[False]) == 1
        print(f"{name:<11}stored rows of COPY and INSERT paths identical: {same}")
        if not same:
            raise SystemExit("the COPY path stored other rows than the INSERT path")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=DEFAULT_MAX_BATCH)
    parser.add_argument("--pg", help="a PostgreSQL URL whose database the bench may drop")
    parser.add_argument("--cache", help="a file to keep the cleaned pages in, for the next run")
    args = parser.parse_args()
    started = time.perf_counter()
    items = load_or_clean(args.pages, args.cache)
    articles = sum(1 for _, result in items if result and result.article)
    claims = sum(len(result.article.claims) for _, result in items if result and result.article)
    print(
        f"ingest: {args.pages} pages ({articles} articles, {claims} claims) cleaned in "
        f"{time.perf_counter() - started:.0f} s; batches of {args.batch} pages"
    )
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(100))
        measure("SQLite", lambda kind: f"{tmp}/{next(counter)}.db", items, args.batch)
    if args.pg:
        drops: list[Callable[[], None]] = []

        def new_pg(kind: str) -> str:
            if drops:
                drops.pop()()
            drops.append(fresh_pg(args.pg))
            return str(args.pg)

        try:
            measure("PostgreSQL", new_pg, items, args.batch)
        finally:
            for drop in drops:
                drop()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
