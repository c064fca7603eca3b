"""Distributed crawls: a seeding `crawl --redis` and a `worker` share one Redis queue and write
into one PostgreSQL corpus. Every sample article ends up stored once, every page fetched once,
both processes do part of the work; and with a Redis outage, a PostgreSQL outage or a worker
killed with SIGKILL, the corpus is that of an uninterrupted single-process crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
import redis
from sqlalchemy import func, select

from corpus.models import Article, CrawlRun, Page
from corpus.store import Store, open_store
from crawler.frontier import RunKeys
from crawler.seen import DEFAULT_ERROR_RATE, DEFAULT_SEEN_URLS, gcs_for
from samplesite.content import load_articles
from tests.crawl_services import (
    SITE,
    PrivatePostgres,
    PrivateRedis,
    Snapshot,
    corpus_snapshot,
    crawl_argv,
    full_speed,
)
from tests.test_postgres import pg_db, postgres_server, redis_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.services, pytest.mark.slow]

PROFILES = ("sample-wp", "sample-portal", "sample-news", "sample-law")
HEARTBEAT_TTL_S = 3
IDLE_TIMEOUT_S = 3
# Full speed for the local site, with a small delay so that both workers get requests.
TUNING = (
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0.05",
    "-s", f"DEBTCORPUS_HEARTBEAT_TTL={HEARTBEAT_TTL_S}",
    "--log-level", "ERROR",
)  # fmt: skip
CRAWL_TIMEOUT_S = 180


@dataclass
class Crawl:
    store: Store
    base_url: str
    redis_url: str
    seeder: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    def run(self) -> CrawlRun:
        with self.store.session() as session:
            return session.scalars(select(CrawlRun)).one()


def start(*args: str) -> subprocess.Popen[bytes]:
    # A session of its own, so that a kill takes the crawler child and its cleaners too.
    return subprocess.Popen([sys.executable, "-m", "corpus", *args], start_new_session=True)


def start_seeder(crawl: Crawl, db: str) -> None:
    sites = [arg for name in PROFILES for arg in ("--site", name)]
    idle = ("-s", f"DEBTCORPUS_IDLE_TIMEOUT={IDLE_TIMEOUT_S}")
    crawl.seeder = start(
        "crawl", "--redis", crawl.redis_url, *sites, "--base-url", crawl.base_url,
        *TUNING, *idle, "--db", db,
    )  # fmt: skip
    wait_for(lambda: count(crawl.store, CrawlRun) == 1, "the seeding crawl to create its run")


def start_worker(crawl: Crawl, db: str) -> None:
    idle = ("--idle-timeout", str(IDLE_TIMEOUT_S))
    crawl.worker = start("worker", "--redis", crawl.redis_url, *idle, *TUNING, "--db", db)


def wait_for(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def count(store: Store, model: Any) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def wait_exit(process: subprocess.Popen[bytes] | None, name: str) -> None:
    assert process is not None
    try:
        assert process.wait(timeout=CRAWL_TIMEOUT_S) == 0, f"{name} failed"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


@pytest.fixture
def crawl(pg_db: str, redis_server: str, sample_site: str) -> Iterator[Crawl]:  # noqa: F811
    crawl = Crawl(open_store(pg_db), sample_site, redis_server)
    yield crawl
    for process in (crawl.seeder, crawl.worker):
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    with crawl.store.session() as session:
        prefixes = [run.settings.get("redis_prefix") for run in session.scalars(select(CrawlRun))]
    client = redis.Redis.from_url(redis_server)
    for prefix in filter(None, prefixes):
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    crawl.store.dispose()


def assert_every_article_and_page_once(crawl: Crawl) -> None:
    expected = {article.path for article in load_articles()}
    with crawl.store.session() as session:
        urls = session.scalars(select(Article.url)).all()
        fetched_twice = session.execute(
            select(Page.url, func.count()).group_by(Page.url).having(func.count() > 1)
        ).all()
    stored = [url.removeprefix(crawl.base_url) for url in urls]
    assert not expected - set(stored), f"articles missing: {sorted(expected - set(stored))}"
    assert len(stored) == len(set(stored))
    assert not fetched_twice, f"pages fetched more than once: {fetched_twice}"
    assert crawl.run().status == "finished"


def worker_has_requests_in_flight(crawl: Crawl) -> bool:
    """True once the worker's crawler process holds popped, unfinished requests."""
    assert crawl.worker is not None
    children = psutil.Process(crawl.worker.pid).children()
    prefix = crawl.run().settings.get("redis_prefix")
    if not children or not prefix:
        return False
    client = redis.Redis.from_url(crawl.redis_url)
    keys = client.keys(f"{prefix}:*:inflight:*-{children[0].pid}")
    return sum(client.scard(key) for key in keys) > 0


def worker_stats(crawl: Crawl) -> dict[str, Any]:
    workers: dict[str, Any] = crawl.run().stats.get("workers", {})
    return workers


def test_two_workers_share_the_crawl(crawl: Crawl, pg_db: str) -> None:  # noqa: F811
    start_seeder(crawl, pg_db)
    start_worker(crawl, pg_db)
    wait_exit(crawl.worker, "worker")
    wait_exit(crawl.seeder, "seeding crawl")
    assert_every_article_and_page_once(crawl)
    workers = worker_stats(crawl)
    pages = {worker: summary["pages"] for worker, summary in workers.items()}
    assert len(pages) == 2 and all(n > 0 for n in pages.values()), pages
    assert sum(pages.values()) == crawl.run().pages_fetched


# Two workers on the slow sample site with 2 requests at a time at it, their servers of their
# own (tests/crawl_services.py): Redis stopped, PostgreSQL stopped or a worker killed half-way,
# and still the corpus of one uninterrupted single-process crawl.
TWO_WORKERS = (
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    "-s",
    f"DEBTCORPUS_HEARTBEAT_TTL={HEARTBEAT_TTL_S}",
)


@dataclass
class Disturbed:
    crawl: Crawl
    db: str
    logs: Path

    def stderr(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.logs.glob("*.log"))


def start_logged(logs: Path, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
    with open(logs / f"{name}.log", "wb") as log:
        return subprocess.Popen(argv, stderr=log, start_new_session=True)


def start_two_workers(slow_site: str, db: str, redis_url: str, logs: Path) -> Disturbed:
    """The seeding crawl and a worker, once both have taken pages."""
    crawl = Crawl(open_store(db), slow_site, redis_url)
    idle = ("-s", f"DEBTCORPUS_IDLE_TIMEOUT={IDLE_TIMEOUT_S}")
    argv = crawl_argv(slow_site, db, "--redis", redis_url, *TWO_WORKERS, *idle)
    crawl.seeder = start_logged(logs, "seeder", argv)
    wait_for(lambda: count(crawl.store, CrawlRun) == 1, "the seeding crawl to create its run")
    worker = [sys.executable, "-m", "corpus", "worker", "--redis", redis_url, "--db", db]
    crawl.worker = start_logged(logs, "worker", [*worker, "--idle-timeout", "3", *TWO_WORKERS])
    wait_for(lambda: worker_has_requests_in_flight(crawl), "the worker to take requests")
    return Disturbed(crawl, db, logs)


def finish_and_compare(run: Disturbed, reference: Snapshot, *processes: str) -> None:
    for name in processes:
        wait_exit(getattr(run.crawl, name), name)
    assert run.crawl.run().status == "finished"
    run.crawl.store.dispose()
    assert corpus_snapshot(run.db) == reference


@pytest.fixture
def outage_run(
    slow_site: str, postgres: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path
) -> Iterator[Disturbed]:
    run = start_two_workers(slow_site, postgres.url, private_redis.url, tmp_path)
    yield run
    for process in (run.crawl.seeder, run.crawl.worker):
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    run.crawl.store.dispose()


def test_two_workers_wait_out_a_redis_outage(
    outage_run: Disturbed, private_redis: PrivateRedis, reference: Snapshot
) -> None:
    private_redis.stop()
    time.sleep(5)
    private_redis.start()
    finish_and_compare(outage_run, reference, "worker", "seeder")
    assert outage_run.stderr().count("Redis is back") >= 2, "both workers saw the outage"


def test_two_workers_wait_out_a_postgres_outage(
    outage_run: Disturbed, postgres: PrivatePostgres, reference: Snapshot
) -> None:
    postgres.stop()
    # down until a page write has met the outage (a fixed pause can fall between batches)
    wait_for(lambda: "cannot store pages" in outage_run.stderr(), "a page write to fail", 30)
    time.sleep(2)
    postgres.start()
    finish_and_compare(outage_run, reference, "worker", "seeder")


def test_a_killed_worker_loses_nothing(outage_run: Disturbed, reference: Snapshot) -> None:
    worker = outage_run.crawl.worker
    assert worker is not None and worker.poll() is None, "worker ended too soon"
    # the machine dies: the worker and its crawl process (in a session of its own) at once
    tree = psutil.Process(worker.pid)
    for process in [tree, *tree.children(recursive=True)]:
        process.kill()
    worker.wait(timeout=10)
    survivors = worker_stats_after(outage_run, reference)
    assert len(survivors) == 1, "only the surviving worker reports"
    scrapy_stats = next(iter(survivors.values()))["scrapy"]
    reclaimed = sum(
        value
        for site in scrapy_stats.values()
        for key, value in site.items()
        if key.startswith("debtcorpus/redis/reclaimed/")
    )
    assert reclaimed > 0, "the dead worker's in-flight requests were not reclaimed"


def test_a_crawl_whose_workers_all_die_resumes_with_its_seen_set(
    outage_run: Disturbed, private_redis: PrivateRedis, reference: Snapshot
) -> None:
    crawl = outage_run.crawl
    for started in (crawl.seeder, crawl.worker):
        assert started is not None and started.poll() is None, "a worker ended too soon"
        tree = psutil.Process(started.pid)
        for process in [tree, *tree.children(recursive=True)]:
            process.kill()
        started.wait(timeout=10)
    run = crawl.run()
    assert run.status == "running"
    keys = RunKeys(run.settings["redis_prefix"], SITE)
    client = redis.Redis.from_url(private_redis.url)
    shape = gcs_for(DEFAULT_SEEN_URLS, DEFAULT_ERROR_RATE)  # the Golomb-coded set, as sized
    parts = keys.seen_parts(client)
    assert parts and set(parts) <= set(shape.part_keys(keys.seen))
    assert all(client.strlen(part) == shape.part_bytes for part in parts)
    assert any(any(client.get(part) or b"") for part in parts)  # with what was queued in it
    time.sleep(HEARTBEAT_TTL_S + 1)  # the dead workers' heartbeats expire
    worker = [sys.executable, "-m", "corpus", "worker", "--redis", private_redis.url]
    worker += ["--db", outage_run.db, "--run-id", str(run.id), "--idle-timeout", "3"]
    with full_speed(outage_run.crawl.base_url):  # nothing stops the resumed worker
        crawl.worker = start_logged(outage_run.logs, "resumed", [*worker, *TWO_WORKERS])
        finish_and_compare(outage_run, reference, "worker")
    # the seen-set was kept: the new worker's start URLs were dropped as seen, so no page was
    # fetched again; and with the run finished, the filter is gone
    store = Store(outage_run.db)
    with store.session() as session:
        twice = session.execute(select(Page.url).group_by(Page.url).having(func.count() > 1)).all()
    store.dispose()
    assert not twice, f"pages fetched again after the resume: {twice}"
    assert not client.exists(keys.seen, keys.stash) and not keys.seen_parts(client)


def worker_stats_after(run: Disturbed, reference: Snapshot) -> dict[str, Any]:
    wait_exit(run.crawl.seeder, "seeder")
    stats = worker_stats(run.crawl)
    finish_and_compare(run, reference)
    return stats
