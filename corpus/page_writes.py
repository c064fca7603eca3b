"""The write path: planned rows of a batch of fetched pages -> SQL, as bulk statements.

corpus.ingest turns each fetch and its clean result into a `PagePlan` (the rows, built from
corpus/schema.py); `write_plans` writes a batch of them in the caller's transaction with one
multi-row statement per table and step, whatever the batch size:

1. articles: INSERT ... ON CONFLICT (url) DO NOTHING RETURNING (the new ones), then the others
   are read with SELECT ... FOR UPDATE (PostgreSQL: concurrent writers of one article take
   turns, none is lost; SQLite has one writer at a time);
2. pages, with their outcome, change and article;
3. revisions of the articles whose text changed, then UPDATE of the existing articles;
4. comments and claims: the existing articles' rows deleted, every article's rows inserted;
5. the search index (PostgreSQL; SQLite's triggers index every write).

On PostgreSQL the pages, comments and claims go in with COPY (corpus.page_copy; the same
rows, DEBTCORPUS_PG_COPY=0 for the INSERTs): the new pages' ids are drawn first, so a new
article is inserted with its last page, and the comments' ids too (the search index's key).

A batch in which one article URL comes twice (a re-fetch, two URLs with one canonical) is
written as consecutive parts in which each comes once, so the second sees the first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from corpus.codes import encode_rows
from corpus.models import Article, ArticleRevision, Claim, Comment, Page
from corpus.page_copy import copy_rows, next_ids

ARTICLES: Table = Article.__table__  # type: ignore[assignment]
PAGES: Table = Page.__table__  # type: ignore[assignment]
COMMENTS: Table = Comment.__table__  # type: ignore[assignment]
CLAIMS: Table = Claim.__table__  # type: ignore[assignment]
REVISIONS: Table = ArticleRevision.__table__  # type: ignore[assignment]
# article columns a re-crawl leaves as they are (the key, the first sighting, the counter)
KEPT_ON_UPDATE = frozenset({"url", "first_seen_at", "revision_count"})
# DEBTCORPUS_PG_COPY=0: PostgreSQL written with INSERT statements, not COPY
COPY_SETTING = "DEBTCORPUS_PG_COPY"
# what `reprocess` rewrites of a stored page
VERDICT = ("encoding", "outcome", "reason", "change", "article_id")
# a revision's claims; the sentence is the revision's text[start:end] (corpus.history)
SNAPSHOT_KEYS = ("type", "subtype", "lender", "modality", "polarity", "days_overdue")


@dataclass
class PagePlan:
    """The rows one fetch yields: its page, and its article with comments and claims."""

    page: dict[str, Any]
    article: dict[str, Any] | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredPage:
    """What a stored fetch became: the acknowledgement of a committed write."""

    id: int
    url: str
    outcome: str
    reason: str | None
    change: str | None
    article_id: int | None


@dataclass
class _Existing:
    id: int
    text_sha256: str
    title: str | None
    text: str
    last_seen_at: Any
    last_page_id: int | None


def write_plans(
    connection: Connection, plans: Sequence[PagePlan], keep_revision: bool = True
) -> list[StoredPage]:
    """Write a batch of planned pages in the caller's transaction; one StoredPage each."""
    stored: list[StoredPage] = []
    for part in _unique_url_parts(plans):
        stored.extend(_write_part(connection, part, keep_revision))
    return stored


def _unique_url_parts(plans: Sequence[PagePlan]) -> Iterator[list[PagePlan]]:
    part: list[PagePlan] = []
    urls: set[str] = set()
    for plan in plans:
        url = plan.article["url"] if plan.article else None
        if url is not None and url in urls:
            yield part
            part, urls = [], set()
        part.append(plan)
        if url is not None:
            urls.add(url)
    if part:
        yield part


def _write_part(
    connection: Connection, plans: list[PagePlan], keep_revision: bool
) -> list[StoredPage]:
    with_article = [plan for plan in plans if plan.article is not None]
    page_ids = _page_ids(connection, plans)
    new_articles = [p.article for p in with_article if p.article]
    if page_ids is not None:  # a new article is inserted with its page
        pairs = zip(plans, page_ids, strict=True)
        new_articles = [p.article | {"last_page_id": key} for p, key in pairs if p.article]
    created = _insert_new_articles(connection, new_articles)
    others = sorted({p.article["url"] for p in with_article if p.article} - set(created))
    existing = _lock_existing(connection, others)
    changes: dict[str, str] = {}
    for plan in with_article:
        assert plan.article is not None
        url, article = plan.article["url"], plan.article
        old = existing.get(url)
        changes[url] = (
            "new"
            if old is None
            else "unchanged"
            if old.text_sha256 == article["text_sha256"]
            else "changed"
        )
    ids = {**created, **{url: old.id for url, old in existing.items()}}
    stored = _insert_pages(connection, plans, ids, changes, page_ids)
    page_of = {s.article_id: s.id for s in stored if s.article_id is not None}
    revised = {url for url, change in changes.items() if change == "changed" and keep_revision}
    _keep_revisions(
        connection,
        [
            (existing[p.article["url"]], p.page["fetched_at"])
            for p in with_article
            if p.article and p.article["url"] in revised
        ],
    )
    _update_articles(connection, with_article, existing, page_of, revised)
    if page_ids is None:
        _set_last_page(connection, [(ids[url], page_of[ids[url]]) for url in created])
    _replace_children(connection, with_article, ids, [old.id for old in existing.values()])
    return stored


def _copies(connection: Connection) -> bool:
    """PostgreSQL takes a batch's rows with COPY (corpus.page_copy), unless
    DEBTCORPUS_PG_COPY=0 (the INSERT statements SQLite runs)."""
    return connection.dialect.name == "postgresql" and os.environ.get(COPY_SETTING) != "0"


def _page_ids(connection: Connection, plans: list[PagePlan]) -> list[int] | None:
    """With COPY: each plan's page id, a new page's drawn from the sequence ahead."""
    if not _copies(connection):
        return None
    drawn = iter(next_ids(connection, PAGES, sum("id" not in plan.page for plan in plans)))
    return [plan.page["id"] if "id" in plan.page else next(drawn) for plan in plans]


def _dialect_insert(connection: Connection, table: Table) -> Any:
    dialects: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
    return dialects[connection.dialect.name](table)


def _insert_new_articles(connection: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """INSERT the articles whose URL is new (in URL order: writers lock in one order)."""
    if not rows:
        return {}
    statement = (
        _dialect_insert(connection, ARTICLES)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(ARTICLES.c.url, ARTICLES.c.id)
    )
    ordered = sorted(rows, key=lambda row: row["url"])
    return {url: key for url, key in connection.execute(statement, ordered)}


def _lock_existing(connection: Connection, urls: list[str]) -> dict[str, _Existing]:
    if not urls:
        return {}
    columns = [ARTICLES.c[name] for name in ("url", *_Existing.__dataclass_fields__)]
    query = select(*columns).where(ARTICLES.c.url.in_(urls)).order_by(ARTICLES.c.url)
    rows = connection.execute(query.with_for_update()).all()
    return {row[0]: _Existing(*row[1:]) for row in rows}


def _insert_pages(
    connection: Connection,
    plans: list[PagePlan],
    ids: dict[str, int],
    changes: dict[str, str],
    page_ids: list[int] | None,
) -> list[StoredPage]:
    """INSERT the new pages; a plan for a stored page (`reprocess`: its row has an id)
    updates that row's verdict instead."""
    rows = []
    for plan in plans:
        url = plan.article["url"] if plan.article else None
        article_id = ids[url] if url is not None else None
        change = changes[url] if url is not None else None
        rows.append(plan.page | {"article_id": article_id, "change": change})
    new = encode_rows(connection, PAGES, [row for row in rows if "id" not in row])
    if page_ids is not None:  # COPY, with the ids drawn ahead
        drawn = [key for row, key in zip(rows, page_ids, strict=True) if "id" not in row]
        copy_rows(connection, PAGES, [{"id": k} | row for k, row in zip(drawn, new, strict=True)])
    else:
        statement = insert(PAGES).returning(PAGES.c.id, sort_by_parameter_order=True)
        drawn = list(connection.execute(statement, new).scalars()) if new else []
    keys = iter(drawn)
    _update_rows(connection, PAGES, [row for row in rows if "id" in row], VERDICT)
    return [
        StoredPage(
            row["id"] if "id" in row else next(keys),
            row["url"],
            row["outcome"],
            row["reason"],
            row["change"],
            row["article_id"],
        )
        for row in rows
    ]


def _update_rows(
    connection: Connection, table: Table, rows: list[dict[str, Any]], columns: Sequence[str]
) -> None:
    """UPDATE rows by id, the given columns, as one executemany."""
    if rows:
        statement = update(table).where(table.c.id == bindparam("_id"))
        connection.execute(
            statement, [{"_id": row["id"]} | {key: row[key] for key in columns} for row in rows]
        )


def _keep_revisions(connection: Connection, changed: list[tuple[_Existing, Any]]) -> None:
    """The text a re-crawl replaces, with its claims, kept as a revision valid until the
    fetch that replaced it."""
    if not changed:
        return
    ids = [old.id for old, _ in changed]
    keys = (*SNAPSHOT_KEYS, "start", "end")
    columns = [getattr(Claim, key) for key in keys]  # the coded ones decoded
    query = select(Claim.article_id, *columns).where(Claim.article_id.in_(ids))
    claims: dict[int, list[dict[str, Any]]] = {key: [] for key in ids}
    for owner, *values in connection.execute(query.order_by(Claim.start)):
        claims[owner].append(dict(zip(keys, values, strict=True)))
    rows = [
        {
            "article_id": old.id,
            "title": old.title,
            "text": old.text,
            "text_sha256": old.text_sha256,
            "claims": claims[old.id],
            "valid_from": old.last_seen_at,
            "valid_to": replaced_at,
            "page_id": old.last_page_id,
        }
        for old, replaced_at in changed
    ]
    connection.execute(insert(REVISIONS), rows)


def _update_articles(
    connection: Connection,
    plans: list[PagePlan],
    existing: dict[str, _Existing],
    page_of: dict[int, int],
    revised: set[str],
) -> None:
    """The existing articles take the new fetch's values (a revision counted where kept)."""
    rows = []
    for plan in plans:
        assert plan.article is not None
        old = existing.get(plan.article["url"])
        if old is not None:
            values = {k: v for k, v in plan.article.items() if k not in KEPT_ON_UPDATE}
            revision = {"_revised": int(plan.article["url"] in revised)}
            rows.append(values | {"_id": old.id, "last_page_id": page_of[old.id]} | revision)
    if rows:
        statement = (
            update(ARTICLES)
            .where(ARTICLES.c.id == bindparam("_id"))
            .values(revision_count=ARTICLES.c.revision_count + bindparam("_revised"))
        )
        connection.execute(statement, rows)


def _set_last_page(connection: Connection, pairs: list[tuple[int, int]]) -> None:
    rows = [{"id": article, "last_page_id": page} for article, page in pairs]
    _update_rows(connection, ARTICLES, rows, ("last_page_id",))


def _replace_children(
    connection: Connection, plans: list[PagePlan], ids: dict[str, int], existing: list[int]
) -> None:
    """Comments and claims as the new text has them; then the search index."""
    if existing:
        for table in (COMMENTS, CLAIMS):
            connection.execute(delete(table).where(table.c.article_id.in_(existing)))
    comments, claims = [], []
    for plan in plans:
        assert plan.article is not None
        key = ids[plan.article["url"]]
        comments += [row | {"article_id": key} for row in plan.comments]
        claims += [row | {"article_id": key} for row in plan.claims]
    claims = encode_rows(connection, CLAIMS, claims)
    comment_ids: list[int] = []
    if comments and _copies(connection):
        comment_ids = next_ids(connection, COMMENTS, len(comments))
        copy_rows(
            connection,
            COMMENTS,
            [{"id": key} | row for key, row in zip(comment_ids, comments, strict=True)],
        )
    elif comments:
        statement = insert(COMMENTS).returning(COMMENTS.c.id, sort_by_parameter_order=True)
        comment_ids = list(connection.execute(statement, comments).scalars())
    if claims and _copies(connection):
        copy_rows(connection, CLAIMS, claims)
    elif claims:
        connection.execute(insert(CLAIMS), claims)
    articles = [(ids[p.article["url"]], p.article) for p in plans if p.article]
    _index(connection, articles, list(zip(comment_ids, comments, strict=True)))


def _index(
    connection: Connection,
    articles: list[tuple[int, dict[str, Any]]],
    comments: list[tuple[int, dict[str, Any]]],
) -> None:
    if not articles:
        return  # the crawl process writes skipped URLs only: it need not load NumPy
    from corpus.search.backend import backend_for

    backend = backend_for(connection)
    if backend.exists(connection):
        backend.index_rows(connection, articles, comments)
