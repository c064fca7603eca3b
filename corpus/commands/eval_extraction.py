"""`debtcorpus eval extraction DIR`: score main-text extraction against a gold folder.

DIR holds pages/<id>.html (raw bytes), gold/<id>.txt and index.jsonl (id, url, page_type, and
optionally gold_date / gold_author). Our pipeline, trafilatura alone and readability-lxml alone
run side by side on every page; each is scored by bag-of-tokens precision, recall and F1, on
all pages and in site-grouped folds (`corpus.extraction_report`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from corpus.errors import DataError
from corpus.extraction_bench import OURS, inputs_digest, score_folder
from corpus.extraction_report import DEFAULT_FOLDS, LOW_F1, compare, report


def _print_systems(data: dict[str, Any]) -> None:
    click.echo(f"{data['folder']}: {data['pages']} pages from {data['sites']} sites")
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


def _f1_row(label: str, pages: int, means: dict[str, float]) -> str:
    cells = "".join(f"{means[name]:>13.3f}" for name in means)
    return f"{label:<24}{pages:>6}{cells}"


def _print_groups(data: dict[str, Any]) -> None:
    systems = list(data["systems"])
    click.echo(f"{'mean F1 by':<24}{'pages':>6}" + "".join(f"{name:>13}" for name in systems))
    for key in ("by_source", "by_page_type", "by_lang"):
        for name, group in data[key].items():
            click.echo(_f1_row(f"{key[3:]}={name}"[:24], group["pages"], group["mean_f1"]))


def _accuracy_cell(value: dict[str, Any] | None) -> str:
    return f"{value['accuracy']:.3f} ({value['correct']}/{value['pages']})" if value else "-"


def _print_folds(folds: dict[str, Any]) -> None:
    click.echo("site-grouped folds (the pages of one site share a fold):")
    for row in folds["folds"]:
        click.echo(
            _f1_row(f"fold {row['fold']} ({row['sites']} sites)", row["pages"], row["mean_f1"])
        )
    mean = folds["mean_of_folds"]
    click.echo(_f1_row("mean of folds", sum(r["pages"] for r in folds["folds"]), mean["mean_f1"]))
    for label in ("date_accuracy", "author_accuracy"):
        cells = ", ".join(
            f"{name} {value:.3f}" for name, value in mean[label].items() if value is not None
        )
        if cells:
            click.echo(f"{label} (mean of folds): {cells}")


def _print_metadata(data: dict[str, Any]) -> None:
    for label in ("date_accuracy", "author_accuracy"):
        cells = ", ".join(
            f"{name} {_accuracy_cell(value)}" for name, value in data[label].items() if value
        )
        if cells:
            click.echo(f"{label}: {cells}")


def _print_report(data: dict[str, Any]) -> None:
    _print_systems(data)
    _print_groups(data)
    if data["site_folds"]:
        _print_folds(data["site_folds"])
    _print_metadata(data)
    low = data["systems"][OURS]["low_pages"]
    if low:
        click.echo(f"{OURS} pages below {LOW_F1}: {', '.join(low)}")
    if data["rejected"]:
        rejected = ", ".join(f"{k} ({v})" for k, v in data["rejected"].items())
        click.echo(f"rejected by {OURS}: {rejected}")
    if "compared" in data:
        moved = ", ".join(f"{delta:+.4f}" for delta in data["compared"]["folds"])
        click.echo(f"change per fold against the earlier run: {moved or 'not comparable'}")
        for page, delta in sorted(data["compared"]["pages"].items(), key=lambda kv: kv[1]):
            click.echo(f"  {page} {delta:+.3f}")


def _earlier_report(path: Path) -> dict[str, Any]:
    """The --compare file, read before any page is scored: a JSON object, else a clean error."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        earlier = error
    if not isinstance(earlier, dict):
        raise DataError(
            f"--compare {path} is not a --json report of `debtcorpus eval extraction`; "
            "write one with `debtcorpus eval extraction FOLDER --json > before.json`"
        )
    return earlier


@click.command(name="extraction")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Worker processes."
)
@click.option(
    "--folds",
    type=click.IntRange(min=1),
    default=DEFAULT_FOLDS,
    show_default=True,
    help="Site-grouped folds (pages of one host share a fold); 1 for none.",
)
@click.option(
    "--title-first",
    is_flag=True,
    help="Score every system's text with its headline before it (gold that starts with the "
    "headline, as in extraction-zh-news).",
)
@click.option(
    "--compare",
    "earlier",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier --json report of the same folder: print how each fold and page moved.",
)
def eval_extraction(
    folder: Path, as_json: bool, workers: int, folds: int, title_first: bool, earlier: Path | None
) -> None:
    """Score main-text extraction on FOLDER (pages/, gold/, index.jsonl): our pipeline,
    trafilatura alone and readability-lxml alone; mean and median precision, recall and F1,
    per site-grouped fold and the mean of the folds, per source, page type and script; the
    pages below 0.5; date accuracy beside htmldate and trafilatura's metadata, author accuracy
    beside trafilatura's metadata, where the index has gold."""
    before = None if earlier is None else _earlier_report(earlier)
    results = score_folder(folder, workers, title_first)
    data = report(folder, results, folds, inputs_digest(folder))
    if before is not None:
        data["compared"] = compare(data, before)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_report(data)
