"""Highlighted snippets: a window of the text around the first hit, every word marked."""

from __future__ import annotations

import re

from corpus.search.matching import ParsedQuery
from corpus.search.tokens import FOLDER, normalise

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
WIDTH = 90
ELLIPSIS = "…"


def _searchable(text: str, fold: bool) -> str:
    """The form the words are found in; same length as the text, or the text is shown in
    this form instead (offsets must agree)."""
    return normalise(FOLDER.fold(text) if fold else text)


def snippet(text: str, parsed: ParsedQuery) -> str:
    """About WIDTH characters of `text` around its first hit, words in <mark>...</mark>.

    A text without any of the words (they were all in the title) gives its opening lines."""
    text = re.sub(r"\s+", " ", text or "").strip()
    searchable = _searchable(text, parsed.fold)
    if len(searchable) != len(text):
        text = searchable
    positions = [p for w in parsed.words if (p := searchable.find(w)) >= 0]
    first = min(positions, default=0)
    start = max(0, first - WIDTH // 3)
    end = min(len(text), start + WIDTH)
    marked = _mark(text[start:end], searchable[start:end], parsed.words)
    return (ELLIPSIS if start else "") + marked + (ELLIPSIS if end < len(text) else "")


def _mark(shown: str, searchable: str, words: tuple[str, ...]) -> str:
    """Wrap every occurrence of any word (longest first where they overlap)."""
    covered = [False] * len(shown)
    for word in sorted(words, key=len, reverse=True):
        for found in re.finditer(re.escape(word), searchable):
            if not any(covered[found.start() : found.end()]):
                covered[found.start() : found.end()] = [True] * len(word)
    pieces: list[str] = []
    for i, char in enumerate(shown):
        if covered[i] and (i == 0 or not covered[i - 1]):
            pieces.append(MARK_OPEN)
        pieces.append(char)
        if covered[i] and (i == len(shown) - 1 or not covered[i + 1]):
            pieces.append(MARK_CLOSE)
    return "".join(pieces)
