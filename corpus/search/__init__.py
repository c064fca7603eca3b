"""Full-text search over articles and comments, Chinese-aware, on SQLite (FTS5) and PostgreSQL.

`tokens` turns text into index tokens and `matching` queries into index queries (pure
functions); `sqlite` and `postgres` hold one back end each (`backend` picks one); `index` keeps
the index current (ingest calls `index_article`) and rebuilds it; `query` answers searches
with ranked hits, `snippets` highlights them; on SQLite, `postings` keeps arrays of the
frequent tokens (built with `bigrams`, changed articles folded in by `folding`) from which
`ranking` computes FTS5's bm25 in NumPy for common words; `sqlfunctions` are the SQL
functions SQLite connections get (the index's triggers call them; so can SQL and Datasette users).
May import `corpus.models`, `corpus.store`, `corpus.errors` and `cleaning`
(for page previews); never `crawler`.

Its names are imported on first use (PEP 562): every SQLite connection imports `sqlfunctions`,
and a process that only opens the store (the crawl's) need not load the back ends and NumPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corpus.search.index import index_article, reindex
    from corpus.search.query import Hit, SearchFilters, search

__all__ = ["Hit", "SearchFilters", "index_article", "reindex", "search"]
_HOMES = {
    "index_article": "corpus.search.index",
    "reindex": "corpus.search.index",
    "Hit": "corpus.search.query",
    "SearchFilters": "corpus.search.query",
    "search": "corpus.search.query",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
