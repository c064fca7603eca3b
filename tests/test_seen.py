"""The distributed crawl's seen-sets (crawler/seen.py, crawler/cuckoo.py) against a real
Redis: their sizes per URL, their false-positive rates at the size they were given (measured
on a redis-server of the test's own), a cuckoo filter pushed far past its count, and the
setting checks."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis
from scrapy.settings import Settings

from crawler.cuckoo import HAS_LUA, CuckooShape
from crawler.frontier import SEEN, STASHED, Frontier, HostPolicy, RunKeys
from crawler.gcs import GCS_HAS_LUA, GcsShape, allocation, string_allocation
from crawler.seen import (
    BloomShape,
    SeenSetError,
    SeenShape,
    bloom_for,
    cuckoo_for,
    gcs_for,
    seen_shape,
)
from tests.crawl_services import PrivateRedis
from tests.test_postgres import redis_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.services


PREFIX = "test-seen"
HOST = "127.0.0.1"


@pytest.fixture
def client(private_redis: PrivateRedis) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(private_redis.url)
    yield connection
    connection.close()


def frontier_for(client: redis.Redis, shape: SeenShape | None) -> Frontier:
    return Frontier(client, PREFIX, "site", "w", HostPolicy(1, 0, 1000), shape)


def push_all(client: redis.Redis, shape: SeenShape, urls: list[str]) -> list[int]:
    """Queue each URL through the frontier's Lua script; its answers (SEEN, QUEUED, STASHED)."""
    frontier = frontier_for(client, shape)
    answers: list[int] = []
    for start in range(0, len(urls), 2_000):
        pipe = client.pipeline(transaction=False)
        for url in urls[start : start + 2_000]:
            keys, args = frontier.push_args(url.encode(), HOST, 0, url, unfiltered=False)
            frontier.scripts["push"](keys=keys, args=args, client=pipe)
        answers += [int(answer) for answer in pipe.execute()]
    return answers


def has_all(client: redis.Redis, shape: CuckooShape | GcsShape, urls: list[str]) -> list[bool]:
    """Does the filter have each URL? Looked up only, nothing inserted."""
    lua = HAS_LUA if isinstance(shape, CuckooShape) else GCS_HAS_LUA
    frontier, has = frontier_for(client, shape), client.register_script(lua)
    pipe = client.pipeline(transaction=False)
    for url in urls:
        has(keys=[frontier.seen, frontier.keys.stash], args=shape.marks(url), client=pipe)
    return [bool(answer) for answer in pipe.execute()]


def urls(kind: str, count: int) -> list[str]:
    return [f"http://{HOST}/{kind}/{n}" for n in range(count)]


def test_the_cuckoo_filter_is_sized_from_the_count_and_the_rate() -> None:
    shape = cuckoo_for(100_000_000, 1e-4)
    assert shape.fingerprint_bits == 17  # 8 / (2^16 - 1) = 1.22e-4 would be over 1e-4
    assert 2.10 < shape.table_bytes / 100_000_000 < 2.11  # bytes per URL, 95% full at the count
    assert shape.error_rate(17) <= 1e-4 and shape.error_rate(16) > 1e-4
    smaller = cuckoo_for(100_000_000, 1.25e-4)
    assert smaller.fingerprint_bits == 16
    assert smaller.table_bytes / 100_000_000 < 1.98  # 15 bits a slot, semi-sorted
    # two buckets of 4 slots are f - 1 whole bytes: 15 at 16 bits, 4 x 16 - 4 = 60 bits each
    assert CuckooShape(2, 16).table_bytes == 15 and CuckooShape(4, 17).table_bytes == 32
    # a rate the fingerprints cannot give is refused, as is a table past one Redis value
    with pytest.raises(SeenSetError, match="below what the cuckoo filter gives"):
        cuckoo_for(1000, 1e-8)
    with pytest.raises(SeenSetError, match="more than one Redis value holds"):
        cuckoo_for(10**9, 1e-4)


def test_the_bloom_filter_follows_the_textbook_sizes() -> None:
    shape = bloom_for(100_000_000, 1e-4)
    assert shape.hashes == 13
    assert 2.39 < shape.table_bytes / 100_000_000 < 2.41  # bytes per URL
    assert math.ceil(shape.bits / 8) < 2**29  # 100 million URLs fit in one Redis value


def test_positions_are_stable_and_spread() -> None:
    bloom = bloom_for(1000, 0.01)
    first = bloom.positions(f"http://{HOST}/a")
    assert first == bloom.positions(f"http://{HOST}/a")
    assert len(set(first)) == bloom.hashes and all(0 <= p < bloom.bits for p in first)
    assert first != bloom.positions(f"http://{HOST}/b")
    cuckoo = cuckoo_for(1000, 0.01)
    bucket, tag, member = cuckoo.place(f"http://{HOST}/a")
    assert (bucket, tag, member) == cuckoo.place(f"http://{HOST}/a")
    assert 0 <= bucket < cuckoo.buckets and 0 < tag < 2**cuckoo.fingerprint_bits
    assert cuckoo.place(f"http://{HOST}/b") != (bucket, tag, member)


def test_the_cuckoo_filter_keeps_every_url_and_stays_within_its_rate(client: redis.Redis) -> None:
    # at 1e-2 the rate is large enough to measure on 20,000 URLs: f = 10, 7.4e-3 at 95% load
    shape = cuckoo_for(20_000, 1e-2)
    assert shape.fingerprint_bits == 10
    crawled = urls("page", 20_000)
    answers = push_all(client, shape, crawled)
    assert STASHED not in answers  # the table takes its count
    assert all(has_all(client, shape, crawled))  # no false negative
    assert set(push_all(client, shape, crawled[:2_000])) == {SEEN}
    assert client.strlen(f"{PREFIX}:site:seen") == shape.table_bytes
    # 20,000 new URLs looked up at the expected count: 7.4e-3 of them, some 149, taken for
    # seen; 3 sigma is 37, and 1e-2 (200) is the rate the filter was sized for
    false_positives = sum(has_all(client, shape, urls("other", 20_000)))
    assert 110 <= false_positives <= 190, false_positives
    queued = client.zrange(f"{PREFIX}:site:q:{HOST}", 0, -1)
    # no URL seen without being queued: what was taken as new is exactly what waits
    assert sorted(queued) == sorted(
        u.encode() for u, a in zip(crawled, answers, strict=True) if a != SEEN
    )


def test_a_full_cuckoo_table_stashes_and_loses_nothing(client: redis.Redis) -> None:
    shape = cuckoo_for(1_000, 1e-2)  # 528 buckets of 4 slots
    crawled = urls("page", 3_000)  # three times its count
    answers = push_all(client, shape, crawled)
    stashed = answers.count(STASHED)
    assert stashed > 1_000 and client.scard(f"{PREFIX}:site:seen:stash") == stashed
    assert answers.count(SEEN) < 3_000 * 1e-2  # the false positives while it filled
    assert all(has_all(client, shape, crawled))  # every URL in the table or the stash
    assert set(push_all(client, shape, crawled)) == {SEEN}
    assert client.strlen(f"{PREFIX}:site:seen") == shape.table_bytes  # the table did not grow
    # a full table is within its rate still: 8 / 1023 = 7.8e-3, 3 sigma over 5,000 new URLs
    # is 20 more than its 39; the stash, keyed by 64 bits, adds nothing
    false_positives = sum(has_all(client, shape, urls("other", 5_000)))
    assert false_positives <= 60, false_positives


def test_the_bloom_filter_refuses_seen_urls_and_stays_near_its_rate(client: redis.Redis) -> None:
    shape = bloom_for(20_000, 0.01)
    crawled = urls("page", 20_000)
    assert len(crawled) - push_all(client, shape, crawled).count(SEEN) >= 20_000 * 0.99
    assert set(push_all(client, shape, crawled[:2_000])) == {SEEN}
    # 2,000 new URLs (they fill the filter by a tenth more as they go in): about 1% of them,
    # some 22, are taken for seen; 8..45 is the binomial's 3 sigma and then some
    false_positives = push_all(client, shape, urls("other", 2_000)).count(SEEN)
    assert 8 <= false_positives <= 45, false_positives
    assert client.strlen(f"{PREFIX}:site:seen") <= shape.table_bytes


def test_the_golomb_coded_set_takes_under_2_bytes_a_url_at_1e_4() -> None:
    for urls_expected in (1_000_000, 10_000_000, 100_000_000):
        shape = gcs_for(urls_expected, 1e-4)
        assert shape.rice_bits == 13  # gaps of mean 1 / 0.9e-4 = 11,111
        # as allocated (jemalloc's size classes), not only as long as the strings are
        assert shape.allocated_bytes / urls_expected < 1.97, (urls_expected, shape)
        per_block = urls_expected / shape.total_blocks
        assert per_block / shape.universe <= 0.9e-4  # the rate at the count, with room
        assert shape.superblock_bytes - 2 * shape.blocks <= 65_535  # 2-byte directory entries
    # jemalloc: 4 size classes a doubling
    assert [allocation(n) for n in (1, 100, 2_000_010, 2**21 + 1)] == [8, 112, 2**21, 2**21 + 2**19]
    assert string_allocation(2**21 - 10) == 2**21 and string_allocation(2**21 - 9) > 2**21
    with pytest.raises(SeenSetError, match="more than 64 Redis values hold"):
        gcs_for(10**11, 1e-4)
    with pytest.raises(SeenSetError, match="below what the Golomb-coded set gives"):
        gcs_for(1000, 1e-20)
    assert gcs_for(1000, 1e-9).rice_bits <= 44


def part_memory(client: redis.Redis, shape: GcsShape) -> list[int]:
    parts = shape.part_keys(f"{PREFIX}:site:seen")
    return [int(client.memory_usage(key, samples=0) or 0) for key in parts]


def test_the_golomb_coded_set_keeps_every_url_and_stays_within_its_rate(
    client: redis.Redis,
) -> None:
    # at 1e-2 the rate is large enough to measure on 5,000 URLs: 0.9e-2 at the count
    shape = gcs_for(5_000, 1e-2)
    crawled = urls("page", 5_000)
    answers = push_all(client, shape, crawled)
    assert STASHED not in answers and answers.count(SEEN) < 5_000 * 1e-2
    assert all(has_all(client, shape, crawled))  # no false negative
    assert set(push_all(client, shape, crawled[:500])) == {SEEN}
    # 5,000 new URLs looked up at the expected count: 0.9e-2 of them, some 45, taken for seen;
    # 3 sigma is 20, and 1e-2 (50) is the rate asked for
    false_positives = sum(has_all(client, shape, urls("other", 5_000)))
    assert 22 <= false_positives <= 68, false_positives
    # each part is one allocation of the size class it was sized to fill (plus the key's own
    # few dozen bytes): what the sizing counts is what Redis takes
    for used in part_memory(client, shape):
        assert 0 <= used - string_allocation(shape.part_bytes) < 100, used
    queued = client.zrange(f"{PREFIX}:site:q:{HOST}", 0, -1)
    assert sorted(queued) == sorted(
        u.encode() for u, a in zip(crawled, answers, strict=True) if a != SEEN
    )


def test_a_full_golomb_coded_set_stashes_and_loses_nothing(client: redis.Redis) -> None:
    shape = gcs_for(600, 1e-2)  # one superblock
    crawled = urls("page", 1_800)  # three times its count
    answers = push_all(client, shape, crawled)
    stashed = answers.count(STASHED)
    assert stashed > 600 and client.scard(f"{PREFIX}:site:seen:stash") == stashed
    assert all(has_all(client, shape, crawled))  # every URL in its block or the stash
    assert set(push_all(client, shape, crawled)) == {SEEN}
    parts = shape.part_keys(f"{PREFIX}:site:seen")
    assert [client.strlen(key) for key in parts] == [shape.part_bytes] * shape.parts
    # a full set's blocks hold a third more than at the count: its rate rises as much
    false_positives = sum(has_all(client, shape, urls("other", 1_800)))
    assert false_positives <= 1_800 * 1.33 * 0.9e-2 + 15, false_positives


def test_the_seen_set_parts_are_found_by_the_crawl_keys(client: redis.Redis) -> None:
    shape = gcs_for(1_000_000, 1e-4)
    push_all(client, shape, urls("page", 200))
    keys = RunKeys(PREFIX, "site")
    assert sorted(keys.seen_parts(client)) == sorted(shape.part_keys(keys.seen))
    assert frontier_for(client, shape).seen_parts() == shape.part_keys(keys.seen)
    assert RunKeys("a*[b]", "site").seen_parts(client) == []  # glob characters escaped


def test_the_stash_lives_and_goes_with_the_crawl_keys() -> None:
    keys = RunKeys(PREFIX, "site")
    assert {keys.seen, keys.stash} <= set(keys.shared)  # expired after the heartbeat, deleted


def test_the_seen_set_settings_are_checked() -> None:
    assert isinstance(seen_shape(Settings()), GcsShape)  # the default
    assert isinstance(seen_shape(Settings({"DEBTCORPUS_SEEN_SET": "bloom"})), BloomShape)
    assert isinstance(seen_shape(Settings({"DEBTCORPUS_SEEN_SET": "cuckoo"})), CuckooShape)
    assert seen_shape(Settings({"DEBTCORPUS_SEEN_SET": "exact"})) is None
    with pytest.raises(SeenSetError, match=r"gcs .*, cuckoo, bloom or exact"):
        seen_shape(Settings({"DEBTCORPUS_SEEN_SET": "quotient"}))
    with pytest.raises(SeenSetError, match="more than 64 Redis values hold"):
        seen_shape(Settings({"DEBTCORPUS_SEEN_URLS": 10**11}))
    with pytest.raises(SeenSetError, match="between 0 and 1"):
        seen_shape(Settings({"DEBTCORPUS_SEEN_ERROR_RATE": 2}))


def test_a_bad_seen_set_setting_is_one_line_before_any_crawl(redis_server: str) -> None:  # noqa: F811
    argv = [sys.executable, "-m", "crawler", "--db", "sqlite:///:memory:", "--run-id", "1"]
    argv += ["--redis", redis_server, f"http://{HOST}:9/"]
    argv += ["--set", "DEBTCORPUS_SEEN_ERROR_RATE=1e-20"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: DEBTCORPUS_SEEN_ERROR_RATE")
    assert "Traceback" not in result.stderr


def test_a_worker_whose_seen_set_differs_from_the_crawls_is_refused(
    private_redis: PrivateRedis, client: redis.Redis
) -> None:
    """The first worker records the seen-set's shape; another size or kind (a worker started
    with other -s values, a resume after an upgrade of the default) is refused before it
    reads the set with the wrong shape, and the matching one joins."""
    import argparse

    from crawler.distributed import claim_seen_sets

    args = argparse.Namespace(redis=private_redis.url, redis_prefix="claim", run_id=1)

    def settings(kind: str, urls: int) -> Settings:
        return Settings({"DEBTCORPUS_SEEN_SET": kind, "DEBTCORPUS_SEEN_URLS": urls})

    claim_seen_sets(settings("gcs", 100_000), args, ["site"])
    claim_seen_sets(settings("gcs", 100_000), args, ["site"])  # the same shape joins
    for kind, count in (("gcs", 200_000), ("cuckoo", 100_000), ("exact", 100_000)):
        with pytest.raises(SeenSetError, match="seen-set for site in Redis is GcsShape"):
            claim_seen_sets(settings(kind, count), args, ["site"])
    client.set(RunKeys("claim", "older").seen, b"\0" * 64)  # a cuckoo table, shape unrecorded
    with pytest.raises(SeenSetError, match="a cuckoo or Bloom filter"):
        claim_seen_sets(settings("gcs", 100_000), args, ["older"])
    claim_seen_sets(settings("cuckoo", 100_000), args, ["older"])
