"""Who copied whom: the representative rule, its evidence, and how sites are named.

The representative of a cluster is its earliest reliably dated member: a published date the
extractor found with confidence at least RELIABLE_CONFIDENCE; members without one come after
every dated member, ordered by when the crawler first saw them. Copies point to the
representative, so syndication edges run source -> copier. Sites are named by the site_name the
page declares, else by the registrable domain of its URL (never host:port).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import tldextract

# a date from the page's metadata or byline scores 0.9 and up; one found in body text below
# (cleaning/metadata/); chosen on the dev folds of the farm set (docs/dedup.md)
RELIABLE_CONFIDENCE = 0.9
REPRESENTATIVE_RULE = (
    "earliest reliably dated member (published date found with confidence >= 0.9); members "
    "without one follow, by first seen; then the lowest article id"
)
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ArticleFacts:
    """What the representative rule and the reports need to know about a member."""

    id: int
    url: str
    site: str
    published_at: datetime | None
    published_confidence: float | None
    first_seen_at: datetime | None

    @property
    def reliably_dated(self) -> bool:
        return self.dated_at(RELIABLE_CONFIDENCE)

    def dated_at(self, reliable: float) -> bool:
        """Has a published date found with at least this confidence."""
        confidence = self.published_confidence
        return self.published_at is not None and (confidence is None or confidence >= reliable)


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # the suffix list bundled with tldextract: no network fetch, no cache folder
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url: str | None) -> str:
    """ "news.source3.com.cn:8080/x" -> "source3.com.cn"; the bare host when it has no suffix."""
    if not url:
        return ""
    return _host_domain(urlsplit(url if "//" in url else f"//{url}").hostname or "")


@lru_cache(maxsize=65536)
def _host_domain(host: str) -> str:
    """Per host, not per URL: a corpus has few hosts and many URLs."""
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host.removeprefix("www.")


def site_label(site_name: str | None, url: str) -> str:
    return (site_name or "").strip() or registrable_domain(url)


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return _LATEST
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rank(member: ArticleFacts, reliable: float = RELIABLE_CONFIDENCE) -> tuple[Any, ...]:
    """Sort key of the representative order: smaller ranks represent."""
    dated = member.dated_at(reliable)
    published = _utc(member.published_at) if dated else _LATEST
    return (not dated, published, _utc(member.first_seen_at), member.id)


def representative_order(
    members: Sequence[ArticleFacts], reliable: float = RELIABLE_CONFIDENCE
) -> list[ArticleFacts]:
    return sorted(members, key=lambda member: rank(member, reliable))


def evidence(representative: ArticleFacts, members: Sequence[ArticleFacts]) -> dict[str, Any]:
    """Why this member represents the cluster, stored with the cluster."""
    others = [m for m in members if m.id != representative.id]
    dated_after = [m for m in others if m.reliably_dated]
    return {
        "rule": "earliest reliable date" if representative.reliably_dated else "first seen",
        "published_at": _iso(representative.published_at),
        "published_confidence": representative.published_confidence,
        "first_seen_at": _iso(representative.first_seen_at),
        "dated_members": len(dated_after) + int(representative.reliably_dated),
        "next_date": _iso(min((_utc(m.published_at) for m in dated_after), default=None)),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
