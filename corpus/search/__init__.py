"""Full-text search over articles and comments, Chinese-aware, on SQLite (FTS5) and PostgreSQL.

`tokens` turns text and queries into index tokens (pure functions); `sqlite` and `postgres` hold
one back end each; `index` keeps the index current (ingest calls `index_article`) and rebuilds
it; `query` answers searches with ranked, highlighted hits. Imports `corpus.models`,
`corpus.store`, `corpus.errors` and `cleaning`-free libraries only; never `crawler`.
"""

from corpus.search.index import index_article, reindex
from corpus.search.query import Hit, SearchFilters, search

__all__ = ["Hit", "SearchFilters", "index_article", "reindex", "search"]
