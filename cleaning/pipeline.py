"""One page through the cleaner: decode, extract, score, claims. Pure: bytes in, records out.

This is what the crawler runs in a worker process and what `reprocess` runs on stored pages.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from cleaning.claims import with_claims
from cleaning.decode import decode_html
from cleaning.extract.main_text import Rejection, extract
from cleaning.extract.relevance import relevance_score
from cleaning.records import CleanResult

HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its Content-Type, or by sniffing when the server sent none."""
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def clean_page(
    body: bytes, url: str, content_type: str | None, fetched_at: datetime
) -> CleanResult:
    """The article on a fetched page, or the reason it has none."""
    if not body.strip():
        return CleanResult(encoding=None, reject_reason="empty-body")
    if not is_html(content_type, body):
        return CleanResult(encoding=None, reject_reason="not-html")
    decoded = decode_html(body, content_type)
    found = extract(decoded.text, url, fetched_at)
    if isinstance(found, Rejection):
        return CleanResult(encoding=decoded.encoding, reject_reason=found.reason)
    article = dataclasses.replace(found, relevance=relevance_score(found.title, found.text))
    return CleanResult(encoding=decoded.encoding, article=with_claims(article))
