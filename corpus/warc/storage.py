"""What `ingest-warc` asks of the database, record by record: was this fetch stored already,
what did a revisit refer to, where did a run stop. Pages are stored by corpus.ingest."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from cleaning.records import CleanResult
from corpus.bodies import stored_body
from corpus.cleaner_pool import clean_safely
from corpus.fetches import FetchedPage
from corpus.incremental import USABLE_OUTCOMES, store_if_unchanged
from corpus.ingest import sha256, store_fetch
from corpus.models import CrawlRun, Page
from corpus.store import Store
from corpus.warc.reader import BadRecord, HttpRecord, RequestRecord


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC wall time; PostgreSQL an aware time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fetched_page(
    record: HttpRecord, request: RequestRecord | None, site: str | None, run_id: int
) -> FetchedPage:
    """The record as the crawler would have handed it over, with its WARC provenance and the
    request record beside it.

    Its site: `--site`, else the one a debtcorpus export wrote, else the URL's host."""
    return FetchedPage(
        url=record.requested_uri or record.target_uri,
        final_url=record.target_uri,
        status=record.status,
        headers=record.headers,
        body=record.body,
        fetched_at=record.fetched_at,
        site=site or record.site or urlsplit(record.target_uri).netloc,
        crawl_run_id=run_id,
        request=request.as_request() if request else None,
        warc_file=record.file,
        warc_offset=record.offset,
    )


def already_stored(store: Store, fetched: FetchedPage) -> bool:
    """The same fetch (URL and time; the body too when both have one) is in the corpus."""
    body_hash = sha256(fetched.body) if fetched.body else None
    moment = as_utc(fetched.fetched_at)
    with store.session() as session:
        rows = session.execute(
            select(Page.fetched_at, Page.body_sha256, Page.outcome).where(Page.url == fetched.url)
        ).all()
    for fetched_at, stored_hash, outcome in rows:
        if as_utc(fetched_at) != moment:
            continue
        if body_hash is None or stored_hash is None or outcome == "not-modified":
            return True
        if stored_hash == body_hash:
            return True
    return False


def store_response(store: Store, fetched: FetchedPage, result: CleanResult | None) -> str:
    """As the crawl pipeline does: a 304 or a same-content re-fetch is recorded as seen, any
    other page is stored with what the cleaner made of it."""
    if fetched.status in (200, 304) and store_if_unchanged(store, fetched) is not None:
        return "unchanged"
    store_fetch(store, fetched, result)
    return "stored"


def store_revisit(store: Store, fetched: FetchedPage, payload_digest: str | None) -> str:
    """A `revisit` record: a 304, or a re-fetch whose payload an earlier record holds."""
    if fetched.status == 304:
        stored = store_if_unchanged(store, fetched)
        return "unchanged" if stored is not None else "revisit-without-original"
    original = original_body(store, fetched.url, payload_digest)
    if original is None:
        return "revisit-without-original"
    full = replace(fetched, body=original)
    if store_if_unchanged(store, full) is not None:
        return "unchanged"
    # the newest fetch of the URL differs (a 304 since): store the page whole, as a crawl would
    store_fetch(store, full, clean_safely(full))
    return "stored"


def original_body(store: Store, url: str, payload_digest: str | None) -> bytes | None:
    """The body of the newest stored fetch of `url` whose payload matches the digest."""
    query = (
        select(Page)
        .where(Page.url == url, Page.outcome.in_(USABLE_OUTCOMES), Page.body.is_not(None))
        .order_by(Page.id.desc())
    )
    with store.session() as session:
        for page in session.scalars(query):
            body = stored_body(page)
            if payload_digest is None or digest_matches(body, payload_digest):
                return body
    return None


def digest_matches(body: bytes, labelled_digest: str) -> bool:
    """`sha1:BASE32` (the WARC habit) or `sha256:hex` against a body."""
    algorithm, _, value = labelled_digest.partition(":")
    try:
        raw = hashlib.new(algorithm.lower().replace("-", ""), body).digest()
    except ValueError:
        return False
    return value.strip() in (base64.b32encode(raw).decode(), raw.hex(), raw.hex().upper())


def last_stored_offsets(store: Store, run_id: int) -> dict[str, int]:
    """WARC file name -> offset of the last record a run stored from it."""
    with store.session() as session:
        rows = session.execute(
            select(Page.warc_file, func.max(Page.warc_offset))
            .where(Page.crawl_run_id == run_id, Page.warc_file.is_not(None))
            .group_by(Page.warc_file)
        ).all()
    return {str(name): int(offset) for name, offset in rows if offset is not None}


def note_bad_record(store: Store, run_id: int, bad: BadRecord) -> bool:
    """Keep a bad record in the run's stats as soon as it is met (a kill must not lose it).

    False when the run has it already (met again after `--resume`)."""
    entry: dict[str, Any] = {"file": bad.file, "offset": bad.offset, "reason": bad.reason}
    with store.session() as session:
        run = session.get_one(CrawlRun, run_id)
        warc = dict(run.stats.get("warc", {}))
        known = list(warc.get("bad_records", []))
        if any(k["file"] == bad.file and k["offset"] == bad.offset for k in known):
            return False
        warc["bad_records"] = [*known, entry]
        run.stats = {**run.stats, "warc": warc}
    return True
