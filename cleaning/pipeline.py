"""One page through the cleaner: decode, extract, score, claims. Pure: bytes in, records out.

This is what the crawler runs in a worker process and what `reprocess` runs on stored pages.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bs4 import BeautifulSoup

from cleaning.claims import ClaimConfig, with_claims
from cleaning.decode import decode_html
from cleaning.extract.main_text import Rejection, extract
from cleaning.extract.relevance import relevance_score
from cleaning.outcomes import Reason
from cleaning.records import ArticleRecord, CleanResult
from cleaning.script import text_script
from cleaning.sniff import binary_type, has_markup, strip_markup

HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its Content-Type, or by sniffing when the server sent none; binary content
    (by its magic bytes) never is, whatever the Content-Type says."""
    if binary_type(body) is not None:
        return False
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def clean_page(
    body: bytes,
    url: str,
    content_type: str | None,
    fetched_at: datetime,
    claims: ClaimConfig | None = None,
) -> CleanResult:
    """The article on a fetched page, or the reason it has none; `claims` configures claim
    extraction (default: checks on, built-in rules only)."""
    if not body.strip():
        return CleanResult(encoding=None, reject_reason=Reason.EMPTY_BODY)
    if not is_html(content_type, body):
        return CleanResult(encoding=None, reject_reason=Reason.NOT_HTML)
    decoded = decode_html(body, content_type)
    found = extract_without_markup(decoded.text, url, fetched_at)
    if isinstance(found, Rejection):
        return CleanResult(encoding=decoded.encoding, reject_reason=found.reason)
    article = dataclasses.replace(
        found, relevance=relevance_score(found.title, found.text), script=text_script(found.text)
    )
    return CleanResult(encoding=decoded.encoding, article=with_claims(article, claims))


def extract_without_markup(html: str, url: str, fetched_at: datetime) -> ArticleRecord | Rejection:
    """Extract; where broken markup left tags in the text, extract again from the page as a
    lenient parser repairs it, and as a last resort strip what is left."""
    found = extract(html, url, fetched_at)
    if isinstance(found, Rejection) or not _leaks_markup(found):
        return found
    repaired = extract(str(BeautifulSoup(html, "html.parser")), url, fetched_at)
    if not isinstance(repaired, Rejection) and not _leaks_markup(repaired):
        return repaired
    title = strip_markup(found.title) if found.title else found.title
    return dataclasses.replace(found, title=title, text=strip_markup(found.text), masked_gaps=())


def _leaks_markup(article: ArticleRecord) -> bool:
    return has_markup(article.text) or has_markup(article.title or "")
