"""A learned decision over raw trigger candidates, stacked on the rules' own decisions (issue 12).

    .venv/bin/python bench/claims_stack_cv.py [--model logreg|hgb] [--label type|subtype]
        [--mode free|drop|restore] [--no-ngrams] [--threshold T ...] [--C C]
        [--folds group|file|both|fresh] [--code TREE [--fresh NAME ...] | --dump OUT] [GOLD ...]

(default GOLD: the dev files, tests/data/claims_gold.jsonl and every claims_gold2*_dev.jsonl;
never a *_test.jsonl). Every trigger word of every dev sentence is a candidate
(bench/claims_candidates.py) with the rules' decisions about it as features (each stage that
would drop it, the rules' keep, clause role, hearsay, quotes, modality and polarity the fields
would give, the sentence's other types) and hashed character n-grams around it; its label is
whether the gold holds a claim of its type (or type and subtype) in that sentence. A
scikit-learn model is trained on the other folds and keeps or drops each held-out candidate;
the kept ones make claims as the extractor does (one per subtype, fields, checks) and are scored
by `cleaning.claims.eval.score_sentence`, the scorer of `debtcorpus eval claims`, beside the
rules alone on the same held-out sentences. Folds: 5 grouped by article (an article shared by
several files is one group) and leave-one-file-out (the held-out file's articles left out of
training); `--folds fresh --code TREE --fresh NAME` trains on every file but NAME and tests on
NAME, with the rules of another checkout (one that had not seen NAME). Prints per fold and the
mean of the held-out folds. `--dump` writes the candidates for bench/claims_fresh_stack.py.
Needs scikit-learn (`.venv/bin/pip install scikit-learn`); not a dependency of the project.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# --code TREE traces the rules of another checkout (an older rule version), this tree's scripts
CODE = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv else str(REPO)
sys.path.insert(0, CODE)
sys.path.insert(1, str(REPO / "bench"))

import numpy as np  # noqa: E402
from claims_candidates import Candidate, TracedItem, claims_of, trace  # noqa: E402

from cleaning.claims.checks import load_rules  # noqa: E402
from cleaning.claims.eval import EvalReport, load_gold, score_sentence, topic_texts  # noqa: E402
from cleaning.claims.fields import modality_of, polarity_of  # noqa: E402
from cleaning.claims.framing import clause_of, in_label, in_quotes  # noqa: E402

WINDOW = 6
NGRAMS = True


def dev_files() -> list[str]:
    data = REPO / "tests" / "data"
    return [
        str(data / "claims_gold.jsonl"),
        *sorted(map(str, data.glob("claims_gold2*_dev.jsonl"))),
    ]


def group_of(path: str, source: str, article: str | None) -> str:
    """Articles of the sample site, the seeds and the benchmarks are one group across files;
    handwritten articles are named per file."""
    if source.startswith("handwritten"):
        return f"{Path(path).name}:{article or source}"
    name = article or source.split(":", 1)[-1]
    return name.split("#", 1)[0].removesuffix(".txt")


def _ngrams(prefix: str, text: str, feats: dict[str, float]) -> None:
    for n in (1, 2, 3):
        for i in range(len(text) - n + 1):
            feats[f"{prefix}{n}:{text[i : i + n]}"] = 1.0


def _context_features(traced: TracedItem, c: Candidate, feats: dict[str, float]) -> None:
    s, t = c.sentence, c.trigger
    roles = traced.roles[s.start]
    clause = clause_of(s, t.start)
    index = next((i for i, k in enumerate(s.clauses) if k.start == clause.start), 0)
    feats[f"role:{roles.role_at(t.start)}"] = 1.0
    feats[f"role_type:{roles.role_at(t.start)}:{t.type}"] = 1.0
    feats["reported"] = float(roles.is_reported(t.start))
    feats["in_hearsay"] = float(roles.in_hearsay(t.start))
    feats["in_quotes"] = float(in_quotes(s, t.start))
    feats["in_label"] = float(in_label(s, t.start))
    feats["bare_line"] = float(s.is_bare_line)
    feats[f"clause_index:{min(index, 4)}"] = 1.0
    feats[f"clauses:{min(len(s.clauses), 6)}"] = 1.0
    feats[f"relpos:{int(4 * (t.start - s.start) / max(1, len(s.text)))}"] = 1.0
    feats[f"len:{min(len(s.text) // 20, 6)}"] = 1.0
    left = s.text[max(0, clause.start - s.start, t.start - s.start - WINDOW) : t.start - s.start]
    right = s.text[t.end - s.start : min(clause.end - s.start, t.end - s.start + WINDOW)]
    if NGRAMS:
        _ngrams("L", left, feats)
        _ngrams("R", right, feats)
    feats[f"clause_open:{clause.text[:2]}"] = 1.0


def features(traced: TracedItem, c: Candidate) -> dict[str, float]:
    t = c.trigger
    feats: dict[str, float] = {"bias": 1.0, f"type:{t.type}": 1.0}
    feats[f"sub:{t.type}/{t.subtype}"] = 1.0
    feats[f"term:{t.term}"] = 1.0
    feats["rules_keep"] = float(c.rules_keep)
    feats["rules_final"] = float(c.rules_final)
    feats[f"rules_keep:{t.type}:{c.rules_keep}"] = 1.0
    feats["on_topic"] = float(traced.on_topic)
    for name, value in c.flags.items():
        if value:
            feats[f"flag:{name}"] = 1.0
            feats[f"flag:{name}:{t.type}"] = 1.0
    s = c.sentence
    roles = traced.roles[s.start]
    feats[f"modality:{modality_of(traced.text, s, t, roles)}"] = 1.0
    feats[f"polarity:{polarity_of(s, t)}"] = 1.0
    same = [o for o in traced.candidates if o.sentence.start == s.start and o is not c]
    for o in same:
        feats[f"other:{o.trigger.type}:{o.rules_keep}"] = 1.0
    _context_features(traced, c, feats)
    return feats


def _articles(path: str) -> dict[str, str | None]:
    lines = Path(path).read_text("utf-8-sig").splitlines()
    return {str(r["id"]): r.get("article") for r in map(json.loads, filter(str.strip, lines))}


def load(paths: list[str]) -> list[tuple[str, str, TracedItem, list[dict[str, float]]]]:
    """(file, group, traced item, features of each candidate) for every gold sentence."""
    rows = []
    for path in paths:
        gold = load_gold(path)
        articles = _articles(path)
        topics = topic_texts(gold)
        for item in gold:
            traced = trace(item, topics.get(item.source))
            types = {c["type"] for c in item.claims}
            pairs = {(c["type"], c["subtype"]) for c in item.claims}
            for c in traced.candidates:
                c.label_type = c.trigger.type in types
                c.label_subtype = (c.trigger.type, c.trigger.subtype) in pairs
            feats = [features(traced, c) for c in traced.candidates]
            group = group_of(path, item.source, articles.get(item.id))
            rows.append((path, group, traced, feats))
    return rows


Model = Callable[[list[dict[str, float]], list[int], list[dict[str, float]]], np.ndarray]


def logreg(c_value: float) -> Model:
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression

    hasher = FeatureHasher(n_features=2**18, alternate_sign=False)

    def fit_predict(train: list[dict[str, float]], y: list[int], test: list[dict[str, float]]):
        model = LogisticRegression(C=c_value, max_iter=2000)
        model.fit(hasher.transform(train), y)
        return model.predict_proba(hasher.transform(test))[:, 1]

    return fit_predict


def _dense(feats: list[dict[str, float]]) -> list[dict[str, float]]:
    """The features without the character n-grams (L1:…, R2:…), for the tree model."""
    return [{k: v for k, v in f.items() if k[:1] not in "LR" or k[1:2] not in "123"} for f in feats]


def hgb(_: float) -> Model:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer

    def fit_predict(train: list[dict[str, float]], y: list[int], test: list[dict[str, float]]):
        vec = DictVectorizer(sparse=False)
        model = HistGradientBoostingClassifier(max_iter=200, min_samples_leaf=10)
        model.fit(vec.fit_transform(_dense(train)), y)
        return model.predict_proba(vec.transform(_dense(test)))[:, 1]

    return fit_predict


Row = tuple[str, str, TracedItem, list[dict[str, float]]]
MODE = "free"


def decide(rules: bool, model: bool, mode: str) -> bool:
    """free: the model decides; drop: it may only drop what the rules keep; restore: it may
    only add what they drop."""
    if mode == "drop":
        return rules and model
    if mode == "restore":
        return rules or model
    return model


def grouped_folds(rows: list[Row], k: int = 5) -> list[tuple[str, list[int], list[int]]]:
    from sklearn.model_selection import GroupKFold

    groups = [r[1] for r in rows]
    folds = GroupKFold(n_splits=k).split(np.zeros(len(rows)), groups=groups)
    return [(f"group-{i}", list(tr_), list(te)) for i, (tr_, te) in enumerate(folds)]


def file_folds(rows: list[Row]) -> list[tuple[str, list[int], list[int]]]:
    out = []
    for path in dict.fromkeys(r[0] for r in rows):
        test = [i for i, r in enumerate(rows) if r[0] == path]
        held = {rows[i][1] for i in test}
        train = [i for i, r in enumerate(rows) if r[0] != path and r[1] not in held]
        out.append((Path(path).name.removesuffix(".jsonl"), train, test))
    return out


def fresh_folds(rows: list[Row], names: list[str]) -> list[tuple[str, list[int], list[int]]]:
    """Train on every file but `names`; test on each of them."""
    fresh = [i for i, r in enumerate(rows) if Path(r[0]).name.removesuffix(".jsonl") in names]
    held = {rows[i][1] for i in fresh}
    train = [i for i, r in enumerate(rows) if i not in set(fresh) and r[1] not in held]
    return [(n, train, [i for i in fresh if Path(rows[i][0]).name.startswith(n)]) for n in names]


def score(rows: list[Row], index: list[int], keeps: dict[int, list[bool]]) -> dict[str, float]:
    rules = load_rules()
    report = EvalReport()
    for i in index:
        traced = rows[i][2]
        score_sentence(report, traced.item, claims_of(traced, keeps[i], rules))
    total = report.overall(report.by_type)
    sub = report.overall(report.by_subtype)
    return {
        "P": total.precision,
        "R": total.recall,
        "tp": total.tp,
        "fp": total.fp,
        "fn": total.fn,
        "subP": sub.precision,
        "subR": sub.recall,
        "mod": report.accuracy("modality"),
        "pol": report.accuracy("polarity"),
        "chkP": report.overall(report.checks).precision,
        "chkR": report.overall(report.checks).recall,
    }


def run_fold(
    rows: list[Row],
    train: list[int],
    test: list[int],
    model: Model,
    label: str,
    thresholds: list[float],
) -> tuple[dict[str, float], dict[float, dict[str, float]]]:
    x = [f for i in train for f in rows[i][3]]
    y = [int(getattr(c, f"label_{label}")) for i in train for c in rows[i][2].candidates]
    xt = [f for i in test for f in rows[i][3]]
    probs = model(x, y, xt) if xt else np.zeros(0)
    base = score(rows, test, {i: [c.rules_keep for c in rows[i][2].candidates] for i in test})
    out = {}
    for t in thresholds:
        keeps, at = {}, 0
        for i in test:
            n = len(rows[i][2].candidates)
            keeps[i] = [
                decide(c.rules_keep, bool(p >= t), MODE)
                for c, p in zip(rows[i][2].candidates, probs[at : at + n], strict=True)
            ]
            at += n
        out[t] = score(rows, test, keeps)
    return base, out


def report(
    name: str,
    folds: list[tuple[str, list[int], list[int]]],
    rows: list[Row],
    model: Model,
    label: str,
    thresholds: list[float],
) -> None:
    bases, models = [], {t: [] for t in thresholds}
    for fold, train, test in folds:
        base, by_t = run_fold(rows, train, test, model, label, thresholds)
        bases.append(base)
        line = " ".join(f"{t}: {m['P']:.3f}/{m['R']:.3f}" for t, m in by_t.items())
        print(f"  {fold:24s} n={len(test):4d} rules {base['P']:.3f}/{base['R']:.3f}  model {line}")
        for t in thresholds:
            models[t].append(by_t[t])
    keys = ("P", "R", "subP", "subR", "mod", "pol", "chkP", "chkR")

    def mean(items: list[dict[str, float]]) -> str:
        return " ".join(f"{k} {np.mean([m[k] for m in items]):.3f}" for k in keys)

    def pooled(items: list[dict[str, float]]) -> str:
        tp, fp, fn = (sum(m[k] for m in items) for k in ("tp", "fp", "fn"))
        return f"pooled P {tp / (tp + fp):.3f} R {tp / (tp + fn):.3f} (tp {tp} fp {fp} fn {fn})"

    print(f"{name} mean of held-out folds:")
    print(f"  rules      {mean(bases)} | {pooled(bases)}")
    for t in thresholds:
        print(f"  model {t:.2f} {mean(models[t])} | {pooled(models[t])}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("gold", nargs="*")
    parser.add_argument("--model", choices=("logreg", "hgb"), default="logreg")
    parser.add_argument("--label", choices=("type", "subtype"), default="type")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--threshold", type=float, action="append")
    parser.add_argument("--mode", choices=("free", "drop", "restore"), default="free")
    parser.add_argument("--no-ngrams", action="store_true")
    parser.add_argument("--folds", choices=("group", "file", "both", "fresh"), default="both")
    parser.add_argument("--code", default=str(REPO))
    parser.add_argument("--fresh", action="append", default=[])
    parser.add_argument("--dump")
    return parser.parse_args()


def needs_sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("claims_stack_cv.py: needs scikit-learn (.venv/bin/pip install scikit-learn)")
        sys.exit(2)


def main() -> None:
    global MODE, NGRAMS
    args = arguments()
    needs_sklearn()
    paths = args.gold or dev_files()
    if any(p.endswith("_test.jsonl") for p in paths):
        print("claims_stack_cv.py: the test parts are held out; give dev files only")
        sys.exit(2)
    MODE, NGRAMS = args.mode, not args.no_ngrams
    rows = load(paths)
    if args.dump:
        dump(rows, args.dump)
        return
    model = (logreg if args.model == "logreg" else hgb)(args.C)
    thresholds = args.threshold or [0.3, 0.5, 0.7]
    print(
        f"{len(rows)} sentences, {sum(len(r[2].candidates) for r in rows)} candidates,"
        f" {len({r[1] for r in rows})} article groups; {args.model} C={args.C}"
        f" label={args.label} mode={args.mode} ngrams={NGRAMS}"
    )
    folds = {
        "group": [("5 folds grouped by article", grouped_folds(rows))],
        "file": [("leave one file out", file_folds(rows))],
        "fresh": [("files unseen by the rules of --code", fresh_folds(rows, args.fresh))],
    }
    folds["both"] = folds["group"] + folds["file"]
    for name, chosen in folds[args.folds]:
        report(name, chosen, rows, model, args.label, thresholds)


def dump(rows: list[Row], out: str) -> None:
    """One JSON line per gold sentence: its file, group, gold types and its candidates (type,
    rules' keep, labels, features) as the rules of --code decide them."""
    with open(out, "w", encoding="utf-8") as handle:
        for path, group, traced, feats in rows:
            cands = [
                {
                    "type": c.trigger.type,
                    "keep": c.rules_keep,
                    "label": c.label_type,
                    "on_topic": traced.on_topic,
                    "features": f,
                }
                for c, f in zip(traced.candidates, feats, strict=True)
            ]
            types = sorted({c["type"] for c in traced.item.claims})
            line = {
                "file": Path(path).name,
                "group": group,
                "id": traced.item.id,
                "gold": types,
                "candidates": cands,
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
