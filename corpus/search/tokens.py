"""Text -> index tokens, and query words -> index queries, so a word matches as a substring.

Text is lowercased and cut into runs of letters and digits (anything else separates runs).
Each run of characters c0..cn-1 gives the overlapping bigrams c0c1, c1c2, ... and then its last
character alone, which also marks the run's end. A query word of two or more characters is then
the phrase of its bigrams (exactly the places it occurs as a substring of a run), and a word of
one character is the prefix query `c*` (every character begins a bigram or ends a run).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from corpus.errors import ConfigError

_SEPARATORS = re.compile(r"\s+")


def is_word_char(char: str) -> bool:
    """Letters and digits (Unicode L* and N*): what SQLite's unicode61 keeps inside a token."""
    return unicodedata.category(char)[0] in "LN"


def normalise(text: str) -> str:
    """The form both text and queries are indexed in: lowercase (Unicode-aware)."""
    return text.lower()


# Python's \w on str is isalnum() plus "_": without "_" it is exactly is_word_char (tested).
_RUN = re.compile(r"[^\W_]+")


def runs(text: str) -> list[str]:
    """Maximal runs of letters and digits of the normalised text."""
    return _RUN.findall(normalise(text))


def run_tokens(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str | None) -> list[str]:
    """Index tokens of a text, in order (positions matter for phrases)."""
    return [token for run in runs(text or "") for token in run_tokens(run)]


def token_text(text: str | None) -> str:
    """Tokens joined by spaces: the column value the FTS5 table (unicode61) indexes."""
    return " ".join(tokens(text))


def query_words(query: str) -> list[str]:
    """The words of a query: split at whitespace and at anything not a letter or digit."""
    words: list[str] = []
    for part in _SEPARATORS.split(query.strip()):
        for word in runs(part):
            if word not in words:
                words.append(word)
    return words


@dataclass(frozen=True)
class Folder:
    """Traditional -> simplified Chinese (OpenCC t2s), so the two forms find each other."""

    config: str = "t2s"

    def fold(self, text: str) -> str:
        folded: str = _converter(self.config).convert(text)
        return folded


@cache
def _converter(config: str) -> Any:
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - opencc is a dependency
        raise ConfigError("--fold-script needs OpenCC: pip install opencc") from exc
    return opencc.OpenCC(config)


FOLDER = Folder()


def folded_or_none(text: str | None) -> str | None:
    """The simplified form of a text, or None when folding changes nothing (most articles)."""
    if not text:
        return None
    folded = FOLDER.fold(text)
    return folded if folded != text else None


def word_matches(word: str, *texts: str | None) -> bool:
    """The reference semantics: `word` is a substring of one of the normalised texts."""
    return any(word in normalise(text) for text in texts if text)
