"""SQL functions on every SQLite connection debtcorpus (and `debtcorpus browse`) opens.

- `search_match(query)`: a free-text query as the FTS5 expression for `search_articles_fts`:
  its candidates (every bigram of every word; the index has no positions since migration
  0015), to be confirmed with `search_holds(title, text, query)` (every word a substring of
  the title or the text); `search_comments_match(query)`: the exact expression for comments.
- `search_snippet(text, query)`: the text around the first hit, words in <mark>...</mark>.
- `page_preview(body, content_type[, codec, dictionary])`: a stored (compressed) raw page as
  readable text.
- `search_tokens(text)`, `search_fold_tokens(text)`: the index tokens of a text (and of its
  simplified form, '' when that is the same); the index's triggers and views call them.
"""

from __future__ import annotations

import re
from typing import Any

from corpus.errors import ConfigError
from corpus.search.matching import (
    COMMENT_COLUMNS,
    ParsedQuery,
    fts5_match,
    parse_query,
)
from corpus.search.snippets import snippet
from corpus.search.tokens import folded_or_none, token_text, word_matches

PREVIEW_CHARS = 600
NO_MATCH = '""'


def search_match(query: str | None) -> str:
    """The candidates' expression for `search_articles_fts` (every token of every word:
    a superset of the hits, confirmed by `search_holds`); one that matches nothing for a
    query without letters or digits."""
    from corpus.search.verified import candidates_match  # NumPy: only where searches run

    try:
        return candidates_match(parse_query(query or "").words)
    except ConfigError:
        return NO_MATCH


def search_comments_match(query: str | None) -> str:
    """The exact expression for `search_comments_fts` (phrases: its index keeps positions)."""
    try:
        return fts5_match(parse_query(query or ""), COMMENT_COLUMNS)
    except ConfigError:
        return NO_MATCH


def search_holds(title: str | None, text: str | None, query: str | None) -> int:
    """1 when every word of `query` is a substring of the title or the text (normalised)."""
    try:
        words = parse_query(query or "").words
    except ConfigError:
        return 0
    return int(all(word_matches(word, title, text) for word in words))


def search_snippet(text: str | None, query: str | None) -> str | None:
    if text is None:
        return None
    try:
        return snippet(text, parse_query(query or ""))
    except ConfigError:
        return snippet(text, ParsedQuery(()))


def page_preview(
    body: bytes | None,
    content_type: str | None = None,
    codec: str | None = None,
    dictionary: bytes | None = None,
) -> str | None:
    """The visible text of a raw page (tags, scripts and styles dropped), first characters.

    `codec` and `dictionary` are the page's body_codec and its dictionary's data (none: zlib,
    as before migration 0012)."""
    if not body:
        return None
    from lxml import html

    from cleaning.decode import decode_html
    from corpus.bodies import BODY_ERRORS, decompress

    try:
        raw = decompress(body, codec, dictionary)
    except BODY_ERRORS:
        return None
    decoded = decode_html(raw, content_type)
    try:
        tree = html.fromstring(decoded.text)
    except Exception:  # lxml rejects some pages; the decoded text is the preview then
        return decoded.text[:PREVIEW_CHARS]
    for element in tree.xpath("//script|//style|//noscript"):
        element.drop_tree()
    return re.sub(r"\s+", " ", tree.text_content()).strip()[:PREVIEW_CHARS]


def search_tokens(value: str | None) -> str:
    return token_text(value)


def search_fold_tokens(value: str | None) -> str:
    return token_text(folded_or_none(value))


FUNCTIONS: tuple[tuple[str, int, Any], ...] = (
    ("search_match", 1, search_match),
    ("search_comments_match", 1, search_comments_match),
    ("search_holds", 3, search_holds),
    ("search_snippet", 2, search_snippet),
    ("page_preview", -1, page_preview),
    ("search_tokens", 1, search_tokens),
    ("search_fold_tokens", 1, search_fold_tokens),
)


def register(dbapi_connection: Any) -> None:
    """Register the functions on a sqlite3 connection."""
    for name, arity, function in FUNCTIONS:
        dbapi_connection.create_function(name, arity, function, deterministic=True)
