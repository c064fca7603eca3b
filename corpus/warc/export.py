"""`export --format warc`: the stored fetches as WARC 1.1 files, with a card and a manifest.

The export filters pick pages (site, crawl run, fetch date; article filters keep the pages of
the articles they keep); pages are written in the order they were fetched and stored. Like
the table export, files are staged beside OUT and moved in only when all are written.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from corpus.bodies import stored_body
from corpus.errors import ConfigError
from corpus.export.card import CARD_FILE, MANIFEST_FILE
from corpus.export.dataset import check_out_dir, publish, tool_version
from corpus.export.filters import ExportFilters
from corpus.incremental import USABLE_OUTCOMES
from corpus.models import CrawlRun, Page
from corpus.progress import progress
from corpus.store import Store
from corpus.warc.card import WarcFacts, write_card_and_manifest
from corpus.warc.writer import (
    PROFILE_NOT_MODIFIED,
    PROFILE_SAME_PAYLOAD,
    WARC_VERSION,
    ArchivedFetch,
    RollingWarcWriter,
    warc_date,
)

WARC_PREFIX = "debtcorpus"
WARC_FILE_PATTERN = re.compile(rf"{WARC_PREFIX}-\d{{5}}\.warc\.gz")
DEFAULT_MAX_FILE_BYTES = 1_000_000_000
MIN_FILE_BYTES = 100_000
PAGE_BATCH = 200


def is_warc_export_file(name: str) -> bool:
    return name in (CARD_FILE, MANIFEST_FILE) or bool(WARC_FILE_PATTERN.fullmatch(name))


@dataclass(frozen=True)
class WarcExportRequest:
    out_dir: Path
    filters: ExportFilters = field(default_factory=ExportFilters)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    overwrite: bool = False

    def validate(self) -> None:
        if self.max_file_bytes < MIN_FILE_BYTES:
            raise ConfigError(f"--warc-size must be at least {MIN_FILE_BYTES:,} bytes (100K)")


@dataclass(frozen=True)
class WarcExportResult:
    out_dir: Path
    files: tuple[str, ...]
    record_counts: dict[str, int]
    pages: int


def export_warc(store: Store, request: WarcExportRequest) -> WarcExportResult:
    """Write the WARC export into `request.out_dir`; nothing there changes if it fails."""
    request.validate()
    out_dir = request.out_dir
    check_out_dir(out_dir, request.overwrite, is_warc_export_file)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        facts = write_warc_export(store, request, staging)
        publish(staging, out_dir, is_warc_export_file)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WarcExportResult(out_dir, facts.file_names, facts.record_counts, facts.pages)


def write_warc_export(store: Store, request: WarcExportRequest, folder: Path) -> WarcFacts:
    condition = request.filters.page_condition()
    with store.session() as session:
        runs = crawl_runs(session, condition)
        newest = session.scalar(select(func.max(Page.fetched_at)).where(condition))
        writer = RollingWarcWriter(
            folder,
            WARC_PREFIX,
            request.max_file_bytes,
            warcinfo_fields(runs, request),
            warc_date(newest or datetime(1970, 1, 1, tzinfo=UTC)),
        )
        skipped, provenance = write_pages(session, condition, writer)
    facts = WarcFacts(
        tool_version=tool_version(),
        warc_version=WARC_VERSION,
        filters=request.filters.describe(),
        max_file_bytes=request.max_file_bytes,
        crawl_runs=runs,
        record_counts=dict(sorted(writer.counts.items())),
        pages=writer.counts.get("response", 0) + writer.counts.get("revisit", 0),
        not_archived=dict(sorted(skipped.items())),
        warc_provenance=dict(sorted(provenance.items())),
        file_names=tuple(path.name for path in writer.files),
    )
    write_card_and_manifest(facts, folder)
    return facts


def write_pages(
    session: Session, condition: ColumnElement[bool], writer: RollingWarcWriter
) -> tuple[Counter[str], Counter[str]]:
    """Every kept page as records; returns the pages left out by reason, and the pages that
    were themselves read from web archives, per file."""
    skipped: Counter[str] = Counter()
    provenance: Counter[str] = Counter()
    total = session.scalar(select(func.count(Page.id)).where(condition))
    try:
        for page in progress(iter_pages(session, condition), total, "writing WARC records"):
            fetch, reason = archived_fetch(session, page)
            if fetch is None:
                skipped[reason] += 1
                continue
            writer.write(fetch)
            if page.warc_file:
                provenance[page.warc_file] += 1
    finally:
        writer.close()
    return skipped, provenance


def iter_pages(session: Session, condition: ColumnElement[bool]) -> Iterator[Page]:
    """Pages in id (storage) order, by keyset batches so that memory stays flat."""
    last_id = 0
    while True:
        query = select(Page).where(condition, Page.id > last_id).order_by(Page.id)
        batch = list(session.scalars(query.limit(PAGE_BATCH)))
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        session.expunge_all()


def archived_fetch(session: Session, page: Page) -> tuple[ArchivedFetch | None, str]:
    """The page as a record to write, or None and why it has none."""
    if page.status <= 0:
        return None, "no-http-response"
    fetch = as_fetch(page)
    if page.outcome != "not-modified":
        return fetch, ""
    original = original_page(session, page)
    if page.reason == "http-304":
        refers_to = as_fetch(original) if original else None
        return _revisit(fetch, PROFILE_NOT_MODIFIED, refers_to), ""
    if original is None:
        return None, "revisit-without-original"
    return _revisit(fetch, PROFILE_SAME_PAYLOAD, as_fetch(original)), ""


def _revisit(fetch: ArchivedFetch, profile: str, refers_to: ArchivedFetch | None) -> ArchivedFetch:
    return replace(fetch, revisit_profile=profile, refers_to=refers_to, body=b"")


def as_fetch(page: Page) -> ArchivedFetch:
    return ArchivedFetch(
        url=page.url,
        final_url=page.final_url,
        status=page.status,
        headers=dict(page.headers or {}),
        body=stored_body(page),
        fetched_at=page.fetched_at,
        site=page.site,
        body_sha256=page.body_sha256,
        request=page.request,
    )


def original_page(session: Session, page: Page) -> Page | None:
    """The fetch a not-modified page repeats: the newest earlier one of its URL with a body."""
    query = (
        select(Page)
        .where(Page.url == page.url, Page.id < page.id, Page.body.is_not(None))
        .where(Page.outcome.in_(USABLE_OUTCOMES))
        .order_by(Page.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def crawl_runs(session: Session, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
    """The crawl runs the kept pages came from, as the warcinfo record and card name them."""
    run_ids = select(Page.crawl_run_id).where(condition).distinct()
    runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids)).order_by(CrawlRun.id))
    return [
        {
            "id": run.id,
            "site": run.site,
            "source": run.settings.get("source", "crawl"),
            "status": run.status,
            "started_at": warc_date(run.started_at),
        }
        for run in runs
    ]


def warcinfo_fields(runs: list[dict[str, Any]], request: WarcExportRequest) -> dict[str, str]:
    return {
        "software": f"debtcorpus/{tool_version()} (warcio/{warcio_version()})",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
        "warc-format/warc-1.1/",
        "description": "Stored fetches of a debtcorpus corpus (Chinese web articles about "
        "debt collection); bodies are kept decoded (no Content-Encoding)",
        "debtcorpus-crawl-runs": json.dumps(runs, ensure_ascii=False, sort_keys=True),
        "debtcorpus-filters": json.dumps(request.filters.describe(), sort_keys=True),
    }


def warcio_version() -> str:
    return importlib.metadata.version("warcio")
