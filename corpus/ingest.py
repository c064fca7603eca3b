"""Fetched page -> rows. A batch of pages is stored in one transaction with everything they
yield (`store_batch`; `store_fetch` for one page), written by corpus.page_writes with bulk
statements; `reprocess` re-runs the cleaner over stored raw pages through the same path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from cleaning.outcomes import Outcome, Reason
from cleaning.records import ArticleRecord, CleanResult
from cleaning.urls import site_host, url_identity
from corpus.bodies import pack_body
from corpus.claim_settings import claim_config_from_env
from corpus.fetches import FetchedPage, SkippedUrl
from corpus.fields import record_values
from corpus.models import Page, SkippedUrlRow
from corpus.page_writes import ARTICLES, CLAIMS, COMMENTS, PAGES, PagePlan, StoredPage, write_plans
from corpus.store import Store

MAX_UPSERT_ATTEMPTS = 3
# SQLSTATEs of a transaction that met another one: deadlock, serialization failure
RETRIED = frozenset({"40P01", "40001"})


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
    """Record URLs the crawl did not fetch, once per run, profile and URL, in one transaction."""
    if not skipped:
        return
    rows = [asdict(item) for item in skipped]
    with store.session() as session:
        table = SkippedUrlRow.__table__
        dialects: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
        insert = dialects[session.get_bind().dialect.name]
        statement = insert(table).on_conflict_do_nothing(
            index_elements=["crawl_run_id", "site", "url"]
        )
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


def store_fetch(store: Store, fetched: FetchedPage, result: CleanResult | None) -> StoredPage:
    """Store one fetch and what the cleaner made of it, all or nothing."""
    return store_batch(store, [(fetched, result)])[0]


def store_batch(
    store: Store, items: Sequence[tuple[FetchedPage, CleanResult | None]]
) -> list[StoredPage]:
    """Store a batch of fetches in one transaction, with bulk statements (corpus.page_writes):
    all or nothing. Returns what each became, once committed."""
    plans = [plan_page(fetched, result) for fetched, result in items]
    return write_in_transaction(store, plans, keep_revision=True)


def write_in_transaction(
    store: Store, plans: Sequence[PagePlan], keep_revision: bool
) -> list[StoredPage]:
    """One transaction; retried when it met another writer (a unique key inserted first, a
    deadlock between two PostgreSQL writers locking the same articles). Raw bodies are packed
    in it (corpus.bodies: a site's dictionary may be trained and stored on the way)."""
    for attempt in range(MAX_UPSERT_ATTEMPTS):
        try:
            with store.session() as session:
                packed = [replace(plan, page=packed_row(session, plan.page)) for plan in plans]
                return write_plans(session.connection(), packed, keep_revision)
        except (IntegrityError, OperationalError) as exc:
            if attempt == MAX_UPSERT_ATTEMPTS - 1 or not _met_another_writer(exc):
                raise
    raise AssertionError("unreachable")


def _met_another_writer(exc: DBAPIError) -> bool:
    return isinstance(exc, IntegrityError) or getattr(exc.orig, "sqlstate", None) in RETRIED


def page_row(fetched: FetchedPage, keep_body: bool = True) -> dict[str, Any]:
    """The pages row of a fetch (corpus/schema.py), before the cleaner's verdict."""
    body = fetched.body if keep_body else b""
    return record_values(PAGES, fetched) | {
        "body": body or None,  # raw until packed_row, in the writing transaction
        "body_size": len(fetched.body),
        "body_sha256": sha256(fetched.body) if fetched.body else None,
        "encoding": None,
        "outcome": Outcome.ERROR,
        "reason": None,
    }


def packed_row(session: Session, row: dict[str, Any]) -> dict[str, Any]:
    """A page row with its raw body compressed for the store (a new dict: a retried
    transaction packs the raw row again). A row without a body (reprocess: the verdict of a
    stored page) is left as it is."""
    if "body" not in row:
        return row
    if not row["body"]:
        return row | {"body": None, "body_codec": None, "body_dictionary_id": None}
    packed = pack_body(session, row["site"], row["body"])
    return row | {
        "body": packed.data,
        "body_codec": packed.codec,
        "body_dictionary_id": packed.dictionary_id,
    }


def add_page(session: Session, fetched: FetchedPage, keep_body: bool = True) -> Page:
    page = Page(**packed_row(session, page_row(fetched, keep_body)))
    session.add(page)
    session.flush()
    return page


def plan_page(fetched: FetchedPage, result: CleanResult | None) -> PagePlan:
    """The rows a fetch yields: a failed fetch's page only, else as plan_result."""
    row = page_row(fetched)
    failure = fetch_outcome(fetched)
    if failure is not None:
        row["outcome"], row["reason"] = failure
        return PagePlan(row)
    assert result is not None, "a usable fetch must come with a clean result"
    return plan_result(row, result)


def plan_result(page: dict[str, Any], result: CleanResult) -> PagePlan:
    """A page row with the cleaner's verdict, and the article's rows when there is one."""
    page["encoding"] = result.encoding
    record = result.article
    if record is None:
        page["outcome"], page["reason"] = Outcome.REJECTED, result.reject_reason
        return PagePlan(page)
    page["outcome"], page["reason"] = Outcome.ARTICLE, None
    return PagePlan(page, article_row(page, record), comment_rows(record), claim_rows(record))


def article_row(page: dict[str, Any], record: ArticleRecord) -> dict[str, Any]:
    """The record's fields (corpus/schema.py says which and how), then what the store knows."""
    return record_values(ARTICLES, record) | {
        "url": canonical_article_url(record, page["final_url"]),
        "site": page["site"],
        "text_sha256": sha256(record.text),
        "first_seen_at": page["fetched_at"],
        "last_seen_at": page["fetched_at"],
        "warc_file": page["warc_file"],
        "warc_offset": page["warc_offset"],
    }


def comment_rows(record: ArticleRecord) -> list[dict[str, Any]]:
    return [
        {"position": i} | record_values(COMMENTS, comment)
        for i, comment in enumerate(record.comments)
    ]


def claim_rows(record: ArticleRecord) -> list[dict[str, Any]]:
    """The claims rows of an article (without article_id): one per claim record."""
    return [record_values(CLAIMS, claim) for claim in record.claims]
