"""Datasette metadata for a corpus: descriptions from the one schema, facets, canned queries."""

from __future__ import annotations

from typing import Any

from corpus.export.schema import TABLE_COLUMNS
from corpus.fields import declared_columns
from corpus.models import Base
from corpus.search.sqlite import ARTICLES_FTS, COMMENTS_FTS

# the export names each table's own id after the table; in the database it is `id`
_ID_NAMES = {"articles": "article_id", "claims": "claim_id", "comments": "comment_id"}
_EXTRA_COLUMNS: dict[str, dict[str, str]] = {
    "pages": {
        "status": "HTTP status of the fetch",
        "headers": "Response headers (JSON)",
        "body": "Raw body, compressed (body_codec); shown as a text preview (see page_previews)",
        "outcome": "article | rejected | error | not-modified",
        "reason": "Why the page was rejected or failed",
        "article_id": "The article this page yielded (joins articles)",
    },
}

# search_ids (the plugin's): the ranking `debtcorpus search` uses, posting arrays included
SEARCH_SQL = """SELECT a.id AS article_id, a.title, a.site, a.published_at,
  round(json_extract(hit.value, '$[1]'), 3) AS score, search_snippet(a.text, :q) AS snippet,
  a.url
FROM json_each(search_ids(:q, 200)) hit JOIN articles a ON a.id = json_extract(hit.value, '$[0]')
ORDER BY hit.key"""

SEARCH_COMMENTS_SQL = f"""SELECT c.id AS comment_id, c.article_id, a.title, c.author,
  round(-{COMMENTS_FTS}.rank, 3) AS score, search_snippet(c.text, :q) AS snippet
FROM {COMMENTS_FTS} JOIN comments c ON c.id = {COMMENTS_FTS}.rowid
JOIN articles a ON a.id = c.article_id
WHERE {COMMENTS_FTS} MATCH search_comments_match(:q)
ORDER BY {COMMENTS_FTS}.rank LIMIT 200"""

CANNED_QUERIES: dict[str, dict[str, str]] = {
    "search": {
        "title": "Search articles (every word a substring of title or text, BM25 ranked)",
        "sql": SEARCH_SQL,
    },
    "search_comments": {"title": "Search comments", "sql": SEARCH_COMMENTS_SQL},
    "claims_by_lender_and_type": {
        "title": "Claims by lender and type (leave a box empty for all)",
        "sql": """SELECT lender, type, count(*) AS claims, count(DISTINCT article_id) AS articles
FROM claims_view WHERE (:lender = '' OR lender = :lender) AND (:type = '' OR type = :type)
GROUP BY lender, type ORDER BY claims DESC""",
    },
    "copies_of_article": {
        "title": "Copies of an article (members of its duplicate clusters)",
        "sql": """SELECT other.article_id, a.title, a.site, a.url, other.similarity, c.method,
  c.representative_id = other.article_id AS representative
FROM duplicate_members own JOIN duplicate_members other
  ON other.cluster_id = own.cluster_id AND other.article_id != own.article_id
JOIN duplicate_clusters c ON c.id = own.cluster_id JOIN articles a ON a.id = other.article_id
WHERE own.article_id = :article_id ORDER BY other.similarity DESC""",
    },
    "articles_of_cluster": {
        "title": "Articles of a duplicate cluster",
        "sql": """SELECT m.article_id, a.title, a.site, a.url, m.similarity,
  c.representative_id = m.article_id AS representative, c.rule
FROM duplicate_members m JOIN duplicate_clusters c ON c.id = m.cluster_id
JOIN articles a ON a.id = m.article_id WHERE m.cluster_id = :cluster_id
ORDER BY representative DESC, m.similarity DESC""",
    },
    "runs_with_errors": {
        "title": "Crawl runs with errors",
        "sql": """SELECT id, site, status, started_at, finished_at, pages_fetched, errors, rejects
FROM crawl_runs WHERE status NOT IN ('finished', 'running')
  OR (errors IS NOT NULL AND errors NOT IN ('{}', 'null'))
ORDER BY started_at DESC""",
    },
    "articles_per_month": {
        "title": "Articles per month of publication, by site",
        "sql": """SELECT substr(published_at, 1, 7) AS month, site, count(*) AS articles
FROM articles GROUP BY month, site ORDER BY month DESC, articles DESC""",
    },
}

FACETS: dict[str, list[Any]] = {
    "articles": ["site", "category", {"month": "published_at"}],
    "claims_view": ["type", "lender", "modality", "polarity"],
    "comments": ["role"],
    "pages": ["outcome", "status", "site"],
    "claims_in_context": ["type", "lender", "modality", "site", "month"],
    "page_previews": ["status", "outcome", "site"],
}


def column_descriptions(table: str) -> dict[str, str]:
    described = {c.name: c.description for c in TABLE_COLUMNS.get(table, ())}
    id_name = _ID_NAMES.get(table)
    if id_name in described:
        described["id"] = described.pop(id_name)
    stored = Base.metadata.tables.get(table)
    coded = [] if stored is None else declared_columns(stored)
    described |= {c.name: info.description for c, info in coded if info.coding is not None}
    return described | _EXTRA_COLUMNS.get(table, {})


def table_metadata() -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for name, table in Base.metadata.tables.items():
        # a plain Table (no mapped class, e.g. a queue) has no docstring to describe it
        mapper = next((m for m in Base.registry.mappers if m.local_table is table), None)
        model = mapper.class_ if mapper is not None else None
        entry: dict[str, Any] = {"columns": column_descriptions(name)}
        if model and model.__doc__ and not model.__doc__.startswith(model.__name__ + "("):
            entry["description"] = " ".join(model.__doc__.split())
        if name in FACETS:
            entry["facets"] = FACETS[name]
        tables[name] = entry
    tables["articles"] |= {"fts_table": ARTICLES_FTS, "fts_pk": "id", "label_column": "title"}
    tables["comments"] |= {"fts_table": COMMENTS_FTS, "fts_pk": "id"}
    for fts in (ARTICLES_FTS, COMMENTS_FTS):
        tables[fts] = tables[f"{fts}_source"] = {"hidden": True}
    for view in ("claims_view", "claims_in_context", "page_previews"):
        tables[view] = {"facets": FACETS[view]}
    tables["claims_view"] |= {
        "description": "Claims with every coded value decoded (docs/storage.md): the claims "
        "table as the export shows it",
        "columns": column_descriptions("claims"),
    }
    tables["claims"]["description"] = (
        "Claims as stored: repeated values as codes (value_codes.id); read them decoded in "
        "claims_view"
    )
    tables["page_previews"]["description"] = "Raw pages: status, headers and a text preview"
    tables["claims_in_context"]["description"] = "Claims with their article's site and month"
    return tables


def corpus_metadata(database: str) -> dict[str, Any]:
    """The metadata document for `datasette --metadata`, for the database named `database`."""
    return {
        "title": "debtcorpus",
        "description": "Chinese web articles about debt collection (催收). The search box on "
        "articles and comments uses the Chinese index: every word must occur in the row.",
        "databases": {database: {"tables": table_metadata(), "queries": CANNED_QUERIES}},
    }
