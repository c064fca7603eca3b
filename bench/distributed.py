"""Distributed crawl throughput: one crawl of several sites by 1, 2 and 4 processes sharing
the per-host frontier in Redis (crawler/frontier.py).

For each worker count, serves --sites sample sites (each its own host: 127.0.0.1 on its own
port) with --pages generated article pages each, answering after --latency-ms, then crawls
their /gen/ sections into PostgreSQL with `debtcorpus crawl --redis` plus N-1
`debtcorpus worker` processes, AutoThrottle off and --per-host requests at a time per host.
Prints pages per second (pages over the span between the first and last stored page, so
start-up and the idle timeout at the end do not count), the wall-clock and CPU time of the
crawl processes, each process's share, and the most requests each site had in flight at
once (its own count, at the server).

  .venv/bin/python bench/distributed.py [--sites 4] [--pages 500] [--latency-ms 100]
      [--per-host 4] [--workers 1,2,4] [--quick] [--redis URL] [--pg-db NAME]

Needs PostgreSQL and Redis on 127.0.0.1 (.ci/services). `--quick`: 2 sites of 100 pages.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BENCH_DB = "debtcorpus_bench"
REDIS_URL = "redis://127.0.0.1:6379/0"
IDLE_TIMEOUT_S = 3
PROFILE = "bench-sites"


@dataclass(frozen=True)
class Result:
    workers: int
    pages: int
    span_s: float
    wall_s: float
    cpu_s: float
    shares: list[int]
    max_in_flight: list[int]

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


def fresh_database(name: str) -> str:
    corpus_python(
        "from sqlalchemy import create_engine, text\n"
        f"e = create_engine({PG_SERVER + '/postgres'!r}, isolation_level='AUTOCOMMIT')\n"
        "with e.connect() as c:\n"
        f"    c.execute(text('DROP DATABASE IF EXISTS {name} WITH (FORCE)'))\n"
        f"    c.execute(text('CREATE DATABASE {name}'))\n"
    )
    db = f"{PG_SERVER}/{name}"
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


def write_profile(folder: Path, base_urls: list[str]) -> None:
    """One profile for every site: their /gen/ sections, each site its own host."""
    starts = ", ".join(f"'{url}/gen/'" for url in base_urls)
    (folder / f"{PROFILE}.yaml").write_text(
        f"name: {PROFILE}\nstart_urls: [{starts}]\nallowed_domains: ['127.0.0.1']\n"
        "follow: ['/gen/']\narticle_patterns: ['/gen/.+\\.html$']\ndepth: 0\n"
    )


def site_load(base_url: str) -> int:
    with urllib.request.urlopen(f"{base_url}/_control/load", timeout=10) as response:
        return int(json.loads(response.read())["max_in_flight"])


def crawl(args: argparse.Namespace, workers: int) -> Result:
    sites = [start_site(args.pages, args.latency_ms) for _ in range(args.sites)]
    try:
        with tempfile.TemporaryDirectory() as folder:
            write_profile(Path(folder), [url for _, url in sites])
            result = crawl_sites(args, workers, Path(folder))
            return Result(**{**result.__dict__, "max_in_flight": [site_load(u) for _, u in sites]})
    finally:
        for server, _ in sites:
            server.terminate()
            server.wait()


def crawl_sites(args: argparse.Namespace, workers: int, sites_dir: Path) -> Result:
    db = fresh_database(args.pg_db)
    common = ("--redis", args.redis, "--db", db, "--log-level", "ERROR")
    common += ("--sites-dir", str(sites_dir))
    tuning = ("-s", "AUTOTHROTTLE_ENABLED=False")
    tuning += ("-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_host}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    processes = [
        debtcorpus(
            "crawl", "--site", PROFILE, *tuning,
            "-s", f"DEBTCORPUS_IDLE_TIMEOUT={IDLE_TIMEOUT_S}", *common,
        )
    ]  # fmt: skip
    wait_for_run(db)
    for _ in range(workers - 1):
        processes.append(
            debtcorpus("worker", "--idle-timeout", str(IDLE_TIMEOUT_S), *tuning, *common)
        )
    for process in processes:
        process.wait()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    pages, span, shares = measure(db)
    return Result(workers, pages, span, wall, cpu, shares, [])


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"distributed: {args.sites} sites x {args.pages} generated pages, server latency "
        f"{args.latency_ms} ms, {args.per_host} requests at a time per host, AutoThrottle off"
    )
    print(
        f"{'workers':<9}{'pages':>7}{'span s':>8}{'pages/s':>9}{'wall s':>8}{'cpu s':>8}"
        "  per worker / max in flight per site"
    )
    for r in results:
        print(
            f"{r.workers:<9}{r.pages:>7}{r.span_s:>8.1f}{r.rate:>9.1f}{r.wall_s:>8.1f}"
            f"{r.cpu_s:>8.1f}  {r.shares} / {r.max_in_flight}"
        )
    one = results[0]
    for r in results[1:]:
        print(f"ratio {r.workers} workers / {one.workers}: {r.rate / one.rate:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--pages", type=int, default=500, help="generated pages per site")
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--quick", action="store_true", help="2 sites of 100 pages")
    parser.add_argument("--redis", default=REDIS_URL, help="the Redis (and db) to crawl with")
    parser.add_argument("--pg-db", default=BENCH_DB, help="PostgreSQL database, made afresh")
    args = parser.parse_args()
    if args.quick:
        args.sites, args.pages = 2, 100
    results = [crawl(args, int(n)) for n in args.workers.split(",")]
    report(results, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
