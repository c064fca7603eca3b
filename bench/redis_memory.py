"""Redis memory per URL of a distributed crawl's seen-set and queue, measured on a private
redis-server (its own port on 127.0.0.1, nothing else in it).

  .venv/bin/python bench/redis_memory.py [--urls 1000000] [--hosts 1000]

Queues --urls generated URLs through the frontier's own Lua script (crawler/frontier.py)
four ways: into the exact fingerprint set (DEBTCORPUS_SEEN_SET=exact), into the cuckoo filter
(the default) and the Bloom filter sized for --urls at 1e-4, and, for the per-host queues,
the requests serialized as the scheduler stores them, spread over --hosts hosts (their
queues and the ready set); prints bytes per URL of each (Redis's used_memory before and after).
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

from scrapy_redis import picklecompat  # noqa: E402

from crawler.frontier import Frontier, HostPolicy  # noqa: E402
from crawler.seen import SeenShape, shape_for  # noqa: E402

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


def frontier_filler(
    client: redis.Redis, shape: SeenShape | None, hosts: int, seen: bool
) -> Callable[[list[str]], None]:
    """Push URLs through the frontier; without `seen`, only the queues are kept (the seen
    mark alone is kept when `seen`: the queue entries are deleted again)."""
    frontier = Frontier(client, "b", "s", "w", HostPolicy(8, 0, 60_000), shape)
    fingerprints = RequestFingerprinter()

    def fill(batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for n, url in enumerate(batch):
            request = Request(url.replace("news.", f"site{n % hosts}."), meta={"depth": 2})
            data = picklecompat.dumps(request.to_dict())
            fingerprint = fingerprints.fingerprint(request).hex()
            host = request.url.split("/")[2]
            keys, args = frontier.push_args(data, host, 0, fingerprint, unfiltered=not seen)
            frontier.scripts["push"](keys=keys, args=args, client=pipe)
        pipe.execute()
        if seen:
            client.delete(*frontier.queued_keys(), frontier.ready)

    return fill


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=1000, help="hosts the queues spread over")
    args = parser.parse_args()
    cuckoo, bloom = (shape_for(kind, args.urls, 1e-4) for kind in ("cuckoo", "bloom"))
    with tempfile.TemporaryDirectory() as folder:
        process, client = start_redis(folder)
        try:
            rows = [
                (
                    "seen-set, exact (fingerprints)",
                    per_url(client, args.urls, frontier_filler(client, None, 1, seen=True)),
                ),
                (
                    "seen-set, cuckoo at 1e-4",
                    per_url(client, args.urls, frontier_filler(client, cuckoo, 1, seen=True)),
                ),
                (
                    "seen-set, Bloom at 1e-4",
                    per_url(client, args.urls, frontier_filler(client, bloom, 1, seen=True)),
                ),
                (
                    f"per-host queues ({args.hosts} hosts)",
                    per_url(client, args.urls, frontier_filler(client, None, args.hosts, False)),
                ),
            ]
        finally:
            process.terminate()
            process.wait()
    print(f"redis_memory: {args.urls:,} URLs; seen-sets {cuckoo} and {bloom}")
    for name, size in rows:
        print(f"{name:<34}{size:>8.1f} bytes/URL{size * 1e8 / 2**30:>10.1f} GiB per 100M URLs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
