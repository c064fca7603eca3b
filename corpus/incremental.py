"""Incremental re-crawls: what the corpus already holds for a URL, so that unchanged pages
cost no extraction and a resumed run fetches nothing it already stored."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.bodies import stored_body
from corpus.fetches import FetchedPage, KnownPage
from corpus.ingest import add_page, sha256
from corpus.models import Article, Page
from corpus.store import Store

USABLE_OUTCOMES = ("article", "rejected")


def known_pages(store: Store, site: str | None) -> dict[str, KnownPage]:
    """Newest successful fetch per URL of a site (all sites when None), keyed by request URL."""
    newest = select(func.max(Page.id)).where(Page.outcome.in_(USABLE_OUTCOMES))
    if site is not None:
        newest = newest.where(Page.site == site)
    newest = newest.group_by(Page.url)
    with store.session() as session:
        rows = session.execute(
            select(Page.id, Page.url, Page.headers).where(Page.id.in_(newest.scalar_subquery()))
        ).all()
    return {
        url: KnownPage(page_id, headers.get("etag"), headers.get("last-modified"))
        for page_id, url, headers in rows
    }


def pages_of_run(store: Store, run_id: int) -> dict[str, int]:
    """URL -> page id of every page a run stored (what a resumed run must not fetch again)."""
    with store.session() as session:
        rows = session.execute(
            select(Page.url, func.max(Page.id))
            .where(Page.crawl_run_id == run_id)
            .group_by(Page.url)
        ).all()
    return {url: page_id for url, page_id in rows}


def page_body(store: Store, page_id: int) -> tuple[bytes, dict[str, str]]:
    with store.session() as session:
        page = session.get_one(Page, page_id)
        return stored_body(page), dict(page.headers)


def _previous(session: Session, url: str) -> Page | None:
    newest = (
        select(Page)
        .where(Page.url == url, Page.outcome.in_((*USABLE_OUTCOMES, "not-modified")))
        .order_by(Page.id.desc())
        .limit(1)
    )
    return session.scalars(newest).first()


def store_if_unchanged(store: Store, fetched: FetchedPage) -> Page | None:
    """Record a 304, or a body identical to the last one stored, as seen; None if it changed.

    The page row keeps no second copy of the body (the earlier row has it) and points at
    the article the earlier fetch produced, whose last_seen_at moves forward."""
    with store.session() as session:
        previous = _previous(session, fetched.url)
        if previous is None:
            return None
        if fetched.status == 304:
            reason = "http-304"
        elif fetched.status == 200 and previous.body_sha256 == sha256(fetched.body):
            reason = "same-content"
        else:
            return None
        page = add_page(session, fetched, keep_body=False)
        page.outcome, page.reason, page.encoding = "not-modified", reason, previous.encoding
        page.article_id = previous.article_id
        if previous.article_id is not None:
            page.change = "unchanged"
            session.get_one(Article, previous.article_id).last_seen_at = fetched.fetched_at
        return page
