"""Facts about an export gathered while it is written, and the corpus's dedup settings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.export.rows import Row, RowBatch
from corpus.models import DuplicateCluster, DuplicateMember


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class TimeSpan:
    earliest: datetime | None = None
    latest: datetime | None = None

    def add(self, moment: datetime | None) -> None:
        if moment is None:
            return
        self.earliest = moment if self.earliest is None else min(self.earliest, moment)
        self.latest = moment if self.latest is None else max(self.latest, moment)

    def describe(self) -> dict[str, str | None]:
        return {"earliest": iso(self.earliest), "latest": iso(self.latest)}


@dataclass
class ExportSummary:
    """Counts and ranges over the rows actually exported."""

    sites: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    extractors: Counter[str] = field(default_factory=Counter)
    extractor_versions: Counter[str] = field(default_factory=Counter)
    article_claim_rule_versions: Counter[str] = field(default_factory=Counter)
    claim_rule_versions: Counter[str] = field(default_factory=Counter)
    first_seen: TimeSpan = field(default_factory=TimeSpan)
    last_seen: TimeSpan = field(default_factory=TimeSpan)
    published: TimeSpan = field(default_factory=TimeSpan)
    warc_files: Counter[str] = field(default_factory=Counter)
    site_hosts: dict[str, set[str]] = field(default_factory=dict)

    def add(self, batch: RowBatch) -> None:
        for article in batch.articles:
            self.add_article(article)
        for claims in batch.claims.values():
            # a claim's version is its article's (a row stored without one: "(unknown)")
            versions = (claim["rule_version"] or "(unknown)" for claim in claims)
            self.claim_rule_versions.update(versions)

    def add_article(self, article: Row) -> None:
        self.sites[article["site"] or "(none)"] += 1
        host = urlsplit(article["url"]).netloc
        self.site_hosts.setdefault(article["site"] or "(none)", set()).add(host)
        self.languages[article["language"] or "(unknown)"] += 1
        self.extractors[article["extractor"] or "(unknown)"] += 1
        self.extractor_versions[article["extractor_version"]] += 1
        if article["claim_rule_version"]:
            self.article_claim_rule_versions[article["claim_rule_version"]] += 1
        self.first_seen.add(article["first_seen_at"])
        self.last_seen.add(article["last_seen_at"])
        self.published.add(article["published_at"])
        if article["warc_file"]:
            self.warc_files[article["warc_file"]] += 1

    @property
    def as_of(self) -> datetime | None:
        """The data's own "as of": the last time any exported article was fetched."""
        return self.last_seen.latest

    def crawl_date_range(self) -> dict[str, str | None]:
        return {
            "first_seen_at_min": iso(self.first_seen.earliest),
            "last_seen_at_max": iso(self.as_of),
        }

    def describe(self) -> dict[str, Any]:
        return {
            "as_of": iso(self.as_of),
            "crawl_date_range": self.crawl_date_range(),
            "published_date_range": self.published.describe(),
            "sites": dict(sorted(self.sites.items())),
            "site_hosts": {site: sorted(hosts) for site, hosts in sorted(self.site_hosts.items())},
            "languages": dict(sorted(self.languages.items())),
            "extractors": dict(sorted(self.extractors.items())),
            "extractor_versions": dict(sorted(self.extractor_versions.items())),
            "claim_rule_versions": {
                "articles": dict(sorted(self.article_claim_rule_versions.items())),
                "claims": dict(sorted(self.claim_rule_versions.items())),
            },
            "warc_provenance": self.warc_provenance(),
        }

    def warc_provenance(self) -> dict[str, Any]:
        """How many exported articles were read from web archives, per file."""
        return {
            "articles_from_warc": sum(self.warc_files.values()),
            "warc_files": dict(sorted(self.warc_files.items())),
        }


DEDUP_NOT_RUN = "not run"


def dedup_summary(session: Session) -> dict[str, Any] | str:
    """Per dedup method: cluster and member counts and the distinct parameter sets used."""
    params_by_method: dict[str, set[str]] = {}
    clusters: Counter[str] = Counter()
    for method, params in session.execute(select(DuplicateCluster.method, DuplicateCluster.params)):
        clusters[method] += 1
        params_by_method.setdefault(method, set()).add(json.dumps(params or {}, sort_keys=True))
    if not clusters:
        return DEDUP_NOT_RUN
    members = dict(
        session.execute(
            select(DuplicateMember.method, func.count(DuplicateMember.id)).group_by(
                DuplicateMember.method
            )
        ).all()
    )
    return {
        method: {
            "clusters": clusters[method],
            "members": members.get(method, 0),
            "params": [json.loads(text) for text in sorted(params_by_method[method])],
        }
        for method in sorted(clusters)
    }
