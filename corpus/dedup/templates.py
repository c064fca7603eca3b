"""Paragraphs repeated across pages: site boilerplate and cross-site templates, told apart
from copied articles.

A paragraph found (exactly or at `template_threshold` Jaccard) in at least `template_min_pages`
articles is a template only when those articles are not copies of each other: when they fall in
at least `template_min_pages` different near-duplicate clusters (an article and its copies count
once). Paragraphs that only repeat because an article was copied are not listed.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from cleaning.fingerprint import FingerprintConfig, content_chars
from corpus.dedup.direction import site_label
from corpus.dedup.pairs import measure_texts
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
    """Paragraphs found in at least `template_min_pages` articles, exactly or nearly."""
    articles_by_text: dict[str, set[int]] = defaultdict(set)
    site_of: dict[int, str] = {}
    with store.session() as session:
        cluster_of = dict(
            session.execute(
                select(DuplicateMember.article_id, DuplicateMember.cluster_id).where(
                    DuplicateMember.method == METHOD_NEAR
                )
            ).all()
        )
        rows = session.execute(select(Article.id, Article.site_name, Article.url, Article.text))
        for article_id, site_name, url, text in rows:
            site_of[article_id] = site_label(site_name, url)
            for paragraph in _paragraphs(text, config):
                articles_by_text[paragraph].add(article_id)
    found = _template_groups(articles_by_text, site_of, config)
    return [t for t in found if _families(t, cluster_of) >= config.template_min_pages]


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
    paragraph_config = dataclasses.replace(
        config, num_perm=32, bands=16, threshold=config.template_threshold, drop_boilerplate=False
    )
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
