"""Comparing texts token by token: bag-of-tokens precision, recall and F1 (extracted text
against gold text), the share of one text's token runs found in another, the CJK share.

A token is one CJK character or one run of latin letters and digits; punctuation and
whitespace are ignored, so line breaks and spacing in the gold do not matter.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

_CJK_CHAR = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_TOKEN = re.compile(rf"{_CJK_CHAR}|[A-Za-z0-9]+")
_CJK_TOKEN = re.compile(_CJK_CHAR)
_LATIN_RUN = re.compile(r"[A-Za-z0-9]+")
_NOT_CJK = re.compile(rf"[^{_CJK_CHAR[1:-1]}]+")


@dataclass(frozen=True)
class TokenScore:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> list[str]:
    """CJK characters one by one, latin/digit runs whole (lower-cased)."""
    # lower-casing the text once, not each token: the per-token call was about 4% of the
    # pipeline's time under cProfile (the pattern takes ASCII letters either way)
    return _TOKEN.findall(text.lower())


def token_bag(text: str) -> Counter[str]:
    """`Counter(tokens(text))` (the same counts; keys in another order): the CJK characters
    counted by one pass over the text without the rest, then the latin runs. A Chinese text
    is mostly one-character tokens, which `findall` makes one by one (0.4 ms a page on zh)."""
    lowered = text.lower()
    bag = Counter(_NOT_CJK.sub("", lowered))
    bag.update(_LATIN_RUN.findall(lowered))
    return bag


def token_f1(extracted: str, gold: str) -> TokenScore:
    """Bag-of-tokens overlap; an empty extraction of an empty gold counts as perfect."""
    found, expected = Counter(tokens(extracted)), Counter(tokens(gold))
    if not found and not expected:
        return TokenScore(1.0, 1.0, 1.0)
    overlap = sum((found & expected).values())
    precision = overlap / sum(found.values()) if found else 0.0
    recall = overlap / sum(expected.values()) if expected else 0.0
    if precision + recall == 0:
        return TokenScore(precision, recall, 0.0)
    return TokenScore(precision, recall, 2 * precision * recall / (precision + recall))


def cjk_share(text: str) -> float:
    """The share of CJK characters among the text's tokens."""
    found = tokens(text)
    return sum(1 for token in found if _CJK_TOKEN.match(token)) / len(found) if found else 0.0


# a token run at the end of one text and the start of the next join into one when the texts
# are joined: what lower-cases to a latin letter or digit there (the Kelvin sign to "k", "İ"
# to "i" and a combining dot)
_RUN_END = re.compile(r"[A-Za-z0-9\u212a]\Z")
_RUN_START = re.compile(r"[A-Za-z0-9\u212a\u0130]")


def joined_cjk_share(
    first: str, first_bag: Counter[str], second: str, second_bag: Counter[str]
) -> float:
    """`cjk_share(first + second)` from the two texts' token bags (`Counter(tokens(text))`),
    without tokenising the texts again."""
    total = first_bag.total() + second_bag.total()
    if _RUN_END.search(first) and _RUN_START.match(second):
        total -= 1
    cjk = sum(count for token, count in (first_bag + second_bag).items() if _CJK_TOKEN.match(token))
    return cjk / total if total else 0.0


# up to this many runs of `inner` are looked up in `outer`'s squashed text one by one
FEW_RUNS = 64


def shingle_overlap(inner: str, outer: str, size: int) -> float:
    """The share of `inner`'s runs of `size` tokens (CJK characters, latin words; punctuation,
    table bars and whitespace ignored) found in `outer`. A run of `outer` is a substring of
    its squashed text and every such substring is a run, so a few runs (a headline's) are
    looked up there instead of making the set of all of `outer`'s."""
    runs = _runs(inner, size)
    if not runs:
        return 0.0
    if len(runs) <= FEW_RUNS:
        squashed = _squashed(outer)
        return sum(1 for run in runs if run in squashed) / len(runs)
    return len(runs & _runs(outer, size)) / len(runs)


@functools.lru_cache(maxsize=32)  # one page's checks compare the same texts again
def _squashed(text: str) -> str:
    return "".join(tokens(text))


@functools.lru_cache(maxsize=32)
def _runs(text: str, size: int) -> frozenset[str]:
    squashed = _squashed(text)
    return frozenset({squashed[i : i + size] for i in range(len(squashed) - size + 1)})
