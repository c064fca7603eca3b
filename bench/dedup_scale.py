"""`debtcorpus dedup` end to end on a database, beside datasketch on the same texts.

For each size, a fresh SQLite corpus of generated articles (~1500 Chinese characters of jieba
dictionary words each, 20% of them content-farm copies of another) is written first (not timed).
Then, each in its own process, timed by wall clock with its peak resident memory:
- ours: `debtcorpus dedup --no-templates` (read texts in batches, normalise, fingerprint, write
  signatures and band keys, find candidates in the database, verify, write clusters and edges);
- datasketch: read the same texts from the same database, normalise them the same way, MinHash
  (update_batch, its fastest path) the same 3-gram shingles with 128 permutations, insert into
  MinHashLSH at the same threshold, query every article: candidate pairs only, nothing stored.
Ours runs twice: with 2 worker processes (the default on 2 cores) and with one process
(`--workers 1`); datasketch is single-process, so the 1-process figures are the like-for-like
ones. Peak memory is the main process's VmHWM (its own high-water mark; ru_maxrss would carry
over the benchmark process's own memory through fork and exec), and for the workers the largest
worker's ru_maxrss (forked: it counts the pages shared with the main process again).
The machine is shared: wall-clock figures move with other jobs' load, so CPU seconds
(user + system of each process) are printed beside them; ratios are measured side by side in
one run.

    .venv/bin/python bench/dedup_scale.py                      # 10k and 50k
    .venv/bin/python bench/dedup_scale.py --sizes 10000 50000 200000
    .venv/bin/python bench/dedup_scale.py --sizes 10000 --postgres URL   # also on an EMPTY
        PostgreSQL database: time, and the bytes per article of signatures and band keys
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.dedup.synthetic import generate_corpus
from corpus.store import open_store

RUN_OURS = """
import json, resource, sys, time
from corpus.cli import main
started = time.perf_counter()
try:
    main(["dedup", "--no-templates", "--db", sys.argv[1], "--workers", sys.argv[2]])
except SystemExit:
    pass
usage = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
cpu = usage.ru_utime + usage.ru_stime + workers.ru_utime + workers.ru_stime
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu,
                  "peak_mb": int(peak.split()[1]) / 1024,
                  "worker_peak_mb": workers.ru_maxrss / 1024}), file=sys.stderr)
"""
RUN_DATASKETCH = """
import json, resource, sys, time
started = time.perf_counter()
from datasketch import MinHash, MinHashLSH
from sqlalchemy import create_engine, text
from cleaning.fingerprint import FingerprintConfig, content_chars
config = FingerprintConfig()
engine = create_engine("sqlite:///" + sys.argv[1])
index = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
sketches = {}
with engine.connect() as connection:
    streamed = connection.execution_options(stream_results=True)
    rows = streamed.execute(text("SELECT id, text FROM articles"))
    for article_id, body in rows:
        chars = content_chars(body, config)
        grams = {chars[i : i + config.ngram] for i in range(max(1, len(chars) - config.ngram + 1))}
        sketch = MinHash(num_perm=config.num_perm)
        sketch.update_batch([gram.encode("utf-8") for gram in grams])
        index.insert(article_id, sketch)
        sketches[article_id] = sketch
pairs = sum(len(index.query(sketch)) - 1 for sketch in sketches.values()) // 2
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": time.perf_counter() - started, "pairs": pairs,
                  "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": int(peak.split()[1]) / 1024}),
      file=sys.stderr)
"""


def write_corpus(path: Path, texts: list[str], first: int = 0) -> None:
    write_corpus_url(str(path), texts, first)


def write_corpus_url(db: str, texts: list[str], first: int = 0) -> None:
    """The articles, 5000 a transaction. On SQLite without the search index's triggers (they
    tokenise every text, the slow part of writing, and dedup never reads the index): dropped
    for the load and created again after it, the index left empty."""
    from sqlalchemy import insert

    from corpus.models import Article
    from corpus.search import sqlite as search

    store = open_store(db)
    sqlite = store.engine.dialect.name == "sqlite"
    if sqlite:
        with store.session() as session:
            for name in search.TRIGGER_NAMES:
                session.connection().exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    now = datetime.now(UTC)
    for start in range(0, len(texts), 5000):
        rows = [
            {
                "id": number + 1,
                "url": f"https://site{number % 97}.cn/a/{number}.html",
                "site": f"site{number % 97}.cn",
                "title": f"文章 {number}",
                "text": body,
                "text_sha256": hashlib.sha256(body.encode()).hexdigest(),
                "extractor_version": "bench",
                "first_seen_at": now,
                "last_seen_at": now,
            }
            for number, body in enumerate(texts[start : start + 5000], start=first + start)
        ]
        with store.session() as session:
            session.execute(insert(Article), rows)
    if sqlite:
        with store.session() as session:
            search.create(session.connection())
    store.dispose()


PG_SIZES = """
SELECT relname, pg_total_relation_size(oid) FROM pg_class
WHERE relname IN ('lsh_band_keys', 'article_fingerprints', 'duplicate_pairs', 'dedup_unpaired')
  AND relkind = 'r'
"""


def postgres_run(url: str, texts: list[str]) -> str:
    """`debtcorpus dedup` on an empty PostgreSQL database; time (the client's CPU, and the
    CPU of the server processes serving this database, sampled from /proc every 0.2 s: the
    server runs on this machine) and storage per article."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT to_regclass('articles') IS NOT NULL"))
        if exists and connection.scalar(text("SELECT count(*) FROM articles")):
            raise SystemExit(f"{url} holds articles; give an empty database")
    write_corpus_url(url, texts)
    with ServerCpu(engine) as server:
        figures = measure(RUN_OURS, url, "1")
    with engine.connect() as connection:
        sizes = dict(connection.execute(text(PG_SIZES)).all())
    engine.dispose()
    per_article = {name: size / len(texts) for name, size in sizes.items()}
    return (
        f"PostgreSQL, {len(texts)} articles, 1 process: {figures['seconds']:.1f}s wall, "
        f"{figures['cpu']:.1f}s CPU (client), {server.seconds():.1f}s CPU (server backends), "
        f"peak {figures['peak_mb']:.0f} MB; bytes per article: "
        + ", ".join(f"{name} {value:.0f}" for name, value in sorted(per_article.items()))
    )


class ServerCpu:
    """CPU seconds of the PostgreSQL backends connected to the engine's database (other than
    this sampler's), from /proc/PID/stat, the largest value seen per backend."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.seen, self.done = engine, dict[int, int](), threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ServerCpu:
        self.thread.start()
        return self

    def __exit__(self, *error: object) -> None:
        self.done.set()
        self.thread.join()

    def _sample(self) -> None:
        from sqlalchemy import text

        sql = text(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as connection:
            while not self.done.wait(0.2):
                for (pid,) in connection.execute(sql).all():
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    ticks = int(fields[11]) + int(fields[12])  # utime, stime
                    self.seen[pid] = max(self.seen.get(pid, 0), ticks)
                connection.rollback()

    def seconds(self) -> float:
        return sum(self.seen.values()) / os.sysconf("SC_CLK_TCK")


def measure(script: str, db: Path | str, *args: str) -> dict[str, float]:
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", script, str(db), *args], capture_output=True, text=True, cwd=root
    )
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    figures: dict[str, float] = json.loads(result.stderr.strip().splitlines()[-1])
    figures["stdout"] = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""  # type: ignore[assignment]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--postgres", help="also run on this EMPTY PostgreSQL database (URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL run")
    parser.add_argument(
        "--add", type=int, default=500, help="then time a re-run after this many new articles"
    )
    options = parser.parse_args()
    started = time.perf_counter()
    corpus = generate_corpus(max(options.sizes) + options.add)
    print(f"generated {len(corpus)} articles in {time.perf_counter() - started:.0f}s")
    print(
        "| articles | ours, 2 workers: wall s / CPU s / peak MB (main + worker) | "
        "ours, 1 process: wall s / CPU s / peak MB | datasketch (1 process): wall s / CPU s / "
        "peak MB | speed-up wall, 2 workers | speed-up wall, 1 process | speed-up CPU, 1 process |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in [] if options.no_sqlite else options.sizes:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "corpus.db"
            write_corpus(db, corpus[:size])
            shutil.copy(db, Path(folder) / "fresh.db")
            two = measure(RUN_OURS, db, "2")
            print(f"    {size}, ours with 2 workers: {json.dumps(two)}", flush=True)
            shutil.copy(Path(folder) / "fresh.db", db)
            one = measure(RUN_OURS, db, "1")
            print(f"    {size}, ours in 1 process: {json.dumps(one)}", flush=True)
            reference = measure(RUN_DATASKETCH, db)
            if options.add:  # after datasketch, which reads the same texts as ours
                write_corpus(db, corpus[size : size + options.add], first=size)
                again = measure(RUN_OURS, db, "1")
                print(f"    {size}, re-run after {options.add} new articles, 1 process: "
                      f"{json.dumps(again)}", flush=True)  # fmt: skip
        print(
            f"| {size} | {two['seconds']:.1f} / {two['cpu']:.1f} / {two['peak_mb']:.0f} + "
            f"{two['worker_peak_mb']:.0f} | {one['seconds']:.1f} / {one['cpu']:.1f} / "
            f"{one['peak_mb']:.0f} | {reference['seconds']:.1f} / {reference['cpu']:.1f} / "
            f"{reference['peak_mb']:.0f} | {reference['seconds'] / two['seconds']:.1f}x | "
            f"{reference['seconds'] / one['seconds']:.1f}x | "
            f"{reference['cpu'] / one['cpu']:.1f}x |",
            flush=True,
        )
        pairs = reference.get("pairs", 0)
        print(f"    ours: {one['stdout']}; datasketch: {pairs:.0f} candidate pairs", flush=True)
    if options.postgres:
        print(postgres_run(options.postgres, corpus[: min(options.sizes)]))


if __name__ == "__main__":
    main()
