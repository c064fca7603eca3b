"""The distributed crawl's seen-set: which URLs were ever queued, in little memory.

scrapy-redis keeps an exact Redis set of request fingerprints: 80-96 bytes per URL (8-9.6 GB
for 100 million URLs). Here the default is a Bloom filter over one Redis bitmap (the way
scrapy-redis-bloomfilter keeps it), sized from the crawl's expected URL count n and the
false-positive rate p it may have:

    bits m = ceil(-n ln p / (ln 2)^2)     hashes k = round(m / n * ln 2)

At p = 1e-4 that is 19.2 bits (2.4 bytes) per URL: 240 MB for 100 million URLs. A Bloom
filter cannot do better than 1.44 log2(1/p) bits per element; 2 bytes per URL at 1e-4
would need a cuckoo or quotient filter, which Redis does not have without the RedisBloom
module (not in Debian). A false positive is a new URL taken for seen and never fetched: p
of the new URLs at the expected count, more past it (the filter does not grow; size it
with DEBTCORPUS_SEEN_URLS). `DEBTCORPUS_SEEN_SET=exact` keeps scrapy-redis's exact set.

The k bit positions come from the request fingerprint by double hashing (Kirsch and
Mitzenmacher: position i = h1 + i * h2 mod m), computed here and checked and set in Redis
by the same Lua script that queues the request (crawler/frontier.py), so "seen" and
"queued" stay one step.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from scrapy.settings import Settings

from corpus.errors import ConfigError

# one Redis string holds at most 512 MB = 2**32 bits
MAX_BITS = 2**32
DEFAULT_SEEN_URLS = 10_000_000
DEFAULT_ERROR_RATE = 1e-4


class SeenSetError(ConfigError):
    """A seen-set setting that cannot work; the message says which and what to give."""


@dataclass(frozen=True)
class BloomShape:
    bits: int
    hashes: int

    @classmethod
    def for_capacity(cls, urls: int, error_rate: float) -> BloomShape:
        if urls < 1:
            raise SeenSetError(f"DEBTCORPUS_SEEN_URLS must be at least 1, not {urls}")
        if not 0 < error_rate < 1:
            raise SeenSetError(
                f"DEBTCORPUS_SEEN_ERROR_RATE must lie between 0 and 1, not {error_rate}"
            )
        bits = math.ceil(-urls * math.log(error_rate) / math.log(2) ** 2)
        if bits > MAX_BITS:
            raise SeenSetError(
                f"a Bloom filter for {urls:,} URLs at {error_rate:g} needs {bits:,} bits, more "
                f"than one Redis value holds (2^32); raise DEBTCORPUS_SEEN_ERROR_RATE or use "
                "DEBTCORPUS_SEEN_SET=exact"
            )
        return cls(bits, max(1, round(bits / urls * math.log(2))))

    def positions(self, fingerprint: str) -> list[int]:
        digest = hashlib.blake2b(fingerprint.encode(), digest_size=16).digest()
        first, second = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
        return [(first + i * second) % self.bits for i in range(self.hashes)]


def seen_shape(settings: Settings) -> BloomShape | None:
    """The Bloom filter the settings ask for; None for scrapy-redis's exact set."""
    kind = str(settings.get("DEBTCORPUS_SEEN_SET", "bloom"))
    if kind == "exact":
        return None
    if kind != "bloom":
        raise SeenSetError(f"DEBTCORPUS_SEEN_SET={kind!r}: give bloom (the default) or exact")
    return BloomShape.for_capacity(
        settings.getint("DEBTCORPUS_SEEN_URLS", DEFAULT_SEEN_URLS),
        settings.getfloat("DEBTCORPUS_SEEN_ERROR_RATE", DEFAULT_ERROR_RATE),
    )
