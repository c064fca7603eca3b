"""A seen-set of 2 bytes per URL at 1e-4: a blocked, Rice-coded set of hashes (a Golomb-coded
set), read and written by Lua inside the frontier's push script (crawler/frontier.py).

A URL's request fingerprint is hashed to a block (of n / LAMBDA blocks, LAMBDA = 128 URLs each
at the expected count n) and a value in [0, u) with u = LAMBDA / eps: a URL not in the set
matches one of its block's values with probability (URLs in the block) / u, eps on average at
the count. A block is its distinct values in ascending order, each stored as the gap from the
one before (less one) in Rice code: q = gap >> k as q zero bits and a one bit, then the k low
bits, k chosen for the gaps' geometric law (k = 13 at eps = 0.9e-4): about log2(1/eps) + 1.5
bits a URL (14.92 at 0.9e-4), against the 16 of a semi-sorted cuckoo filter's slot.

Blocks are byte-aligned, each ended by a one bit and zero bits to its last byte's end, and
laid out in superblocks of BLOCKS blocks that share a fixed number of bytes, the mean fill
plus 4 standard deviations: a directory of each block's end offset (2 bytes each), then the
blocks one after the other. A lookup decodes its block up to the value's place. An insert
does the same, codes the new value and the gap after it, moves the block's later bits behind
them, and moves the rest of its superblock up by the bytes the block grew (one GETRANGE and
one SETRANGE of the tail, done by Redis), then adds that to the directory's later entries. A
superblock with no room left sends the URL to the exact stash (as the cuckoo filter does;
rare below the count: 4 sigma).

Superblocks are laid out in a few equal Redis strings ("parts", `<seen>:0`, `<seen>:1`, ...),
because jemalloc rounds an allocation up to its size class (4 a doubling, up to 25% more): one
string of 1.94 MB would take 2 MiB, 2.1 bytes per URL at a million. The sizing picks the part
count and size class whose total is the least, and spreads a part's slack over its
superblocks as headroom.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

LAMBDA = 128  # URLs a block holds at the expected count
BLOCKS = 128  # blocks a superblock
# the rate the blocks are sized for, as a share of the rate asked: room for the binomial
# noise of a measurement (1M probes at 1e-4: 3 sigma is 3e-5)
DESIGN_SHARE = 0.9
SIGMAS = 4.0  # a superblock's headroom over its mean fill
MAX_PARTS = 64
MAX_DATA_BYTES = 65_535  # directory entries are 2 bytes
PADDING_BITS = 4.5  # a block's terminator and its mean padding to a whole byte


def rice_length(bits: int, rate: float) -> tuple[float, float]:
    """The mean and mean square of a Rice code's length (k = `bits`) for gaps - 1 that follow
    a geometric law of parameter `rate`: q = x >> k is geometric, P(q >= j) = a^j."""
    log_a = 2**bits * math.log1p(-rate)
    a, rest = math.exp(log_a), -math.expm1(log_a)  # a and 1 - a, without cancellation
    mean_q, var_q = a / rest, a / rest**2
    mean = mean_q + 1 + bits
    return mean, var_q + mean * mean


def best_rice_bits(rate: float) -> int:
    return min(range(1, 64), key=lambda k: rice_length(k, rate)[0])


def allocation(size: int) -> int:
    """jemalloc's size class for `size` bytes (4 classes a doubling, 16-byte quantum)."""
    if size <= 8:
        return 8
    delta = max(16, 2 ** ((size - 1).bit_length() - 3))
    return delta * math.ceil(size / delta)


def string_allocation(length: int) -> int:
    """What Redis allocates for a string value of `length` bytes (sds header and NUL)."""
    return allocation(length + (6 if length < 2**16 else 10))


@dataclass(frozen=True)
class GcsShape:
    """`parts` strings of `superblocks` superblocks of `superblock_bytes` bytes, each a
    directory of `blocks` 2-byte block ends and then the blocks; values in [0, universe)
    Rice-coded with `rice_bits` low bits."""

    parts: int
    superblocks: int
    blocks: int
    superblock_bytes: int
    universe: int
    rice_bits: int

    mode = "gcs"

    @property
    def part_bytes(self) -> int:
        return self.superblocks * self.superblock_bytes

    @property
    def table_bytes(self) -> int:
        return self.parts * self.part_bytes

    @property
    def allocated_bytes(self) -> int:
        return self.parts * string_allocation(self.part_bytes)

    @property
    def total_blocks(self) -> int:
        return self.parts * self.superblocks * self.blocks

    def part_keys(self, seen: str) -> list[str]:
        return [f"{seen}:{part}" for part in range(self.parts)]

    def place(self, fingerprint: str) -> tuple[int, int, str]:
        """The request fingerprint's block, its value in the block, and the 64-bit hash the
        stash keeps it by."""
        digest = hashlib.blake2b(fingerprint.encode(), digest_size=24).digest()
        block = int.from_bytes(digest[:8], "big") % self.total_blocks
        value = int.from_bytes(digest[8:16], "big") % self.universe
        return block, value, digest[16:].hex()

    def marks(self, fingerprint: str) -> list[int | str]:
        """PUSH_LUA's arguments: part, superblock offset, block in it, value, blocks a
        superblock, superblock bytes, Rice bits, part bytes, stash member."""
        block, value, member = self.place(fingerprint)
        superblock, index = divmod(block, self.blocks)
        part, local = divmod(superblock, self.superblocks)
        at = local * self.superblock_bytes
        return [part, at, index, value, self.blocks, self.superblock_bytes, self.rice_bits,
                self.part_bytes, member]  # fmt: skip


def gcs_shape(urls: int, error_rate: float) -> GcsShape:
    """The least memory (as allocated) that holds `urls` URLs at `error_rate`."""
    rate = error_rate * DESIGN_SHARE
    bits = best_rice_bits(rate)
    mean, square = rice_length(bits, rate)
    blocks = max(1, min(BLOCKS, math.floor(MAX_DATA_BYTES * 8 / 1.2 / (LAMBDA * mean))))
    needed = max(1, math.ceil(urls / (LAMBDA * blocks)))

    def size_of(parts: int, superblocks: int) -> int:  # a superblock's bytes
        held = urls / (parts * superblocks)  # URLs a superblock at the count
        fill = held * mean + blocks * PADDING_BITS + SIGMAS * math.sqrt(held * square)
        return 2 * blocks + math.ceil(fill / 8)

    def candidate(parts: int) -> tuple[int, int, int]:
        superblocks = math.ceil(needed / parts)
        size = string_allocation(superblocks * size_of(parts, superblocks))
        return parts * size, parts, superblocks

    _, parts, superblocks = min(candidate(p) for p in range(1, min(MAX_PARTS, needed) + 1))
    longest = _longest(string_allocation(superblocks * size_of(parts, superblocks)))
    superblock_bytes = min(longest // superblocks, 2 * blocks + MAX_DATA_BYTES)
    per_block = urls / (parts * superblocks * blocks)
    universe = max(2, math.ceil(per_block / rate))
    return GcsShape(parts, superblocks, blocks, superblock_bytes, universe, bits)


def _longest(allocated: int) -> int:
    """The longest string value whose allocation is `allocated` bytes (a size class): the
    class's slack becomes the superblocks' headroom."""
    return allocated - (10 if allocated - 10 >= 2**16 else 6)


# Defines gcs(base, stash, argv, at): the filter of ARGV[at .. at + 8] (GcsShape.marks), whose
# has() says whether it holds the value and push() adds it: 0 seen, 1 added, 2 stashed.
GCS_LUA = """
local function gcs(base, stash, argv, at)
  local key = base .. ':' .. argv[at]
  local offset, block = tonumber(argv[at + 1]), tonumber(argv[at + 2])
  local value, blocks = tonumber(argv[at + 3]), tonumber(argv[at + 4])
  local size, k = tonumber(argv[at + 5]), tonumber(argv[at + 6])
  local part_bytes, member = tonumber(argv[at + 7]), argv[at + 8]
  local span, data = 2 ^ k, offset + 2 * blocks
  local first = math.max(block - 1, 0)
  local dir = redis.call('GETRANGE', key, offset + 2 * first, offset + 2 * blocks - 1)
  local function entry(j)  -- the end of block j (0-based, j >= first)
    local p = 2 * (j - first) + 1
    local hi, lo = string.byte(dir, p, p + 1)
    return (hi or 0) * 256 + (lo or 0)
  end
  local start, finish, used = 0, entry(block), entry(blocks - 1)
  if block > 0 then start = entry(block - 1) end
  local s = ''
  if finish > start then s = redis.call('GETRANGE', key, data + start, data + finish - 1) end
  local pow2 = {[0] = 1}
  for i = 1, 48 do pow2[i] = pow2[i - 1] * 2 end
  local byte, char, floor = string.byte, string.char, math.floor
  local len, ending = #s, 0  -- the block's bits end before its last one bit (the terminator)
  if len > 0 then
    local last = byte(s, len)
    ending = len * 8 - 1
    while last % 2 == 0 do last, ending = last / 2, ending - 1 end
  end
  local starts = {}  -- the bit each value's code starts at, and after the last: its end
  local function decode(stop)  -- the block's values, up to the first >= stop
    local values, n, pos, acc, have, prev = {}, 0, 1, 0, 0, -1
    while true do
      local at = (pos - 1) * 8 - have
      starts[n + 1] = at
      if at >= ending or prev >= stop then return values end
      local q = 0
      while true do
        if have == 0 then acc, have, pos = byte(s, pos), 8, pos + 1 end
        if acc == 0 then q, have = q + have, 0
        else
          local top = pow2[have - 1]
          while acc < top do q, have, top = q + 1, have - 1, top / 2 end
          acc, have = acc - top, have - 1
          break
        end
      end
      while have < k do acc, have, pos = acc * 256 + byte(s, pos), have + 8, pos + 1 end
      local shift = pow2[have - k]
      local r = floor(acc / shift)
      acc, have = acc - r * shift, have - k
      prev = prev + 1 + q * span + r
      n = n + 1
      values[n] = prev
    end
  end
  -- The block with `items` coded (after `prev`) from bit `bit_at` on, the bits before it
  -- kept, then its bits from copy_from to copy_to (the codes after them), then a one bit.
  local function encode(items, prev, bit_at, copy_from, copy_to)
    local kept = floor(bit_at / 8)
    local have = bit_at - kept * 8
    local acc = floor((byte(s, kept + 1) or 0) / pow2[8 - have])
    local out, m = {}, 0
    local function flush()
      while have >= 8 do
        have = have - 8
        local b = floor(acc / pow2[have])
        m, out[m + 1], acc = m + 1, b, acc - b * pow2[have]
      end
    end
    for i = 1, #items do
      local x = items[i] - prev - 1
      prev = items[i]
      local q = floor(x / span)
      local r = x - q * span
      while q >= 24 do acc, have, q = acc * 16777216, have + 24, q - 24 flush() end
      acc, have = acc * pow2[q + 1] + 1, have + q + 1
      flush()
      acc, have = acc * span + r, have + k
      flush()
    end
    if copy_to > copy_from then
      local first, last = floor(copy_from / 8), floor((copy_to - 1) / 8)
      local lo, hi = copy_from - first * 8, 8
      if first == last then hi = copy_to - first * 8 end
      local bits = hi - lo
      local head = floor(byte(s, first + 1) / pow2[8 - hi]) % pow2[bits]
      acc, have = acc * pow2[bits] + head, have + bits
      flush()
      local shift = pow2[have]
      for q = first + 2, last do  -- whole bytes, shifted by `have` bits
        acc = acc * 256 + byte(s, q)
        local b = floor(acc / shift)
        m, out[m + 1], acc = m + 1, b, acc - b * shift
      end
      if last > first then
        bits = copy_to - last * 8
        acc, have = acc * pow2[bits] + floor(byte(s, last + 1) / pow2[8 - bits]), have + bits
        flush()
      end
    end
    acc, have = acc * 2 + 1, have + 1  -- the terminator, then zero bits to the byte's end
    flush()
    if have > 0 then m, out[m + 1] = m + 1, acc * pow2[8 - have] end
    local chunks = {string.sub(s, 1, kept)}
    for i = 1, m, 4096 do chunks[#chunks + 1] = char(unpack(out, i, math.min(m, i + 4095))) end
    return table.concat(chunks)
  end
  local filter = {}
  function filter.has()
    local values = decode(value)
    if values[#values] == value then return true end
    return redis.call('SISMEMBER', stash, member) == 1
  end
  function filter.push()  -- decoded up to the value's place, the codes after it moved
    local values = decode(value)
    local n = #values
    if values[n] == value or redis.call('SISMEMBER', stash, member) == 1 then return 0 end
    local coded
    if n > 0 and values[n] > value then  -- before values[n]: its gap is coded again
      coded = encode({value, values[n]}, values[n - 1] or -1, starts[n], starts[n + 1], ending)
    else
      coded = encode({value}, values[n] or -1, ending, 0, 0)
    end
    local grown = #coded - (finish - start)
    if data + used + grown > offset + size then
      redis.call('SADD', stash, member)
      return 2
    end
    if #dir < 2 * (blocks - first) and redis.call('EXISTS', key) == 0 then
      redis.call('SET', key, string.rep('\\0', part_bytes))  -- exact: no sds spare room
    end
    local tail = ''
    if used > finish then tail = redis.call('GETRANGE', key, data + finish, data + used - 1) end
    redis.call('SETRANGE', key, data + start, coded .. tail)
    local ends = {}
    for j = block, blocks - 1 do
      local e = entry(j) + grown
      ends[#ends + 1] = string.char(math.floor(e / 256), e % 256)
    end
    redis.call('SETRANGE', key, offset + 2 * block, table.concat(ends))
    return 1
  end
  return filter
end
"""

# KEYS: the parts' base key, stash. ARGV: GcsShape.marks(). 1 if the set has it (looked up
# only: what the bench and tests measure false positives with).
GCS_HAS_LUA = (
    GCS_LUA
    + """
if gcs(KEYS[1], KEYS[2], ARGV, 1).has() then return 1 end
return 0
"""
)
