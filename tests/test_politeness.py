"""Per-host limits: leases in the process and in a real Redis; a one-process crawl that keeps
CONCURRENT_REQUESTS_PER_DOMAIN (Scrapy 2.19 alone does not), and a distributed crawl whose
two processes together never exceed one process's per-site concurrency, as the sample site
counts it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from crawler.politeness import FULL_RETRY_S, HostLeases, LocalLeases, release_worker
from tests.conftest import start_sample_site
from tests.test_distributed import (
    Crawl,
    count,
    start,
    wait_exit,
    wait_for,
    worker_stats,
)
from tests.test_postgres import pg_db, postgres_server, redis_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.services

HOST = "127.0.0.1:8765"


@pytest.fixture
def prefix(redis_server: str) -> Iterator[str]:  # noqa: F811
    name = f"debtcorpus-test:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_server)
    for key in client.scan_iter(match=f"{name}:*"):
        client.delete(key)


def leases(redis_url: str, prefix: str, worker: str, limit: int = 2, delay: float = 0.0,
           ttl: float = 60.0) -> HostLeases:  # fmt: skip
    return HostLeases(redis.Redis.from_url(redis_url), prefix, worker, limit, delay, ttl)


def test_a_host_has_at_most_its_limit_of_leases_across_workers(
    redis_server: str,  # noqa: F811
    prefix: str,
) -> None:
    first, second = leases(redis_server, prefix, "a"), leases(redis_server, prefix, "b")
    lease_a, _ = first.try_acquire(HOST)
    lease_b, _ = second.try_acquire(HOST)
    assert lease_a and lease_b
    refused, wait = second.try_acquire(HOST)
    assert refused is None and wait == FULL_RETRY_S
    assert first.try_acquire("other.example:80")[0] is not None, "hosts are counted apart"
    first.release(HOST, lease_a)
    assert second.try_acquire(HOST)[0] is not None
    assert first.in_use(HOST) == 2


def test_the_delay_spaces_leases_across_workers(redis_server: str, prefix: str) -> None:  # noqa: F811
    first = leases(redis_server, prefix, "a", limit=5, delay=0.3)
    second = leases(redis_server, prefix, "b", limit=5, delay=0.3)
    assert first.try_acquire(HOST)[0] is not None
    refused, wait = second.try_acquire(HOST)
    assert refused is None and 0.1 < wait <= 0.3
    time.sleep(wait + 0.02)
    assert second.try_acquire(HOST)[0] is not None


def test_a_dead_workers_leases_are_released_and_old_ones_expire(
    redis_server: str,  # noqa: F811
    prefix: str,
) -> None:
    dead = leases(redis_server, prefix, "host-1|12")  # a worker id may hold the separator
    alive = leases(redis_server, prefix, "host-2")
    assert dead.try_acquire(HOST)[0] and dead.try_acquire(HOST)[0]
    assert alive.try_acquire(HOST)[0] is None
    assert release_worker(redis.Redis.from_url(redis_server), prefix, "host-1|12") == 2
    assert alive.try_acquire(HOST)[0] is not None
    short = leases(redis_server, prefix, "host-3", ttl=0.2)
    assert short.try_acquire("expiring:1")[0] is not None
    time.sleep(0.3)
    assert short.in_use("expiring:1") == 1  # counted until the next acquire sweeps it
    assert short.try_acquire("expiring:1")[0] is not None
    assert short.in_use("expiring:1") == 1


def test_local_leases_hold_the_limit_per_host() -> None:
    local = LocalLeases(2)
    first, second = local.try_acquire(HOST)[0], local.try_acquire(HOST)[0]
    assert first and second and first != second
    assert local.try_acquire(HOST) == (None, FULL_RETRY_S)
    assert local.try_acquire("other.example:80")[0] is not None
    local.release(HOST, first)
    assert local.in_use(HOST) == 1 and local.try_acquire(HOST)[0] is not None


def test_a_returned_local_lease_wakes_the_next_waiter() -> None:
    async def scenario() -> list[str]:
        local = LocalLeases(1)
        order: list[str] = []
        first = await local.acquire(HOST)

        async def second() -> None:
            lease = await local.acquire(HOST)
            order.append("second got it")
            local.release(HOST, lease)

        task = asyncio.create_task(second())
        await asyncio.sleep(0.01)
        order.append("first returns it")
        local.release(HOST, first)
        await asyncio.wait_for(task, timeout=1)
        return order

    assert asyncio.run(scenario()) == ["first returns it", "second got it"]


def test_a_bad_limit_is_refused(redis_server: str, prefix: str) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="DEBTCORPUS_HOST_LIMIT"):
        leases(redis_server, prefix, "a", limit=0)


@pytest.fixture
def slow_site() -> Iterator[str]:
    """A sample site of its own that answers after 150 ms, so concurrency shows."""
    process, base_url = start_sample_site("--latency-ms", "150")
    yield base_url
    process.terminate()
    process.wait(timeout=10)


def site_load(base_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/_control/load", timeout=10) as response:
        load: dict[str, int] = json.loads(response.read())
    return load


@pytest.mark.slow
def test_one_process_keeps_its_per_site_limit(slow_site: str, tmp_path: Path) -> None:
    """Two profiles of one site, crawled by one process, share the site's limit."""
    db = tmp_path / "corpus.db"
    command = [
        sys.executable, "-m", "corpus", "crawl", "--site", "sample-news", "--site", "sample-law",
        "--base-url", slow_site,
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
        "--log-level", "ERROR", "--db", str(db),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=300)
    load = site_load(slow_site)
    assert load["requests"] >= 20
    assert load["max_in_flight"] == 2, load


@pytest.mark.slow
def test_two_workers_together_keep_one_processs_limit_per_site(
    pg_db: str,  # noqa: F811
    redis_server: str,  # noqa: F811
    slow_site: str,
) -> None:
    from corpus.models import CrawlRun
    from corpus.store import open_store

    tuning = (
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
        "-s", "DEBTCORPUS_HEARTBEAT_TTL=3", "--log-level", "ERROR",
    )  # fmt: skip
    crawl = Crawl(open_store(pg_db), slow_site, redis_server)
    try:
        crawl.seeder = start(
            "crawl", "--redis", redis_server, "--site", "sample-news", "--base-url", slow_site,
            *tuning, "-s", "DEBTCORPUS_IDLE_TIMEOUT=3", "--db", pg_db,
        )  # fmt: skip
        wait_for(lambda: count(crawl.store, CrawlRun) == 1, "the seeding crawl to start")
        crawl.worker = start(
            "worker", "--redis", redis_server, "--idle-timeout", "3", *tuning, "--db", pg_db
        )
        wait_exit(crawl.worker, "worker")
        wait_exit(crawl.seeder, "seeding crawl")
        load = site_load(slow_site)
        pages = {worker: summary["pages"] for worker, summary in worker_stats(crawl).items()}
        run_prefix = crawl.run().settings.get("redis_prefix")
    finally:
        crawl.store.dispose()
    client = redis.Redis.from_url(redis_server)
    for key in client.scan_iter(match=f"{run_prefix}:*"):
        client.delete(key)
    assert len(pages) == 2 and all(n > 0 for n in pages.values()), pages
    assert load["requests"] >= 20
    # two processes with 2 requests per site each, yet the site never had more than 2 at once
    assert load["max_in_flight"] == 2, load
