"""Fetched page -> rows. Each page is stored in one transaction with everything it yields.

`store_fetch` is what the crawler calls; `reprocess` re-runs the cleaner over stored raw pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cleaning.outcomes import Outcome, Reason
from cleaning.records import ArticleRecord, CleanResult
from cleaning.urls import site_host, url_identity
from corpus.bodies import pack_body
from corpus.claim_settings import claim_config_from_env
from corpus.models import Article, ArticleRevision, Claim, Comment, Page, SkippedUrlRow
from corpus.schema import record_values
from corpus.search import index_article
from corpus.store import Store

MAX_UPSERT_ATTEMPTS = 3


@dataclass(frozen=True)
class FetchedPage:
    """The facts of one fetch, as the crawler saw them. The one record the crawler hands over."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    fetched_at: datetime
    site: str | None = None
    depth: int = 0
    crawl_run_id: int | None = None
    # set when the fetch failed below HTTP (timeout, refused, DNS): the error's kind
    error: str | None = None
    # a page already stored by the run being resumed, replayed only to follow its links
    replayed: bool = False
    # False when the crawl knows the corpus held no earlier fetch of this URL at its start:
    # then there is nothing to compare with, and no "unchanged?" query is made
    in_corpus: bool = True
    # the URLs between url and final_url of a redirected fetch
    redirects: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # the request as sent: {"method": ..., "headers": {...}} (written out as a WARC request)
    request: dict[str, Any] | None = None
    # set for a page read from a web archive (`ingest-warc`): the file's name, record offset
    warc_file: str | None = None
    warc_offset: int | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass(frozen=True)
class SkippedUrl:
    """A URL the crawl found but did not fetch (off-site, robots.txt, depth, trap), and why."""

    url: str
    reason: str
    site: str | None
    crawl_run_id: int | None
    depth: int
    # the page that linked or redirected to it (None for a start URL)
    source_url: str | None
    seen_at: datetime


def sha256(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def canonical_article_url(record: ArticleRecord, final_url: str) -> str:
    """The article's key: its declared canonical URL when it is on the same site (www. or
    not), else the final URL; as cleaning.urls.url_identity (no tracking parameters, sorted
    query, no fragment, no trailing slash)."""
    declared = getattr(record, "canonical_url", None) or record.url
    if declared and _same_site(declared, final_url):
        path = urlsplit(declared).path
        if path not in ("", "/"):
            return url_identity(declared)
    return url_identity(final_url)


def _same_site(url: str, other: str) -> bool:
    first, second = urlsplit(url), urlsplit(other)
    return (site_host(first.hostname or ""), first.port) == (
        site_host(second.hostname or ""),
        second.port,
    )


def fetch_outcome(fetched: FetchedPage) -> tuple[str, str | None] | None:
    """('error', reason) for a failed fetch, None when the page can be cleaned."""
    if fetched.error:
        return Outcome.ERROR, fetched.error
    if fetched.status >= 400:
        return Outcome.ERROR, Reason.HTTP_STATUS.detailed(fetched.status)
    return None


def store_skipped(store: Store, skipped: list[SkippedUrl]) -> None:
    """Record URLs the crawl did not fetch, once per run and URL, in one transaction."""
    if not skipped:
        return
    rows = [asdict(item) for item in skipped]
    with store.session() as session:
        table = SkippedUrlRow.__table__
        dialects: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
        insert = dialects[session.get_bind().dialect.name]
        statement = insert(table).on_conflict_do_nothing(index_elements=["crawl_run_id", "url"])
        session.execute(statement, rows)


def clean_fetched(fetched: FetchedPage) -> CleanResult | None:
    """Run the cleaner on a usable fetch; None when the fetch itself failed."""
    # imported here: the cleaners run this, the crawl's Scrapy process (which imports this
    # module to store pages) need not hold the extractors in memory
    from cleaning.pipeline import clean_page

    if fetch_outcome(fetched) is not None:
        return None
    return clean_page(
        fetched.body,
        fetched.final_url,
        fetched.content_type,
        fetched.fetched_at,
        claim_config_from_env(),
    )


def store_fetch(store: Store, fetched: FetchedPage, result: CleanResult | None) -> Page:
    """Store one fetch and what the cleaner made of it, all or nothing."""
    for attempt in range(MAX_UPSERT_ATTEMPTS):
        try:
            with store.session() as session:
                page = add_page(session, fetched)
                failure = fetch_outcome(fetched)
                if failure is not None:
                    page.outcome, page.reason = failure
                else:
                    assert result is not None, "a usable fetch must come with a clean result"
                    page.change = record_result(session, page, result, keep_revision=True)
                return page
        except IntegrityError:
            # Another writer inserted the same article first; retry as an update.
            if attempt == MAX_UPSERT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def add_page(session: Session, fetched: FetchedPage, keep_body: bool = True) -> Page:
    body = fetched.body if keep_body else b""
    packed = pack_body(session, fetched.site, body) if body else None
    page = Page(
        **record_values(Page.__table__, fetched),
        body=packed.data if packed else None,
        body_codec=packed.codec if packed else None,
        body_dictionary_id=packed.dictionary_id if packed else None,
        body_size=len(fetched.body),
        body_sha256=sha256(fetched.body) if fetched.body else None,
        outcome=Outcome.ERROR,
    )
    session.add(page)
    session.flush()
    return page


def record_result(
    session: Session, page: Page, result: CleanResult, keep_revision: bool
) -> str | None:
    """Attach the cleaner's verdict to a stored page: an article upsert, or a reject reason.

    Returns what happened to the article (new | changed | unchanged), None for a reject."""
    page.encoding = result.encoding
    if result.article is None:
        page.outcome, page.reason = Outcome.REJECTED, result.reject_reason
        page.article_id = None
        return None
    article, change = upsert_article(session, page, result.article, keep_revision)
    page.outcome, page.reason, page.article_id = Outcome.ARTICLE, None, article.id
    return change


def upsert_article(
    session: Session, page: Page, record: ArticleRecord, keep_revision: bool
) -> tuple[Article, str]:
    """Insert or update the article for a page; returns it and new | changed | unchanged.

    A re-crawl that changes the text keeps the old text as a revision; `reprocess`
    (keep_revision=False) replaces it in place, since the page itself did not change."""
    url = canonical_article_url(record, page.final_url)
    text_hash = sha256(record.text)
    inserted = _insert_if_absent(session, url, page, text_hash)
    # FOR UPDATE (PostgreSQL): concurrent writers of one article take turns, none is lost.
    query = select(Article).where(Article.url == url).with_for_update()
    article = session.scalars(query).one_or_none()
    if article is None:
        article = Article(url=url, first_seen_at=page.fetched_at, text_sha256=text_hash)
        session.add(article)
        change = "new"
    elif inserted:
        change = "new"
    elif article.text_sha256 == text_hash:
        change = "unchanged"
    else:
        if keep_revision:
            _keep_revision(session, article, page)
        change = "changed"
    _fill_article(article, page, record, text_hash)
    session.flush()
    index_article(session, article)
    return article, change


def _insert_if_absent(session: Session, url: str, page: Page, text_hash: str) -> bool | None:
    """INSERT ... ON CONFLICT (url) DO NOTHING: safe when several writers meet one new URL.

    True when this call created the row; None on a database without ON CONFLICT."""
    dialects: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
    insert = dialects.get(session.get_bind().dialect.name)
    if insert is None:
        return None
    placeholder = {"text": "", "extractor_version": "", "last_seen_at": page.fetched_at}
    statement = (
        insert(Article.__table__)
        .values(url=url, first_seen_at=page.fetched_at, text_sha256=text_hash, **placeholder)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(Article.__table__.c.id)
    )
    return session.execute(statement).first() is not None


def _keep_revision(session: Session, article: Article, page: Page) -> None:
    session.add(
        ArticleRevision(
            article_id=article.id,
            title=article.title,
            text=article.text,
            text_sha256=article.text_sha256,
            claims=[_claim_snapshot(claim) for claim in article.claims],
            valid_from=article.last_seen_at,
            valid_to=page.fetched_at,
            page_id=article.last_page_id,
        )
    )
    article.revision_count += 1


def _claim_snapshot(claim: Claim) -> dict[str, Any]:
    # the sentence is the revision's text[start:end] (corpus.history derives it)
    keys = ("type", "subtype", "lender", "modality", "polarity", "days_overdue")
    return {key: getattr(claim, key) for key in keys} | {"start": claim.start, "end": claim.end}


def _fill_article(article: Article, page: Page, record: ArticleRecord, text_hash: str) -> None:
    """The record's fields (corpus/schema.py says which and how), then what the store knows."""
    for key, value in record_values(Article.__table__, record).items():
        setattr(article, key, value)
    article.site = page.site
    article.text_sha256 = text_hash
    article.last_seen_at = page.fetched_at
    article.last_page_id = page.id
    article.warc_file, article.warc_offset = page.warc_file, page.warc_offset
    article.comments = [
        Comment(position=i, **record_values(Comment.__table__, comment))
        for i, comment in enumerate(record.comments)
    ]
    article.claims = [Claim(**record_values(Claim.__table__, claim)) for claim in record.claims]
