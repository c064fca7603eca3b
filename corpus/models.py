"""SQLAlchemy 2.x typed models: the corpus tables.

The fields of pages, articles, comments and claims are declared once, in corpus/schema.py;
the classes here inherit them and add keys, indexes and relationships.

Portable SQL only (SQLite by default, PostgreSQL at scale): JSON columns, no
dialect-specific types. Times are stored timezone-aware in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from corpus.codes import encode_instance
from corpus.schema import ArticleFields, ClaimFields, CommentFields, PageFields

SCHEMA_VERSION = 1


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class CrawlRun(Base):
    """One crawl, scheduled or ad hoc, with what happened in it."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str | None] = mapped_column(String(200))
    start_urls: Mapped[list[Any]] = mapped_column(default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"))
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    pages_fetched: Mapped[int] = mapped_column(default=0)
    bytes_fetched: Mapped[int] = mapped_column(default=0)
    articles_new: Mapped[int] = mapped_column(default=0)
    articles_changed: Mapped[int] = mapped_column(default=0)
    articles_unchanged: Mapped[int] = mapped_column(default=0)
    rejects: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    jobdir: Mapped[str | None] = mapped_column(Text)
    # URLs found and not fetched, by reason (skipped_urls)
    not_fetched: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the crawl process running it, so that `crawl --resume` refuses while it lives
    holder_pid: Mapped[int | None] = mapped_column(Integer)
    holder_host: Mapped[str | None] = mapped_column(String(255))
    # the health checks run after it ended (corpus.health): None when never checked
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BodyDictionary(Base):
    """A zstd dictionary trained on a site's first raw bodies; the pages compressed with it
    name it (pages.body_dictionary_id)."""

    __tablename__ = "body_dictionaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str | None] = mapped_column(String(200), index=True)
    codec: Mapped[str] = mapped_column(String(10))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # how many bodies it was trained on
    samples: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class ValueCode(Base):
    """A repeated value (a claim's type, lender, trigger, checks; a page's request) stored once:
    the coded columns hold its id (corpus/codes.py)."""

    __tablename__ = "value_codes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # the value as text (JSON text for checks and requests)
    value: Mapped[str] = mapped_column(Text)


class Page(PageFields, Base):
    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_url", "url"), Index("ix_pages_run", "crawl_run_id"))

    body_dictionary: Mapped[BodyDictionary | None] = relationship()


class SkippedUrlRow(Base):
    """A URL a crawl found and deliberately did not fetch, with the reason (outcome
    not-fetched): off-site, robots-forbidden, depth-limit, trap-limit, page-limit. One row per
    run, profile (`site`) and URL: two profiles of one host each keep their own reason."""

    __tablename__ = "skipped_urls"
    __table_args__ = (
        UniqueConstraint("crawl_run_id", "site", "url", name="uq_skipped_run_site_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    site: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(default=0)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Article(ArticleFields, Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_site", "site"),)

    comments: Mapped[list[Comment]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Comment.position"
    )
    claims: Mapped[list[Claim]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Claim.start"
    )


class ArticleRevision(Base):
    """An earlier version of an article's text, kept when a re-crawl changes it."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    claims: Mapped[list[Any]] = mapped_column(default=list)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime]
    page_id: Mapped[int | None] = mapped_column(Integer)


class Comment(CommentFields, Base):
    __tablename__ = "comments"

    article: Mapped[Article] = relationship(back_populates="comments")


class Claim(ClaimFields, Base):
    __tablename__ = "claims"

    article: Mapped[Article] = relationship(back_populates="claims")


event.listen(Page, "before_insert", encode_instance)
event.listen(Claim, "before_insert", encode_instance)


class UnplacedClaim(Base):
    """A claim migration 0012 could not place: its sentence was not found in its article's
    current text (so no offsets can derive it). Kept as it was stored, out of every reader."""

    __tablename__ = "unplaced_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    sentence: Mapped[str] = mapped_column(Text)
    # the claim's other stored fields, as they were
    claim: Mapped[dict[str, Any]] = mapped_column(default=dict)
    moved_at: Mapped[datetime]


class Schedule(Base):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    site: Mapped[str] = mapped_column(String(200))
    # where the profile's relative URLs are served (crawl --base-url)
    base_url: Mapped[str | None] = mapped_column(Text)
    cron: Mapped[str | None] = mapped_column(String(100))
    # the IANA zone the cron expression is read in
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    every_seconds: Mapped[int | None]
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    locked_by: Mapped[str | None] = mapped_column(String(200))
    locked_until: Mapped[datetime | None]


class DuplicateCluster(Base):
    __tablename__ = "duplicate_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    representative_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    rule: Mapped[str | None] = mapped_column(Text)
    # why the representative represents: its date, confidence, first seen, the next date
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    members: Mapped[list[DuplicateMember]] = relationship(
        back_populates="cluster", cascade="all, delete-orphan"
    )


class DuplicateMember(Base):
    __tablename__ = "duplicate_members"
    __table_args__ = (UniqueConstraint("method", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("duplicate_clusters.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    similarity: Mapped[float] = mapped_column(Float)

    cluster: Mapped[DuplicateCluster] = relationship(back_populates="members")


class ArticleFingerprint(Base):
    """Dedup fingerprint of an article's text, kept so new articles join clusters without
    recomputing the corpus: exact key, MinHash signature (uint32 bytes), parameters it used."""

    __tablename__ = "article_fingerprints"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    params_key: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))
    exact_key: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


# The fingerprinted articles whose candidate pairs are not yet verified and stored
# (duplicate_pairs): a queue, a row inserted with the fingerprint and deleted once paired. A
# `paired` flag on the fingerprint was an UPDATE of every row, which on PostgreSQL leaves a dead
# copy of each fingerprint until VACUUM (1.7 kB an article against 0.9 kB, docs/dedup.md).
dedup_unpaired = Table(
    "dedup_unpaired",
    Base.metadata,
    Column("article_id", Integer, ForeignKey("articles.id"), primary_key=True, autoincrement=False),
)


BAND_COLUMNS = 64
# One row per article, one indexed column per LSH band (the band number is mixed into each
# key): equal keys in a band's column are candidates. A row per article and band would carry
# PostgreSQL's 24-byte tuple header and a line pointer 64 times (6.2 kB an article measured,
# docs/dedup.md); one wide row carries it once (heap ~0.55 kB, plus ~28 B a band in its index).
lsh_band_keys = Table(
    "lsh_band_keys",
    Base.metadata,
    Column("article_id", Integer, ForeignKey("articles.id"), primary_key=True, autoincrement=False),
    *(Column(f"b{band:02d}", BigInteger, index=True) for band in range(BAND_COLUMNS)),
)


class LshBandKey(Base):
    """An article's LSH band keys (columns b00..b63; a config with fewer bands leaves the rest
    empty)."""

    __table__ = lsh_band_keys


class ContainmentEdge(Base):
    """Page `container_id` holds `share` of article `source_id`'s text (a stitched or partial
    copy), at the character `spans` of the container's text. Never merges clusters."""

    __tablename__ = "containment_edges"
    __table_args__ = (UniqueConstraint("source_id", "container_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    share: Mapped[float] = mapped_column(Float)
    spans: Mapped[list[Any]] = mapped_column(default=list)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class DuplicatePair(Base):
    """A verified candidate pair (first_id < second_id) near enough or contained, with its
    measures: what clusters and containment edges are rebuilt from, so a run after new
    articles only verifies the new articles' candidates."""

    __tablename__ = "duplicate_pairs"

    first_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True, index=True)
    jaccard: Mapped[float] = mapped_column(Float)
    first_in_second: Mapped[float] = mapped_column(Float)
    second_in_first: Mapped[float] = mapped_column(Float)
    first_size: Mapped[int] = mapped_column(Integer)
    second_size: Mapped[int] = mapped_column(Integer)
    first_covered: Mapped[float] = mapped_column(Float)
    second_covered: Mapped[float] = mapped_column(Float)
