"""Crawl throughput: a bare Scrapy spider vs the full debtcorpus pipeline, side by side.

Serves the sample site with a generated section of N article pages (default 3,000) and
crawls /gen/ with the same Scrapy settings (robots.txt, AutoThrottle, concurrency):
  bare: a spider that only downloads and follows links;
  full: `debtcorpus crawl --site sample-gen` (the command a user runs: its parent process, the
        Scrapy process and the cleaners) with decode, extraction, claims and SQLite storage.
The two run in alternation, --rounds times each (default 3), on a fresh corpus each time.
Prints, per run and as median [min-max] per kind: pages/s, the ratio full/bare of each pair,
the peak memory of the whole process tree (summed RSS, and summed PSS, which counts shared
pages once), and the CPU milliseconds per page the tree spent, in all and by process: the
Scrapy process (the reactor; the bare spider's only process), the cleaners (which clean and
store) and the `debtcorpus crawl` parent.

  .venv/bin/python bench/crawl_throughput.py [--pages 3000] [--latency-ms 100] [--rounds 3]

`--latency-ms` makes the local server answer like a remote site (a fixed delay per
response); 0 measures the CPU-bound case where server, crawler and cleaners share 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
BARE_SCRIPT = "bare.py"
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
class Tree:
    """What a crawl's process tree used: peak memory and CPU time (all processes).

    RSS counts a page shared by several processes (the cleaners' copy-on-write pages from
    their fork server) once per process; PSS divides it among them, so its sum is the
    memory the tree really takes."""

    peak_rss_mb: float
    peak_pss_mb: float
    cpu_seconds: float
    # CPU seconds by role: parent (`debtcorpus crawl`), scrapy (the reactor's process),
    # cleaners (the fork server and its workers, which clean and store)
    cpu_by_role: dict[str, float]
    # at the tree's PSS peak, each process: (what it is, PSS MB, private MB)
    at_peak: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class Result:
    name: str
    pages: int
    seconds: float
    tree: Tree

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.tree.cpu_seconds / self.pages if self.pages else 0.0

    def role_ms_per_page(self, role: str) -> float:
        seconds = self.tree.cpu_by_role.get(role, 0.0)
        return 1000 * seconds / self.pages if self.pages else 0.0


def start_site(pages: int, latency_ms: int) -> tuple[subprocess.Popen[str], str]:
    argv = [sys.executable, "-m", "samplesite", "serve", "--port", "0", "--generate", str(pages)]
    if latency_ms:
        argv += ["--latency-ms", str(latency_ms)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert server.stdout is not None
    return server, server.stdout.readline().strip().rstrip("/")


def run_measured(name: str, argv: list[str]) -> Tree:
    """Run a crawl process; sample its whole process tree until it ends."""
    with tempfile.TemporaryFile() as output:
        process = psutil.Popen(argv, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
        peak, peak_pss, cpu_by_pid = 0, 0, {}
        roles: dict[int, str] = {}
        at_peak: tuple[tuple[str, float, float], ...] = ()
        while process.poll() is None:
            family = _family(process)
            rss, pss, members = _tree_memory(family)
            if pss > peak_pss:
                at_peak = tuple((_kind(m, process), p, u) for m, p, u in members)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            cpu_by_pid.update(_tree_cpu(family))
            roles.update(_roles(process, family, roles))
            time.sleep(0.2)
        if process.returncode not in (0, 1):
            output.seek(0)
            print(output.read().decode(errors="replace")[-3000:], file=sys.stderr)
            raise SystemExit(f"{name} crawl failed with exit code {process.returncode}")
    by_role: dict[str, float] = {}
    for pid, seconds in cpu_by_pid.items():
        role = roles.get(pid, "scrapy")
        by_role[role] = by_role.get(role, 0.0) + seconds
    return Tree(peak / 2**20, peak_pss / 2**20, sum(cpu_by_pid.values()), by_role, at_peak)


def _kind(member: psutil.Process, root: psutil.Process) -> str:
    """What a process of the tree is, for the by-process table (a cleaner is forked by the
    fork server, so it has the fork server's command line: its parent tells them apart)."""
    try:
        command = " ".join(member.cmdline())
        parent = " ".join(member.parent().cmdline()) if member.pid != root.pid else ""
    except (psutil.Error, AttributeError):
        return "gone"
    if member.pid == root.pid:
        return "scrapy" if BARE_SCRIPT in command else "parent"
    if "resource_tracker" in command:
        return "resource tracker"
    if "multiprocessing" in command:
        return "cleaner" if "multiprocessing" in parent else "fork server"
    return "scrapy"


def _roles(
    root: psutil.Process, family: list[psutil.Process], known: dict[int, str]
) -> dict[int, str]:
    """parent: a root that is `debtcorpus crawl` (which, once it has opened the run, waits as
    `python -m corpus.crawl_wait`: corpus/crawl_wait.py); cleaners: multiprocessing's processes;
    scrapy: the process running the spider (the bare root, or the parent's other child)."""
    roles = {}
    for member in family:
        if member.pid in known:
            continue
        try:
            command = " ".join(member.cmdline())
        except psutil.Error:
            continue
        if "multiprocessing" in command:
            roles[member.pid] = "cleaners"
        elif member.pid == root.pid and BARE_SCRIPT not in command:
            roles[member.pid] = "parent"
        else:
            roles[member.pid] = "scrapy"
    return roles


def _family(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def _tree_memory(
    family: list[psutil.Process],
) -> tuple[int, int, list[tuple[psutil.Process, float, float]]]:
    """Summed RSS and PSS of the processes (bytes), and each one's PSS and private MB."""
    rss = pss = 0
    members = []
    for member in family:
        try:
            memory = member.memory_full_info()
        except psutil.Error:
            continue
        own = getattr(memory, "pss", memory.rss)
        rss, pss = rss + memory.rss, pss + own
        members.append((member, own / 2**20, getattr(memory, "uss", memory.rss) / 2**20))
    return rss, pss, members


def _tree_cpu(family: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds so far per process (a process's last sample stands once it has ended)."""
    seconds = {}
    for member in family:
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        seconds[member.pid] = times.user + times.system
    return seconds


def bare_run(base_url: str, workdir: Path) -> Result:
    script, stats_file = workdir / BARE_SCRIPT, workdir / "bare-stats.json"
    script.write_text(BARE_SPIDER)
    tree = run_measured("bare", [sys.executable, str(script), f"{base_url}/gen/", str(stats_file)])
    stats = json.loads(stats_file.read_text())
    pages = int(stats.get("response_received_count", 0))
    return Result("bare", pages, float(stats["elapsed_time_seconds"]), tree)


def corpus_python(code: str) -> str:
    """Run a snippet against the corpus in a fresh interpreter (the bench itself stays light)."""
    argv = [sys.executable, "-c", code]
    return subprocess.run(argv, check=True, cwd=REPO, capture_output=True, text=True).stdout


def full_run(base_url: str, workdir: Path, round_number: int) -> Result:
    db = str(workdir / f"full-{round_number}.db")
    argv = [str(Path(sys.executable).parent / "debtcorpus"), "crawl", "--db", db]
    argv += ["--site", "sample-gen", "--base-url", base_url]
    tree = run_measured("full", argv)
    stored, seconds = json.loads(
        corpus_python(
            "import json; from corpus.store import Store; from corpus.models import CrawlRun\n"
            f"with Store({db!r}).session() as s: run = s.get_one(CrawlRun, 1)\n"
            "stats = run.stats['scrapy']['sample-gen']\n"
            "print(json.dumps([run.pages_fetched, stats['elapsed_time_seconds']]))"
        )
    )
    return Result("full", int(stored), float(seconds), tree)


def spread(values: list[float], digits: int) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"[{min(values):.{digits}f}-{max(values):.{digits}f}]"
    )


ROLES = ("scrapy", "cleaners", "parent")
ROLES_SHOWN = " / ".join(ROLES)


def report(pairs: list[tuple[Result, Result]], pages: int, latency_ms: int) -> None:
    print(f"crawl_throughput: {pages} generated pages, server latency {latency_ms} ms")
    header = f"{'run':<10}{'pages':>7}{'seconds':>9}{'pages/s':>9}"
    print(f"{header}{'RSS MB':>8}{'PSS MB':>8}{'CPU ms/page':>13}  by process: {ROLES_SHOWN}")
    for round_number, pair in enumerate(pairs, 1):
        for r in pair:
            print(
                f"{r.name + ' ' + str(round_number):<10}{r.pages:>7}{r.seconds:>9.1f}"
                f"{r.rate:>9.1f}{r.tree.peak_rss_mb:>8.0f}{r.tree.peak_pss_mb:>8.0f}"
                f"{r.cpu_ms_per_page:>13.1f}  "
                + " / ".join(f"{r.role_ms_per_page(role):.1f}" for role in ROLES)
            )
    for index, name in enumerate(("bare", "full")):
        runs = [pair[index] for pair in pairs]
        print(
            f"{name}: pages/s {spread([r.rate for r in runs], 1)}, "
            f"peak RSS MB {spread([r.tree.peak_rss_mb for r in runs], 0)}, "
            f"peak PSS MB {spread([r.tree.peak_pss_mb for r in runs], 0)}, "
            f"CPU ms/page {spread([r.cpu_ms_per_page for r in runs], 1)}; "
            + ", ".join(
                f"{role} {spread([r.role_ms_per_page(role) for r in runs], 1)}" for role in ROLES
            )
        )
    print(f"ratio full/bare (per pair): {spread([f.rate / b.rate for b, f in pairs], 2)}")
    for round_number, (_, full) in enumerate(pairs, 1):
        print(f"full {round_number} at its PSS peak, by process: PSS MB (private MB):")
        for kind, pss, private in sorted(full.tree.at_peak, key=lambda m: -m[1]):
            print(f"  {kind:<18}{pss:>6.0f} ({private:.0f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server, base_url = start_site(args.pages, args.latency_ms)
    pairs = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for round_number in range(1, args.rounds + 1):
                bare = bare_run(base_url, Path(tmp))
                pairs.append((bare, full_run(base_url, Path(tmp), round_number)))
    finally:
        server.terminate()
        server.wait()
    report(pairs, args.pages, args.latency_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
