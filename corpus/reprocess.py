"""Rebuild articles from stored raw pages with the current cleaner, without network."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cleaning.pipeline import clean_page
from corpus.bodies import stored_body
from corpus.claim_settings import claim_config_from_env
from corpus.ingest import plan_result, write_in_transaction
from corpus.models import Page
from corpus.progress import progress
from corpus.store import Store

# what the article rows of a stored page are made from (corpus.ingest.article_row)
PAGE_KEYS = ("url", "final_url", "site", "fetched_at", "warc_file", "warc_offset")


def reprocessable_page_ids(session: Session) -> list[int]:
    """The newest successful fetch of each URL: what `reprocess` rebuilds articles from."""
    usable = Page.outcome.in_(("article", "rejected"))
    newest = select(func.max(Page.id)).where(usable).group_by(Page.final_url)
    return list(session.scalars(newest.order_by(func.max(Page.id))))


def reprocess(store: Store) -> dict[str, int]:
    """Rebuild every article from the stored raw pages with the current cleaner; no network.

    Each page is re-cleaned and written in its own transaction (the pages' verdicts and
    articles rewritten in place: no revision, since the page itself did not change).
    Returns counts by change."""
    claims = claim_config_from_env()
    with store.session() as session:
        page_ids = reprocessable_page_ids(session)
    counts: dict[str, int] = {}
    for page_id in progress(page_ids, len(page_ids), "reprocessing"):
        with store.session() as session:
            page = session.get_one(Page, page_id)
            result = clean_page(
                stored_body(page), page.final_url, page.content_type, page.fetched_at, claims
            )
            row = {"id": page.id} | {key: getattr(page, key) for key in PAGE_KEYS}
        (stored,) = write_in_transaction(store, [plan_result(row, result)], keep_revision=False)
        key = stored.change or f"rejected:{stored.reason}"
        counts[key] = counts.get(key, 0) + 1
    return counts
