"""The distributed crawl's seen-set: which URLs were ever queued, in little memory, and how
it is sized from the crawl's expected URL count n (DEBTCORPUS_SEEN_URLS) and the false-positive
rate p it may have there (DEBTCORPUS_SEEN_ERROR_RATE).

scrapy-redis keeps an exact Redis set of request fingerprints: 80-96 bytes per URL (8-9.6 GB
for 100 million URLs). Here `DEBTCORPUS_SEEN_SET` picks one of four, each checked and set by
the same Lua script that queues the request (crawler/frontier.py), so "seen" and "queued" stay
one step:

- `gcs` (the default): a blocked Golomb-coded (Rice-coded) set of hashes in a few Redis
  strings (crawler/gcs.py): about log2(1/p) + 1.5 bits a URL plus a few percent of headroom,
  1.95 bytes per URL at 1e-4 as allocated (9.3e-5 measured at n). Past n its superblocks fill
  and send what they cannot hold to an exact stash (80 bytes each), and the rate rises with
  the blocks' fill.
- `cuckoo`: a semi-sorted cuckoo filter in one Redis string (crawler/cuckoo.py):
  n / (4 x 0.95) buckets of 4 slots, and the fewest fingerprint bits f whose rate at a full
  table, 8 / (2^f - 1), is within p: f = 17 at 1e-4 (16 bits a slot semi-sorted, 2.1 bytes per
  URL, 2.6 as allocated at a million, 5.8e-5 at n), f = 16 from 1.23e-4 (1.97 bytes per URL).
  Past n the table fills, then its stash keeps the URLs it cannot place exactly (80 bytes
  each): the rate holds and memory grows. Cheaper per push than `gcs` (two buckets decoded,
  not a block of about 128 values).
- `bloom`: a Bloom filter over one Redis bitmap, m = ceil(-n ln p / (ln 2)^2) bits and
  k = round(m / n ln 2) hashes (2.4 bytes per URL at 1e-4). Its memory never grows; past n its
  rate rises instead (about 2e-2 at 2n for 1e-4): for a crawl whose size is unknown and whose
  Redis memory is capped, that is the better way to fail.
- `exact`: scrapy-redis's set of fingerprints, no false positives.

A false positive is a new URL taken for seen and never fetched.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TypeVar

from scrapy.settings import Settings

from corpus.errors import ConfigError
from crawler.cuckoo import LOAD, MAX_FINGERPRINT_BITS, MIN_FINGERPRINT_BITS, SLOTS, CuckooShape
from crawler.gcs import GcsShape, gcs_shape

# one Redis string holds at most 512 MB = 2**32 bits
MAX_BYTES = 2**29
DEFAULT_SEEN_URLS = 10_000_000
DEFAULT_ERROR_RATE = 1e-4
KINDS = ("gcs", "cuckoo", "bloom", "exact")


class SeenSetError(ConfigError):
    """A seen-set setting that cannot work; the message says which and what to give."""


@dataclass(frozen=True)
class BloomShape:
    bits: int
    hashes: int

    mode = "bloom"

    @property
    def table_bytes(self) -> int:
        return math.ceil(self.bits / 8)

    def positions(self, fingerprint: str) -> list[int]:
        digest = hashlib.blake2b(fingerprint.encode(), digest_size=16).digest()
        first, second = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
        return [(first + i * second) % self.bits for i in range(self.hashes)]

    def marks(self, fingerprint: str) -> list[int]:
        return self.positions(fingerprint)


SeenShape = CuckooShape | GcsShape | BloomShape
Shape = TypeVar("Shape", CuckooShape, GcsShape, BloomShape)


def bloom_for(urls: int, error_rate: float) -> BloomShape:
    _check(urls, error_rate)
    bits = math.ceil(-urls * math.log(error_rate) / math.log(2) ** 2)
    shape = BloomShape(bits, max(1, round(bits / urls * math.log(2))))
    return _fits(shape, "Bloom", urls, error_rate)


def cuckoo_for(urls: int, error_rate: float) -> CuckooShape:
    _check(urls, error_rate)
    bits = range(MIN_FINGERPRINT_BITS, MAX_FINGERPRINT_BITS + 1)
    fitting = [f for f in bits if CuckooShape.error_rate(f) <= error_rate]
    if not fitting:
        best = CuckooShape.error_rate(MAX_FINGERPRINT_BITS)
        raise SeenSetError(
            f"DEBTCORPUS_SEEN_ERROR_RATE={error_rate:g} is below what the cuckoo filter gives "
            f"({best:.2g} with {MAX_FINGERPRINT_BITS}-bit fingerprints); raise it or use "
            "DEBTCORPUS_SEEN_SET=exact"
        )
    buckets = 2 * math.ceil(urls / (SLOTS * LOAD) / 2)
    return _fits(CuckooShape(max(2, buckets), fitting[0]), "cuckoo", urls, error_rate)


def gcs_for(urls: int, error_rate: float) -> GcsShape:
    _check(urls, error_rate)
    shape = gcs_shape(urls, error_rate)
    if shape.universe > 2**52 or shape.rice_bits > 44:  # Lua's numbers are doubles
        raise SeenSetError(
            f"DEBTCORPUS_SEEN_ERROR_RATE={error_rate:g} is below what the Golomb-coded set "
            "gives (values of 52 bits); raise it or use DEBTCORPUS_SEEN_SET=exact"
        )
    if shape.part_bytes > MAX_BYTES:
        raise SeenSetError(
            f"a Golomb-coded set for {urls:,} URLs at {error_rate:g} needs {shape.table_bytes:,} "
            "bytes, more than 64 Redis values hold; raise DEBTCORPUS_SEEN_ERROR_RATE or use "
            "DEBTCORPUS_SEEN_SET=exact"
        )
    return shape


def shape_for(kind: str, urls: int, error_rate: float) -> SeenShape | None:
    """The seen-set of a kind for `urls` URLs at `error_rate`; None for the exact set."""
    if kind == "exact":
        return None
    if kind == "gcs":
        return gcs_for(urls, error_rate)
    if kind == "cuckoo":
        return cuckoo_for(urls, error_rate)
    if kind == "bloom":
        return bloom_for(urls, error_rate)
    raise SeenSetError(
        f"DEBTCORPUS_SEEN_SET={kind!r}: give gcs (the default), cuckoo, bloom or exact"
    )


def seen_shape(settings: Settings) -> SeenShape | None:
    """The seen-set the settings ask for; None for scrapy-redis's exact set."""
    return shape_for(
        str(settings.get("DEBTCORPUS_SEEN_SET", "gcs")),
        settings.getint("DEBTCORPUS_SEEN_URLS", DEFAULT_SEEN_URLS),
        settings.getfloat("DEBTCORPUS_SEEN_ERROR_RATE", DEFAULT_ERROR_RATE),
    )


def _check(urls: int, error_rate: float) -> None:
    if urls < 1:
        raise SeenSetError(f"DEBTCORPUS_SEEN_URLS must be at least 1, not {urls}")
    if not 0 < error_rate < 1:
        raise SeenSetError(f"DEBTCORPUS_SEEN_ERROR_RATE must lie between 0 and 1, not {error_rate}")


def _fits(shape: Shape, name: str, urls: int, error_rate: float) -> Shape:
    if shape.table_bytes > MAX_BYTES:
        raise SeenSetError(
            f"a {name} filter for {urls:,} URLs at {error_rate:g} needs {shape.table_bytes:,} "
            "bytes, more than one Redis value holds (512 MB); raise DEBTCORPUS_SEEN_ERROR_RATE "
            "or use DEBTCORPUS_SEEN_SET=exact"
        )
    return shape
