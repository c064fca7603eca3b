"""The Datasette plugin `debtcorpus browse` registers: the Chinese index behind the search box,
the corpus's SQL functions, a month facet, highlighted snippets, raw page bodies as text,
article links."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from datasette import hookimpl
from markupsafe import Markup, escape
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from corpus.browse.facets import MonthFacet
from corpus.errors import ConfigError
from corpus.search.matching import parse_query
from corpus.search.query import SearchFilters, ranked_ids
from corpus.search.snippets import MARK_CLOSE, MARK_OPEN
from corpus.search.sqlfunctions import page_preview, register, search_match

LINKED_VIEWS = ("claims_view", "claims_in_context", "page_previews")
BODY_PREVIEW_CHARS = 200
Hook = TypeVar("Hook", bound=Callable[..., Any])


def hook(**options: Any) -> Callable[[Hook], Hook]:
    """Datasette's (untyped) hookimpl marker, typed: it returns the function it marks."""
    return cast(Callable[[Hook], Hook], hookimpl(**options))


@hook(trylast=True)
def prepare_connection(conn: Any) -> None:
    """Our functions, and `escape_fts` (what Datasette wraps the search box's text in)
    replaced by the rewrite to the bigram index, so `_search=上门` means "contains 上门".
    trylast: registered after Datasette's own escape_fts, so ours is the one used."""
    register(conn)
    conn.create_function("escape_fts", 1, search_match, deterministic=True)
    conn.create_function("search_ids", 2, search_ids_function(conn))


def search_ids_function(conn: Any) -> Callable[[str | None, int | None], str]:
    """`search_ids(query, limit)`: the best `limit` articles holding every word of `query`,
    as JSON `[[article_id, score], ...]` best first, ranked as `debtcorpus search` ranks them
    (corpus.search.query.ranked_ids: the posting arrays for common words, FTS5's bm25()
    otherwise), on this connection (SQLAlchemy over it, made once)."""
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    with engine.connect():  # SQLAlchemy's first connect registers functions: not mid-statement
        pass

    def search_ids(query: str | None, limit: int | None) -> str:
        try:
            parsed = parse_query(query or "")
        except ConfigError:
            return "[]"
        with Session(engine) as session:
            found = ranked_ids(session, parsed, SearchFilters(), False, int(limit or 20))
        return json.dumps([[key, score] for key, score in found])

    return search_ids


@hook()
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """The search box's hits confirmed on the text: Datasette's own filter (escape_fts) asks
    the index for the candidates, every bigram of every word; this keeps the rows holding
    every word as a substring (the articles' index has no positions: corpus.search.verified)."""
    from datasette.filters import FilterArguments

    search = request.args.get("_search")
    confirm = {"articles": "search_holds(title, text, :corpus_search)"}
    confirm["comments"] = "search_holds(NULL, text, :corpus_search)"
    if not search or table not in confirm:
        return None

    async def inner() -> Any:
        return FilterArguments([confirm[table]], {"corpus_search": search})

    return inner


@hook()
def register_facet_classes() -> list[type]:
    return [MonthFacet]


def highlighted(snippet: str) -> Markup:
    """The snippet escaped, its <mark> tags kept."""
    safe = str(escape(snippet))
    return Markup(
        safe.replace(escape(MARK_OPEN), MARK_OPEN).replace(escape(MARK_CLOSE), MARK_CLOSE)
    )


async def body_preview(value: bytes, row: Any, database: str, datasette: Any) -> str:
    """A stored body's text, read with the page's codec and dictionary (when the row shows
    them: a pages row always does)."""
    names = set(row.keys()) if hasattr(row, "keys") else set()
    codec = row["body_codec"] if "body_codec" in names else None
    dictionary_id = row["body_dictionary_id"] if "body_dictionary_id" in names else None
    dictionary = None
    if dictionary_id is not None:
        found = await datasette.get_database(database).execute(
            "SELECT data FROM body_dictionaries WHERE id = ?", [dictionary_id]
        )
        dictionary = found.first()[0] if found.rows else None
    preview = page_preview(value, None, codec, dictionary) or ""
    return preview[:BODY_PREVIEW_CHARS] + ("…" if len(preview) > BODY_PREVIEW_CHARS else "")


@hook()
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if column == "snippet" and isinstance(value, str):
        return highlighted(value)
    if table == "pages" and column == "body" and isinstance(value, bytes):
        return lambda: body_preview(value, row, database, datasette)
    if table in LINKED_VIEWS and column == "article_id" and isinstance(value, int):
        url = datasette.urls.row(database, "articles", str(value))
        return Markup(f'<a href="{escape(url)}">{value}</a>')
    return None
