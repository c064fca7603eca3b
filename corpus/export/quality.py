"""Measured quality of the machine annotations, as the dataset card reports it.

`quality.json` beside this module holds the figures, each with the command that measures it:

- claims: `debtcorpus eval claims` on the held-out test part of the second gold set (and, as
  second figures, its dev part and the first set), for one claim rule version;
- extraction: the held-out (site-grouped folds) floors of `debtcorpus eval extraction` that
  `tests/test_extract_benchmarks.py` checks on every `make test` (extraction_scores.json);
- dedup: the figures of `debtcorpus eval dedup` recorded in docs/dedup.md (too slow to re-run
  in tests; carried over as recorded).

The gold files are not installed with the package, so exports read the stored file;
`tests/test_export_card.py` recomputes the claims and extraction parts and fails when they
drift. Refresh with `python -m corpus.export.quality` from a checkout.
"""

from __future__ import annotations

import importlib.metadata
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cleaning.claims.eval import EvalReport, Tally

QUALITY_FILE = Path(__file__).with_name("quality.json")
REPO = Path(__file__).resolve().parents[2]
DATA = Path("tests/data")
# Every test part and every dev part of the second set (the card pools what it names; claims-2.5
# added 2j test and 2j, 2k dev; claims-2.6 2l test and dev; claims-2.8 2m and 2n, test and dev).
CLAIM_TEST_PARTS = ("", "b", "f", "g", "i", "j", "l", "m", "n", "o", "p")
CLAIM_DEV_PARTS = ("", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p")
CLAIM_GOLD: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("test", tuple(f"claims_gold2{part}_test.jsonl" for part in CLAIM_TEST_PARTS)),
    ("dev", tuple(f"claims_gold2{part}_dev.jsonl" for part in CLAIM_DEV_PARTS)),
    ("first", ("claims_gold.jsonl",)),
)
CLAIM_GOLD_ROLES = {
    "test": "second gold set, every test part: labelled by meaning before the extractor ran, "
    "never tuned on (the headline figures)",
    "dev": "second gold set, every dev part: tuned on",
    "first": "first gold set: used in development, optimistic",
}
EXTRACTION_FOLDERS = ("extraction-zh", "extraction-en", "extraction-zh-news")
EXTRACTION_KEYS = ("mean_of_folds_f1", "median_f1", "date_accuracy", "author_accuracy")


def rounded(value: float) -> float:
    return round(value, 3)


def tally(value: Tally) -> dict[str, Any]:
    return {
        "precision": rounded(value.precision),
        "recall": rounded(value.recall),
        "tp": value.tp,
        "fp": value.fp,
        "fn": value.fn,
    }


def claim_figures(report: EvalReport) -> dict[str, Any]:
    from cleaning.claims.eval import FIELDS

    types = {name: tally(t) for name, t in sorted(report.by_type.items())}
    figures: dict[str, Any] = {
        "sentences": report.sentences,
        "types": {"ALL": tally(report.overall(report.by_type)), **types},
        "subtypes_all": tally(report.overall(report.by_subtype)),
        "fields": {
            name: {"accuracy": rounded(report.accuracy(name)), "claims": report.field_totals[name]}
            for name in FIELDS
        },
    }
    if report.check_sentences:
        figures["checks"] = {
            **tally(report.overall(report.checks)),
            "sentences": report.check_sentences,
            "falsely_flagged": report.falsely_flagged,
            "false_flag_rate": rounded(report.false_flag_rate),
        }
    return figures


def measure_claims(repo: Path = REPO) -> dict[str, Any]:
    """Runs the claim extractor over the gold sets (a few seconds); imported here so that
    exports, which only read the stored figures, do not load the extractor."""
    from cleaning.claims import ClaimConfig
    from cleaning.claims.eval import evaluate, load_gold
    from cleaning.claims.extract import RULE_VERSION

    gold_sets = {}
    for part, names in CLAIM_GOLD:
        paths = [DATA / name for name in names]
        sentences = [row for path in paths for row in load_gold(repo / path)]
        report = evaluate(sentences, ClaimConfig())
        gold_sets[part] = {
            "gold": ", ".join(str(path) for path in paths),
            "role": CLAIM_GOLD_ROLES[part],
            "command": "debtcorpus eval claims " + " ".join(str(path) for path in paths),
            **claim_figures(report),
        }
    return {"rule_version": RULE_VERSION, "gold_sets": gold_sets}


def extraction_floors(repo: Path = REPO) -> dict[str, Any]:
    scores = json.loads((repo / DATA / "extraction_scores.json").read_text("utf-8"))
    folders = {}
    for folder in EXTRACTION_FOLDERS:
        entry = scores[folder]
        flags = " --title-first" if entry.get("title_first") else ""
        folders[folder] = {
            "command": f"debtcorpus eval extraction ../shared/benchmarks/{folder} "
            f"--folds {scores['folds']}{flags}",
            **{key: entry[key] for key in EXTRACTION_KEYS if key in entry},
        }
    return {
        "what": "floors (at least) of held-out figures: mean over site-grouped folds, bag-of-"
        "tokens F1 of the main text; dates right to the day, authors as credited",
        "checked_by": "tests/test_extract_benchmarks.py (every make test)",
        "folders": folders,
    }


def build_quality(previous: dict[str, Any], repo: Path = REPO) -> dict[str, Any]:
    """The quality file: claims and extraction measured now, dedup carried over."""
    return {
        "claims": measure_claims(repo),
        "extraction": extraction_floors(repo),
        "dedup": previous["dedup"],
    }


@cache
def stored_quality() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(QUALITY_FILE.read_text("utf-8"))
    return loaded


def quality_text(quality: dict[str, Any]) -> str:
    return json.dumps(quality, ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    quality = build_quality(stored_quality())
    quality["measured_with"] = f"debtcorpus {importlib.metadata.version('debtcorpus')}"
    QUALITY_FILE.write_text(quality_text(quality), encoding="utf-8")
    print(f"wrote {QUALITY_FILE}")


if __name__ == "__main__":
    main()
