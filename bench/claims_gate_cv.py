"""Leave-one-article-out choice of the claims topic gate on the dev parts of the gold sets.

    .venv/bin/python bench/claims_gate_cv.py [GOLD ...]

(default GOLD: every tests/data/claims_gold2*_dev.jsonl).

The gate (`ClaimConfig.topic_gate`) drops every claim but citations from a text of 200 or more
characters whose topic relevance is below it. For each dev article (the gold sentences of one
`source`), the threshold is chosen on the other articles (the midpoint of the widest gap between
relevance scores among those with the best micro-F1 of claim types) and scored on the held-out
article. Prints the thresholds chosen per fold and the pooled held-out precision, recall and F1
beside those of the fixed gate. Only dev files: the test parts are never used to choose anything.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cleaning.claims import ClaimConfig  # noqa: E402
from cleaning.claims.eval import GoldSentence, evaluate, load_gold, topic_texts  # noqa: E402
from cleaning.claims.extract import TOPIC_GATE, TOPIC_MIN_CHARS  # noqa: E402
from cleaning.extract.relevance import relevance_score  # noqa: E402

Counts = tuple[int, int, int]


def counts(items: list[GoldSentence], gate: float) -> Counts:
    report = evaluate(items, ClaimConfig(checks=False, topic_gate=gate))
    total = report.overall(report.by_type)
    return total.tp, total.fp, total.fn


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def article_table(gold: list[GoldSentence]) -> list[tuple[str, float | None, Counts, Counts]]:
    """(source, relevance or None if too short to gate, counts ungated, counts gated)."""
    by_source: dict[str, list[GoldSentence]] = defaultdict(list)
    for item in gold:
        by_source[item.source].append(item)
    texts = topic_texts(gold)
    rows = []
    for source, items in by_source.items():
        text = texts[source]
        score = None if len(text) < TOPIC_MIN_CHARS else relevance_score(items[0].title, text)
        rows.append((source, score, counts(items, 0.0), counts(items, 1.01)))
    return rows


def pooled(rows: list[tuple[str, float | None, Counts, Counts]], gate: float) -> Counts:
    tp = fp = fn = 0
    for _, score, open_counts, gated_counts in rows:
        chosen = gated_counts if score is not None and score < gate else open_counts
        tp, fp, fn = tp + chosen[0], fp + chosen[1], fn + chosen[2]
    return tp, fp, fn


def choose(rows: list[tuple[str, float | None, Counts, Counts]]) -> float:
    """The midpoint of the widest gap between scores, among the gaps of best F1."""
    scores = sorted({0.0, 1.0, *(s for _, s, _, _ in rows if s is not None)})
    gaps = list(pairwise(scores))
    best = max(f1(*pooled(rows, (low + high) / 2)) for low, high in gaps)
    widest = max(
        (g for g in gaps if f1(*pooled(rows, (g[0] + g[1]) / 2)) == best),
        key=lambda g: g[1] - g[0],
    )
    return (widest[0] + widest[1]) / 2


def main() -> None:
    paths = sys.argv[1:] or sorted(
        str(p) for p in (REPO / "tests" / "data").glob("claims_gold2*_dev.jsonl")
    )
    gold = [item for path in paths for item in load_gold(path)]
    rows = article_table(gold)
    held_out = fixed = (0, 0, 0)
    for index, row in enumerate(rows):
        gate = choose(rows[:index] + rows[index + 1 :])
        got, ref = pooled([row], gate), pooled([row], TOPIC_GATE)
        held_out = tuple(a + b for a, b in zip(held_out, got, strict=True))  # type: ignore[assignment]
        fixed = tuple(a + b for a, b in zip(fixed, ref, strict=True))  # type: ignore[assignment]
        score = "short" if row[1] is None else f"{row[1]:.3f}"
        print(f"{row[0]:60s} relevance {score:>6s}  gate chosen on the others {gate:.3f}")
    for name, (tp, fp, fn) in (
        ("cross-validated gate", held_out),
        (f"fixed gate {TOPIC_GATE}", fixed),
    ):
        precision, recall = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
        print(
            f"{name}: P {precision:.3f} R {recall:.3f} F1 {f1(tp, fp, fn):.3f}"
            f" ({len(rows)} articles)"
        )


if __name__ == "__main__":
    main()
