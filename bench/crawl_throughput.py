"""Crawl throughput: a bare Scrapy spider vs the full debtcorpus pipeline, side by side.

Serves the sample site with a generated section of N article pages (default 3,000) and
crawls /gen/ twice with the same Scrapy settings (robots.txt, AutoThrottle, concurrency):
  bare: a spider that only downloads and follows links;
  full: `python -m crawler` with decode, extraction, claims and SQLite storage.
Prints pages/s for each, their ratio, and the peak memory of each crawl's process tree.

  .venv/bin/python bench/crawl_throughput.py [--pages 3000] [--latency-ms 100]

`--latency-ms` makes the local server answer like a remote site (a fixed delay per
response); 0 measures the CPU-bound case where server, crawler and cleaners share 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
BARE_SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.project import get_project_settings

class BareSpider(scrapy.Spider):
    name = "bare"
    links = LinkExtractor(allow=[r"/gen/"])
    def __init__(self, start, **kw):
        super().__init__(**kw)
        self.start_urls = [start]
        self.allowed_domains = ["127.0.0.1"]
    def parse(self, response):
        for link in self.links.extract_links(response):
            yield scrapy.Request(link.url)

settings = get_project_settings()
settings.setmodule("crawler.settings", priority="project")
settings.set("ITEM_PIPELINES", {}, priority="cmdline")
# the per-host limit only (Scrapy 2.19 alone does not hold CONCURRENT_REQUESTS_PER_DOMAIN)
settings.set("DOWNLOADER_MIDDLEWARES", {"crawler.politeness.HostLimit": 990}, priority="cmdline")
settings.set("DEPTH_LIMIT", 0, priority="cmdline")
settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler(BareSpider)
process.crawl(crawler, start=sys.argv[1])
process.start()
json.dump({k: str(v) for k, v in crawler.stats.get_stats().items()}, open(sys.argv[2], "w"))
"""


@dataclass(frozen=True)
class Result:
    name: str
    pages: int
    seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def start_site(pages: int, latency_ms: int) -> tuple[subprocess.Popen[str], str]:
    argv = [sys.executable, "-m", "samplesite", "serve", "--port", "0", "--generate", str(pages)]
    if latency_ms:
        argv += ["--latency-ms", str(latency_ms)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert server.stdout is not None
    return server, server.stdout.readline().strip().rstrip("/")


def run_measured(name: str, argv: list[str]) -> float:
    """Run a crawl process; return the peak RSS (MB) of its process tree."""
    process = psutil.Popen(argv, cwd=REPO)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process))
        time.sleep(0.2)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{name} crawl failed with exit code {process.returncode}")
    return peak / 2**20


def _tree_rss(process: psutil.Process) -> int:
    try:
        family = [process, *process.children(recursive=True)]
        return sum(p.memory_info().rss for p in family)
    except psutil.Error:
        return 0


def bare_run(base_url: str, workdir: Path) -> Result:
    script, stats_file = workdir / "bare.py", workdir / "bare-stats.json"
    script.write_text(BARE_SPIDER)
    peak = run_measured("bare", [sys.executable, str(script), f"{base_url}/gen/", str(stats_file)])
    stats = json.loads(stats_file.read_text())
    pages = int(stats.get("response_received_count", 0))
    return Result("bare spider", pages, float(stats["elapsed_time_seconds"]), peak)


def corpus_python(code: str) -> str:
    """Run a snippet against the corpus in a fresh interpreter (the bench itself stays light)."""
    argv = [sys.executable, "-c", code]
    return subprocess.run(argv, check=True, cwd=REPO, capture_output=True, text=True).stdout


def full_run(base_url: str, workdir: Path) -> Result:
    db = str(workdir / "full.db")
    run_id = corpus_python(
        "from corpus.store import open_store; from corpus.run_records import start_run; "
        f"print(start_run(open_store({db!r}), 'sample-gen', [], {{}}))"
    ).strip()
    argv = [sys.executable, "-m", "crawler", "--db", db, "--run-id", run_id]
    argv += ["--site", "sample-gen", "--base-url", base_url, "--set", "LOG_LEVEL=WARNING"]
    peak = run_measured("full", argv)
    stored, seconds = json.loads(
        corpus_python(
            "import json; from corpus.store import Store; from corpus.models import CrawlRun\n"
            f"with Store({db!r}).session() as s: run = s.get_one(CrawlRun, {run_id})\n"
            "stats = run.stats['scrapy']['sample-gen']\n"
            "print(json.dumps([run.pages_fetched, stats['elapsed_time_seconds']]))"
        )
    )
    return Result("full pipeline", int(stored), float(seconds), peak)


def report(results: list[Result], pages: int, latency_ms: int) -> None:
    print(f"crawl_throughput: {pages} generated pages, server latency {latency_ms} ms")
    print(f"{'run':<22}{'pages':>8}{'seconds':>10}{'pages/s':>10}{'peak MB':>10}")
    for r in results:
        print(f"{r.name:<22}{r.pages:>8}{r.seconds:>10.1f}{r.rate:>10.1f}{r.peak_rss_mb:>10.0f}")
    bare, full = results
    print(f"ratio full/bare: {full.rate / bare.rate:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()
    server, base_url = start_site(args.pages, args.latency_ms)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            results = [bare_run(base_url, Path(tmp)), full_run(base_url, Path(tmp))]
    finally:
        server.terminate()
        server.wait()
    report(results, args.pages, args.latency_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
