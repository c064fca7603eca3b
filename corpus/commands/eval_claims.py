"""`debtcorpus eval claims GOLD...`: precision and recall of claim extraction on gold sets."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from cleaning.claims import ClaimConfig
from cleaning.claims.eval import FIELDS, EvalReport, GoldSentence, Tally, evaluate, load_gold
from corpus.errors import DataError
from corpus.progress import progress

console = Console(width=None if sys.stdout.isatty() else 160)


def ratio(value: float, total: int) -> str:
    """A precision, recall or accuracy to three places; `-` when nothing was counted (0/0)."""
    return f"{value:.3f}" if total else "-"


def tally_table(title: str, table_rows: dict[str, Tally], overall: Tally, key: str) -> Table:
    table = Table(title=title)
    for column in (key, "precision", "recall", "tp", "fp", "fn"):
        table.add_column(column, justify="left" if column == key else "right")
    for name, tally in [*sorted(table_rows.items()), ("ALL", overall)]:
        table.add_row(
            name,
            ratio(tally.precision, tally.tp + tally.fp),
            ratio(tally.recall, tally.tp + tally.fn),
            str(tally.tp),
            str(tally.fp),
            str(tally.fn),
        )
    return table


def fields_table(report: EvalReport) -> Table:
    table = Table(title="Fields (on claims whose type and subtype match; days on TIMING)")
    for column in ("field", "accuracy", "claims"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for name in FIELDS:
        total = report.field_totals[name]
        table.add_row(name, ratio(report.accuracy(name), total), str(total))
    return table


def print_report(source: str, report: EvalReport, show_errors: bool) -> None:
    console.print(f"{report.sentences} gold sentences from {source}")
    types = report.by_type
    console.print(tally_table("Claim types", types, report.overall(types), "type"))
    subtypes = report.by_subtype
    console.print(tally_table("Subtypes (per type)", subtypes, report.overall(subtypes), "type"))
    console.print(fields_table(report))
    if report.check_sentences:
        checks = report.checks
        console.print(tally_table("Rule checks", checks, report.overall(checks), "rule"))
        console.print(
            f"false flags: {report.falsely_flagged} of {report.check_sentences} sentences "
            f"({report.false_flag_rate:.1%})"
        )
    else:
        console.print("rule checks: not labelled in this gold file")
    if show_errors:
        for line in report.errors:
            click.echo(line)


@click.command(name="claims")
@click.argument("gold", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--errors", "show_errors", is_flag=True, help="Also list every mismatch.")
def eval_claims(gold: tuple[Path, ...], show_errors: bool) -> None:
    """Score claims against GOLD files (JSON lines, format in docs/claims.md): per-type and
    per-subtype precision and recall, lender, modality, polarity and days accuracy, and the
    precision and recall of rule checks with the share of sentences falsely flagged.

        debtcorpus eval claims tests/data/claims_gold2_test.jsonl

    Several files are scored one by one, then pooled (their sentences together).
    """
    pooled: list[GoldSentence] = []
    for path in gold:
        if not path.is_file():
            raise DataError(f"gold file {path} not found; pass the path of a claims gold file")
        rows = load_gold(path)
        report = evaluate(rows, ClaimConfig(), partial(tracked, f"scoring {path.name}"))
        print_report(str(path), report, show_errors)
        pooled.extend(rows)
    if len(gold) > 1:
        report = evaluate(pooled, ClaimConfig(), partial(tracked, "scoring the pooled files"))
        print_report(f"the {len(gold)} files pooled", report, show_errors=False)


def tracked(description: str, rows: list[GoldSentence]) -> Iterator[GoldSentence]:
    return progress(rows, len(rows), description)
