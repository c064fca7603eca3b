"""WARC ingest vs crawl throughput, side by side on the same pages.

Serves the sample site with a generated section of N article pages (default 1,000) at zero
latency and
  crawl:  crawls /gen/ with the full pipeline (`python -m crawler`, as bench/crawl_throughput),
          then exports that crawl with `debtcorpus export --format warc`;
  ingest: `debtcorpus ingest-warc` of those WARC files into a new database.
Both use the same cleaner pool (2 workers). Prints pages/s for each, their ratio, how busy
the cleaner processes were (their CPU seconds over wall time x workers), and their share of
the CPU the whole process tree used (near 1: the cleaners are the bottleneck, as they should
be; on a loaded machine "busy" drops for both runs while the share stays telling).

  .venv/bin/python bench/warc_ingest.py [--pages 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_throughput import REPO, corpus_python, start_site

POOL_MARK = "multiprocessing"  # forkserver and its workers: `python -c 'from multiprocessing...'`


@dataclass(frozen=True)
class Result:
    name: str
    pages: int
    seconds: float
    cleaner_busy: float
    cleaner_share: float

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def run_with_cpu(argv: list[str]) -> tuple[float, float]:
    """Run a process tree to its end; returns the CPU seconds of its cleaner processes and
    of the whole tree (sampled every 0.2 s, so the last fraction of a second is missed)."""
    process = psutil.Popen(argv, cwd=REPO)
    cleaners: dict[int, float] = {}
    tree: dict[int, float] = {}
    while process.poll() is None:
        for member in [process, *_children(process)]:
            try:
                times = member.cpu_times()
                tree[member.pid] = times.user + times.system
                if member is not process and any(POOL_MARK in p for p in member.cmdline()):
                    cleaners[member.pid] = tree[member.pid]
            except psutil.Error:
                continue
        time.sleep(0.2)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{argv[2:4]} failed with exit code {process.returncode}")
    return sum(cleaners.values()), sum(tree.values())


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def run_facts(db: str, run_id: str) -> tuple[int, dict[str, object], float]:
    """Pages stored, stats, and wall seconds from the run row."""
    pages, stats, seconds = json.loads(
        corpus_python(
            "import json; from corpus.store import Store; from corpus.models import CrawlRun\n"
            f"with Store({db!r}).session() as s: run = s.get_one(CrawlRun, {run_id})\n"
            "wall = (run.finished_at - run.started_at).total_seconds()\n"
            "print(json.dumps([run.pages_fetched, run.stats, wall]))"
        )
    )
    return int(pages), stats, float(seconds)


def crawl(base_url: str, workdir: Path, workers: int) -> tuple[Result, str]:
    db = str(workdir / "crawl.db")
    run_id = corpus_python(
        "from corpus.store import open_store; from corpus.run_records import start_run; "
        f"print(start_run(open_store({db!r}), 'sample-gen', [], {{}}))"
    ).strip()
    argv = [sys.executable, "-m", "crawler", "--db", db, "--run-id", run_id, "--site"]
    argv += ["sample-gen", "--base-url", base_url, "--workers", str(workers)]
    cleaner_cpu, tree_cpu = run_with_cpu([*argv, "--set", "LOG_LEVEL=WARNING"])
    pages, stats, _wall = run_facts(db, run_id)
    seconds = float(stats["scrapy"]["sample-gen"]["elapsed_time_seconds"])  # type: ignore[index]
    busy = cleaner_cpu / (seconds * workers)
    return Result("crawl", pages, seconds, busy, cleaner_cpu / tree_cpu), db


def ingest(crawl_db: str, workdir: Path, workers: int) -> Result:
    out = workdir / "warc"
    corpus_python(
        "from corpus.cli import main; "
        f"main(['export', '--format', 'warc', {str(out)!r}, '--db', {crawl_db!r}])"
    )
    db = str(workdir / "ingest.db")
    files = sorted(str(path) for path in out.glob("*.warc.gz"))
    argv = [sys.executable, "-m", "corpus", "ingest-warc", *files, "--db", db]
    cleaner_cpu, tree_cpu = run_with_cpu([*argv, "--workers", str(workers)])
    pages, _stats, seconds = run_facts(db, "1")
    busy = cleaner_cpu / (seconds * workers)
    return Result("ingest-warc", pages, seconds, busy, cleaner_cpu / tree_cpu)


def report(results: list[Result], pages: int, workers: int) -> None:
    print(f"warc_ingest: {pages} generated pages, latency 0 ms, {workers} cleaner workers")
    header = f"{'run':<14}{'pages':>8}{'seconds':>10}{'pages/s':>10}"
    print(f"{header}{'cleaners busy':>15}{'cleaner CPU share':>19}")
    for r in results:
        busy, share = f"{r.cleaner_busy:.0%}", f"{r.cleaner_share:.0%}"
        print(f"{r.name:<14}{r.pages:>8}{r.seconds:>10.1f}{r.rate:>10.1f}{busy:>15}{share:>19}")
    crawled, ingested = results
    print(f"ratio ingest-warc/crawl: {ingested.rate / crawled.rate:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    server, base_url = start_site(args.pages, 0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            crawled, crawl_db = crawl(base_url, Path(tmp), args.workers)
            results = [crawled, ingest(crawl_db, Path(tmp), args.workers)]
    finally:
        server.terminate()
        server.wait()
    report(results, args.pages, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
