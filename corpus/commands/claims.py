"""`debtcorpus claims`: what the corpus claims about collection, counted and listed; claim
extraction on any JSON-lines text (`claims extract`); vocabulary mining (`claims mine`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, fields
from typing import IO, Any

import click
from rich.console import Console
from rich.table import Table

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.claims.mining import MiningConfig, mine_phrases
from cleaning.errors import json_error
from cleaning.records import ClaimRecord
from corpus.claim_settings import claim_config_from_env
from corpus.claims_query import (
    DIMENSIONS,
    ClaimFilter,
    ClaimRow,
    article_texts,
    count_claims,
    list_claims,
)
from corpus.commands.options import db_option
from corpus.commands.output import TABLE, output_option, write_rows
from corpus.errors import DataError
from corpus.filter_values import FilterChecker
from corpus.store import Store, open_corpus

console = Console(width=None if sys.stdout.isatty() else 160)
# The fields of each claim `claims extract` writes, in this order.
EXTRACT_FIELDS = (
    "type",
    "subtype",
    "trigger",
    "lender",
    "lender_raw",
    "modality",
    "polarity",
    "days_overdue",
    "amount",
    "cited_law",
    "conditions",
    "sentence",
    "start",
    "end",
    "checks",
)


def counts_table(by: str, rows: list[tuple[str | None, int, int]]) -> Table:
    table = Table(title=f"Claims by {by}")
    table.add_column(by)
    table.add_column("claims", justify="right")
    table.add_column("articles", justify="right")
    for value, claims, articles in rows:
        table.add_row(value if value is not None else "(none)", str(claims), str(articles))
    return table


def sentences_table(rows: list[ClaimRow]) -> Table:
    table = Table(title="Claim sentences", show_lines=True)
    for column in ("type", "lender", "modality", "polarity", "sentence", "url", "checks"):
        table.add_column(column, overflow="fold")
    for row in rows:
        kind = f"{row.type}/{row.subtype}" if row.subtype else row.type
        checks = "; ".join(str(check.get("rule_id")) for check in row.checks) or "-"
        sentence = f"{row.sentence} [{row.start}:{row.end}]"
        cells = (row.lender or "-", row.modality or "-", row.polarity, sentence, row.url, checks)
        table.add_row(kind, *cells)
    return table


@click.group(name="claims", invoke_without_command=True)
@db_option
@click.option(
    "--by",
    "by",
    type=click.Choice(DIMENSIONS),
    default="type",
    show_default=True,
    help="Count claims by this field.",
)
@click.option(
    "--type", "type_", default=None, help="Only claims of this type (CHANNEL, TIMING ...)."
)
@click.option("--subtype", default=None, help="Only claims of this subtype (visit, phone ...).")
@click.option(
    "--lender",
    default=None,
    help="Only claims about this lender: its operator (微众银行) or a product or nickname "
    "the gazetteer knows (微粒贷).",
)
@click.option("--site", default=None, help="Only claims from articles of this site.")
@click.option("--modality", default=None, help="Only claims with this modality (possible ...).")
@click.option("--list", "show_list", is_flag=True, help="Also list the sentences behind the count.")
@click.option("--limit", default=50, show_default=True, help="Most sentences to list.")
@output_option()
@click.pass_context
def claims(
    ctx: click.Context,
    db: str | None,
    by: str,
    type_: str | None,
    subtype: str | None,
    lender: str | None,
    site: str | None,
    modality: str | None,
    show_list: bool,
    limit: int,
    output: str,
) -> None:
    """Count claims by type, lender, modality or site, with filters; --list shows the sentences.

    Example: which sites claim that WeBank makes home visits, and under what conditions?

        debtcorpus claims --by site --type CHANNEL --subtype visit --lender 微众银行 --list

    --json/--csv write the counts (with --list: the sentences) as rows; see docs/cli-output.md.

    Subcommands: `extract` runs the extractor on JSON lines of any text, `mine` proposes
    uncovered phrases for the lexicons.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if ctx.invoked_subcommand is not None:
        return
    store = open_corpus(db)
    try:
        where = checked_filter(store, ClaimFilter(type_, lender, site, modality, subtype))
        if output != TABLE:
            write_claim_rows(store, by, where, limit if show_list else None, output)
            return
        console.print(counts_table(by, count_claims(store, by, where)))
        if show_list:
            console.print(sentences_table(list_claims(store, where, limit)))
    finally:
        store.dispose()


def checked_filter(store: Store, where: ClaimFilter) -> ClaimFilter:
    """The filter with every value checked against the corpus and the rule base; what was
    resolved (a lender's product to its operator) is said on stderr."""
    check = FilterChecker(store)
    checked = ClaimFilter(
        type=check.claim_field("type", where.type, "--type"),
        lender=check.lender(where.lender),
        site=check.site(where.site),
        modality=check.claim_field("modality", where.modality, "--modality"),
        subtype=check.claim_field("subtype", where.subtype, "--subtype"),
    )
    check.say_notes()
    return checked


COUNT_FIELDS = ("by", "value", "claims", "articles")
SENTENCE_FIELDS = tuple(field.name for field in fields(ClaimRow))


def write_claim_rows(
    store: Store, by: str, where: ClaimFilter, limit: int | None, output: str
) -> None:
    """The counts, or (with a limit: --list) the sentences, as JSON lines or CSV."""
    if limit is None:
        counts = count_claims(store, by, where)
        rows = [dict(zip(COUNT_FIELDS, (by, *row), strict=True)) for row in counts]
        write_rows(rows, output, COUNT_FIELDS)
    else:
        found = list_claims(store, where, limit)
        write_rows((asdict(row) for row in found), output, SENTENCE_FIELDS)


def claim_json(claim: ClaimRecord) -> dict[str, Any]:
    """One claim as `claims extract` writes it."""
    return {name: getattr(claim, name) for name in EXTRACT_FIELDS} | {
        "checks": [dict(check) for check in claim.checks]
    }


def _numbered_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """(line number, line); input that is not UTF-8 is bad input, said with the last good line."""
    lines, number = iter(stream), 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise DataError(
                f"the input is not UTF-8 after line {number} ({exc.reason}); convert it first,"
                " e.g. iconv -f GBK -t UTF-8 FILE > FILE.utf8"
            ) from exc
        number += 1
        yield number, line


def read_records(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of every non-blank JSON line with a string `text` field."""
    for number, line in _numbered_lines(stream):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"line {number} is not JSON ({json_error(exc)}); give one object per line"
            raise DataError(message) from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise DataError(f'line {number} has no string "text" field; each line needs one')
        yield number, record


@claims.command(name="extract")
@click.argument("source", default="-", type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Extra rule file (YAML, format in docs/claims.md). Repeatable.",
)
@click.option("--no-checks", is_flag=True, help="Do not check claims against the rule base.")
def extract(source: IO[str], rules: tuple[str, ...], no_checks: bool) -> None:
    """Extract claims from JSON lines with a `text` field (FILE, or - for stdin).

    Writes one JSON line per input line: the input's fields plus `claims`, a list of objects
    with type, subtype, trigger, lender, lender_raw, modality, polarity, days_overdue, amount,
    cited_law, conditions, sentence, start, end (offsets into `text`) and checks. An input
    `title` names the article's lender for sentences that say only 平台.

        jq -c '{id, text, title}' articles.jsonl | debtcorpus claims extract - > claims.jsonl
    """
    base = claim_config_from_env(extra_rules=rules)
    config = ClaimConfig(checks=base.checks and not no_checks, extra_rules=base.extra_rules)
    extract_claims("", config)  # load the rules now: a bad rule file fails before any output
    for _, record in read_records(source):
        title = record.get("title") if isinstance(record.get("title"), str) else None
        found = extract_claims(record["text"], config, title)
        record["claims"] = [claim_json(claim) for claim in found]
        click.echo(json.dumps(record, ensure_ascii=False, default=str))


def _texts(source: IO[str] | None, store: Store | None) -> Iterator[str]:
    if store is None:
        assert source is not None, "mine reads SOURCE or the corpus"
        yield from (record["text"] for _, record in read_records(source))
        return
    try:
        yield from article_texts(store)
    finally:
        store.dispose()


@claims.command(name="mine")
@click.argument("source", required=False, type=click.File("r", encoding="utf-8-sig"))
@click.option("--top", default=100, show_default=True, help="Most phrases to list.")
@click.option(
    "--min-sentences", default=3, show_default=True, help="Least sentences a phrase is in."
)
@click.option("--window", default=4, show_default=True, help="Words either side of a term.")
@db_option
@click.pass_context
def mine(
    ctx: click.Context,
    source: IO[str] | None,
    top: int,
    min_sentences: int,
    window: int,
    db: str | None,
) -> None:
    """Propose frequent phrases near collection terms that no trigger covers, for review.

    Reads JSON lines with a `text` field from SOURCE (- for stdin), or the corpus articles
    (--db, here or before `mine`) when no SOURCE is given. Prints tab-separated lines:
    phrase, sentences, articles, an example sentence. Add the phrases that make claims to the
    lexicons in cleaning/claims/lexicons/ (and bump RULE_VERSION).
    """
    config = MiningConfig(window=window, min_sentences=min_sentences, top=top)
    where = db or ctx.obj.get("db")
    store = open_corpus(where) if source is None else None  # refused before output
    click.echo("phrase\tsentences\tarticles\texample")
    for phrase in mine_phrases(_texts(source, store), config):
        click.echo(f"{phrase.phrase}\t{phrase.sentences}\t{phrase.documents}\t{phrase.example}")
