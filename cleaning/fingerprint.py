"""Per-document fingerprints for deduplication: normal form, exact key, shingles, MinHash, LSH keys.

Pure functions over str and NumPy arrays; no database. Everything that changes a fingerprint lives
in one frozen `FingerprintConfig`, so stored signatures can say which parameters made them.

Shingles are character n-grams of the normal form with whitespace and punctuation removed: Chinese
has no word spaces, and keyword filters leave blanks ("通过 进行的") that must not split shingles.
Each shingle is hashed once (vectorised, 32-bit); the k MinHash permutations are
h_i(x) = (a_i * x + b_i) mod (2^61 - 1) over uint64 arrays, minimised over the shingles.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cleaning.extract.boilerplate import load_rules
from cleaning.script import Converter, opencc_converter

MERSENNE_61 = np.uint64((1 << 61) - 1)
MASK_32 = np.uint64(0xFFFFFFFF)
# Bound on the (perms x shingles) uint64 block built at once: 2M cells = 16 MB.
BLOCK_CELLS = 2_000_000
EMPTY_SLOT = np.uint32(0xFFFFFFFF)

U64 = NDArray[np.uint64]
U32 = NDArray[np.uint32]

# CJK punctuation that NFKC leaves alone, mapped to one ASCII form each.
_PUNCTUATION = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "【": "[",
        "】": "]",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "—": "-",
        "…": "...",
        "·": ".",
    }
)
_MENU_SPLIT = re.compile(r"[\s|｜·•/]+")
MENU_MAX_CHARS = 60
# the longest line any extractor boilerplate rule applies to (boilerplate_rules.yaml)
RULE_MAX_CHARS = 400


@dataclass(frozen=True)
class FingerprintConfig:
    """Every dedup parameter; defaults chosen on held-out folds of the labelled farm set
    (`debtcorpus eval dedup`, docs/dedup.md)."""

    ngram: int = 3
    num_perm: int = 128
    bands: int = 64
    # near duplicates (one cluster): Jaccard similarity of the shingle sets to the representative
    threshold: float = 0.2
    # containment edges: page B holds at least this share of article A's shingles
    containment: float = 0.2
    # one cluster also needs one text to be covered by the other: this share of its shingles in
    # windows that share at least LINE_MATCH of theirs (a stitched page is not)
    cover: float = 0.8
    seed: int = 1
    # "oph": one-permutation MinHash with densification (one hash per shingle, the default);
    # "kperm": k hash functions (a*x+b) mod 2^61-1, k products per shingle (the textbook form)
    scheme: str = "oph"
    # traditional -> simplified with OpenCC before fingerprinting
    to_simplified: bool = True
    # drop the page's own boilerplate lines (menus, footers, disclaimers) before fingerprinting
    drop_boilerplate: bool = True
    # "exact": verify LSH candidates with the exact shingle sets;
    # "estimate": accept the MinHash estimate (faster, noisier near the threshold)
    verify: str = "exact"
    # candidates whose MinHash estimate is below this are dropped before exact verification
    estimate_floor: float = 0.05
    # a band key shared by more articles than this is common text, not evidence of copying
    max_bucket: int = 200
    # templates: a paragraph of at least this many content characters, found (exactly or at this
    # Jaccard similarity) in at least this many articles, is listed as boilerplate or template
    template_min_chars: int = 30
    template_min_pages: int = 3
    template_threshold: float = 0.7

    def __post_init__(self) -> None:
        if self.ngram < 1 or self.num_perm < 1 or self.bands < 1:
            raise ValueError("ngram, num_perm and bands must be positive")
        if self.num_perm % self.bands:
            raise ValueError(f"num_perm {self.num_perm} is not a multiple of bands {self.bands}")
        for name in ("threshold", "containment", "cover"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} {getattr(self, name)} must be in (0, 1]")
        if self.scheme not in ("oph", "kperm"):
            raise ValueError(f"scheme must be 'oph' or 'kperm', not {self.scheme!r}")
        if self.verify not in ("exact", "estimate"):
            raise ValueError(f"verify must be 'exact' or 'estimate', not {self.verify!r}")

    @property
    def normalisation(self) -> str:
        """What the text went through before shingling, as recorded in each cluster's method."""
        steps = ["nfkc-width", "punct", "ws", "lower"]
        steps += ["t2s"] if self.to_simplified else []
        steps += ["boilerplate-lines"] if self.drop_boilerplate else []
        return "+".join(steps)

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    def signature_params(self) -> dict[str, Any]:
        """The parameters a stored signature depends on (threshold and verify do not count)."""
        names: tuple[str, ...] = ("ngram", "num_perm", "bands", "seed", "scheme")
        names += ("to_simplified", "drop_boilerplate")
        return {name: getattr(self, name) for name in names}

    def signature_key(self) -> str:
        text = ",".join(f"{k}={v}" for k, v in sorted(self.signature_params().items()))
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def candidate_probability(self, similarity: float) -> float:
        """Chance that LSH makes a pair of this Jaccard similarity a candidate: 1-(1-s^r)^b."""
        return float(1.0 - (1.0 - similarity**self.rows) ** self.bands)


DEFAULT_NORMAL = FingerprintConfig()


def _opencc() -> Converter:
    return opencc_converter("t2s")


def _is_menu(line: str) -> bool:
    """A run of short links: "关于我们 | 联系我们 | 免责声明 | 网站地图"."""
    items = [item for item in _MENU_SPLIT.split(line) if item]
    return len(line) <= MENU_MAX_CHARS and len(items) >= 3 and max(map(len, items)) <= 6


def _combined(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@lru_cache(maxsize=1)
def _boilerplate_rules() -> tuple[tuple[int, re.Pattern[str] | None, re.Pattern[str] | None], ...]:
    """Per length limit (longest first), the extractor rules allowing lines that long as two
    patterns: those anchored at the line's start (tried at position 0 only) and the others. A
    240-character paragraph is tried by the few rules that allow it, mostly at one position."""
    rules = load_rules()
    limits = sorted({rule.max_chars for rule in rules}, reverse=True)
    found = []
    for limit in limits:
        patterns = [p.pattern for r in rules if r.max_chars >= limit for p in r.patterns]
        anchored = [p for p in patterns if p.startswith("^")]
        found.append(
            (limit, _combined(anchored), _combined([p for p in patterns if p not in anchored]))
        )
    return tuple(found)


def is_boilerplate_line(line: str) -> bool:
    """A menu, or a line one of the extractor's boilerplate rules names (footer, disclaimer,
    source line, related links): text a page carries whatever article it shows."""
    if len(line) <= MENU_MAX_CHARS and _is_menu(line):
        return True
    chosen = None
    for limit, anchored, floating in _boilerplate_rules():
        if len(line) > limit:
            break
        chosen = (anchored, floating)
    if chosen is None:
        return False
    anchored, floating = chosen
    return bool((anchored and anchored.match(line)) or (floating and floating.search(line)))


@lru_cache(maxsize=2048)
def _normal_lines(text: str, config: FingerprintConfig) -> str:
    """NFKC, OpenCC t2s, whitespace folded, boilerplate lines dropped, lower case; cached, as a
    run needs each text's normal form for its signature, exact key and verification."""
    text = unicodedata.normalize("NFKC", text)
    if config.to_simplified:
        text = _opencc().convert(text)
    # str.split() splits on exactly the characters \s matches: whitespace runs folded, 3x faster
    lines = (" ".join(line.split()) for line in text.split("\n"))
    kept = [
        line
        for line in lines
        if line and not (config.drop_boilerplate and is_boilerplate_line(line))
    ]
    return "\n".join(kept).lower()


def normalise(text: str, config: FingerprintConfig = DEFAULT_NORMAL) -> str:
    """NFKC (full-width letters, digits and punctuation to half width), traditional ->
    simplified (OpenCC t2s), one form per CJK punctuation mark, lower case, whitespace runs to
    one space, one line per paragraph, boilerplate lines dropped (per the config)."""
    return _normal_lines(text, config).translate(_PUNCTUATION)


def content_chars(text: str, config: FingerprintConfig = DEFAULT_NORMAL) -> str:
    """The letters and digits of the normal form: what shingles are cut from."""
    codes = content_codes(text, config).astype(np.uint32)
    return codes.tobytes().decode("utf-32-le")


def exact_key(text: str, config: FingerprintConfig = DEFAULT_NORMAL) -> str:
    """SHA-256 of the normal form's letters and digits: equal keys mean exact duplicates."""
    return exact_key_of_codes(content_codes(text, config))


def exact_key_of_codes(codes: U64) -> str:
    """`exact_key` from the content codes already made for the signature."""
    chars = codes.astype(np.uint32).tobytes().decode("utf-32-le")
    return hashlib.sha256(chars.encode("utf-8")).hexdigest()


def shingle_set(text: str, config: FingerprintConfig = DEFAULT_NORMAL) -> set[str]:
    """The character n-grams as strings: slow and exact, for ground truth and tests."""
    chars = content_chars(text, config)
    ngram = config.ngram
    if len(chars) <= ngram:
        return {chars} if chars else set()
    return {chars[i : i + ngram] for i in range(len(chars) - ngram + 1)}


def _mix64(values: U64) -> U64:
    """The splitmix64 finaliser: spreads every input bit over the 64 output bits."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


@lru_cache(maxsize=1)
def _content_table() -> NDArray[np.bool_]:
    """Is this code point a letter or a digit? Basic Multilingual Plane only; the last entry
    stands for every code point above it (rare extension ideographs and emoji: content)."""
    table = np.array(
        [unicodedata.category(chr(code))[0] in "LN" for code in range(0x10000)] + [True],
        dtype=np.bool_,
    )
    table[ord("_")] = False
    return table


def content_codes(text: str, config: FingerprintConfig = DEFAULT_NORMAL) -> U64:
    """Code points of the normal form's letters and digits (what shingles are cut from)."""
    # punctuation folding is left out: content codes keep letters and digits only
    codes = np.frombuffer(_normal_lines(text, config).encode("utf-32-le"), dtype=np.uint32)
    keep = _content_table()[np.minimum(codes, 0x10000)]
    return codes[keep].astype(np.uint64)


def _shingle_stream(code_arrays: list[U64], ngram: int) -> tuple[U64, NDArray[np.intp]]:
    """A 64-bit code of every n-gram of every document (a polynomial of its code points, not yet
    mixed), in document order, and the number of n-grams per document. A document shorter than
    n (but not empty) is one shingle."""
    padded = [
        np.pad(codes, (0, ngram - codes.size)) if 0 < codes.size < ngram else codes
        for codes in code_arrays
    ]
    lengths = np.array([codes.size for codes in padded], dtype=np.intp)
    counts = np.maximum(lengths - ngram + 1, 0)
    joined = np.concatenate(padded) if padded else np.empty(0, dtype=np.uint64)
    total = joined.size - ngram + 1
    if total <= 0 or not counts.any():
        return np.empty(0, dtype=np.uint64), counts
    combined = np.zeros(total, dtype=np.uint64)
    for offset in range(ngram):
        combined = combined * np.uint64(0x9E3779B97F4A7C15) + joined[offset : offset + total]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    # keep windows that start inside a document and end inside the same one
    positions = np.repeat(starts - np.cumsum(np.concatenate(([0], counts[:-1]))), counts)
    positions += np.arange(positions.size)
    return combined[positions], counts


def shingle_hashes(text: str, config: FingerprintConfig) -> U64:
    """The distinct 64-bit codes of the document's character n-grams, sorted."""
    return distinct_sorted(shingle_sequence(text, config))


def distinct_sorted(values: U64) -> U64:
    """`np.unique` of a shingle sequence: a sort and a mask (NumPy 2's hashed unique takes
    five times as long on a text's 1,500 shingles)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def shingle_sequence(text: str, config: FingerprintConfig) -> U64:
    """The document's shingle codes in text order, repeats kept: where the shared ones sit."""
    return sequence_of_codes(content_codes(text, config), config)


def sequence_of_codes(codes: U64, config: FingerprintConfig) -> U64:
    """`shingle_sequence` from content codes already made (no second normalisation)."""
    stream, _ = _shingle_stream([codes], config.ngram)
    return stream


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U64, U64]:
    """(a, b) of the k hash functions, below 2^61-1. a*x+b wraps at 2^64 before the mod, as in
    datasketch: with a below 2^32 it would not wrap, but then (a*x+b) mod p is almost linear in
    x, every function picks the same minimum and the estimate is useless (we measured it)."""
    rng = np.random.default_rng(seed)
    prime = int(MERSENNE_61)
    a = rng.integers(1, prime, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, prime, size=num_perm, dtype=np.uint64)
    return a, b


def _mod_mersenne(values: U64) -> U64:
    """values mod 2^61-1 with shifts instead of division."""
    folded = (values & MERSENNE_61) + (values >> np.uint64(61))
    return np.minimum(folded, folded - MERSENNE_61)


def _kperm_signatures(stream: U64, counts: NDArray[np.intp], config: FingerprintConfig) -> U32:
    """Classic MinHash: k hash functions (a*x+b) mod p, min over each document's shingles."""
    a, b = permutations(config.num_perm, config.seed)
    result = np.full((counts.size, config.num_perm), EMPTY_SLOT, dtype=np.uint32)
    present = np.flatnonzero(counts)
    if present.size:
        values = _mix64(stream) >> np.uint64(32)
        offsets = np.concatenate(([0], np.cumsum(counts[present])[:-1])).astype(np.intp)
        products = _mod_mersenne(a[:, None] * values[None, :] + b[:, None])
        minima = np.minimum.reduceat(products, offsets, axis=1)
        result[present] = (minima & MASK_32).astype(np.uint32).T
    return result


def _oph_signatures(stream: U64, counts: NDArray[np.intp], config: FingerprintConfig) -> U32:
    """One-permutation MinHash: each shingle hash picks a slot (high bits) and competes there
    with its low 32 bits; empty slots are then filled by rotation densification."""
    slots = config.num_perm
    seeded = _mix64(stream ^ np.uint64(config.seed))
    cells = np.repeat(np.arange(counts.size, dtype=np.intp) * slots, counts)
    cells += ((seeded >> np.uint64(32)) % np.uint64(slots)).astype(np.intp)
    values = (seeded & MASK_32).astype(np.uint32)
    flat = np.full(counts.size * slots, EMPTY_SLOT, dtype=np.uint32)
    # scatter-min in rounds: write, keep only the values still below what was written
    while cells.size:
        flat[cells] = values
        lower = values < flat[cells]
        cells, values = cells[lower], values[lower]
    return _densify(flat.reshape(counts.size, slots))


def _densify(matrix: U32) -> U32:
    """Fill each empty slot from the next non-empty slot to its right (circularly), mixed with
    the distance (Shrivastava and Li 2014), so two documents fill the same way."""
    empty = matrix == EMPTY_SLOT
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if rows.size == 0:
        return matrix
    slots = matrix.shape[1]
    sub = matrix[rows]
    index = np.where(empty[rows], 2 * slots, np.arange(slots))
    doubled = np.concatenate((index, np.where(index < slots, index + slots, 2 * slots)), axis=1)
    nearest = np.minimum.accumulate(doubled[:, ::-1], axis=1)[:, ::-1][:, :slots]
    distance = (nearest - np.arange(slots)).astype(np.uint64)
    source = np.take_along_axis(sub, nearest % slots, axis=1).astype(np.uint64)
    filled = (_mix64(source ^ (distance << np.uint64(32))) & MASK_32).astype(np.uint32)
    matrix[rows] = np.where(empty[rows], filled, sub)
    return matrix


def signatures(texts: list[str], config: FingerprintConfig) -> U32:
    """MinHash signatures of many documents at once: shape (documents, num_perm), uint32.
    An empty document gets EMPTY_SLOT everywhere (it matches only other empty documents)."""
    return signatures_of_codes([content_codes(text, config) for text in texts], config)


def signatures_of_codes(code_arrays: list[U64], config: FingerprintConfig) -> U32:
    """`signatures` from each document's content codes. Documents go through in blocks of
    about BLOCK_CELLS working cells, so memory stays bounded."""
    result = np.empty((len(code_arrays), config.num_perm), dtype=np.uint32)
    per_block = BLOCK_CELLS // config.num_perm if config.scheme == "kperm" else BLOCK_CELLS
    start = 0
    while start < len(code_arrays):
        end, size = start, 0
        while end < len(code_arrays) and (end == start or size < per_block):
            size += code_arrays[end].size
            end += 1
        stream, counts = _shingle_stream(code_arrays[start:end], config.ngram)
        block = _kperm_signatures if config.scheme == "kperm" else _oph_signatures
        result[start:end] = block(stream, counts, config)
        start = end
    return result


def signature(text: str, config: FingerprintConfig) -> U32:
    """The MinHash signature of one document: shape (num_perm,)."""
    row: U32 = signatures([text], config)[0]
    return row


def band_keys(signature_matrix: U32, config: FingerprintConfig) -> NDArray[np.int64]:
    """One signed 64-bit key per LSH band: shape (documents, bands). Equal keys in the same
    band make a candidate pair."""
    rows = signature_matrix.reshape(signature_matrix.shape[0], config.bands, config.rows)
    keys = np.zeros(rows.shape[:2], dtype=np.uint64)
    for row in range(config.rows):
        mixed: U64 = np.bitwise_xor(keys, rows[:, :, row].astype(np.uint64))
        keys = _mix64(mixed)
    return keys.view(np.int64)


def estimated_similarity(first: U32, second: U32) -> float:
    """Share of equal MinHash slots: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(first == second))


def jaccard(first: U64, second: U64) -> float:
    """Jaccard similarity of two sorted arrays of distinct shingle hashes."""
    if first.size == 0 and second.size == 0:
        return 1.0
    common = np.intersect1d(first, second, assume_unique=True).size
    return common / (first.size + second.size - common)


def set_jaccard(first: set[str], second: set[str]) -> float:
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)
