"""Paragraphs repeated across pages: site boilerplate and cross-site templates, told apart
from copied articles.

A paragraph found (exactly or at `template_threshold` Jaccard) in at least `template_min_pages`
articles is a template only when those articles are not copies of each other: when they fall in
at least `template_min_pages` different near-duplicate clusters (an article and its copies count
once). Paragraphs that only repeat because an article was copied are not listed. The articles
are streamed; only the paragraphs that can be templates are held in memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from cleaning.fingerprint import FingerprintConfig, band_keys, content_chars, signatures
from corpus.dedup.direction import site_label
from corpus.dedup.pairs import measure_texts
from corpus.dedup.scan import article_batches
from corpus.models import Article, DuplicateMember
from corpus.store import Store

METHOD_NEAR = "minhash"


@dataclass(frozen=True)
class TemplateParagraph:
    """A paragraph (with its near variants) that many articles contain."""

    text: str
    variants: int
    article_ids: tuple[int, ...]
    sites: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "site boilerplate" if len(self.sites) == 1 else "cross-site template"


def find_templates(store: Store, config: FingerprintConfig) -> list[TemplateParagraph]:
    """Paragraphs found in at least `template_min_pages` articles, exactly or nearly.

    Streamed in two passes over the articles, a batch at a time. The first writes each
    paragraph's hash per article and its paragraph-level band keys to a scratch SQLite file
    (not memory), and picks the paragraphs that can be templates: in enough articles, or
    sharing a band key with another paragraph (a near variant). The second collects only
    those paragraphs' texts and articles; they are then grouped as before."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = sqlite3.connect(Path(folder) / "paragraphs.db")
        scratch.executescript(SCRATCH_SCHEMA)
        paragraph_config = _paragraph_config(config)
        for rows in _article_batches(store):
            _spill(scratch, rows, config, paragraph_config)
        kept = {row[0] for row in scratch.execute(REPEATED, (config.template_min_pages,))}
        scratch.close()
    articles_by_text: dict[str, set[int]] = defaultdict(set)
    site_of: dict[int, str] = {}
    for rows in _article_batches(store):
        for article_id, site_name, url, text in rows:
            for paragraph in _paragraphs(text, config):
                if _hash(paragraph) in kept:
                    articles_by_text[paragraph].add(article_id)
                    site_of[article_id] = site_label(site_name, url)
    with store.session() as session:
        query = select(DuplicateMember.article_id, DuplicateMember.cluster_id)
        cluster_of = dict(session.execute(query.where(DuplicateMember.method == METHOD_NEAR)).all())
    found = _template_groups(articles_by_text, site_of, config)
    return [t for t in found if _families(t, cluster_of) >= config.template_min_pages]


SCRATCH_SCHEMA = """
CREATE TABLE seen (hash INTEGER, article_id INTEGER, PRIMARY KEY (hash, article_id)) WITHOUT ROWID;
CREATE TABLE bands (key INTEGER, hash INTEGER, PRIMARY KEY (key, hash)) WITHOUT ROWID;
"""
REPEATED = """
SELECT hash FROM seen GROUP BY hash HAVING count(*) >= ?
UNION SELECT hash FROM bands WHERE key IN (SELECT key FROM bands GROUP BY key HAVING count(*) > 1)
"""


def _hash(paragraph: str) -> int:
    digest = hashlib.blake2b(paragraph.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _paragraph_config(config: FingerprintConfig) -> FingerprintConfig:
    return dataclasses.replace(
        config, num_perm=32, bands=16, threshold=config.template_threshold, drop_boilerplate=False
    )


def _article_batches(store: Store) -> Iterator[list[Any]]:
    query = select(Article.id, Article.site_name, Article.url, Article.text)
    return article_batches(store, query)


def _spill(
    scratch: sqlite3.Connection,
    rows: list[Any],
    config: FingerprintConfig,
    paragraph_config: FingerprintConfig,
) -> None:
    """One batch's (paragraph hash, article) rows and paragraph band keys, to the scratch."""
    seen: dict[int, str] = {}
    held = []
    for article_id, _, _, text in rows:
        for paragraph in _paragraphs(text, config):
            key = _hash(paragraph)
            seen[key] = paragraph
            held.append((key, article_id))
    scratch.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", held)
    if seen:
        keys = band_keys(signatures(list(seen.values()), paragraph_config), paragraph_config)
        hashes = np.repeat(np.fromiter(seen, dtype=np.int64, count=len(seen)), keys.shape[1])
        pairs = np.stack((keys.ravel(), hashes), axis=1)
        scratch.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", pairs.tolist())
    scratch.commit()


def _families(template: TemplateParagraph, cluster_of: dict[int, int]) -> int:
    """How many unrelated articles hold the paragraph (an article and its copies count once)."""
    return len({cluster_of.get(article_id, -article_id) for article_id in template.article_ids})


def _paragraphs(text: str, config: FingerprintConfig) -> set[str]:
    found = set()
    keep_all = dataclasses.replace(config, drop_boilerplate=False)
    for line in text.split("\n"):
        paragraph = line.strip()
        if len(content_chars(paragraph, keep_all)) >= config.template_min_chars:
            found.add(paragraph)
    return found


def _template_groups(
    articles_by_text: dict[str, set[int]], site_of: dict[int, str], config: FingerprintConfig
) -> list[TemplateParagraph]:
    paragraphs = list(articles_by_text)
    paragraph_config = _paragraph_config(config)
    members: dict[int, list[int]] = defaultdict(list)
    leader = list(range(len(paragraphs)))
    for pair in measure_texts(paragraphs, paragraph_config).measures:
        if pair.jaccard >= paragraph_config.threshold:
            leader[pair.second] = min(leader[pair.second], leader[pair.first])
    for index in range(len(paragraphs)):
        members[leader[index]].append(index)
    found = []
    for group in members.values():
        article_ids = set().union(*(articles_by_text[paragraphs[i]] for i in group))
        if len(article_ids) >= config.template_min_pages:
            example = max((paragraphs[i] for i in group), key=lambda p: len(articles_by_text[p]))
            sites = tuple(sorted({site_of[a] for a in article_ids}))
            found.append(TemplateParagraph(example, len(group), tuple(sorted(article_ids)), sites))
    return sorted(found, key=lambda t: (-len(t.article_ids), t.text))
