"""Answer a search: matching rows from the back end, then titles, URLs and highlighted snippets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.models import Article, Comment
from corpus.search import postgres, sqlite
from corpus.search.backend import backend_for
from corpus.search.matching import (
    COMMENT_COLUMNS,
    ParsedQuery,
    fts5_match,
    parse_query,
)
from corpus.search.snippets import snippet

DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class SearchFilters:
    """What a hit's article must also be: on a site, with a claim of a lender and/or type,
    published (or, undated, first seen) on or after a date."""

    site: str | None = None
    lender: str | None = None
    claim_type: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class Hit:
    article_id: int
    url: str
    title: str | None
    site: str | None
    published_at: str | None
    score: float
    snippet: str
    comment_id: int | None = None
    comment_author: str | None = None

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        if self.comment_id is None:
            del values["comment_id"], values["comment_author"]
        return values


def filter_sql(filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    """Portable SQL over the articles alias `a`, as ` AND ...` clauses, and their values."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.site:
        clauses.append("a.site = :site")
        params["site"] = filters.site
    # claims keep codes (corpus/codes.py): the value's code, from value_codes
    code = "(SELECT v.id FROM value_codes v WHERE v.value = :{})"
    claim = [(f"cl.lender_code = {code.format('lender')}", "lender", filters.lender)]
    claim.append((f"cl.type_code = {code.format('claim_type')}", "claim_type", filters.claim_type))
    wanted = [(sql, key, value) for sql, key, value in claim if value]
    if wanted:
        conditions = " AND ".join(sql for sql, _, _ in wanted)
        clauses.append(
            f"EXISTS (SELECT 1 FROM claims cl WHERE cl.article_id = a.id AND {conditions})"
        )
        params |= {key: value for _, key, value in wanted}
    if filters.since:
        clauses.append("COALESCE(a.published_at, a.first_seen_at) >= :since")
        params["since"] = filters.since
    return "".join(f" AND {clause}" for clause in clauses), params


def ranked_ids(
    session: Session, parsed: ParsedQuery, filters: SearchFilters, comments: bool, limit: int
) -> list[tuple[int, float]]:
    where, params = filter_sql(filters)
    backend = backend_for(session)
    if backend is sqlite:
        if comments:
            match = fts5_match(parsed, COMMENT_COLUMNS)
            return sqlite.ranked(session, match, comments, where, params, limit)
        if not parsed.fold:
            found = sqlite.ranked_by_arrays(session, parsed.words, limit, where, params)
            if found is not None:
                return found
        return sqlite.ranked_articles(session, parsed.words, parsed.fold, where, params, limit)
    return postgres.ranked(session, parsed.words, parsed.fold, comments, where, params, limit)


def search(
    session: Session,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = DEFAULT_LIMIT,
    fold: bool = False,
    comments: bool = False,
) -> list[Hit]:
    """The best `limit` articles holding every word of `query` (or, with comments=True, the
    comments holding every word), best first, each with a highlighted snippet."""
    parsed = parse_query(query, fold)
    ranked = ranked_ids(session, parsed, filters or SearchFilters(), comments, limit)
    if comments:
        return _comment_hits(session, parsed, ranked)
    return _article_hits(session, parsed, ranked)


def _article_hits(
    session: Session, parsed: ParsedQuery, ranked: list[tuple[int, float]]
) -> list[Hit]:
    ids = [key for key, _ in ranked]
    shown = select(*(getattr(Article, column) for column in _SHOWN)).where(Article.id.in_(ids))
    articles = {a.id: a for a in session.execute(shown)}  # rows, not ORM objects: cheaper
    return [
        _hit(articles[key], score, snippet(articles[key].text, parsed)) for key, score in ranked
    ]


def _comment_hits(
    session: Session, parsed: ParsedQuery, ranked: list[tuple[int, float]]
) -> list[Hit]:
    ids = [key for key, _ in ranked]
    rows = session.execute(select(Comment, Article).join(Article).where(Comment.id.in_(ids))).all()
    found = {comment.id: (comment, article) for comment, article in rows}
    hits = []
    for key, score in ranked:
        comment, article = found[key]
        hit = _hit(article, score, snippet(comment.text, parsed))
        hits.append(replace(hit, comment_id=comment.id, comment_author=comment.author))
    return hits


_SHOWN = ("id", "url", "title", "site", "published_at", "text")


def _hit(article: Any, score: float, text: str) -> Hit:
    """A hit on `article` (an Article, or a row of its _SHOWN columns)."""
    published = article.published_at.isoformat() if article.published_at else None
    return Hit(
        article_id=article.id,
        url=article.url,
        title=article.title,
        site=article.site,
        published_at=published,
        score=round(score, 4),
        snippet=text,
    )
