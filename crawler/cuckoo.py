"""The distributed crawl's default seen-set: a semi-sorted cuckoo filter (Fan, Andersen,
Kaminsky and Mitzenmacher, "Cuckoo Filter: Practically Better Than Bloom", 2014) in one Redis
string, read and written by Lua inside the frontier's push script (crawler/frontier.py).

A URL's request fingerprint gives a bucket i1 and an f-bit fingerprint fp (1 .. 2^f - 1; 0
marks an empty slot). Its other bucket is i2 = (h(fp) - i1) mod m, so either bucket gives the
other from the fingerprint alone (an involution for any bucket count m). A bucket has 4
slots. It is stored semi-sorted: its 4 fingerprints in ascending order, their 4 high nibbles
as one index among the 3,876 sorted 4-nibble multisets (12 bits instead of 16), then the 4
low parts of f - 4 bits each: 4f - 4 bits a bucket, so two buckets are f - 1 whole bytes
(15 bytes at f = 16, 16 at f = 17), read with GETRANGE and written with SETRANGE.

An insert takes a free slot in either bucket, else moves a resident of one of them to its
other bucket, and so on, up to MAX_KICKS moves, all made in the decoded buckets and written
only if they succeed. When they fail (the table is full: some 95-100% of its slots taken),
nothing is written and the URL goes into an exact stash instead: a Redis set of a 64-bit hash
of its request fingerprint, which lookups read too. So no URL is lost, and the false-positive
rate never passes that of a full table, 8 / (2^f - 1); what grows past the table is memory,
a set member per URL (80 bytes measured). Once the stash holds anything, inserts try only
STASH_KICKS moves before stashing, so a table past its count does not cost 500 a URL.

The sizes (crawler/seen.py): m buckets for URLs / (4 x LOAD), so the table is 95% full at the
expected count, and the fewest fingerprint bits f whose rate at a full table is within the
rate asked for: f = 17 at 1e-4 (6.1e-5 full, 5.8e-5 at 95%).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

SLOTS = 4
# the load the table is sized for at the expected URL count (partial-key cuckoo hashing
# with 4-slot buckets fills to about 95.5% before inserts start to fail)
LOAD = 0.95
MIN_FINGERPRINT_BITS = 8
MAX_FINGERPRINT_BITS = 24  # Lua numbers are doubles: fp x ALT_MULTIPLIER stays below 2^53
MAX_KICKS = 500
STASH_KICKS = 16
ALT_MULTIPLIER = 374_761_393  # odd, below 2^29

# C(x, k) for x = 0..18, k = 0..4, as a Lua table literal: the semi-sorted bucket's nibbles
# a <= b <= c <= d are the 4-subset {a, b+1, c+2, d+3} of 0..18, ranked C(a,1) + C(b+1,2) +
# C(c+2,3) + C(d+3,4) (the combinatorial number system): 0 .. C(19,4) - 1 = 3,875
BINOMIALS = (
    "{"
    + ", ".join(
        f"[{x}] = {{[0] = 1, " + ", ".join(str(math.comb(x, k)) for k in range(1, 5)) + "}"
        for x in range(19)
    )
    + "}"
)

# Defines cuckoo(key, stash, m, f, kicks), whose has(i1, fp) and add(i1, fp) read and write
# the table (add returns 1, or 2 when the fingerprint left over went to the stash).
CUCKOO_LUA = f"""
local function cuckoo(key, stash, m, f, kicks)
  local low_bits, pair_bytes = f - 4, f - 1
  local low_span = 2 ^ low_bits
  local binomial = {BINOMIALS}
  local pairs_read, missing = {{}}, false
  local function decode(s)
    if #s < pair_bytes then missing, s = true, s .. string.rep('\\0', pair_bytes - #s) end
    local acc, have, pos = 0, 0, 1
    local function take(n)
      while have < n do
        acc, have, pos = acc * 256 + string.byte(s, pos), have + 8, pos + 1
      end
      local shift = 2 ^ (have - n)
      local value = math.floor(acc / shift)
      acc, have = acc - value * shift, have - n
      return value
    end
    local buckets = {{}}
    for b = 1, 2 do
      local index, nibbles, x = take(12), {{}}, 18
      for k = 4, 1, -1 do
        while binomial[x][k] > index do x = x - 1 end
        index = index - binomial[x][k]
        nibbles[k] = x - (k - 1)
        x = x - 1
      end
      local slots = {{}}
      for k = 1, 4 do slots[k] = nibbles[k] * low_span + take(low_bits) end
      buckets[b] = slots
    end
    return buckets
  end
  local function encode(buckets)
    local out, acc, have = {{}}, 0, 0
    local function put(value, n)
      acc, have = acc * 2 ^ n + value, have + n
      while have >= 8 do
        local shift = 2 ^ (have - 8)
        local byte = math.floor(acc / shift)
        out[#out + 1] = string.char(byte)
        acc, have = acc - byte * shift, have - 8
      end
    end
    for b = 1, 2 do
      local slots = buckets[b]
      table.sort(slots)
      local index = 0
      for k = 1, 4 do index = index + binomial[math.floor(slots[k] / low_span) + k - 1][k] end
      put(index, 12)
      for k = 1, 4 do put(slots[k] % low_span, low_bits) end
    end
    return table.concat(out)
  end
  local function bucket(i)
    local p = math.floor(i / 2)
    if not pairs_read[p] then
      local at = p * pair_bytes
      pairs_read[p] = decode(redis.call('GETRANGE', key, at, at + pair_bytes - 1))
    end
    return pairs_read[p][i % 2 + 1], p
  end
  local dirty = {{}}
  local function commit()
    for p in pairs(dirty) do
      redis.call('SETRANGE', key, p * pair_bytes, encode(pairs_read[p]))
    end
  end
  local function alt(i, fp) return ((fp * {ALT_MULTIPLIER}) % m - i) % m end
  local function slot_of(i, fp)
    local slots = bucket(i)
    for k = 1, 4 do if slots[k] == fp then return k end end
    return nil
  end
  local function put_free(i, fp)
    local slots, p = bucket(i)
    for k = 1, 4 do
      if slots[k] == 0 then slots[k], dirty[p] = fp, true return true end
    end
    return false
  end
  local filter = {{}}
  function filter.has(i1, fp, member)
    if slot_of(i1, fp) or slot_of(alt(i1, fp), fp) then return true end
    return redis.call('SISMEMBER', stash, member) == 1
  end
  function filter.add(i1, fp, member)
    if missing and redis.call('STRLEN', key) == 0 then  -- the whole table at once, as sized
      redis.call('SETRANGE', key, math.ceil(m / 2) * pair_bytes - 1, '\0')
    end
    local i2 = alt(i1, fp)
    if put_free(i1, fp) or put_free(i2, fp) then commit() return 1 end
    local state = (fp * 7 + i1) % 2147483646 + 1
    local function random(n)
      state = (state * 48271) % 2147483647
      return state % n
    end
    local i = i1
    if random(2) == 1 then i = i2 end
    if redis.call('SCARD', stash) > 0 then kicks = {STASH_KICKS} end
    for _ = 1, kicks do  -- moves in the decoded buckets, written only if they succeed
      local slots, p = bucket(i)
      local k = random(4) + 1
      fp, slots[k], dirty[p] = slots[k], fp, true
      i = alt(i, fp)
      if put_free(i, fp) then commit() return 1 end
    end
    redis.call('SADD', stash, member)  -- the table as it was, and the URL in the stash
    return 2
  end
  return filter
end
"""

# KEYS: table, stash. ARGV: CuckooShape.marks(). 1 if the filter has it (looked up only:
# what the bench and tests measure false positives with).
HAS_LUA = (
    CUCKOO_LUA
    + """
local filter = cuckoo(KEYS[1], KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), 0)
if filter.has(tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[6]) then return 1 end
return 0
"""
)


@dataclass(frozen=True)
class CuckooShape:
    """A cuckoo filter's table: `buckets` buckets (even) of 4 `fingerprint_bits`-bit slots."""

    buckets: int
    fingerprint_bits: int

    mode = "cuckoo"

    @property
    def table_bytes(self) -> int:
        return self.buckets // 2 * (self.fingerprint_bits - 1)

    @staticmethod
    def error_rate(fingerprint_bits: int, load: float = 1.0) -> float:
        """The expected false-positive rate at a load (the most, a full table, unless given):
        the fingerprints of two buckets of 4 slots compared."""
        return 2 * SLOTS * load / (2**fingerprint_bits - 1)

    def place(self, fingerprint: str) -> tuple[int, int, str]:
        """The request fingerprint's first bucket, its f-bit fingerprint (never 0), and the
        64-bit hash the stash keeps it by."""
        digest = hashlib.blake2b(fingerprint.encode(), digest_size=24).digest()
        bucket = int.from_bytes(digest[:8], "big") % self.buckets
        tag = int.from_bytes(digest[8:16], "big") % (2**self.fingerprint_bits - 1) + 1
        return bucket, tag, digest[16:].hex()

    def marks(self, fingerprint: str) -> list[int | str]:
        """PUSH_LUA's arguments for one request: bucket, fingerprint, buckets, fingerprint
        bits, kicks, stash member."""
        bucket, tag, member = self.place(fingerprint)
        return [bucket, tag, self.buckets, self.fingerprint_bits, MAX_KICKS, member]
