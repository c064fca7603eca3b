"""Scores on the labelled farm set: pairwise P/R/F1 per transformation, copy direction, the
threshold sweep on folds that keep source articles apart, and datasketch beside us.

A pair is found when the two articles are in one near (or exact) cluster or joined by a
containment edge. The originals are split once into dev and test by a seeded hash; thresholds
are chosen on folds of the dev originals (each fold scored with thresholds chosen on the
others) and the test originals are only reported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from cleaning.fingerprint import FingerprintConfig
from corpus.dedup.clusters_store import load_facts
from corpus.dedup.direction import representative_order
from corpus.dedup.farmset import FarmSet, LabelledPair
from corpus.dedup.pairs import PairMeasure, containments, leader_clusters, measure_texts
from corpus.models import Article, ContainmentEdge, DuplicateCluster, DuplicateMember
from corpus.store import Store

Pair = frozenset[int]
FOLDS = 4
TEST_SHARE = 0.3
NGRAMS = (2, 3, 4, 5)
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(2, 13))
CONTAINMENTS = tuple(round(0.05 * step, 2) for step in range(4, 15, 2))
COVERS = (0.6, 0.7, 0.8, 0.9)
# partial copies may be found through a containment edge; every other copy belongs in a cluster
PARTIAL = ("stitch", "truncate")
NEGATIVE = ("hard-negative", "unrelated")
RELIABILITIES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def family_of(key: str) -> str:
    return key.split("@")[0]


def split_of(pair: LabelledPair, seed: int = 5) -> tuple[str, int]:
    """("dev" or "test", fold number) of a pair, by its first page's source article."""
    digest = hashlib.sha1(f"{seed}:{family_of(pair.first)}".encode()).digest()
    part = "test" if digest[0] / 256 < TEST_SHARE else "dev"
    return part, digest[1] % FOLDS


@dataclass(frozen=True)
class Found:
    """What a run joined: pairs in one cluster, and pairs joined by a containment edge."""

    clustered: frozenset[Pair]
    contained: frozenset[Pair]

    def joins(self, pair: Pair, label: str) -> bool:
        """A copy counts as found in its cluster; a partial copy also through an edge; a
        negative is wrongly joined either way."""
        if pair in self.clustered:
            return True
        return (label in PARTIAL or label in NEGATIVE) and pair in self.contained

    def all_pairs(self) -> frozenset[Pair]:
        return self.clustered | self.contained


def _cluster_pairs(groups: Iterable[list[int]]) -> frozenset[Pair]:
    return frozenset(frozenset((a, b)) for group in groups for a in group for b in group if a < b)


def stored_predictions(store: Store) -> Found:
    """Pairs the stored clusters and containment edges join."""
    with store.session() as session:
        members: dict[int, list[int]] = defaultdict(list)
        for cluster_id, article_id in session.execute(
            select(DuplicateMember.cluster_id, DuplicateMember.article_id)
        ).all():
            members[cluster_id].append(article_id)
        edges = select(ContainmentEdge.source_id, ContainmentEdge.container_id)
        contained = frozenset(frozenset(edge) for edge in session.execute(edges).all())
    return Found(_cluster_pairs(members.values()), contained)


def predictions(
    measures: Sequence[PairMeasure], order: Sequence[int], config: FingerprintConfig
) -> Found:
    """What a run with this config would join, from measured pairs (the sweep's fast path)."""
    leader_of = leader_clusters(order, measures, config)
    groups: dict[int, list[int]] = defaultdict(list)
    for article, leader in leader_of.items():
        groups[leader].append(article)
    edges = containments(measures, leader_of, order, config)
    return Found(
        _cluster_pairs(groups.values()),
        frozenset(frozenset((e.source, e.container)) for e in edges),
    )


def score_pairs(
    pairs: Iterable[LabelledPair], ids: dict[str, int], found: Found
) -> dict[str, Score]:
    """Per label and overall: positives found or missed, negatives wrongly joined."""
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pair in pairs:
        if pair.first not in ids or pair.second not in ids:
            continue
        joined = found.joins(frozenset((ids[pair.first], ids[pair.second])), pair.label)
        for label in (pair.label, "all"):
            tally = tallies[label]
            if pair.positive:
                tally[0 if joined else 2] += 1
            elif joined:
                tally[1] += 1
    return {label: Score(*tally) for label, tally in tallies.items()}


def global_precision(found: Found, farm: FarmSet, ids: dict[str, int]) -> Score:
    """Every joined pair, labelled or not: right when the two pages share a source article."""
    families = {ids[key]: sources for key, sources in farm.families().items() if key in ids}
    joined = found.all_pairs()
    right = sum(1 for pair in joined if _share_source(pair, families))
    return Score(right, len(joined) - right, 0)


def _share_source(pair: Pair, families: dict[int, frozenset[str]]) -> bool:
    first, second = tuple(pair)
    return bool(families.get(first, frozenset()) & families.get(second, frozenset()))


def direction(store: Store, farm: FarmSet, ids: dict[str, int]) -> tuple[int, int]:
    """Dated copies (copy and original both dated) whose cluster the original represents, or
    whose containment edge comes from it: (right, total)."""
    with store.session() as session:
        cluster_of = dict(
            session.execute(select(DuplicateMember.article_id, DuplicateMember.cluster_id)).all()
        )
        representative = dict(
            session.execute(select(DuplicateCluster.id, DuplicateCluster.representative_id)).all()
        )
        edges = select(ContainmentEdge.source_id, ContainmentEdge.container_id)
        edge_set = {(a, b) for a, b in session.execute(edges).all()}
    leader_of = {article: representative[cluster] for article, cluster in cluster_of.items()}
    return _direction_counts(farm.pairs, farm, ids, leader_of, edge_set)


def article_order(store: Store, article_ids: Iterable[int]) -> list[int]:
    with store.session() as session:
        facts = load_facts(session, article_ids)
    return [fact.id for fact in representative_order(list(facts.values()))]


def article_texts(store: Store) -> tuple[list[int], list[str]]:
    with store.session() as session:
        rows = session.execute(select(Article.id, Article.text).order_by(Article.id)).all()
    return [row[0] for row in rows], [row[1] for row in rows]


def measured(store: Store, config: FingerprintConfig) -> list[PairMeasure]:
    """Every candidate of the stored texts, measured, with article ids (not row indexes)."""
    article_ids, texts = article_texts(store)
    low = dataclasses.replace(config, estimate_floor=0.0)
    result = measure_texts(texts, low, cover_from=min(THRESHOLDS))
    return [
        dataclasses.replace(m, first=article_ids[m.first], second=article_ids[m.second])
        for m in result.measures
    ]


@dataclass(frozen=True)
class SweepRow:
    ngram: int
    threshold: float
    containment: float
    cover: float
    dev: Score


Key = tuple[int, float, float, float]


def sweep(
    store: Store, farm: FarmSet, ids: dict[str, int], base: FingerprintConfig
) -> tuple[list[SweepRow], dict[int, FingerprintConfig], list[dict[str, Score]]]:
    """Scores on dev pairs for every (n, threshold, containment, cover); for each dev fold, the
    config chosen on the other folds, and that config's scores on the held-out fold. The
    choice keeps the base config's n: shorter shingles make LSH candidates grow with the square
    of the corpus (docs/dedup.md), so n is fixed by scale, the thresholds by the folds."""
    order = article_order(store, ids.values())
    dev = [p for p in farm.pairs if split_of(p)[0] == "dev"]
    rows: list[SweepRow] = []
    per_fold: dict[Key, list[dict[str, Score]]] = {}
    for ngram in NGRAMS:
        measures = measured(store, dataclasses.replace(base, ngram=ngram))
        for threshold, share, cover in itertools.product(THRESHOLDS, CONTAINMENTS, COVERS):
            config = dataclasses.replace(
                base, ngram=ngram, threshold=threshold, containment=share, cover=cover
            )
            found = predictions(measures, order, config)
            folds = [
                score_pairs([p for p in dev if split_of(p)[1] == f], ids, found)
                for f in range(FOLDS)
            ]
            per_fold[(ngram, threshold, share, cover)] = folds
            rows.append(SweepRow(ngram, threshold, share, cover, _total(folds, None)))
    chosen, held_out = _fold_choices(
        {key: folds for key, folds in per_fold.items() if key[0] == base.ngram}, base
    )
    return rows, chosen, held_out


def _total(folds: Sequence[dict[str, Score]], skip: int | None) -> Score:
    """The pooled "all" score of the folds other than `skip`."""
    tallies = [fold["all"] for number, fold in enumerate(folds) if number != skip and "all" in fold]
    return Score(*(sum(getattr(t, name) for t in tallies) for name in _FIELDS))


def _fold_choices(
    per_fold: dict[Key, list[dict[str, Score]]], base: FingerprintConfig
) -> tuple[dict[int, FingerprintConfig], list[dict[str, Score]]]:
    chosen: dict[int, FingerprintConfig] = {}
    held_out: list[dict[str, Score]] = []
    for fold in range(FOLDS):
        # best F1 on the other folds; ties go to the higher threshold (fewer false pairs)

        def others(key: Key, held: int = fold) -> tuple[float, float]:
            return round(_total(per_fold[key], held).f1, 4), key[1]

        best = max(per_fold, key=others)
        chosen[fold] = dataclasses.replace(
            base, ngram=best[0], threshold=best[1], containment=best[2], cover=best[3]
        )
        held_out.append(per_fold[best][fold])
    return chosen, held_out


def direction_sweep(
    store: Store, farm: FarmSet, ids: dict[str, int], config: FingerprintConfig
) -> dict[float, tuple[int, int]]:
    """Copy direction on dev pairs for each date-reliability floor: (right, dated copies)."""
    with store.session() as session:
        facts = list(load_facts(session, ids.values()).values())
    measures = measured(store, config)
    dev = [p for p in farm.pairs if split_of(p)[0] == "dev"]
    found = {}
    for reliable in RELIABILITIES:
        order = [fact.id for fact in representative_order(facts, reliable)]
        leader_of = leader_clusters(order, measures, config)
        edges = {(e.source, e.container) for e in containments(measures, leader_of, order, config)}
        found[reliable] = _direction_counts(dev, farm, ids, leader_of, edges)
    return found


def _direction_counts(
    pairs: Iterable[LabelledPair],
    farm: FarmSet,
    ids: dict[str, int],
    leader_of: dict[int, int],
    edges: set[tuple[int, int]],
) -> tuple[int, int]:
    pages = {page.key: page for page in farm.pages}
    right = total = 0
    for pair in pairs:
        original, copy = pages.get(pair.first), pages.get(pair.second)
        if not pair.positive or not original or not copy or original.kind != "original":
            continue
        if not (original.published and copy.published) or pair.first not in ids:
            continue
        total += 1
        source, target = ids[pair.first], ids[pair.second]
        right += int(leader_of.get(target) == source or (source, target) in edges)
    return right, total


_FIELDS = ("true_positives", "false_positives", "false_negatives")


def mean_scores(scores: Sequence[dict[str, Score]]) -> dict[str, tuple[float, float, float]]:
    """Per label, the mean over folds of precision, recall and F1."""
    labels = sorted({label for fold in scores for label in fold})
    means: dict[str, tuple[float, float, float]] = {}
    for label in labels:
        present = [fold[label] for fold in scores if label in fold]
        precision, recall, f1 = (
            sum(getattr(s, name) for s in present) / len(present)
            for name in ("precision", "recall", "f1")
        )
        means[label] = (precision, recall, f1)
    return means


def datasketch_predictions(
    article_ids: Sequence[int], texts: Sequence[str], threshold: float = 0.5, ngram: int = 5
) -> Found:
    """The reference: datasketch MinHashLSH over character n-grams of the same texts."""
    from datasketch import MinHash, MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=128)
    sketches = {}
    for article_id, text in zip(article_ids, texts, strict=True):
        chars = "".join(text.split())
        sketch = MinHash(num_perm=128)
        sketch.update_batch(
            [chars[i : i + ngram].encode("utf-8") for i in range(max(1, len(chars) - ngram + 1))]
        )
        index.insert(article_id, sketch)
        sketches[article_id] = sketch
    found: set[Pair] = set()
    for article_id, sketch in sketches.items():
        found |= {frozenset((article_id, o)) for o in index.query(sketch) if o != article_id}
    return Found(frozenset(found), frozenset())
