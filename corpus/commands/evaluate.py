"""`debtcorpus eval ...`: measure extraction, claims and dedup against gold data."""

from __future__ import annotations

import click

from corpus.commands.lazy import LazyGroup

SUBCOMMANDS: dict[str, str] = {
    "extraction": "corpus.commands.eval_extraction:eval_extraction",
    "claims": "corpus.commands.eval_claims:eval_claims",
    "dedup": "corpus.commands.eval_dedup:eval_dedup",
}


@click.group(name="eval", cls=LazyGroup, lazy_commands=SUBCOMMANDS)
def eval_group() -> None:
    """Score the pipeline against gold data (extraction, claims, dedup)."""
