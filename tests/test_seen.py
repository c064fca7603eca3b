"""The distributed crawl's seen-set (crawler/seen.py) against a real Redis: its size per URL,
its false-positive rate at the size it was given, and the setting checks."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis
from scrapy.settings import Settings

from crawler.frontier import Frontier, HostPolicy
from crawler.seen import BloomShape, SeenSetError, seen_shape
from tests.test_postgres import redis_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.services


PREFIX = "test-seen"


@pytest.fixture
def client(redis_server: str) -> Iterator[redis.Redis]:  # noqa: F811
    connection = redis.Redis.from_url(redis_server)
    clear(connection)
    yield connection
    clear(connection)


def clear(client: redis.Redis) -> None:
    for key in client.scan_iter(match=f"{PREFIX}:*"):
        client.delete(key)


def enqueue_all(client: redis.Redis, shape: BloomShape, urls: list[str]) -> int:
    """Queue each URL through the frontier's Lua script; how many it took as new."""
    frontier = Frontier(client, PREFIX, "site", "w", HostPolicy(1, 0, 1000), shape)
    pipe = client.pipeline(transaction=False)
    for url in urls:
        keys, args = frontier.push_args(url.encode(), "127.0.0.1", 0, url, unfiltered=False)
        frontier.scripts["push"](keys=keys, args=args, client=pipe)
    return sum(int(added) for added in pipe.execute())


def test_the_shape_follows_the_textbook_sizes() -> None:
    shape = BloomShape.for_capacity(100_000_000, 1e-4)
    assert shape.hashes == 13
    assert 2.39 < shape.bits / 8 / 100_000_000 < 2.41  # bytes per URL
    assert math.ceil(shape.bits / 8) < 2**29  # 100 million URLs fit in one Redis value


def test_positions_are_stable_and_spread() -> None:
    shape = BloomShape.for_capacity(1000, 0.01)
    first = shape.positions("http://127.0.0.1/a")
    assert first == shape.positions("http://127.0.0.1/a")
    assert len(set(first)) == shape.hashes and all(0 <= p < shape.bits for p in first)
    assert first != shape.positions("http://127.0.0.1/b")


def test_seen_urls_are_refused_and_false_positives_stay_near_the_rate(
    client: redis.Redis,
) -> None:
    shape = BloomShape.for_capacity(20_000, 0.01)
    crawled = [f"http://127.0.0.1/page/{n}" for n in range(20_000)]
    assert enqueue_all(client, shape, crawled) >= 20_000 * 0.99
    assert enqueue_all(client, shape, crawled[:2_000]) == 0  # every one seen already
    # 2,000 new URLs (they fill the filter by a tenth more as they go in): about 1% of them,
    # some 22, are taken for seen; 8..45 is the binomial's 3 sigma and then some
    fresh = [f"http://127.0.0.1/other/{n}" for n in range(2_000)]
    false_positives = 2_000 - enqueue_all(client, shape, fresh)
    assert 8 <= false_positives <= 45, false_positives
    assert client.strlen(f"{PREFIX}:site:seen") <= math.ceil(shape.bits / 8)


def test_the_seen_set_settings_are_checked() -> None:
    assert seen_shape(Settings({"DEBTCORPUS_SEEN_SET": "exact"})) is None
    with pytest.raises(SeenSetError, match=r"bloom .* or exact"):
        seen_shape(Settings({"DEBTCORPUS_SEEN_SET": "cuckoo"}))
    with pytest.raises(SeenSetError, match="more than one Redis value holds"):
        seen_shape(Settings({"DEBTCORPUS_SEEN_URLS": 10**10}))
    with pytest.raises(SeenSetError, match="between 0 and 1"):
        seen_shape(Settings({"DEBTCORPUS_SEEN_ERROR_RATE": 2}))


def test_a_bad_seen_set_setting_is_one_line_before_any_crawl(redis_server: str) -> None:  # noqa: F811
    argv = [sys.executable, "-m", "crawler", "--db", "sqlite:///:memory:", "--run-id", "1"]
    argv += ["--redis", redis_server, "http://127.0.0.1:9/", "--set", "DEBTCORPUS_SEEN_SET=cuckoo"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: DEBTCORPUS_SEEN_SET")
    assert "Traceback" not in result.stderr
