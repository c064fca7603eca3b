"""An article's history: its stored revisions and current text, as dated diffs of text and claims.

A revision is the text an article had before a re-crawl changed it (see corpus/ingest.py):
it was seen until `valid_from` and replaced by the fetch at `valid_to`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cleaning.urls import url_identity
from corpus.errors import ConfigError
from corpus.models import Article, ArticleRevision, Page
from corpus.schedule.schedules import as_utc

# a claim as history compares it: (type, subtype, sentence)
ClaimKey = tuple[str, str, str]


@dataclass(frozen=True)
class Version:
    """One text of an article: when a fetch first and last saw it."""

    title: str | None
    text: str
    claims: frozenset[ClaimKey]
    first_seen: datetime
    last_seen: datetime
    page_id: int | None


@dataclass(frozen=True)
class Change:
    """What changed from one version to the next, detected at `detected_at`."""

    before: Version
    after: Version
    text_diff: list[str]
    claims_added: list[ClaimKey]
    claims_removed: list[ClaimKey]

    @property
    def detected_at(self) -> datetime:
        return self.after.first_seen


@dataclass(frozen=True)
class ArticleHistory:
    article_id: int
    url: str
    versions: list[Version]
    changes: list[Change]


def find_article(session: Session, url: str) -> Article:
    """The article for a URL as stored, by its identity (as ingest keys articles: no tracking
    parameters), or as any page fetched it."""
    for candidate in dict.fromkeys((url, url_identity(url))):
        article = session.scalars(select(Article).where(Article.url == candidate)).one_or_none()
        if article is not None:
            return article
    article_id = session.scalar(
        select(Page.article_id)
        .where((Page.url == url) | (Page.final_url == url), Page.article_id.is_not(None))
        .order_by(Page.id.desc())
        .limit(1)
    )
    if article_id is None:
        raise ConfigError(
            f"no article for {url!r}; give the URL as crawled (see `debtcorpus export` or "
            "the pages table)"
        )
    return session.get_one(Article, article_id)


def claim_key(claim: dict[str, Any], text: str) -> ClaimKey:
    """A revision's claim: its sentence is the revision's text between its offsets (snapshots
    written before migration 0012 also keep the sentence itself)."""
    sentence = claim.get("sentence") or text[int(claim["start"]) : int(claim["end"])]
    return (str(claim.get("type") or ""), str(claim.get("subtype") or ""), str(sentence))


def article_versions(session: Session, article: Article) -> list[Version]:
    """Oldest first: each kept revision, then the current article."""
    revisions = session.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.valid_to, ArticleRevision.id)
    ).all()
    versions = []
    first_seen = as_utc(article.first_seen_at)
    for revision in revisions:
        claims = frozenset(claim_key(claim, revision.text) for claim in revision.claims)
        last_seen = as_utc(revision.valid_from)
        versions.append(
            Version(revision.title, revision.text, claims, first_seen, last_seen, revision.page_id)
        )
        first_seen = as_utc(revision.valid_to)
    current = frozenset(
        (claim.type, claim.subtype or "", claim.sentence) for claim in article.claims
    )
    last_seen = as_utc(article.last_seen_at)
    versions.append(
        Version(article.title, article.text, current, first_seen, last_seen, article.last_page_id)
    )
    return versions


def text_diff(before: Version, after: Version) -> list[str]:
    """A unified diff of the texts, line by line (an article's paragraphs are its lines)."""
    return list(
        difflib.unified_diff(
            before.text.splitlines(),
            after.text.splitlines(),
            fromfile=f"text seen {before.last_seen:%Y-%m-%d %H:%M:%S} UTC",
            tofile=f"text seen {after.first_seen:%Y-%m-%d %H:%M:%S} UTC",
            lineterm="",
        )
    )


def compare(before: Version, after: Version) -> Change:
    return Change(
        before=before,
        after=after,
        text_diff=text_diff(before, after),
        claims_added=sorted(after.claims - before.claims),
        claims_removed=sorted(before.claims - after.claims),
    )


def article_history(session: Session, url: str) -> ArticleHistory:
    article = find_article(session, url)
    versions = article_versions(session, article)
    changes = [compare(before, after) for before, after in pairwise(versions)]
    return ArticleHistory(article.id, article.url, versions, changes)
