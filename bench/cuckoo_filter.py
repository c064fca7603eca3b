"""The crawl's seen-sets side by side on a private redis-server: the Golomb-coded set
(DEBTCORPUS_SEEN_SET=gcs, crawler/gcs.py), the cuckoo filter (crawler/cuckoo.py) and the Bloom
filter (bloom), each sized by crawler/seen.py for --urls URLs at --rate and filled through the
frontier's own push script, the kinds alternated within one run.

For each --urls count (several may be given) and each kind: the table's bytes per URL, MEMORY
USAGE of its keys (the stash included) per URL, and Redis's used_memory per URL (with its
fixed allocations), the URLs the push took as new (the others were false positives while it
filled), the URLs a full table sent to its stash, the false-positive rate over --probes new
URLs looked up without inserting them (at the expected count: what the sizing promises), the
seconds the inserts and the lookups took (client included), and the Redis CPU microseconds of
one push (INFO commandstats, EVALSHA, the script alone).

  .venv/bin/python bench/cuckoo_filter.py [--urls 200000 1000000] [--rate 1e-4]
      [--probes N] [--kinds gcs cuckoo bloom]
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
from crawler.gcs import GCS_HAS_LUA, GcsShape  # noqa: E402
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
    if isinstance(shape, CuckooShape | GcsShape):
        has = client.register_script(HAS_LUA if isinstance(shape, CuckooShape) else GCS_HAS_LUA)
        keys = [frontier.seen, frontier.keys.stash]
        return sum(batched(client, urls, lambda url, pipe: has(keys, shape.marks(url), pipe)))
    assert isinstance(shape, BloomShape)

    def bits(url: str, pipe: Any) -> None:  # one BITFIELD of k GETs: all set means "seen"
        gets = [part for p in shape.positions(url) for part in ("GET", "u1", p)]
        pipe.execute_command("BITFIELD", frontier.seen, *gets)

    return sum(batched(client, urls, bits))


def script_usec(client: redis.Redis) -> tuple[int, float]:
    """EVALSHA's calls and Redis CPU microseconds so far (INFO commandstats)."""
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(stats.get("calls", 0)), float(stats.get("usec", 0))


def keys_memory(client: redis.Redis, frontier: Frontier, shape: SeenShape) -> int:
    keys = [frontier.keys.stash]
    keys += shape.part_keys(frontier.seen) if isinstance(shape, GcsShape) else [frontier.seen]
    return sum(int(client.memory_usage(key, samples=0) or 0) for key in keys)


def run(client: redis.Redis, kind: str, count: int, rate: float, probes: int) -> dict[str, Any]:
    urls = [f"https://news.example.cn/a/2026/{n}.html" for n in range(count)]
    fresh = [f"https://law.example.cn/b/{n}.html" for n in range(probes)]
    client.flushall()
    shape = shape_for(kind, count, rate)
    assert shape is not None
    frontier = Frontier(client, "b", "s", "w", HostPolicy(1, 0, 1000), shape)
    before = used(client)

    def push(url: str, pipe: Any) -> None:
        keys, args = frontier.push_args(b"x", "h", 0, url, unfiltered=False)
        frontier.scripts["push"](keys=keys, args=args, client=pipe)

    started, answers = time.monotonic(), []
    client.config_resetstat()
    for start in range(0, count, BATCH):
        answers += batched(client, urls[start : start + BATCH], push)
        client.delete(frontier.queue("h"), frontier.ready)  # the seen-set alone is measured
    insert_s = time.monotonic() - started
    calls, usec = script_usec(client)
    size = used(client) - before
    started = time.monotonic()
    false_positives = looked_up(client, frontier, shape, fresh)
    return {
        "shape": shape,
        "table B/URL": shape.table_bytes / count,
        "MEMORY USAGE B/URL": keys_memory(client, frontier, shape) / count,
        "used_memory B/URL": size / count,
        "taken as new": count - answers.count(0),
        "stashed": answers.count(2),
        "false positives": false_positives,
        "FP rate": false_positives / probes,
        "insert s": insert_s,
        "lookup s": time.monotonic() - started,
        "Redis us/push": usec / max(1, calls),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--rate", type=float, default=1e-4)
    parser.add_argument("--probes", type=int, help="new URLs looked up (default: --urls)")
    parser.add_argument("--kinds", nargs="+", default=["gcs", "cuckoo", "bloom"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, client = start_redis(folder)
        try:
            for count in args.urls:
                probes = args.probes or count
                print(f"cuckoo_filter: {count:,} URLs in, {probes:,} new URLs looked up")
                for kind in args.kinds:
                    row = run(client, kind, count, args.rate, probes)
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
