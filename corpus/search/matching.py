"""Query words -> the index query of each back end, with or without script folding."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.errors import ConfigError
from corpus.search.tokens import FOLDER, query_words, run_tokens

ARTICLE_COLUMNS = ("title", "body")
COMMENT_COLUMNS = ("body",)


@dataclass(frozen=True)
class ParsedQuery:
    """The words a hit must contain (normalised; folded to simplified with fold=True)."""

    words: tuple[str, ...]
    fold: bool = False


def parse_query(query: str, fold: bool = False) -> ParsedQuery:
    """Split a query into words; with fold, each word in its simplified form."""
    words = query_words(FOLDER.fold(query) if fold else query)
    if not words:
        raise ConfigError(f"the query {query!r} has no letters or digits to search for")
    return ParsedQuery(tuple(words), fold)


def fts5_phrase(word: str) -> str:
    """The FTS5 phrase that matches where `word` occurs as a substring."""
    if len(word) == 1:
        return f'"{word}" *'
    return '"' + " ".join(run_tokens(word)[:-1]) + '"'


def fts5_match(parsed: ParsedQuery, columns: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression: every word in one of the columns (or their folded copies)."""
    searched = list(columns) + ([f"{c}_fold" for c in columns] if parsed.fold else [])
    scope = "{" + " ".join(searched) + "}"
    return " AND ".join(f"({scope} : {fts5_phrase(word)})" for word in parsed.words)


def tsquery(word: str) -> str:
    """A PostgreSQL tsquery that every row containing `word` matches (a superset: the
    bigrams are not checked for adjacency, so rows are confirmed with strpos after)."""
    if len(word) == 1:
        return f"'{word}':*"
    return " & ".join(f"'{token}'" for token in dict.fromkeys(run_tokens(word)[:-1]))
