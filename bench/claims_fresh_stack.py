"""Stacking trained on the rules' out-of-sample decisions (issue 12).

    .venv/bin/python bench/claims_fresh_stack.py [--dumps DIR] [--threshold T ...] [--C C]
        [--mode free|drop]

The rules were tuned on every dev file, so their decisions on dev are almost all right and a
model stacked on them (bench/claims_stack_cv.py) learns to copy them. Each dev file below was
scored once with the rules of the commit before it was committed, before anyone tuned on it
(docs/claims.md, "The gold sets"): traced with those rules, its candidates carry the errors the
rules make on text they have not seen. This script checks each such commit out in a temporary
git worktree, dumps the file's candidates with that tree's rules (`claims_stack_cv.py --code
TREE --dump`; the dump is kept in DIR, default /tmp/claims-fresh, and reused), then leaves one
dump out: a logistic regression trained on the other dumps keeps or drops the held-out
candidates, and the types of the kept ones (citations alone off topic) are scored as (sentence,
type) pairs, as `debtcorpus eval claims` scores types, beside those rules alone. Needs
scikit-learn (`pip install scikit-learn`). Dev files only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from claims_stack_cv import needs_sklearn  # noqa: E402

# dev file -> the commit before it was committed (the rules that had not seen it). 2g is left
# out: claims-2.2's framing differs from what bench/claims_candidates.py replays.
FRESH = {
    "claims_gold2f_dev": "bde28fb",
    "claims_gold2h_dev": "4c1ca99",
    "claims_gold2i_dev": "25e00b5",
    "claims_gold2j_dev": "aba9d51",
    "claims_gold2k_dev": "a585fbb",
    "claims_gold2l_dev": "6b275a6",
    "claims_gold2m_dev": "efc620f",
    "claims_gold2n_dev": "efc620f",
}


def make_dumps(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree)], check=True
        )
        try:
            for name, commit in FRESH.items():
                out = folder / f"{name}.jsonl"
                if out.exists():
                    continue
                subprocess.run(
                    ["git", "-C", str(tree), "checkout", "-q", "--detach", commit], check=True
                )
                gold = REPO / "tests" / "data" / f"{name}.jsonl"
                script = REPO / "bench" / "claims_stack_cv.py"
                command = [sys.executable, str(script), "--code", str(tree), "--dump", str(out)]
                subprocess.run([*command, str(gold)], check=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)])


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def counts(items: list[dict[str, Any]], keeps: list[list[bool]]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for item, keep in zip(items, keeps, strict=True):
        found = {
            c["type"]
            for c, k in zip(item["candidates"], keep, strict=True)
            if k and (c["on_topic"] or c["type"] == "CITATION")
        }
        gold = set(item["gold"])
        tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    return tp, fp, fn


def pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def held_out(data: dict[str, list[dict[str, Any]]], name: str, c_value: float) -> list[float]:
    """The held-out dump's candidate probabilities from a model trained on the others."""
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression

    hasher = FeatureHasher(n_features=2**18, alternate_sign=False)
    train = [
        c for other, items in data.items() if other != name for i in items for c in i["candidates"]
    ]
    model = LogisticRegression(C=c_value, max_iter=3000)
    model.fit(hasher.transform([c["features"] for c in train]), [c["label"] for c in train])
    test = [c for i in data[name] for c in i["candidates"]]
    return list(model.predict_proba(hasher.transform([c["features"] for c in test]))[:, 1])


def decisions(
    items: list[dict[str, Any]], probs: list[float], t: float, mode: str
) -> list[list[bool]]:
    at, keeps = 0, []
    for item in items:
        cands = item["candidates"]
        chunk = probs[at : at + len(cands)]
        keeps.append(
            [p >= t and (c["keep"] or mode == "free") for c, p in zip(cands, chunk, strict=True)]
        )
        at += len(cands)
    return keeps


def summary(name: str, rows: list[tuple[int, int, int]]) -> str:
    tp, fp, fn = (sum(r[k] for r in rows) for k in range(3))
    means = [sum(pr(*r)[k] for r in rows) / len(rows) for k in range(2)]
    pooled = pr(tp, fp, fn)
    return (
        f"  {name:6s} mean P {means[0]:.3f} R {means[1]:.3f} | pooled P {pooled[0]:.3f}"
        f" R {pooled[1]:.3f} (tp {tp} fp {fp} fn {fn})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dumps", default="/tmp/claims-fresh")
    parser.add_argument("--threshold", type=float, action="append")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--mode", choices=("free", "drop"), default="free")
    args = parser.parse_args()
    needs_sklearn()
    thresholds = args.threshold or [0.3, 0.5, 0.7]
    make_dumps(Path(args.dumps))
    data = {name: load(Path(args.dumps) / f"{name}.jsonl") for name in FRESH}
    table: dict[str, list[tuple[int, int, int]]] = {"rules": [], **{str(t): [] for t in thresholds}}
    for name, items in data.items():
        probs = held_out(data, name, args.C)
        table["rules"].append(counts(items, [[c["keep"] for c in i["candidates"]] for i in items]))
        for t in thresholds:
            table[str(t)].append(counts(items, decisions(items, probs, t, args.mode)))
        cells = " ".join(f"{k}: {pr(*v[-1])[0]:.3f}/{pr(*v[-1])[1]:.3f}" for k, v in table.items())
        print(f"  {name:20s} n={len(items):4d} {cells}")
    print(f"held-out dumps, C={args.C} mode={args.mode}:")
    for key, rows in table.items():
        print(summary(key, rows))


if __name__ == "__main__":
    main()
