"""Distributed crawl throughput: the same crawl by 1 and by 2 processes sharing a Redis queue.

Serves the sample site with N generated article pages (default 5,000), then crawls /gen/
twice into PostgreSQL: once with `debtcorpus crawl --redis` alone, once with it plus one
`debtcorpus worker`. Prints pages per second for each (pages over the span between the
first and last stored page, so start-up and the idle timeout at the end do not count), the
wall-clock time, each process's share, and the ratio 2-worker/1-worker.

  .venv/bin/python bench/distributed.py [--pages 5000] [--latency-ms 100] [--quick]

Needs PostgreSQL and Redis on 127.0.0.1 (.ci/services). `--quick` crawls 300 pages.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BENCH_DB = "debtcorpus_bench"
REDIS_URL = "redis://127.0.0.1:6379/0"
IDLE_TIMEOUT_S = 3


@dataclass(frozen=True)
class Result:
    workers: int
    pages: int
    span_s: float
    wall_s: float
    shares: list[int]

    @property
    def rate(self) -> float:
        return self.pages / self.span_s if self.span_s else 0.0


def start_site(pages: int, latency_ms: int) -> tuple[subprocess.Popen[str], str]:
    argv = [sys.executable, "-m", "samplesite", "serve", "--port", "0", "--generate", str(pages)]
    argv += ["--latency-ms", str(latency_ms)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert server.stdout is not None
    return server, server.stdout.readline().strip().rstrip("/")


def corpus_python(code: str) -> str:
    """Run a snippet in a fresh interpreter (the bench itself stays light)."""
    argv = [sys.executable, "-c", code]
    return subprocess.run(argv, check=True, cwd=REPO, capture_output=True, text=True).stdout


def fresh_database() -> str:
    corpus_python(
        "from sqlalchemy import create_engine, text\n"
        f"e = create_engine({PG_SERVER + '/postgres'!r}, isolation_level='AUTOCOMMIT')\n"
        "with e.connect() as c:\n"
        f"    c.execute(text('DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)'))\n"
        f"    c.execute(text('CREATE DATABASE {BENCH_DB}'))\n"
    )
    db = f"{PG_SERVER}/{BENCH_DB}"
    corpus_python(f"from corpus.store import open_store; open_store({db!r})")
    return db


def debtcorpus(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "corpus", *args], cwd=REPO)


def wait_for_run(db: str) -> None:
    code = (
        "from sqlalchemy import select, func\nfrom corpus.store import Store\n"
        "from corpus.models import CrawlRun\n"
        f"with Store({db!r}).session() as s: print(s.scalar(select(func.count(CrawlRun.id))))"
    )
    while corpus_python(code).strip() == "0":
        time.sleep(0.2)


def measure(db: str) -> tuple[int, float, list[int]]:
    out = corpus_python(
        "import json\nfrom sqlalchemy import select, func\nfrom corpus.store import Store\n"
        "from corpus.models import CrawlRun, Page\n"
        f"with Store({db!r}).session() as s:\n"
        "    first, last, n = s.execute(select(func.min(Page.fetched_at), "
        "func.max(Page.fetched_at), func.count(Page.id))).one()\n"
        "    run = s.scalars(select(CrawlRun)).one()\n"
        "    shares = [w['pages'] for w in run.stats.get('workers', {}).values()]\n"
        "print(json.dumps([n, (last - first).total_seconds(), shares]))"
    )
    pages, span, shares = json.loads(out)
    return int(pages), float(span), sorted(shares, reverse=True)


def crawl(base_url: str, workers: int) -> Result:
    db = fresh_database()
    common = ("--redis", REDIS_URL, "--db", db, "--log-level", "ERROR")
    started = time.monotonic()
    processes = [
        debtcorpus(
            "crawl", "--site", "sample-gen", "--base-url", base_url,
            "-s", f"DEBTCORPUS_IDLE_TIMEOUT={IDLE_TIMEOUT_S}", *common,
        )
    ]  # fmt: skip
    wait_for_run(db)
    for _ in range(workers - 1):
        processes.append(debtcorpus("worker", "--idle-timeout", str(IDLE_TIMEOUT_S), *common))
    for process in processes:
        process.wait()
    wall = time.monotonic() - started
    pages, span, shares = measure(db)
    return Result(workers, pages, span, wall, shares)


def report(results: list[Result], pages: int, latency_ms: int) -> None:
    print(f"distributed: {pages} generated pages, server latency {latency_ms} ms")
    print(f"{'workers':<9}{'pages':>7}{'span s':>8}{'pages/s':>9}{'wall s':>8}  per worker")
    for r in results:
        print(
            f"{r.workers:<9}{r.pages:>7}{r.span_s:>8.1f}{r.rate:>9.1f}{r.wall_s:>8.1f}  {r.shares}"
        )
    one, two = results
    print(f"ratio 2 workers / 1 worker: {two.rate / one.rate:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="300 pages")
    args = parser.parse_args()
    pages = 300 if args.quick else args.pages
    server, base_url = start_site(pages, args.latency_ms)
    try:
        results = [crawl(base_url, workers) for workers in (1, 2)]
    finally:
        server.terminate()
        server.wait()
    report(results, pages, args.latency_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
