"""The crawl's seen-sets side by side on a private redis-server: the cuckoo filter (the
default, crawler/cuckoo.py) and the Bloom filter (DEBTCORPUS_SEEN_SET=bloom), each sized by
crawler/seen.py for --urls URLs at --rate and filled through the frontier's own push script.

For each --urls count (several may be given) and each filter: the table's bytes per URL and
Redis's used_memory per URL (with its fixed allocations), the URLs the push took as new (the
others were false positives while it filled), the URLs the cuckoo filter's full table sent to
its stash, the false-positive rate over as many new URLs looked up without inserting them
(at the expected count: what the sizing promises), and the seconds the inserts and the
lookups took.

  .venv/bin/python bench/cuckoo_filter.py [--urls 200000 1000000] [--rate 1e-4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.redis_memory import start_redis, used  # noqa: E402
from crawler.cuckoo import HAS_LUA, CuckooShape  # noqa: E402
from crawler.frontier import Frontier, HostPolicy  # noqa: E402
from crawler.seen import BloomShape, SeenShape, shape_for  # noqa: E402

BATCH = 5_000


def batched(client: redis.Redis, urls: list[str], call: Callable[[str, Any], None]) -> list[int]:
    answers: list[int] = []
    for start in range(0, len(urls), BATCH):
        pipe = client.pipeline(transaction=False)
        for url in urls[start : start + BATCH]:
            call(url, pipe)
        answers += [int(all(a)) if isinstance(a, list) else int(a) for a in pipe.execute()]
    return answers


def looked_up(client: redis.Redis, frontier: Frontier, shape: SeenShape, urls: list[str]) -> int:
    """How many of `urls` the filter has, looked up only."""
    if isinstance(shape, CuckooShape):
        has = client.register_script(HAS_LUA)
        keys = [frontier.seen, frontier.keys.stash]
        return sum(batched(client, urls, lambda url, pipe: has(keys, shape.marks(url), pipe)))
    assert isinstance(shape, BloomShape)

    def bits(url: str, pipe: Any) -> None:  # one BITFIELD of k GETs: all set means "seen"
        gets = [part for p in shape.positions(url) for part in ("GET", "u1", p)]
        pipe.execute_command("BITFIELD", frontier.seen, *gets)

    return sum(batched(client, urls, bits))


def run(client: redis.Redis, kind: str, count: int, rate: float) -> dict[str, Any]:
    urls = [f"https://news.example.cn/a/2026/{n}.html" for n in range(count)]
    fresh = [f"https://law.example.cn/b/{n}.html" for n in range(count)]
    client.flushall()
    shape = shape_for(kind, count, rate)
    assert shape is not None
    frontier = Frontier(client, "b", "s", "w", HostPolicy(1, 0, 1000), shape)
    before = used(client)

    def push(url: str, pipe: Any) -> None:
        keys, args = frontier.push_args(b"x", "h", 0, url, unfiltered=False)
        frontier.scripts["push"](keys=keys, args=args, client=pipe)

    started, answers = time.monotonic(), []
    for start in range(0, count, BATCH):
        answers += batched(client, urls[start : start + BATCH], push)
        client.delete(frontier.queue("h"), frontier.ready)  # the seen-set alone is measured
    insert_s = time.monotonic() - started
    size = used(client) - before
    started = time.monotonic()
    false_positives = looked_up(client, frontier, shape, fresh)
    return {
        "shape": shape,
        "table B/URL": shape.table_bytes / count,
        "used_memory B/URL": size / count,
        "taken as new": count - answers.count(0),
        "stashed": answers.count(2),
        "false positives": false_positives,
        "FP rate": false_positives / count,
        "insert s": insert_s,
        "lookup s": time.monotonic() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--rate", type=float, default=1e-4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, client = start_redis(folder)
        try:
            for count in args.urls:
                print(f"cuckoo_filter: {count:,} URLs in, {count:,} new URLs looked up")
                for kind in ("cuckoo", "bloom"):
                    row = run(client, kind, count, args.rate)
                    print(f"  {kind}: " + "  ".join(_figure(k, v) for k, v in row.items()))
                    sys.stdout.flush()
        finally:
            process.terminate()
            process.wait()
    return 0


def _figure(name: str, value: Any) -> str:
    if isinstance(value, float):
        return f"{name} {value:.3g}"
    return f"{name} {value}"


if __name__ == "__main__":
    raise SystemExit(main())
