"""`debtcorpus eval extraction DIR`: score main-text extraction against a gold folder.

DIR holds pages/<id>.html (raw bytes), gold/<id>.txt and index.jsonl (id, url, page_type, and
optionally gold_date / gold_author). Our pipeline, trafilatura alone and readability-lxml alone
run side by side on every page; each is scored by bag-of-tokens precision, recall and F1.
"""

from __future__ import annotations

import json
import re
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import trafilatura

from cleaning.decode import decode_html
from cleaning.extract.candidates import readability_text
from cleaning.extract.main_text import Rejection, extract
from cleaning.extract.scoring import TokenScore, token_f1
from corpus.errors import DataError

OURS = "debtcorpus"
SYSTEMS = (OURS, "trafilatura", "readability")
LOW_F1 = 0.5
# Pages carry no fetch time; relative dates ("3天前") resolve against this fixed instant.
FETCHED_AT = datetime(2025, 6, 1)


@dataclass(frozen=True)
class PageResult:
    id: str
    page_type: str
    scores: dict[str, TokenScore]
    date_correct: bool | None = None
    author_correct: bool | None = None
    rejected: str | None = None


@dataclass(frozen=True)
class SystemSummary:
    mean_precision: float
    mean_recall: float
    mean_f1: float
    median_precision: float
    median_recall: float
    median_f1: float
    low_pages: list[str] = field(default_factory=list)


def load_index(folder: Path) -> list[dict[str, Any]]:
    """The index rows of a benchmark folder; a clear error when the layout is wrong."""
    index = folder / "index.jsonl"
    if not index.is_file() or not (folder / "pages").is_dir() or not (folder / "gold").is_dir():
        raise DataError(
            f"{folder} is not a benchmark folder: it needs index.jsonl, pages/ and gold/ "
            "(see shared/benchmarks/README.md)"
        )
    lines = index.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _same_day(found: datetime | None, gold: str) -> bool:
    """Right to the day; gold written to the month or year only (`2003-5`, `2018`) is
    compared at that precision."""
    parts = [int(part) for part in re.findall(r"\d+", gold)[:3]]
    return found is not None and [found.year, found.month, found.day][: len(parts)] == parts


def _is_date(gold: str | None) -> bool:
    """Gold dates the annotators could not find are written `UNKNWON`: nothing to score."""
    return bool(gold and re.search(r"\d{4}", gold))


def _person_key(name: str | None) -> str:
    """Gold writes several people as `宋怡 杨志华` or `赵延东、风笑天`: separators do not count."""
    return re.sub(r"[\s、,，·/]+", "", name or "")


def _same_author(found: str | None, gold: str) -> bool:
    return bool(found) and _person_key(found) == _person_key(gold)


def score_page(folder: Path, row: dict[str, Any]) -> PageResult:
    """All systems on one page of a benchmark folder."""
    page_id = row["id"]
    raw = (folder / "pages" / f"{page_id}.html").read_bytes()
    gold = (folder / "gold" / f"{page_id}.txt").read_text(encoding="utf-8")
    html = decode_html(raw, None).text
    url = row.get("url") or ""
    found = extract(html, url, FETCHED_AT)
    ours = "" if isinstance(found, Rejection) else found.text
    texts = {
        OURS: ours,
        "trafilatura": trafilatura.extract(html, url=url or None) or "",
        "readability": readability_text(html),
    }
    result = PageResult(
        id=page_id,
        page_type=row.get("page_type", "article"),
        scores={name: token_f1(text, gold) for name, text in texts.items()},
        rejected=found.reason if isinstance(found, Rejection) else None,
    )
    if isinstance(found, Rejection):
        return result
    published = found.published.value if found.published else None
    date_ok = _same_day(published, row["gold_date"]) if _is_date(row.get("gold_date")) else None
    # the gold names the person the page credits: the author, else the responsible editor
    credited = found.author or found.editor
    author_ok = _same_author(credited, row["gold_author"]) if row.get("gold_author") else None
    return replace(result, date_correct=date_ok, author_correct=author_ok)


def _score_job(job: tuple[Path, dict[str, Any]]) -> PageResult:
    return score_page(*job)


def score_folder(folder: Path, workers: int = 2) -> list[PageResult]:
    """Every page of a folder, scored in a process pool (order of the index kept)."""
    rows = load_index(folder)
    jobs = [(folder, row) for row in rows]
    if workers <= 1:
        return [_score_job(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_score_job, jobs, chunksize=4))


def summarise(results: list[PageResult], system: str) -> SystemSummary:
    scores = [r.scores[system] for r in results]
    low = [r.id for r in results if r.scores[system].f1 < LOW_F1]
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
        low_pages=low,
    )


def _accuracy(values: list[bool | None]) -> dict[str, Any] | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return {"correct": sum(known), "pages": len(known), "accuracy": sum(known) / len(known)}


def report(folder: Path, results: list[PageResult]) -> dict[str, Any]:
    """The machine-readable report of one run."""
    return {
        "folder": str(folder),
        "pages": len(results),
        "systems": {name: asdict(summarise(results, name)) for name in SYSTEMS},
        "date_accuracy": _accuracy([r.date_correct for r in results]),
        "author_accuracy": _accuracy([r.author_correct for r in results]),
        "rejected": {r.id: r.rejected for r in results if r.rejected},
    }


def _print_report(data: dict[str, Any]) -> None:
    click.echo(f"{data['folder']}: {data['pages']} pages")
    click.echo(
        f"{'system':<14}{'P mean':>8}{'R mean':>8}{'F1 mean':>9}{'P med':>8}{'R med':>8}"
        f"{'F1 med':>8}{'<0.5':>6}"
    )
    for name, s in data["systems"].items():
        click.echo(
            f"{name:<14}{s['mean_precision']:>8.3f}{s['mean_recall']:>8.3f}{s['mean_f1']:>9.3f}"
            f"{s['median_precision']:>8.3f}{s['median_recall']:>8.3f}{s['median_f1']:>8.3f}"
            f"{len(s['low_pages']):>6}"
        )
    for label in ("date_accuracy", "author_accuracy"):
        value = data[label]
        if value:
            click.echo(f"{label}: {value['accuracy']:.3f} ({value['correct']}/{value['pages']})")
    low = data["systems"][OURS]["low_pages"]
    if low:
        click.echo(f"{OURS} pages below {LOW_F1}: {', '.join(low)}")
    if data["rejected"]:
        rejected = ", ".join(f"{k} ({v})" for k, v in data["rejected"].items())
        click.echo(f"rejected by {OURS}: {rejected}")


@click.command(name="extraction")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--workers", default=2, show_default=True, help="Worker processes.")
def eval_extraction(folder: Path, as_json: bool, workers: int) -> None:
    """Score main-text extraction on FOLDER (pages/, gold/, index.jsonl): our pipeline,
    trafilatura alone and readability-lxml alone, mean and median precision, recall and F1,
    pages below 0.5, and date and author accuracy where the index has gold."""
    data = report(folder, score_folder(folder, workers))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_report(data)
