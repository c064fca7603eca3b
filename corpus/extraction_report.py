"""The report of an extraction run: means and medians per system, site-grouped folds, results
per source and page type, date and author accuracy beside the library baselines, and the
per-fold change against an earlier run."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus.extraction_bench import AUTHOR_SYSTEMS, DATE_SYSTEMS, OURS, SYSTEMS, PageResult

LOW_F1 = 0.5
DEFAULT_FOLDS = 5


@dataclass(frozen=True)
class SystemSummary:
    mean_precision: float
    mean_recall: float
    mean_f1: float
    median_precision: float
    median_recall: float
    median_f1: float
    low_pages: list[str] = field(default_factory=list)


def summarise(results: list[PageResult], system: str) -> SystemSummary:
    scores = [r.scores[system] for r in results]
    precision = [s.precision for s in scores]
    recall = [s.recall for s in scores]
    f1 = [s.f1 for s in scores]
    return SystemSummary(
        mean_precision=statistics.fmean(precision),
        mean_recall=statistics.fmean(recall),
        mean_f1=statistics.fmean(f1),
        median_precision=statistics.median(precision),
        median_recall=statistics.median(recall),
        median_f1=statistics.median(f1),
        low_pages=[r.id for r in results if r.scores[system].f1 < LOW_F1],
    )


def assign_folds(results: list[PageResult], folds: int) -> dict[str, int]:
    """Host -> fold: the pages of one site always share a fold. Sites are taken largest first
    and each goes to the fold with the fewest pages so far (scikit-learn's GroupKFold rule;
    ties by name, so the split is the same on every run and machine)."""
    sizes: dict[str, int] = defaultdict(int)
    for result in results:
        sizes[result.host] += 1
    load = [0] * folds
    assignment: dict[str, int] = {}
    for host in sorted(sizes, key=lambda name: (-sizes[name], name)):
        fold = min(range(folds), key=lambda index: (load[index], index))
        assignment[host] = fold
        load[fold] += sizes[host]
    return assignment


def _accuracy(values: list[bool | None]) -> dict[str, Any] | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return {"correct": sum(known), "pages": len(known), "accuracy": sum(known) / len(known)}


def _mean_f1(results: list[PageResult]) -> dict[str, float]:
    return {name: statistics.fmean(r.scores[name].f1 for r in results) for name in SYSTEMS}


def _field_accuracy(
    results: list[PageResult], pick: Callable[[PageResult], dict[str, bool | None]]
) -> dict[str, Any]:
    systems = DATE_SYSTEMS if pick is _dates else AUTHOR_SYSTEMS  # pick is one of the two below
    return {name: _accuracy([pick(r).get(name) for r in results]) for name in systems}


def _dates(result: PageResult) -> dict[str, bool | None]:
    return result.dates


def _authors(result: PageResult) -> dict[str, bool | None]:
    return result.authors


def fold_report(results: list[PageResult], folds: int) -> dict[str, Any]:
    """Per fold (held-out pages of the sites in it) and the mean of the folds."""
    assignment = assign_folds(results, folds)
    rows = []
    for fold in range(folds):
        held_out = [r for r in results if assignment[r.host] == fold]
        if not held_out:
            continue
        rows.append(
            {
                "fold": fold,
                "pages": len(held_out),
                "sites": len({r.host for r in held_out}),
                "mean_f1": _mean_f1(held_out),
                "date_accuracy": _field_accuracy(held_out, _dates),
                "author_accuracy": _field_accuracy(held_out, _authors),
            }
        )
    return {"folds": rows, "mean_of_folds": _mean_of_folds(rows)}


def _mean_of_folds(rows: list[dict[str, Any]]) -> dict[str, Any]:
    means: dict[str, Any] = {
        "mean_f1": {
            name: statistics.fmean(row["mean_f1"][name] for row in rows) for name in SYSTEMS
        }
    }
    for label, systems in (("date_accuracy", DATE_SYSTEMS), ("author_accuracy", AUTHOR_SYSTEMS)):
        means[label] = {}
        for name in systems:
            scored = [row[label][name]["accuracy"] for row in rows if row[label][name]]
            means[label][name] = statistics.fmean(scored) if scored else None
    return means


def group_report(
    results: list[PageResult], key: Callable[[PageResult], str | None]
) -> dict[str, Any]:
    groups: dict[str, list[PageResult]] = defaultdict(list)
    for result in results:
        name = key(result)
        if name:
            groups[name].append(result)
    return {name: {"pages": len(rows), "mean_f1": _mean_f1(rows)} for name, rows in groups.items()}


def report(
    folder: Path, results: list[PageResult], folds: int = DEFAULT_FOLDS, digest: str = ""
) -> dict[str, Any]:
    """The machine-readable report of one run."""
    return {
        "folder": str(folder),
        "inputs_sha256": digest,
        "pages": len(results),
        "sites": len({r.host for r in results}),
        "systems": {name: asdict(summarise(results, name)) for name in SYSTEMS},
        "date_accuracy": _field_accuracy(results, _dates),
        "author_accuracy": _field_accuracy(results, _authors),
        "by_source": group_report(results, lambda r: r.source),
        "by_page_type": group_report(results, lambda r: r.page_type),
        "by_lang": group_report(results, lambda r: r.lang),
        "site_folds": fold_report(results, folds) if folds > 1 else None,
        "rejected": {r.id: r.rejected for r in results if r.rejected},
        "pages_f1": {r.id: round(r.scores[OURS].f1, 4) for r in results},
    }


def compare(current: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Per fold, how our mean F1 moved against an earlier report of the same folder and
    folds; and the pages whose F1 moved by more than 0.02."""
    now, before = current["site_folds"], earlier.get("site_folds")
    if not now or not before or len(now["folds"]) != len(before["folds"]):
        return {"folds": [], "pages": {}}
    moved = [
        round(a["mean_f1"][OURS] - b["mean_f1"][OURS], 4)
        for a, b in zip(now["folds"], before["folds"], strict=True)
    ]
    old_pages = earlier.get("pages_f1", {})
    pages = {
        page: round(f1 - old_pages[page], 4)
        for page, f1 in current["pages_f1"].items()
        if page in old_pages and abs(f1 - old_pages[page]) > 0.02
    }
    return {"folds": moved, "pages": pages}
