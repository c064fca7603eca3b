"""Main text and metadata of one page. First cut: trafilatura with metadata.

The extraction helper deepens this (candidates, boilerplate rules, comments, dates);
the public function keeps its signature: `extract(html, url, fetched_at)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import trafilatura

from cleaning.records import ArticleRecord, DateFinding

EXTRACTOR_VERSION = "0.1.0"
MIN_ARTICLE_CHARS = 200


@dataclass(frozen=True)
class Rejection:
    reason: str


def extract(html: str, url: str, fetched_at: datetime) -> ArticleRecord | Rejection:
    """The article on a page, or why the page is not one."""
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if doc is None or not doc.text:
        return Rejection("no-main-text")
    text = doc.text.strip()
    if len(text) < MIN_ARTICLE_CHARS:
        return Rejection("too-short")
    published = None
    if doc.date:
        value = datetime.fromisoformat(doc.date)
        published = DateFinding(value=value, raw=doc.date, confidence=0.5)
    return ArticleRecord(
        url=url,
        title=doc.title,
        text=text,
        extractor="trafilatura",
        extractor_version=EXTRACTOR_VERSION,
        author=doc.author,
        published=published,
        site_name=doc.sitename,
        category=", ".join(doc.categories) if doc.categories else None,
        tags=tuple(doc.tags or ()),
        language=doc.language,
    )
