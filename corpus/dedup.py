"""Exact and near-duplicate clusters of articles, stored in the corpus and kept up to date.

Exact duplicates share `exact_key` (the normal form's hash). Near duplicates are found with
MinHash + LSH (cleaning.fingerprint): pairs that share a band key become candidates, and a
candidate is kept when the Jaccard similarity of the two shingle sets reaches the threshold
(exactly, or by the MinHash estimate when `verify="estimate"`). Clusters are the connected
components of kept pairs. Signatures and band keys are stored, so `run_dedup` only fingerprints
articles that are new or changed and merges them into the clusters they touch.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cleaning.fingerprint import (
    FingerprintConfig,
    band_keys,
    content_chars,
    estimated_similarity,
    exact_key,
    jaccard,
    shingle_hashes,
    signatures,
)
from corpus.errors import ConfigError
from corpus.models import (
    Article,
    ArticleFingerprint,
    DuplicateCluster,
    DuplicateMember,
    LshBandKey,
)
from corpus.progress import progress
from corpus.store import Store

METHOD_EXACT = "exact"
METHOD_NEAR = "minhash"
REPRESENTATIVE_RULE = (
    "earliest published_at (undated last); then the article whose site the other members cite "
    "as their source (source_url host); then the longest text; then the lowest article id"
)
# A bucket this large (a template shared by hundreds of pages) is chained, not paired all-to-all.
MAX_BUCKET_PAIRS = 64
FINGERPRINT_BATCH = 1000
QUERY_CHUNK = 900
SHINGLE_CACHE_SIZE = 4096

Pair = tuple[int, int]


@dataclass(frozen=True)
class ArticleFacts:
    """What the representative rule and the reports need to know about a member."""

    id: int
    url: str
    site: str
    published_at: datetime | None
    source_url: str | None
    text_length: int


@dataclass
class DedupSummary:
    articles: int = 0
    fingerprinted: int = 0
    changed: int = 0
    candidate_pairs: int = 0
    near_pairs: int = 0
    clusters: dict[str, int] = field(default_factory=dict)
    rebuilt: bool = False


def host_of(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def cited_by_count(candidate: ArticleFacts, members: Sequence[ArticleFacts]) -> int:
    """How many other members name this member's host in their source link."""
    host = host_of(candidate.url)
    return sum(
        1
        for other in members
        if other.id != candidate.id and host and host_of(other.source_url) == host
    )


def choose_representative(members: Sequence[ArticleFacts]) -> ArticleFacts:
    """The member that stands for the cluster, by REPRESENTATIVE_RULE."""

    def rank(member: ArticleFacts) -> tuple[Any, ...]:
        dated = member.published_at is not None
        when = (
            _utc(member.published_at) if member.published_at else datetime.max.replace(tzinfo=UTC)
        )
        return (not dated, when, -cited_by_count(member, members), -member.text_length, member.id)

    return min(members, key=rank)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        while item != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for item in list(self.parent):
            found[self.find(item)].append(item)
        return [sorted(group) for group in found.values() if len(group) > 1]


def bucket_pairs(keys: NDArray[np.int64]) -> set[Pair]:
    """Index pairs (i < j) that share a key in at least one band. Rows are documents."""
    pairs: set[Pair] = set()
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        edges = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
        lengths = np.diff(edges)
        for start, length in zip(edges[:-1][lengths > 1], lengths[lengths > 1], strict=True):
            pairs.update(_run_pairs(sorted(int(i) for i in order[start : start + length])))
    return pairs


def _run_pairs(run: list[int]) -> Iterator[Pair]:
    if len(run) * (len(run) - 1) // 2 <= MAX_BUCKET_PAIRS:
        for position, first in enumerate(run):
            for second in run[position + 1 :]:
                yield first, second
    else:
        yield from pairwise(run)


class ShingleCache:
    """Shingle hash arrays by key, computed on demand from a text loader, least recent dropped."""

    def __init__(self, load_text: Callable[[int], str], config: FingerprintConfig) -> None:
        self.load_text = load_text
        self.config = config
        self.cache: OrderedDict[int, NDArray[np.uint64]] = OrderedDict()

    def get(self, key: int) -> NDArray[np.uint64]:
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        hashes = shingle_hashes(self.load_text(key), self.config)
        self.cache[key] = hashes
        if len(self.cache) > SHINGLE_CACHE_SIZE:
            self.cache.popitem(last=False)
        return hashes


def pair_similarity(
    first: int,
    second: int,
    shingles: ShingleCache,
    signature_of: Callable[[int], NDArray[np.uint32]],
) -> float:
    if shingles.config.verify == "estimate":
        return estimated_similarity(signature_of(first), signature_of(second))
    return jaccard(shingles.get(first), shingles.get(second))


def verify_pairs(
    pairs: Iterable[Pair],
    shingles: ShingleCache,
    signature_of: Callable[[int], NDArray[np.uint32]],
) -> list[tuple[int, int, float]]:
    """The candidate pairs whose similarity reaches the threshold, with that similarity."""
    kept = []
    for first, second in sorted(pairs):
        similarity = pair_similarity(first, second, shingles, signature_of)
        if similarity >= shingles.config.threshold:
            kept.append((first, second, similarity))
    return kept


def near_duplicate_pairs(
    texts: Sequence[str], config: FingerprintConfig
) -> list[tuple[int, int, float]]:
    """In memory: index pairs of near-duplicate texts with their similarity (eval, bench)."""
    matrix = signatures(list(texts), config)
    candidates = bucket_pairs(band_keys(matrix, config))
    shingles = ShingleCache(lambda index: texts[index], config)
    return verify_pairs(candidates, shingles, lambda index: matrix[index])


def near_duplicate_groups(texts: Sequence[str], config: FingerprintConfig) -> list[list[int]]:
    """In memory: clusters (index lists) of near-duplicate texts."""
    groups = UnionFind()
    for first, second, _ in near_duplicate_pairs(texts, config):
        groups.union(first, second)
    return groups.groups()


# ----- the stored clusters ------------------------------------------------------------------


def run_dedup(store: Store, config: FingerprintConfig, rebuild: bool = False) -> DedupSummary:
    """Fingerprint new and changed articles and merge them into the stored clusters."""
    summary = DedupSummary(rebuilt=rebuild)
    with store.session() as session:
        _check_params(session, config, rebuild)
        if rebuild:
            _clear_clusters(session)
        summary.changed = _drop_stale(session, config)
        new_ids = _unfingerprinted(session) if not rebuild else _all_article_ids(session)
        summary.fingerprinted = _fingerprint(session, new_ids, config)
        session.flush()
        _link_exact(session, new_ids)
        _link_near(session, new_ids, config, summary)
        summary.articles = session.scalar(select(func.count(Article.id))) or 0
        summary.clusters = _cluster_counts(session)
    return summary


def _check_params(session: Session, config: FingerprintConfig, rebuild: bool) -> None:
    stored_key = session.scalar(select(ArticleFingerprint.params_key).limit(1))
    if stored_key and stored_key != config.signature_key() and not rebuild:
        raise ConfigError(
            "the stored signatures were made with other fingerprint parameters "
            "(n-gram, permutations, bands, seed, scheme or OpenCC); "
            "run `debtcorpus dedup --rebuild`"
        )
    cluster = session.scalar(select(DuplicateCluster).where(DuplicateCluster.method == METHOD_NEAR))
    if cluster and cluster.params != cluster_params(config) and not rebuild:
        raise ConfigError(
            f"the stored near-duplicate clusters used {cluster.params}; to use other parameters "
            "run `debtcorpus dedup --rebuild` (signatures are reused when they still fit)"
        )
    if rebuild and stored_key and stored_key != config.signature_key():
        session.execute(delete(LshBandKey))
        session.execute(delete(ArticleFingerprint))


def cluster_params(config: FingerprintConfig) -> dict[str, Any]:
    return {**config.signature_params(), "threshold": config.threshold, "verify": config.verify}


def _clear_clusters(session: Session) -> None:
    session.execute(delete(DuplicateMember))
    session.execute(delete(DuplicateCluster))


def _all_article_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Article.id).order_by(Article.id)))


def _unfingerprinted(session: Session) -> list[int]:
    query = (
        select(Article.id)
        .outerjoin(ArticleFingerprint, ArticleFingerprint.article_id == Article.id)
        .where(ArticleFingerprint.article_id.is_(None))
        .order_by(Article.id)
    )
    return list(session.scalars(query))


def _drop_stale(session: Session, config: FingerprintConfig) -> int:
    """Forget fingerprints and memberships of articles whose text changed since."""
    query = (
        select(ArticleFingerprint.article_id)
        .join(Article, Article.id == ArticleFingerprint.article_id)
        .where(ArticleFingerprint.text_sha256 != Article.text_sha256)
    )
    stale = list(session.scalars(query))
    for chunk in _chunks(stale, QUERY_CHUNK):
        session.execute(delete(LshBandKey).where(LshBandKey.article_id.in_(chunk)))
        session.execute(delete(ArticleFingerprint).where(ArticleFingerprint.article_id.in_(chunk)))
        _leave_clusters(session, chunk, config)
    return len(stale)


def _leave_clusters(session: Session, article_ids: list[int], config: FingerprintConfig) -> None:
    members = session.scalars(
        select(DuplicateMember).where(DuplicateMember.article_id.in_(article_ids))
    )
    touched = {member.cluster_id for member in members}
    session.execute(delete(DuplicateMember).where(DuplicateMember.article_id.in_(article_ids)))
    for cluster in session.scalars(
        select(DuplicateCluster).where(DuplicateCluster.id.in_(touched))
    ):
        session.refresh(cluster)
        if len(cluster.members) < 2:
            session.delete(cluster)
        else:
            _refresh_cluster(session, cluster, config)


def _fingerprint(session: Session, article_ids: list[int], config: FingerprintConfig) -> int:
    done = 0
    existing = set(session.scalars(select(ArticleFingerprint.article_id)))
    todo = [article_id for article_id in article_ids if article_id not in existing]
    batches = list(_chunks(todo, FINGERPRINT_BATCH))
    for batch in progress(batches, len(todo) // FINGERPRINT_BATCH + 1, "fingerprinting"):
        rows = session.execute(
            select(Article.id, Article.text, Article.text_sha256).where(Article.id.in_(batch))
        ).all()
        _store_fingerprints(session, rows, config)
        done += len(rows)
    return done


def _store_fingerprints(session: Session, rows: Sequence[Any], config: FingerprintConfig) -> None:
    matrix = signatures([row.text for row in rows], config)
    keys = band_keys(matrix, config)
    now = datetime.now(UTC)
    for index, row in enumerate(rows):
        session.add(
            ArticleFingerprint(
                article_id=row.id,
                params_key=config.signature_key(),
                text_sha256=row.text_sha256,
                exact_key=exact_key(row.text, config.to_simplified),
                signature=matrix[index].tobytes(),
                created_at=now,
            )
        )
        session.add_all(
            LshBandKey(article_id=row.id, band=band, key=_hex(int(key)))
            for band, key in enumerate(keys[index])
        )


def _hex(key: int) -> str:
    return f"{key & 0xFFFFFFFFFFFFFFFF:016x}"


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _link_exact(session: Session, new_ids: list[int]) -> None:
    """Group new articles with every fingerprint that has the same exact key."""
    groups = UnionFind()
    for chunk in _chunks(new_ids, QUERY_CHUNK):
        keys = select(ArticleFingerprint.exact_key).where(ArticleFingerprint.article_id.in_(chunk))
        rows = session.execute(
            select(ArticleFingerprint.article_id, ArticleFingerprint.exact_key).where(
                ArticleFingerprint.exact_key.in_(keys)
            )
        ).all()
        first_by_key: dict[str, int] = {}
        for article_id, key in rows:
            groups.union(article_id, first_by_key.setdefault(key, article_id))
    for group in groups.groups():
        _merge_component(session, METHOD_EXACT, group, None)


def _link_near(
    session: Session, new_ids: list[int], config: FingerprintConfig, summary: DedupSummary
) -> None:
    candidates = _stored_candidates(session, new_ids)
    summary.candidate_pairs = len(candidates)
    shingles = ShingleCache(_text_loader(session), config)
    kept = verify_pairs(candidates, shingles, _signature_loader(session))
    summary.near_pairs = len(kept)
    groups = UnionFind()
    for first, second, _ in kept:
        groups.union(first, second)
    components = groups.groups()
    for group in progress(components, len(components), "clustering"):
        _merge_component(session, METHOD_NEAR, group, config)


def _stored_candidates(session: Session, new_ids: list[int]) -> set[Pair]:
    """Pairs (new article, any article) that share a stored (band, key)."""
    pairs: set[Pair] = set()
    for chunk in _chunks(new_ids, QUERY_CHUNK):
        own = select(LshBandKey.key).where(LshBandKey.article_id.in_(chunk))
        rows = session.execute(
            select(LshBandKey.article_id, LshBandKey.band, LshBandKey.key).where(
                LshBandKey.key.in_(own)
            )
        ).all()
        buckets: dict[tuple[int, str], list[int]] = defaultdict(list)
        for article_id, band, key in rows:
            buckets[(band, key)].append(article_id)
        for members in buckets.values():
            if len(members) > 1:
                pairs.update(_run_pairs(sorted(set(members))))
    return pairs


def _text_loader(session: Session) -> Callable[[int], str]:
    def load(article_id: int) -> str:
        text = session.scalar(select(Article.text).where(Article.id == article_id))
        return text or ""

    return load


def _signature_loader(session: Session) -> Callable[[int], NDArray[np.uint32]]:
    def load(article_id: int) -> NDArray[np.uint32]:
        raw = session.scalar(
            select(ArticleFingerprint.signature).where(ArticleFingerprint.article_id == article_id)
        )
        return np.frombuffer(raw or b"", dtype=np.uint32)

    return load


def _merge_component(
    session: Session,
    method: str,
    article_ids: list[int],
    config: FingerprintConfig | None,
) -> None:
    """Make one cluster of these articles and every stored cluster one of them is in."""
    members = session.scalars(
        select(DuplicateMember).where(
            DuplicateMember.method == method, DuplicateMember.article_id.in_(article_ids)
        )
    ).all()
    cluster_ids = sorted({member.cluster_id for member in members})
    now = datetime.now(UTC)
    if cluster_ids:
        cluster = session.get_one(DuplicateCluster, cluster_ids[0])
        for other_id in cluster_ids[1:]:
            _absorb(session, cluster, session.get_one(DuplicateCluster, other_id))
    else:
        params = cluster_params(config) if config else {"normalisation": "nfkc-ws-punct"}
        cluster = DuplicateCluster(
            method=method,
            params=params,
            representative_id=article_ids[0],
            rule=REPRESENTATIVE_RULE,
            created_at=now,
            updated_at=now,
        )
        session.add(cluster)
    present = {member.article_id for member in cluster.members}
    for article_id in article_ids:
        if article_id not in present:
            cluster.members.append(
                DuplicateMember(method=method, article_id=article_id, similarity=0.0)
            )
    session.flush()
    _refresh_cluster(session, cluster, config)


def _absorb(session: Session, keeper: DuplicateCluster, other: DuplicateCluster) -> None:
    for member in list(other.members):
        member.cluster_id = keeper.id
    session.flush()
    session.expire(other)
    session.delete(other)
    session.flush()
    session.refresh(keeper)


def _refresh_cluster(
    session: Session, cluster: DuplicateCluster, config: FingerprintConfig | None
) -> None:
    """Choose the representative again and measure every member against it."""
    facts = load_facts(session, [member.article_id for member in cluster.members])
    representative = choose_representative(list(facts.values()))
    cluster.representative_id = representative.id
    cluster.updated_at = datetime.now(UTC)
    if cluster.method == METHOD_EXACT or config is None:
        for member in cluster.members:
            member.similarity = 1.0
        return
    shingles = ShingleCache(_text_loader(session), config)
    for member in cluster.members:
        member.similarity = round(
            jaccard(shingles.get(member.article_id), shingles.get(representative.id)), 4
        )


def load_facts(session: Session, article_ids: Iterable[int]) -> dict[int, ArticleFacts]:
    facts: dict[int, ArticleFacts] = {}
    for chunk in _chunks(sorted(set(article_ids)), QUERY_CHUNK):
        rows = session.execute(
            select(
                Article.id,
                Article.url,
                Article.site,
                Article.published_at,
                Article.source_url,
                func.length(Article.text),
            ).where(Article.id.in_(chunk))
        ).all()
        for row in rows:
            facts[row[0]] = ArticleFacts(
                id=row[0],
                url=row[1],
                site=row[2] or host_of(row[1]),
                published_at=row[3],
                source_url=row[4],
                text_length=row[5] or 0,
            )
    return facts


def _cluster_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(DuplicateCluster.method, func.count(DuplicateCluster.id)).group_by(
            DuplicateCluster.method
        )
    ).all()
    return {method: count for method, count in rows}


# ----- templates: paragraphs repeated across pages --------------------------------------------


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
        rows = session.execute(select(Article.id, Article.site, Article.url, Article.text))
        for article_id, site, url, text in rows:
            site_of[article_id] = site or host_of(url)
            for paragraph in _paragraphs(text, config):
                articles_by_text[paragraph].add(article_id)
    return _template_groups(articles_by_text, site_of, config)


def _paragraphs(text: str, config: FingerprintConfig) -> set[str]:
    found = set()
    for line in text.split("\n"):
        paragraph = line.strip()
        if len(content_chars(paragraph, config.to_simplified)) >= config.template_min_chars:
            found.add(paragraph)
    return found


def _template_groups(
    articles_by_text: dict[str, set[int]], site_of: dict[int, str], config: FingerprintConfig
) -> list[TemplateParagraph]:
    paragraphs = list(articles_by_text)
    paragraph_config = dataclasses.replace(
        config, num_perm=32, bands=16, threshold=config.template_threshold, verify="exact"
    )
    groups = UnionFind()
    for index in range(len(paragraphs)):
        groups.find(index)
    for first, second, _ in near_duplicate_pairs(paragraphs, paragraph_config):
        groups.union(first, second)
    members: dict[int, list[int]] = defaultdict(list)
    for index in range(len(paragraphs)):
        members[groups.find(index)].append(index)
    found = []
    for group in members.values():
        article_ids = set().union(*(articles_by_text[paragraphs[i]] for i in group))
        if len(article_ids) >= config.template_min_pages:
            example = max((paragraphs[i] for i in group), key=lambda p: len(articles_by_text[p]))
            sites = tuple(sorted({site_of[a] for a in article_ids}))
            found.append(TemplateParagraph(example, len(group), tuple(sorted(article_ids)), sites))
    return sorted(found, key=lambda t: (-len(t.article_ids), t.text))
