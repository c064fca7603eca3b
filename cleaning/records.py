"""The record types that flow out of `cleaning`: frozen, plain data, no database, no Scrapy."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    # which signal decided: header | bom | utf8 | meta | detected | fallback
    method: str


@dataclass(frozen=True)
class DateFinding:
    value: datetime | None
    raw: str | None
    confidence: float
    # every candidate seen: {"raw", "value" (ISO), "where", "score"}
    candidates: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class CommentRecord:
    text: str
    author: str | None = None
    role: str | None = None
    posted_at: datetime | None = None
    posted_raw: str | None = None


@dataclass(frozen=True)
class MaskedGap:
    start: int
    end: int
    # "space" (a blank where a word stood) or "missing" (nothing left, e.g. 贷用卡)
    kind: str
    context: str


@dataclass(frozen=True)
class ClaimRecord:
    type: str
    subtype: str | None
    sentence: str
    start: int
    end: int
    rule_version: str
    trigger: str | None = None
    lender_raw: str | None = None
    lender: str | None = None
    modality: str | None = None
    polarity: str = "positive"
    days_overdue: int | None = None
    amount: float | None = None
    severe: bool = False
    conditions: dict[str, Any] = field(default_factory=dict)
    cited_law: str | None = None
    checks: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ArticleRecord:
    url: str
    title: str | None
    text: str
    extractor: str
    extractor_version: str
    # zh-Hans | zh-Hant | other (cleaning/script.py)
    script: str | None = None
    author: str | None = None
    editor: str | None = None
    source: str | None = None
    source_url: str | None = None
    # the line (or meta value) the author was read from, as the page writes it
    byline: str | None = None
    published: DateFinding | None = None
    site_name: str | None = None
    icp: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    # the URL the page declares as its own (<link rel="canonical">), which may differ from
    # the URL it was fetched at (a syndicated copy pointing at the original, tracking params)
    canonical_url: str | None = None
    relevance: float = 0.0
    comments: tuple[CommentRecord, ...] = ()
    masked_gaps: tuple[MaskedGap, ...] = ()
    boilerplate_removed: dict[str, int] = field(default_factory=dict)
    claims: tuple[ClaimRecord, ...] = ()
    claim_rule_version: str | None = None


@dataclass(frozen=True)
class CleanResult:
    """Keep (an article) or drop with a reason; a dropped page is still stored with its reason."""

    encoding: str | None
    article: ArticleRecord | None = None
    reject_reason: str | None = None

    @property
    def is_article(self) -> bool:
        return self.article is not None


def shared_fields(source: Any, target: type[Any]) -> dict[str, Any]:
    """The values of `source` (a dataclass) for the fields of dataclass `target` it also has."""
    names = {item.name for item in fields(source)}
    return {item.name: getattr(source, item.name) for item in fields(target) if item.name in names}
