"""The `debtcorpus` command. Library errors become clean CLI errors here and only here."""

from __future__ import annotations

from typing import Any

import click

from corpus.commands.lazy import LazyGroup

# name -> "module:attribute" of a click command.
COMMANDS: dict[str, str] = {
    "crawl": "corpus.commands.crawl:crawl",
    "reprocess": "corpus.commands.reprocess:reprocess",
    "stats": "corpus.commands.stats:stats",
    "sample-site": "corpus.commands.sample_site:sample_site",
    "eval": "corpus.commands.evaluate:eval_group",
    "claims": "corpus.commands.claims:claims",
    "dedup": "corpus.commands.dedup:dedup",
    "report": "corpus.commands.report:report",
    "export": "corpus.commands.export:export",
    "ingest-warc": "corpus.commands.ingest_warc:ingest_warc_command",
    "db": "corpus.commands.db:db_group",
    "worker": "corpus.commands.worker:worker",
    "schedule": "corpus.commands.schedule:schedule",
    "scheduler": "corpus.commands.scheduler:scheduler",
    "runs": "corpus.commands.runs:runs",
    "site": "corpus.commands.site:site",
    "history": "corpus.commands.history:history",
    "search": "corpus.commands.search:search",
    "browse": "corpus.commands.browse:browse",
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="debtcorpus")
def cli() -> None:
    """Crawl, clean and study Chinese web articles about debt collection (催收)."""


class ThisProcess:
    """Whether the command owns its process (run by `main`: the console script, `python -m
    corpus`) and so may replace it (`crawl` does, to wait for its crawl with a bare
    interpreter); not under click's CliRunner, which runs `cli` in the caller's process."""

    owned = False


def main(argv: list[str] | None = None) -> Any:
    ThisProcess.owned = True
    return cli.main(args=argv, prog_name="debtcorpus")
