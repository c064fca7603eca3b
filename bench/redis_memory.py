"""Redis memory per URL of a distributed crawl's seen-set and queue, measured on a private
redis-server (its own port on 127.0.0.1, nothing else in it).

  .venv/bin/python bench/redis_memory.py [--urls 1000000]

Queues --urls generated URLs through the crawl's own Lua scripts three ways: the exact
fingerprint set scrapy-redis keeps (DEBTCORPUS_SEEN_SET=exact), the Bloom filter sized for
--urls at 1e-4 (the default), and, for the queue, the serialized requests as the scheduler
stores them; prints bytes per URL of each (Redis's used_memory before and after).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis
from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.distributed import ENQUEUE_LUA  # noqa: E402
from crawler.seen import BLOOM_ENQUEUE_LUA, BloomShape  # noqa: E402

BATCH = 10_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(folder: str) -> tuple[subprocess.Popen[bytes], redis.Redis]:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    argv = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process, client
        except redis.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def per_url(client: redis.Redis, urls: int, fill: Callable[[list[str]], None]) -> float:
    client.flushall()
    before = used(client)
    for start in range(0, urls, BATCH):
        fill([f"https://news.example.cn/a/2026/{n}.html" for n in range(start, start + BATCH)])
    return (used(client) - before) / urls


def exact_filler(client: redis.Redis) -> Callable[[list[str]], None]:
    script, fingerprints = client.register_script(ENQUEUE_LUA), RequestFingerprinter()

    def fill(batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for url in batch:
            fingerprint = fingerprints.fingerprint(Request(url)).hex()
            # the set alone: the queue entry is deleted again below
            script(keys=["s:dupefilter", "s:scratch"], args=[fingerprint, 0, "x", "0"], client=pipe)
        pipe.delete("s:scratch")
        pipe.execute()

    return fill


def bloom_filler(client: redis.Redis, shape: BloomShape) -> Callable[[list[str]], None]:
    script, fingerprints = client.register_script(BLOOM_ENQUEUE_LUA), RequestFingerprinter()

    def fill(batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for url in batch:
            positions = shape.positions(fingerprints.fingerprint(Request(url)).hex())
            script(keys=["s:seen", "s:scratch"], args=[0, "x", "0", *positions], client=pipe)
        pipe.delete("s:scratch")
        pipe.execute()

    return fill


def queue_filler(client: redis.Redis) -> Callable[[list[str]], None]:
    from scrapy_redis import picklecompat

    def fill(batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for url in batch:
            data = picklecompat.dumps({"url": url, "method": "GET", "meta": {"depth": 2}})
            pipe.zadd("s:requests", {data: 0})
        pipe.execute()

    return fill


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    args = parser.parse_args()
    shape = BloomShape.for_capacity(args.urls, 1e-4)
    with tempfile.TemporaryDirectory() as folder:
        process, client = start_redis(folder)
        try:
            rows = [
                (
                    "seen-set, exact (scrapy-redis)",
                    per_url(client, args.urls, exact_filler(client)),
                ),
                (
                    "seen-set, Bloom at 1e-4",
                    per_url(client, args.urls, bloom_filler(client, shape)),
                ),
                ("queue (serialized requests)", per_url(client, args.urls, queue_filler(client))),
            ]
        finally:
            process.terminate()
            process.wait()
    print(
        f"redis_memory: {args.urls:,} URLs; Bloom filter of {shape.bits:,} bits, k={shape.hashes}"
    )
    for name, size in rows:
        print(f"{name:<34}{size:>8.1f} bytes/URL{size * 1e8 / 2**30:>10.1f} GiB per 100M URLs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
