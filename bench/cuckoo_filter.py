"""An evaluation, not the crawl's seen-set: a cuckoo filter in Lua over one Redis string,
beside the Bloom filter the crawl uses (crawler/seen.py), on a private redis-server.

Buckets of 4 slots, 16-bit fingerprints, sized for --urls at 95% load: 2 bytes per slot,
16 / 0.95 = 16.8 bits (2.1 bytes) per URL, false positives about 2 x 4 x 0.95 / 2^16 =
1.16e-4. The other bucket of a fingerprint f in bucket i is (h(f) - i) mod m (an involution
for any bucket count m, so m need not be a power of two); an insert that finds both buckets
full moves a random resident to its other bucket, up to 500 times. Prints bytes per URL
(Redis's used_memory, and the table's own length), the inserts that failed (the table full:
a filter for the crawl would need a stash), the false-positive rate over --urls new URLs,
and the seconds each took; the same for the Bloom filter at 1e-4.

  .venv/bin/python bench/cuckoo_filter.py [--urls 200000]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import tempfile
import time
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.redis_memory import start_redis, used  # noqa: E402
from crawler.seen import BloomShape  # noqa: E402

LOAD = 0.95
SLOTS = 4
MAX_KICKS = 500
BATCH = 5_000

# KEYS[1] the table; ARGV: fingerprint (1..65535), bucket, buckets, max kicks, 'add' or 'has'.
# Returns 0 when (apparently) present, 1 when added (or, for 'has', absent), -1 when full.
CUCKOO_LUA = """
local m, kicks = tonumber(ARGV[3]), tonumber(ARGV[4])
local function alt(i, f) return ((f * 1540483477) % m - i) % m end
local function bucket(i) return redis.call('GETRANGE', KEYS[1], i * 8, i * 8 + 7) end
local function slot(s, k) return string.byte(s, 2 * k - 1) * 256 + string.byte(s, 2 * k) end
local function find(i, f)
  local s = bucket(i)
  for k = 1, 4 do if slot(s, k) == f then return k end end
  return nil
end
local function put(i, k, f)
  redis.call('SETRANGE', KEYS[1], i * 8 + 2 * (k - 1), string.char(math.floor(f / 256), f % 256))
end
local f, i1 = tonumber(ARGV[1]), tonumber(ARGV[2])
local i2 = alt(i1, f)
if find(i1, f) or find(i2, f) then return 0 end
if ARGV[5] == 'has' then return 1 end
for _, i in ipairs({i1, i2}) do
  local k = find(i, 0)
  if k then put(i, k, f) return 1 end
end
local i = i1
if math.random(2) == 2 then i = i2 end
for _ = 1, kicks do
  local k = math.random(4)
  local victim = slot(bucket(i), k)
  put(i, k, f)
  f, i = victim, alt(i, victim)
  local free = find(i, 0)
  if free then put(i, free, f) return 1 end
end
return -1
"""


def cuckoo_args(url: str, buckets: int) -> tuple[int, int]:
    digest = int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")
    return (digest >> 48) or 1, (digest & (2**48 - 1)) % buckets


def run_cuckoo(client: redis.Redis, urls: list[str], fresh: list[str]) -> dict[str, float]:
    client.flushall()
    buckets = math.ceil(len(urls) / (SLOTS * LOAD))
    before = used(client)
    client.setrange("cuckoo", buckets * 8 - 1, b"\0")
    script = client.register_script(CUCKOO_LUA)

    def call(batch: list[str], mode: str) -> list[int]:
        pipe = client.pipeline(transaction=False)
        for url in batch:
            fingerprint, index = cuckoo_args(url, buckets)
            args = [fingerprint, index, buckets, MAX_KICKS, mode]
            script(keys=["cuckoo"], args=args, client=pipe)
        return [int(answer) for answer in pipe.execute()]

    started = time.monotonic()
    added = [a for s in range(0, len(urls), BATCH) for a in call(urls[s : s + BATCH], "add")]
    insert_s = time.monotonic() - started
    size = used(client) - before
    started = time.monotonic()
    seen = [a for s in range(0, len(fresh), BATCH) for a in call(fresh[s : s + BATCH], "has")]
    return {
        "bytes/URL": size / len(urls),
        "table bytes/URL": client.strlen("cuckoo") / len(urls),
        "failed inserts": added.count(-1),
        "false positives": seen.count(0) / len(fresh),
        "insert s": insert_s,
        "lookup s": time.monotonic() - started,
    }


def run_bloom(client: redis.Redis, urls: list[str], fresh: list[str]) -> dict[str, float]:
    from crawler.frontier import Frontier, HostPolicy

    client.flushall()
    shape = BloomShape.for_capacity(len(urls), 1e-4)
    frontier = Frontier(client, "b", "s", "w", HostPolicy(1, 0, 1000), shape)
    before = used(client)

    def call(batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for url in batch:
            keys, args = frontier.push_args(b"x", "h", 0, url, unfiltered=False)
            frontier.scripts["push"](keys=keys, args=args, client=pipe)
        pipe.execute()
        client.delete(frontier.queue("h"), frontier.ready)

    def has(batch: list[str]) -> list[bool]:
        """Looked up only (the crawl's push would add the new URLs as it goes)."""
        pipe = client.pipeline(transaction=False)
        for url in batch:
            for position in shape.positions(url):
                pipe.getbit(frontier.seen, position)
        bits = pipe.execute()
        k = shape.hashes
        return [all(bits[n * k : (n + 1) * k]) for n in range(len(batch))]

    started = time.monotonic()
    for s in range(0, len(urls), BATCH):
        call(urls[s : s + BATCH])
    insert_s = time.monotonic() - started
    size = used(client) - before
    started = time.monotonic()
    seen = [a for s in range(0, len(fresh), BATCH) for a in has(fresh[s : s + BATCH])]
    return {
        "bytes/URL": size / len(urls),
        "table bytes/URL": client.strlen(frontier.seen) / len(urls),
        "failed inserts": 0,
        "false positives": sum(seen) / len(fresh),
        "insert s": insert_s,
        "lookup s": time.monotonic() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=200_000)
    args = parser.parse_args()
    urls = [f"https://news.example.cn/a/2026/{n}.html" for n in range(args.urls)]
    fresh = [f"https://law.example.cn/b/{n}.html" for n in range(args.urls)]
    with tempfile.TemporaryDirectory() as folder:
        process, client = start_redis(folder)
        try:
            rows = [("cuckoo, b=4, f=16, 95%", run_cuckoo(client, urls, fresh))]
            rows.append(("Bloom at 1e-4 (the crawl's)", run_bloom(client, urls, fresh)))
        finally:
            process.terminate()
            process.wait()
    print(f"cuckoo_filter: {args.urls:,} URLs in, {args.urls:,} new URLs looked up")
    for name, row in rows:
        figures = "  ".join(
            f"{key} {value:.3g}" if isinstance(value, float) else f"{key} {value}"
            for key, value in row.items()
        )
        print(f"{name:<30}{figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
