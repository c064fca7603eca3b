"""Stage 2 of claim extraction: word segmentation with jieba and the domain user dictionary.

A private `jieba.Tokenizer` is used so the user dictionary does not change segmentation elsewhere.
Only clauses that need it are segmented (a negator before a trigger, an ambiguous trigger word),
which keeps extraction fast.
"""

from __future__ import annotations

import importlib
import logging
import sys
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from cleaning.claims.lexicon import user_dict_path

if TYPE_CHECKING:
    from types import ModuleType

    import jieba


class Token(NamedTuple):
    """A word and its offsets (a named tuple, like cleaning.claims.sentences.Span)."""

    start: int
    end: int
    text: str


def _import_jieba() -> ModuleType:
    """jieba, imported without pkg_resources: jieba reads its dictionary through
    pkg_resources when it can import it (10 MB of memory, every installed distribution
    scanned) and otherwise opens the same file beside its module."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        return importlib.import_module("jieba")
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails: ImportError
    try:
        return importlib.import_module("jieba")
    finally:
        del sys.modules["pkg_resources"]


@cache
def tokenizer() -> jieba.Tokenizer:
    # imported here: processes that only read claim settings (the crawl's Scrapy process)
    # need not hold jieba in memory
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.load_userdict(user_dict_path())
    return segmenter


@lru_cache(maxsize=4096)
def _segment_cached(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((start, end, word) for word, start, end in tokenizer().tokenize(text, HMM=False))


@lru_cache(maxsize=4096)
def segment(text: str, offset: int = 0) -> tuple[Token, ...]:
    """Tokens of `text` with offsets shifted by `offset` (the text's start in the article);
    cached: the same clause is asked for by several triggers and fields."""
    return tuple(
        Token(start + offset, end + offset, word) for start, end, word in _segment_cached(text)
    )


def on_word_boundaries(tokens: tuple[Token, ...], start: int, end: int) -> bool:
    """Whether [start, end) begins and ends where tokens do (no word is cut in half)."""
    starts = {token.start for token in tokens}
    ends = {token.end for token in tokens}
    return start in starts and end in ends
