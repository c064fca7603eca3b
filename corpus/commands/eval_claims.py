"""`debtcorpus eval claims [GOLD]`: precision and recall of claim extraction on a gold set."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from cleaning.claims import ClaimConfig
from cleaning.claims_eval import FIELDS, EvalReport, Tally, evaluate, load_gold
from cleaning.claims_lexicon import ClaimDataError
from corpus.errors import DataError

DEFAULT_GOLD = Path("tests/data/claims_gold.jsonl")
console = Console(width=None if sys.stdout.isatty() else 160)


def tally_table(title: str, table_rows: dict[str, Tally], overall: Tally) -> Table:
    table = Table(title=title)
    for column in ("type", "precision", "recall", "tp", "fp", "fn"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for name, tally in [*sorted(table_rows.items()), ("ALL", overall)]:
        table.add_row(
            name,
            f"{tally.precision:.3f}",
            f"{tally.recall:.3f}",
            str(tally.tp),
            str(tally.fp),
            str(tally.fn),
        )
    return table


def fields_table(report: EvalReport) -> Table:
    table = Table(title="Fields (on claims whose type and subtype match)")
    for column in ("field", "accuracy", "claims"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for name in FIELDS:
        table.add_row(name, f"{report.accuracy(name):.3f}", str(report.field_totals[name]))
    return table


@click.command(name="claims")
@click.argument("gold", required=False, type=click.Path(dir_okay=False, path_type=Path))
def eval_claims(gold: Path | None) -> None:
    """Score claims against GOLD (default tests/data/claims_gold.jsonl), per type and field."""
    path = gold or DEFAULT_GOLD
    if not path.is_file():
        raise DataError(f"gold file {path} not found; pass the path of a claims gold JSONL file")
    try:
        report = evaluate(load_gold(path), ClaimConfig(checks=False))
    except ClaimDataError as exc:
        raise DataError(str(exc)) from exc
    console.print(f"{report.sentences} gold sentences from {path}")
    console.print(tally_table("Claim types", report.by_type, report.overall(report.by_type)))
    subtypes = report.by_subtype
    console.print(tally_table("Subtypes (per type)", subtypes, report.overall(subtypes)))
    console.print(fields_table(report))
